"""Nothing lives in one web host's memory: two gunicorn processes (two "hosts") on one
database and one Redis. A session made on one host works on the other, and the sign-in
rate limit counts failures made on both hosts together (it lives in Redis)."""

import uuid

import pytest
import requests
from django.db import connection

from tests.faults.services import gunicorn_server, page_inputs, portal_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


REFUSED = "Too many failed login attempts"


def _failed_login(base: str, email: str) -> bool:
    """One wrong password; True when the form refused it as one attempt too many."""
    session = requests.Session()
    token = page_inputs(session, f"{base}/accounts/login/")["csrfmiddlewaretoken"]
    response = session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": email, "password": "not-the-password"},
        timeout=60,
    )
    assert response.status_code == 200, response.status_code  # the form again, with its error
    return REFUSED in response.text


def test_sessions_and_rate_limits_are_shared_by_every_host(participant):
    db = connection.settings_dict
    env = portal_env(
        DJANGO_SETTINGS_MODULE="tests.scale.two_hosts_settings",
        TWO_HOSTS_CACHE_PREFIX=f"two-hosts-{uuid.uuid4().hex[:8]}",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    email = participant.user.email
    with gunicorn_server(env) as host_a, gunicorn_server(env) as host_b:
        # A session made on host A is good on host B.
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(participant.user)
        cookies = {settings.SESSION_COOKIE_NAME: client.cookies["sessionid"].value}
        for host in (host_a, host_b):
            page = requests.get(f"{host.url}/me/", cookies=cookies, timeout=60)
            assert page.status_code == 200 and "/accounts/login/" not in page.url

        # Five failed sign-ins (the production limit: 5 per 5 minutes per account),
        # alternating hosts: host A saw 3 and host B 2, yet the sixth is refused on both:
        # the count is one, in Redis.
        refused = [_failed_login((host_a, host_b)[i % 2].url, email) for i in range(5)]
        assert refused == [False] * 5
        assert _failed_login(host_a.url, email)
        assert _failed_login(host_b.url, email)
