"""`make load`: an enrollment surge. Each simulated volunteer signs up, verifies their
e-mail, fills the profile, consents and completes The Basics, then the next one starts,
until LOAD_VOLUNTEERS journeys have been started."""

import ipaddress
import itertools
import os
import sys
import time
import traceback
from pathlib import Path
from urllib.parse import urlencode, urljoin

import django
from geventhttpclient._parser import HTTPParseError
from locust import FastHttpUser, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from bench.load.journey import Journey  # noqa: E402

TOTAL = int(os.environ.get("LOAD_VOLUNTEERS", "1000"))
MAIL_DIR = Path(os.environ["LOAD_MAIL_DIR"])
# Each volunteer's requests, one file per volunteer, when set (the cluster rehearsal prints
# the trail of any volunteer who did not finish).
TRAIL_DIR = Path(os.environ["LOAD_TRAIL_DIR"]) if os.environ.get("LOAD_TRAIL_DIR") else None
_numbers = itertools.count()
_finished = itertools.count()


class _Client:
    """The journey's client on locust's FastHttpSession (geventhttpclient), which costs
    the load generator far less CPU than requests. Redirects are followed here so the
    journey sees the final URL, as a browser does; each hop is its own timed request."""

    def __init__(self, session, client_address: str) -> None:
        self.session = session
        # What the load balancer would append: the server trusts 127.0.0.1 as its proxy
        # (bench/settings.py TRUSTED_PROXIES), so rate limits count this volunteer.
        self.forwarded = {"X-Forwarded-For": client_address}
        self.trail: list[str] = []

    def _note(self, method, url, name, r) -> None:
        status = r.status_code if getattr(r, "error", None) is None else repr(r.error)[:80]
        self.trail.append(f"{time.strftime('%H:%M:%S')} {method} {name} {url} -> {status}")

    def _go(self, method, url, *, name, data=None):
        headers = dict(self.forwarded)
        if method == "POST":
            # Multiple-choice answers are lists: one form field per value, as a browser sends.
            data = urlencode(data, doseq=True)
            headers |= {"Referer": url, "Content-Type": "application/x-www-form-urlencoded"}
        r = self.session.request(
            method, url, data=data, name=name, headers=headers, allow_redirects=False
        )
        self._note(method, url, name, r)
        for _ in range(10):
            if r.status_code not in (301, 302, 303):
                break
            url = urljoin(url, r.headers["Location"])
            r = self.session.request(
                "GET", url, name=name, headers=self.forwarded, allow_redirects=False
            )
            self._note("GET", url, name, r)
        r.raise_for_status()
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {url}: HTTP {r.status_code}")
        text = r.text or ""
        if "html" in (r.headers.get("content-type") or "") and "</html>" not in text[-4096:]:
            # The host died while sending the page. Locust records the read error but hands
            # back the response without it (FastHttpSession.request): the cut page would
            # read as a page without its form. A browser shows a broken page; people reload.
            self.trail.append(f"  incomplete page ({len(text)} characters)")
            raise HTTPParseError(f"incomplete page: {len(text)} characters of {url}")
        return r.status_code, url, text

    def get(self, url, *, name):
        return self._go("GET", url, name=name)

    def post(self, url, data, *, name):
        return self._go("POST", url, name=name, data=data)


def volunteer_address(number: int) -> str:
    """A distinct address per volunteer, from 198.18.0.0/15 (RFC 2544: benchmarking)."""
    return str(ipaddress.IPv4Address("198.18.0.1") + number)


class Volunteer(FastHttpUser):
    @task
    def enroll(self) -> None:
        number = next(_numbers)
        if number >= TOTAL:
            self.stop()
            return
        self.client.cookiejar.clear()
        client = _Client(self.client, volunteer_address(number))
        email = f"surge{number}@example.org"
        try:
            Journey(client, self.host, email, MAIL_DIR).run()
            client.trail.append("journey done")
        except Exception as exc:  # noqa: BLE001 - counted as a failure, the run goes on
            # Where it failed goes with the failure (its last frames in the journey).
            where = " < ".join(
                f"{Path(f.filename).name}:{f.lineno} {f.name}"
                for f in reversed(traceback.extract_tb(exc.__traceback__)[-3:])
            )
            events.request.fire(
                request_type="JOURNEY",
                name="journey",
                response_time=0,
                response_length=0,
                exception=RuntimeError(f"{exc!r} at {where}"),
            )
            client.trail.append(f"journey failed: {exc!r} at {where}")
        finally:
            if TRAIL_DIR is not None:
                (TRAIL_DIR / f"{email}.log").write_text("\n".join(client.trail) + "\n")
        if next(_finished) + 1 >= TOTAL:
            self.environment.runner.quit()
