"""Screener → sign-up → e-mail verification by code, through the real views."""

import re

import pytest
from django.core import mail

from participants.models import IneligibleScreening, JourneyState, Participant, User

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-pass-123"


def verification_code(message) -> str:
    return re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.M).group(1)


def sign_up(client, email: str, *, state: str = "TX"):
    client.post("/join/", {"is_adult": "yes", "us_state": state, "can_consent": "yes"})
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def test_eligible_volunteer_signs_up_verifies_and_becomes_eligible(client):
    response = sign_up(client, "Ana.Garcia@Example.org")
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "ana.garcia@example.org"
    assert Participant.objects.get().state == JourneyState.REGISTERED
    response = client.post(response["Location"], {"code": verification_code(mail.outbox[-1])})
    assert response["Location"] == "/me/"
    participant = Participant.objects.get()
    assert participant.state == JourneyState.ELIGIBLE
    assert list(participant.transitions.values_list("from_state", "to_state")) == [
        ("", "registered"),
        ("registered", "eligible"),
    ]
    assert client.get("/me/").status_code == 200


def test_sign_up_without_the_screener_is_not_offered(client):
    response = client.get("/accounts/signup/")
    assert "First, see if you can join" in response.content.decode()
    client.post(
        "/accounts/signup/",
        {"email": "x@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({"is_adult": "no", "us_state": "TX", "can_consent": "yes"}, "under_18"),
        ({"is_adult": "yes", "us_state": "OUTSIDE", "can_consent": "yes"}, "outside_us"),
        ({"is_adult": "yes", "us_state": "PR", "can_consent": "no"}, "cannot_consent"),
    ],
)
def test_ineligible_answer_is_explained_and_only_counted(client, answers, reason):
    response = client.post("/join/", answers)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Thank you for your interest" in body
    assert IneligibleScreening.objects.get(reason=reason).count == 1
    assert "screener" not in client.session
    assert not User.objects.exists() and not Participant.objects.exists()
    # and the sign-up page stays closed to them
    assert "First, see if you can join" in client.get("/accounts/signup/").content.decode()


def test_territories_are_eligible(client):
    for code in ["PR", "GU", "VI", "AS", "MP", "DC"]:
        client.post("/join/", {"is_adult": "yes", "us_state": code, "can_consent": "yes"})
        assert client.session["screener"]["eligible"] is True


def test_double_submitted_sign_up_makes_one_account_and_one_history_row(client):
    sign_up(client, "twice@example.org")
    client.post(
        "/accounts/signup/",
        {"email": "twice@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert User.objects.filter(email="twice@example.org").count() == 1
    participant = Participant.objects.get()
    assert participant.transitions.count() == 1


def test_known_and_unknown_addresses_get_the_same_sign_up_response(client):
    """No account enumeration (R28): an existing address looks like a new one."""
    from tests.factories import UserFactory

    UserFactory(email="known@example.org")
    first = sign_up(client, "unknown@example.org")
    other = client.__class__()
    second = sign_up(other, "known@example.org")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
