"""`make load`: an enrollment surge. Each simulated volunteer signs up, verifies their
e-mail, fills the profile, consents and completes The Basics, then the next one starts,
until LOAD_VOLUNTEERS journeys have been started."""

import itertools
import os
import sys
from pathlib import Path

import django
from locust import HttpUser, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from bench.load.journey import Journey  # noqa: E402

TOTAL = int(os.environ.get("LOAD_VOLUNTEERS", "1000"))
MAIL_DIR = Path(os.environ["LOAD_MAIL_DIR"])
_numbers = itertools.count()
_finished = itertools.count()


class _Client:
    def __init__(self, session) -> None:
        self.session = session

    def get(self, url, *, name):
        r = self.session.get(url, name=name)
        r.raise_for_status()
        return r.status_code, r.url, r.text

    def post(self, url, data, *, name):
        r = self.session.post(url, data=data, name=name, headers={"Referer": url})
        r.raise_for_status()
        return r.status_code, r.url, r.text


class Volunteer(HttpUser):
    @task
    def enroll(self) -> None:
        number = next(_numbers)
        if number >= TOTAL:
            self.stop()
            return
        self.client.cookies.clear()
        try:
            Journey(_Client(self.client), self.host, f"surge{number}@example.org", MAIL_DIR).run()
        except Exception as exc:  # noqa: BLE001 - counted as a failure, the run goes on
            events.request.fire(
                request_type="JOURNEY",
                name="journey",
                response_time=0,
                response_length=0,
                exception=exc,
            )
        if next(_finished) + 1 >= TOTAL:
            self.environment.runner.quit()
