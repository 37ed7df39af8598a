"""Issue 15, low 9, 10 and 11: staff are located at log-in; the local flag follows the
environment; refusal alerts are throttled, digested and cannot turn a 403 into a 500."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.models import AuditEvent, OutboxMessage
from portal.outbox import dispatch_outbox
from portal.staff_security import staff_alert_digest
from tests.staff.conftest import US_IP, ip_in, reauthenticated, staff_client

pytestmark = pytest.mark.django_db

PASSWORD = "a-very-long-staff-password-1"


def _with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def _log_in(user, ip: str) -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}
    )
    return client


# --- 9: located at log-in -----------------------------------------------------------------
@pytest.mark.parametrize("country", ["RU", "CN", "DE"])
def test_staff_logging_in_from_abroad_get_no_session(country, recruiter):
    client = _log_in(_with_password(recruiter), ip_in(country))
    assert client.response.status_code == 403
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="staff.location_refused")
    assert event.actor == recruiter and event.data["country"] == country
    # Not half logged in either: the MFA step is not waiting for them.
    client.defaults["REMOTE_ADDR"] = US_IP
    assert client.get("/staff/").status_code == 302


def test_staff_logging_in_from_home_reach_the_second_factor(recruiter):
    client = _log_in(_with_password(recruiter), US_IP)
    assert client.response.status_code == 302
    assert "/accounts/2fa/authenticate/" in client.response["Location"]


def test_participants_are_not_located_at_log_in(participant):
    participant.user.set_password(PASSWORD)
    participant.user.save()
    client = Client(REMOTE_ADDR=ip_in("RU"))
    response = client.post(
        reverse("account_login"), {"login": participant.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_a_session_refused_from_a_country_of_concern_is_ended(recruiter):
    client = staff_client(recruiter, ip=ip_in("IR"))
    assert client.get("/staff/").status_code == 403
    assert "_auth_user_id" not in client.session


# --- 10: the local flag follows the environment ----------------------------------------------
@pytest.mark.parametrize(("value", "expected"), [(None, "True"), ("false", "False"), ("1", "True")])
def test_local_settings_read_the_private_network_flag_from_the_environment(value, expected):
    env = {k: v for k, v in os.environ.items() if k != "STAFF_ALLOW_PRIVATE_NETWORKS"}
    if value is not None:
        env["STAFF_ALLOW_PRIVATE_NETWORKS"] = value
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.local"
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.STAFF_ALLOW_PRIVATE_NETWORKS)",
        ],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == expected


# --- 11: alert floods and mail outages ---------------------------------------------------------
def test_a_flood_of_refusals_sends_one_alert_then_one_digest(
    recruiter, admin_user, django_capture_on_commit_callbacks
):
    client = staff_client(recruiter, ip=ip_in("DE"))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(12):
            assert client.get("/staff/").status_code == 403
    alerts = [m for m in mail.outbox if "refused" in m.subject]
    assert len(alerts) == 1 and alerts[0].to == [admin_user.email]
    assert AuditEvent.objects.filter(action="staff.location_refused").count() == 12
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_alert_digest() == 12
    (digest,) = mail.outbox
    assert "12 refusals" in digest.subject and "staff.location_refused abroad" in digest.body
    # Nothing new: no digest.
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_alert_digest() == 0
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.tasks.staff_alert_digest" in schedule


def test_an_smtp_outage_leaves_a_refusal_a_403_and_the_alert_waits(
    recruiter, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.staff.broken_mail.ServerDownBackend"
    client = staff_client(recruiter, ip=ip_in("RU"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/staff/")
    assert response.status_code == 403
    waiting = OutboxMessage.objects.filter(
        task_name="portal.tasks.send_staff_mail", published_at__isnull=True
    )
    assert waiting.count() == 1
    # The server is back: the next dispatch delivers it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_outbox()
    assert [m.to for m in mail.outbox] == [[admin_user.email]]


def test_an_smtp_outage_does_not_break_a_staff_invitation(
    admin_user, site_a, settings, django_capture_on_commit_callbacks
):
    from participants.models import User

    settings.EMAIL_BACKEND = "tests.staff.broken_mail.ServerDownBackend"
    client = reauthenticated(staff_client(admin_user))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff:staff_list"),
            {"email": "new.colleague@example.org", "site": site_a.pk, "roles": ["recruitment"]},
        )
    assert response.status_code == 302
    assert User.objects.filter(email="new.colleague@example.org").exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_outbox()
    invitations = [m for m in mail.outbox if m.to == ["new.colleague@example.org"]]
    assert len(invitations) == 1 and "/accounts/password/reset/key/" in invitations[0].body
