"""/me/ (issue 13, item 6 and 8): the one next step first, honest progress, account links."""

import datetime as dt
import re

import pgtrigger
import pytest
from django.utils import timezone

from participants.enrollment import participant_withdraw
from participants.models import JourneyState, JourneyTransition
from participants.time_zones import SESSION_KEY
from tests.factories import ParticipantFactory
from tests.participants.surveys.helpers import BASICS_PAGES, save

pytestmark = pytest.mark.django_db


def _backdate(participant, when) -> None:
    with pgtrigger.ignore("participants.JourneyTransition:journey_transition_append_only"):
        JourneyTransition.objects.filter(participant=participant).update(created=when)


@pytest.fixture
def ready(participant):
    from participants.surveys.services import core_surveys_load

    core_surveys_load()
    ParticipantFactory._meta.model.objects.filter(pk=participant.pk).update(
        state=JourneyState.EHR_AUTHORIZED
    )
    participant.refresh_from_db()
    return participant


@pytest.fixture
def ready_client(client, ready):
    client.force_login(ready.user)
    return client


def _home(client) -> str:
    response = client.get("/me/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_participant_sees_the_one_next_step_first(client):
    participant = ParticipantFactory(state=JourneyState.ELIGIBLE)
    client.force_login(participant.user)
    html = _home(client)
    main = html[html.index("<main") : html.index("</main>")]
    assert main.index("Your next step") < main.index("See all the steps (7)")
    assert "Understand and sign the consent" in main
    assert "Your surveys" not in main and "Your DNA results" not in main
    assert main.count("button button-primary") == 1


def test_a_half_answered_survey_says_continue_with_its_progress(ready_client, ready):
    from participants.surveys.services import response_start_or_resume

    response = response_start_or_resume(
        participant=ready, survey_code="the_basics", actor=ready.user
    )
    for page in ("about_you", "origin", "race_ethnicity"):
        assert save(ready, response, page, BASICS_PAGES[page]).saved
    html = _home(ready_client)
    match = re.search(r"Continue \((\d+) of (\d+)\)", html)
    assert match, "no 'Continue (n of m)' on the next step"
    assert int(match.group(1)) == 3 and int(match.group(2)) > 3
    start = html.index("Your next step")
    next_card = html[start : html.index("</div>", start)]
    assert "Start" not in next_card
    assert 'href="/me/surveys/the_basics/"' in next_card
    resumed = ready_client.get("/me/surveys/the_basics/")
    assert resumed.url.startswith(f"/me/surveys/responses/{response.public_id}/")


def test_after_withdrawal_finished_steps_stay_done(client):
    participant = ParticipantFactory(state=JourneyState.CONSENTED)
    participant_withdraw(participant=participant, actor=participant.user, tier=1)
    client.force_login(participant.user)
    html = _home(client)
    steps = html[html.index('<ol class="steps">') : html.index("</ol>")]
    assert steps.count("status-done") == 4  # account, eligible, profile, consent
    assert "Later" not in steps and "Not done" in steps


def test_account_settings_are_reachable_from_me(client):
    participant = ParticipantFactory(state=JourneyState.CONSENTED)
    client.force_login(participant.user)
    html = _home(client)
    for href in (
        "/accounts/email/",
        "/accounts/password/change/",
        "/me/profile/#contact-preferences",
        "/me/profile/",
        "/me/access/",
    ):
        assert f'href="{href}"' in html, href
    assert client.get("/accounts/email/").status_code == 200
    assert 'id="contact-preferences"' in client.get("/me/profile/").content.decode()


def test_times_are_shown_in_the_participants_time_zone(client):
    participant = ParticipantFactory(
        state=JourneyState.ELIGIBLE, us_state="CA", user__email="tz@example.org"
    )
    late_evening = dt.datetime(2026, 3, 1, 3, 30, tzinfo=dt.UTC)  # 28 Feb in California
    _backdate(participant, late_evening)
    credentials = {"login": "tz@example.org", "password": "correct-horse-battery"}
    client.post("/accounts/login/", credentials)
    assert client.session[SESSION_KEY] == "America/Los_Angeles"
    html = _home(client)
    assert 'datetime="2026-02-28T19:30:00-08:00"' in html
    # before a profile names a state, the browser's zone (portal.js sets the cookie)
    client.logout()
    other = ParticipantFactory(us_state="", user__email="tz2@example.org")
    _backdate(other, late_evening)
    client.cookies["tz"] = "Asia/Tokyo"
    client.force_login(other.user)
    assert 'datetime="2026-03-01T12:30:00+09:00"' in _home(client)
    client.cookies["tz"] = "Not/AZone"
    assert 'datetime="2026-03-01T03:30:00+00:00"' in _home(client)
    assert timezone.get_current_timezone_name() == "UTC"  # nothing leaks past the request


def test_a_signed_up_participant_without_the_screener_can_take_it(client):
    participant = ParticipantFactory(state=JourneyState.REGISTERED, screener_passed_at=None)
    client.force_login(participant.user)
    assert 'href="/join/"' in _home(client)
    assert client.get("/join/").status_code == 200
    response = client.post("/join/", {"is_adult": "yes", "us_state": "TX", "can_consent": "yes"})
    assert response.url == "/me/"
    participant.refresh_from_db()
    assert participant.state == JourneyState.ELIGIBLE and participant.screener_passed_at
    # once past it, the screener is not shown again
    assert client.get("/join/").url == "/me/"


def test_changing_the_email_address_replaces_it_after_the_code(client):
    from allauth.account.models import EmailAddress
    from django.core import mail

    participant = ParticipantFactory(user__email="old@example.org")
    client.force_login(participant.user)
    page = client.get("/accounts/email/").content.decode()
    assert "You log in with <strong>old@example.org</strong>" in page
    response = client.post("/accounts/email/", {"action_add": "", "email": "new@example.org"})
    assert response.url == "/accounts/confirm-email/"
    code = re.search(r"^\s*([A-Z]{4}-[A-Z]{4})\s*$", mail.outbox[-1].body, re.M).group(1)
    client.post("/accounts/confirm-email/", {"code": code})
    participant.user.refresh_from_db()
    assert participant.user.email == "new@example.org"
    addresses = EmailAddress.objects.filter(user=participant.user)
    assert list(addresses.values_list("email", flat=True)) == ["new@example.org"]
