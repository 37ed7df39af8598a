"""R1 MFA required, R2 TOTP single use, R3 secrets encrypted, R6 timeouts, R7 deactivation,
R8 re-authentication, and no open redirect after login."""

import time

import pyotp
import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from staff.services import staff_deactivate
from tests.staff.conftest import US_IP, reauthenticated, staff_client

pytestmark = pytest.mark.django_db


def _routes_without_parameters() -> list[str]:
    paths: list[str] = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if "<" not in route and "(?P" not in route and "^" not in route:
                    paths.append("/" + route.lstrip("/"))

    walk(get_resolver().url_patterns)
    return sorted(set(paths))


OPEN_WITHOUT_MFA = ("/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/logout/",
                    "/static/", "/healthz", "/i18n/setlang/")  # fmt: skip


def test_staff_without_mfa_is_sent_to_mfa_setup_from_every_protected_url(make_staff):
    user = make_staff("recruitment", "support", "administrator", mfa=False)
    client = staff_client(user)
    checked = 0
    for path in _routes_without_parameters():
        if path.startswith(OPEN_WITHOUT_MFA):
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("mfa_activate_totp"), path
        checked += 1
    assert checked > 10
    # The set-up pages themselves stay reachable.
    assert client.get("/accounts/2fa/").status_code == 200


def test_staff_with_mfa_reaches_the_dashboard(recruiter):
    assert staff_client(recruiter).get("/staff/").status_code == 200


def test_totp_code_is_single_use(make_staff):
    user = make_staff("recruitment")
    user.set_password("a-long-staff-password-2026")
    user.save()

    def login_with(code):
        client = Client(REMOTE_ADDR=US_IP)
        response = client.post(
            reverse("account_login"),
            {"login": user.email, "password": "a-long-staff-password-2026"},
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_authenticate")
        client.post(reverse("mfa_authenticate"), {"code": code})
        return client

    code = pyotp.TOTP(user.totp_secret).now()
    first = login_with(code)
    assert first.get("/staff/").status_code == 200
    second = login_with(code)
    assert "_auth_user_id" not in second.session


def test_totp_secret_is_encrypted_at_rest(make_staff):
    user = make_staff("recruitment")
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM mfa_authenticator WHERE user_id = %s", [user.pk])
        raw = cursor.fetchone()[0]
    assert user.totp_secret not in raw
    assert user.totp_secret.lower() not in raw.lower()


def test_idle_timeout_logs_staff_out(recruiter):
    client = staff_client(recruiter)
    assert client.get("/staff/").status_code == 200
    session = client.session
    session["staff_last_activity"] = time.time() - 16 * 60
    session.save()
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_absolute_lifetime(recruiter):
    client = staff_client(recruiter)
    client.get("/staff/")
    session = client.session
    session["staff_login_at"] = time.time() - 12 * 3600 - 5
    session.save()
    assert client.get("/staff/").status_code == 302


def test_deactivation_ends_other_sessions_at_once(recruiter, admin_user):
    victim_browser = staff_client(recruiter)
    assert victim_browser.get("/staff/").status_code == 200
    staff_deactivate(actor=admin_user, user=recruiter, reason="left the program")
    response = victim_browser.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    from django.contrib.sessions.models import Session

    assert not any(
        str(s.get_decoded().get("_auth_user_id")) == str(recruiter.pk)
        for s in Session.objects.all()
    )


def test_deactivate_view_needs_reauthentication(admin_user, recruiter):
    client = staff_client(admin_user)
    url = reverse("staff:staff_deactivate", args=[recruiter.pk])
    response = client.post(url, {"off-reason": "left"})
    assert response.status_code == 302
    assert reverse("account_reauthenticate") in response["Location"]
    recruiter.refresh_from_db()
    assert recruiter.is_active
    reauthenticated(client)
    response = client.post(url, {"off-reason": "left"})
    assert response.status_code == 302
    recruiter.refresh_from_db()
    assert not recruiter.is_active


def test_role_change_needs_reauthentication(admin_user, recruiter):
    client = staff_client(admin_user)
    url = reverse("staff:staff_roles", args=[recruiter.pk])
    response = client.post(url, {"roles": ["administrator"]})
    assert reverse("account_reauthenticate") in response["Location"]
    assert not recruiter.groups.filter(name="administrator").exists()


def test_login_next_cannot_redirect_off_site(participant):
    client = Client()
    response = client.post(
        reverse("account_login") + "?next=https://evil.example/steal",
        {
            "login": participant.user.email,
            "password": "correct-horse-battery",
            "next": "https://evil.example/steal",
        },
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_participant_gets_404_in_the_staff_area(participant_client):
    assert participant_client.get("/staff/").status_code == 404
    assert participant_client.get("/staff/participants/").status_code == 404


def test_anonymous_staff_path_goes_to_login(client):
    response = client.get("/staff/export/", REMOTE_ADDR=US_IP)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
