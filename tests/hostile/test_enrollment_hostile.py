"""Hostile input against enrollment: each gets a clear answer, never a 500 or a leak."""

import html
import json
import logging

import pytest
from django.test import Client

from portal.logging import JsonFormatter
from tests.participants.test_profile import VALID

pytestmark = pytest.mark.django_db

XSS = [
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "{{7*7}}",
    "{% debug %}",
    "javascript:alert(1)",
    "<img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("payload", XSS)
def test_free_text_is_stored_as_typed_and_rendered_escaped(
    participant_client, participant, payload
):
    response = participant_client.post("/me/profile/", {**VALID, "address_line2": payload})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.address_line2 == payload
    page = participant_client.get("/me/profile/").content.decode()
    # Shown back exactly as typed, escaped: markup is inert, template syntax is not evaluated.
    assert f'value="{html.escape(payload)}"' in page
    if "<" in payload or '"' in payload:
        assert payload not in page


def test_oversized_body_is_a_clear_400_not_a_crash(participant_client, participant):
    response = participant_client.post("/me/profile/", {**VALID, "address_line2": "x" * 3_000_000})
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    participant.refresh_from_db()
    assert participant.address_line2 is None


def test_too_many_fields_is_a_clear_400(participant_client):
    data = {f"f{i}": "1" for i in range(1200)}
    response = participant_client.post("/me/profile/", data)
    assert response.status_code == 400


def test_csrf_is_enforced_on_participant_forms(participant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(participant.user)
    assert client.post("/me/withdraw/", {"tier": "3", "confirm": "on"}).status_code == 403
    participant.refresh_from_db()
    assert participant.state == "eligible"


def test_crlf_in_user_input_cannot_forge_a_log_line():
    record = logging.LogRecord(
        "portal",
        logging.WARNING,
        __file__,
        1,
        "login failed for %s",
        ('a@b.org\r\n{"level": "INFO"}',),
        None,
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line and "\r" not in line
    assert json.loads(line)["message"].startswith("login failed for a@b.org")


def test_unknown_pages_get_the_friendly_404(client):
    response = client.get("/me/../../etc/passwd")
    assert response.status_code == 404
    response = client.get("/no-such-page/")
    assert "We could not find that page" in response.content.decode()


@pytest.mark.parametrize("path", ["/me/", "/me/profile/", "/me/pause/", "/me/withdraw/"])
def test_participant_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/me/", "/me/profile/", "/me/withdraw/"])
def test_logged_in_pages_are_not_cached(participant_client, path):
    assert participant_client.get(path)["Cache-Control"] == "no-store"
