"""Issue 15, high 3: rate limits count the client, not the load balancer (R31).

The probe: allauth keyed its limits on REMOTE_ADDR, so behind a proxy five failed log-ins
locked out every log-in in the country, and sign-ups stopped at 20 a minute nationally.
Here allauth's adapter asks `portal.staff_security.client_ip` (X-Forwarded-For only from
TRUSTED_PROXIES), and the per-account limit cannot be used to lock a participant out:
a code by e-mail still lets them in.
"""

import re

import pytest
from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from portal.staff_security import client_ip

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
PASSWORD = "a-long-enough-password-1"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.ACCOUNT_RATE_LIMITS = {
        "login_failed": "5/5m/ip,5/5m/key",
        "signup": "20/m/ip",
        "request_login_code": "20/m/ip,3/m/key",
    }


@pytest.fixture
def member(participant):
    participant.user.set_password(PASSWORD)
    participant.user.save()
    return participant.user


def _via(address: str) -> Client:
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def _login(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _locked(response) -> bool:
    return response.status_code == 429 or "Too many failed" in response.content.decode()


def test_allauth_uses_the_one_client_ip_function(behind_proxy):
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7, 10.0.0.9"
    )
    assert get_adapter().get_client_ip(request) == client_ip(request) == "198.51.100.7"


def test_failed_logins_of_one_client_behind_the_proxy_do_not_lock_out_another(behind_proxy, member):
    attacker = _via("198.51.100.7")
    for n in range(5):
        assert not _locked(_login(attacker, f"nobody{n}@example.org", "wrong-password-123"))
    assert _locked(_login(attacker, "nobody9@example.org", "wrong-password-123"))
    # Before the fix every client behind the proxy shared that bucket.
    response = _login(_via("203.0.113.20"), member.email, PASSWORD)
    assert response.status_code == 302 and not _locked(response)


def test_a_forged_forwarded_for_from_outside_does_not_escape_the_limit(behind_proxy):
    for n in range(5):
        Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            reverse("account_login"), {"login": f"x{n}@example.org", "password": "wrong-pw-123"}
        )
    forged = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert _locked(_login(forged, "x9@example.org", "wrong-pw-123"))


def test_sign_ups_are_limited_per_client_not_for_the_whole_country(behind_proxy):
    rf = RequestFactory()

    def consume(address: str) -> bool:
        request = rf.post("/accounts/signup/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)
        return bool(ratelimit.consume(request, action="signup"))

    # 60 volunteers from 60 addresses in one minute: none refused.
    assert all(consume(f"198.51.100.{n}") for n in range(1, 61))
    # One address: the 21st in a minute is refused.
    results = [consume("203.0.113.5") for _ in range(21)]
    assert results[:20] == [True] * 20 and results[20] is False


def test_an_ipv4_mapped_address_is_the_same_client(behind_proxy):
    for n in range(5):
        _login(_via("198.51.100.7"), f"m{n}@example.org", "wrong-password-123")
    assert _locked(_login(_via("::ffff:198.51.100.7"), "m9@example.org", "wrong-password-123"))


def test_nobody_can_lock_a_participant_out_by_typing_their_address(behind_proxy, member):
    """Failures against one account from many addresses trip the per-account limit (it
    must exist: a botnet would otherwise guess slowly from everywhere). The participant
    is told how to get in, and a code by e-mail gets them in at once."""
    for n in range(6):
        _login(_via(f"198.51.100.{n + 1}"), member.email, f"guess-{n}-wrong-password")
    mine = _via("203.0.113.20")
    refused = _login(mine, member.email, PASSWORD)
    assert _locked(refused)
    assert "log-in code" in refused.content.decode()
    # The fallback: a code by e-mail, not subject to the failed-password limit.
    mail.outbox.clear()
    response = mine.post(reverse("account_request_login_code"), {"email": member.email})
    assert response.status_code == 302
    code_line = re.compile(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", re.MULTILINE)
    code = code_line.search(mail.outbox[-1].body).group(1)
    response = mine.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert mine.get(reverse("participants:home")).status_code == 200
    assert str(member.pk) == mine.session["_auth_user_id"]
