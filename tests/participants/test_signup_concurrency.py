"""200 volunteers sign up at once through the real HTTP stack and PostgreSQL."""

import re
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
from django.core import mail

from participants.models import JourneyState, Participant, User

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
N = 200


def _csrf(opener, url: str) -> str:
    html = opener.open(url, timeout=30).read().decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _post(opener, url: str, data: dict) -> str:
    data = {"csrfmiddlewaretoken": _csrf(opener, url), **data}
    response = opener.open(url, urlencode(data, doseq=True).encode(), timeout=30)
    return response.geturl()


def _volunteer(base: str, i: int) -> str:
    opener = build_opener(HTTPCookieProcessor(CookieJar()))
    opener.addheaders = [("Referer", base + "/")]
    _post(opener, base + "/join/", {"is_adult": "yes", "us_state": "TX", "can_consent": "yes"})
    landed = _post(
        opener,
        base + "/accounts/signup/",
        {
            "email": f"surge{i}@example.org",
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
        },
    )
    return landed


def test_two_hundred_parallel_sign_ups(live_server, settings):
    settings.ACCOUNT_RATE_LIMITS = False
    with ThreadPoolExecutor(max_workers=16) as pool:
        landed = list(pool.map(lambda i: _volunteer(live_server.url, i), range(N)))
    assert all(url.endswith("/accounts/confirm-email/") for url in landed)
    assert User.objects.filter(email__startswith="surge").count() == N
    ids = set(Participant.objects.values_list("participant_id", flat=True))
    research_ids = set(Participant.objects.values_list("research_id", flat=True))
    assert len(ids) == len(research_ids) == N
    assert Participant.objects.filter(state=JourneyState.REGISTERED).count() == N
    assert len({m.to[0] for m in mail.outbox}) == N
