"""Nothing lives in one web host's memory: two gunicorn processes (two "hosts") on one
database and one Redis. A session made on one host works on the other, and the sign-in
rate limit counts failures made on both hosts together (it lives in Redis)."""

import time
import uuid

import pytest
import requests
from django.db import connection

from tests.faults.services import gunicorn_server, page_inputs, portal_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


REFUSED = "Too many failed log-in attempts"


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


def _staff_login(base: str, email: str, password: str, code: str) -> bool:
    """Password, then the TOTP code, on one host; True when the staff pages open."""
    session = requests.Session()
    token = page_inputs(session, f"{base}/accounts/login/")["csrfmiddlewaretoken"]
    second_step = session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": email, "password": password},
        timeout=60,
    )
    assert second_step.url.endswith("/accounts/2fa/authenticate/"), second_step.url
    token = page_inputs(session, second_step.url)["csrfmiddlewaretoken"]
    session.post(second_step.url, data={"csrfmiddlewaretoken": token, "code": code}, timeout=60)
    staff = session.get(f"{base}/staff/", timeout=60)
    return staff.status_code == 200 and "/accounts/" not in staff.url


def test_a_totp_code_used_on_one_host_is_refused_on_another(db):
    import pyotp
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from portal.models import StaffProfile
    from staff.roles import roles_setup
    from tests.factories import SiteFactory, UserFactory

    roles_setup()
    staff = UserFactory(is_staff=True, email="recruiter@example.org")
    staff.set_password("a-long-staff-password-2026")
    staff.save()
    StaffProfile.objects.create(user=staff, site=SiteFactory(code="two-hosts"))
    staff.groups.set(Group.objects.filter(name="recruitment"))
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)

    db_settings = connection.settings_dict
    env = portal_env(
        DJANGO_SETTINGS_MODULE="tests.scale.two_hosts_settings",
        TWO_HOSTS_CACHE_PREFIX=f"two-hosts-{uuid.uuid4().hex[:8]}",
        DATABASE_URL=(
            f"postgres://{db_settings['USER']}@{db_settings['HOST']}:{db_settings['PORT']}/"
            f"{db_settings['NAME']}"
        ),
        STAFF_ALLOW_PRIVATE_NETWORKS="true",  # the "hosts" answer on loopback
    )
    with gunicorn_server(env) as host_a, gunicorn_server(env) as host_b:
        # Both log-ins inside one 30 s period, so only the replay can refuse the second.
        if 30 - time.time() % 30 < 12:
            time.sleep(30 - time.time() % 30 + 0.5)
        period = int(time.time() // 30)
        code = pyotp.TOTP(secret).now()
        assert _staff_login(host_a.url, staff.email, "a-long-staff-password-2026", code)
        # The same code, replayed on the other host within its 30 s window: refused.
        assert not _staff_login(host_b.url, staff.email, "a-long-staff-password-2026", code)
        assert int(time.time() // 30) == period
