"""Forged requests and forged log lines against the participant side (R19, R27, R18).

Every participant form refuses a POST without the CSRF token (and changes nothing); a
CR/LF in user input cannot split a log line; every participant page needs a login and is
never cached. The other attack classes each have their own module in this folder.
"""

import json
import logging

import pytest
from django.test import Client

from portal.logging import JsonFormatter
from tests.hostile.routes import all_routes

pytestmark = pytest.mark.django_db

FORMS = {
    "/me/withdraw/": {"tier": "3", "confirm": "on"},
    "/me/pause/": {},
    "/me/profile/": {"legal_first_name": "Eve"},
    "/me/results/choices/": {"pgx": "yes", "disease_risk": "yes", "traits": "yes"},
    "/me/consent/questions/": {},
    "/me/surveys/the_basics/": {},
}


@pytest.mark.parametrize("path", list(FORMS))
def test_csrf_is_enforced_on_participant_forms(participant, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(participant.user)
    response = client.post(path, FORMS[path])
    assert response.status_code == 403
    participant.refresh_from_db()
    assert participant.state == "eligible" and participant.legal_first_name == "Ana"


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


def _participant_pages() -> list[str]:
    return sorted(
        "/" + r.pattern for r in all_routes() if r.pattern.startswith("me/") and not r.params
    )


def test_every_participant_page_is_listed():
    assert "/me/" in _participant_pages() and "/me/access/" in _participant_pages()


@pytest.mark.parametrize("path", _participant_pages())
def test_participant_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/me/", "/me/profile/", "/me/withdraw/", "/me/access/"])
def test_logged_in_pages_are_not_cached(participant_client, path):
    assert participant_client.get(path)["Cache-Control"] == "no-store"
