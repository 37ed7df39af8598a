"""The enrollment surge of `make load` (bench/load/), through HAProxy to several web hosts.

Two additions for the cluster rehearsal:
- client addresses are spread: each new connection leaves from the next of the load
  generator's addresses (CLUSTER_SOURCE_ADDRESSES), as a surge comes from many people;
- a request whose web host died in the middle (502/503/504 from HAProxy, or the
  connection cut, or a 429 from a rate-limit lock the dead host held) is retried, as a
  person presses the button again. Each failed attempt
  is still recorded by locust as a failure (the `cluster_surge_errors` figure);
- when the lost answer was to a request that had already committed (the e-mailed code
  accepted, say) the new session cookie went with it: pressing again gets a CSRF 403,
  so the volunteer reloads the page, lands on the log-in page and logs in with their
  password, as a person would, and goes on.
"""

import itertools
import os
import re
import time
from urllib.parse import urljoin

import gevent.socket
from geventhttpclient import connectionpool
from geventhttpclient.response import HTTPParseError

from bench.load import locustfile as surge
from bench.load.journey import PASSWORD, Journey, hidden_fields, side_form

ADDRESSES = [a for a in os.environ.get("CLUSTER_SOURCE_ADDRESSES", "").split(",") if a]
_next_address = itertools.cycle(ADDRESSES) if ADDRESSES else None
# 429: allauth's rate limits take a lock in Redis around each count; a host SIGKILLed
# inside it leaves the lock for 10 s (allauth's CACHE_LOCK_TIMEOUT), and that client
# address's next sign-up or log-in meanwhile is refused "too many attempts". A person
# waits a moment and presses again.
RETRY_STATUSES = {429, 502, 503, 504}
ATTEMPTS = 6  # with waits of 1, 2, 4, 8, 16 s: a person tries again a few times


def _spread_tcp_socket(self, family, socktype, protocol):
    sock = gevent.socket.socket(family, socktype, protocol)
    if _next_address is not None:
        sock.bind((next(_next_address), 0))
    return sock


connectionpool.ConnectionPool._create_tcp_socket = _spread_tcp_socket

_original_go = surge._Client._go


def _go_with_retries(self, method, url, *, name, data=None):
    for attempt in range(ATTEMPTS):
        try:
            return _original_go(self, method, url, name=name, data=data)
        except Exception as error:
            code = getattr(error, "code", None)  # locust's and geventhttpclient's status errors
            if method == "POST" and attempt > 0 and code == 403:
                # The lost answer had committed and rotated the CSRF token (a log-in): the
                # form we press again is stale. A person reloads the page instead.
                return _original_go(self, "GET", url, name=name)
            if isinstance(code, int):
                retryable = code in RETRY_STATUSES
            else:  # the connection refused, reset or cut while the host died
                retryable = isinstance(
                    error, (ConnectionError, OSError, TimeoutError, HTTPParseError)
                )
            if attempt + 1 == ATTEMPTS or not retryable:
                raise
            time.sleep(2**attempt)
    raise AssertionError("unreachable")


surge._Client._go = _go_with_retries


class ClusterJourney(Journey):
    def _codes(self) -> list[str]:
        inbox = self.mail_dir / f"{self.email}.eml"
        pattern = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.M)
        return pattern.findall(inbox.read_text(errors="replace")) if inbox.exists() else []

    def verification_code(self, timeout: float = 60, *, after: int = 0) -> str:
        """The newest code in the inbox, once more than `after` codes have arrived (a second
        log-in sends another, and the older one no longer works)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            codes = self._codes()
            if len(codes) > after:
                return codes[-1]
            time.sleep(0.5)
        raise TimeoutError(f"no verification e-mail for {self.email}")

    def verify_email(self, url: str) -> str:
        """Back on track after a lost answer, as a person would: log in, enter the newest code.

        - The sign-up had committed before its answer was lost: pressing again shows the
          sign-up form (the address is taken) or, as allauth prevents enumeration, a code
          page whose code never comes (an "account exists" e-mail does). Either way the
          volunteer logs in with their password, which sends a fresh code.
        - No code comes at all (the host died after the sign-up committed, before its
          e-mail left): press "Send me a new code", and if that brings none, log in.
        - A refused code (it belonged to a session that died with the host): log in again.
        - The code had been accepted before its answer was lost: the stale form is refused
          (CSRF), and reloading the code page leads elsewhere, signed in: go to /me/.
        """
        b = self.base
        older = 0  # codes in the inbox before the newest log-in (none count after sign-up)
        resent = False  # "Send me a new code" pressed on this code page
        for _ in range(10):
            if url.endswith("/accounts/signup/"):
                url = b + "/accounts/login/"
            if url.endswith("/accounts/login/"):
                older, resent = len(self._codes()), False
                _, url, _ = self._submit(
                    url, {"login": self.email, "password": PASSWORD}, name="login-again"
                )
            elif url.endswith("/accounts/confirm-email/"):
                try:
                    code = self.verification_code(timeout=15, after=older)
                except TimeoutError:
                    # No code: the sign-up committed but its e-mail died with the host, or
                    # a new code was held back by allauth's one-per-10-s limit, or this is
                    # the enumeration-safe page. Press "Send me a new code" once; then log in.
                    _, final, html = self.client.get(url, name="verify")
                    form = side_form(html, "resend") if final == url and not resent else None
                    if form is None:
                        url = b + "/accounts/login/"
                        continue
                    older, resent = len(self._codes()), True
                    _, url, _ = self.client.post(
                        urljoin(final, form["action"] or final),
                        hidden_fields(form),
                        name="resend-code",
                    )
                    continue
                _, after, _ = self._submit(url, {"code": code}, name="verify")
                if after.endswith("/accounts/confirm-email/"):  # refused: log in afresh
                    after = b + "/accounts/login/"
                url = after
            elif url.endswith("/me/"):
                break
            else:  # somewhere else (the e-mail settings page after a lost code): go home
                _, url, _ = self.client.get(b + "/me/", name="home")
        return url


surge.Journey = ClusterJourney


class ClusterVolunteer(surge.Volunteer):
    pass
