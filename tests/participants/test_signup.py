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


def test_a_verification_that_dies_half_way_leaves_the_address_unverified(client, monkeypatch):
    """The address and the participant's step move together: a process killed between them
    (a web host SIGKILLed in the cluster rehearsal) must not leave a verified address on a
    participant still `registered`, whom every consent page would then refuse."""
    from allauth.account.models import EmailAddress

    from participants import account_adapter

    response = sign_up(client, "half@example.org")
    code = verification_code(mail.outbox[-1])

    def dies(**kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(account_adapter, "participant_email_verified", dies)
    with pytest.raises(RuntimeError):
        client.post(response["Location"], {"code": code})
    assert not EmailAddress.objects.get(email="half@example.org").verified
    assert Participant.objects.get().state == JourneyState.REGISTERED


def test_a_verified_participant_left_registered_moves_on_at_log_in(client):
    """Accounts verified before that was one transaction catch up when they next log in."""
    from allauth.account.models import EmailAddress

    sign_up(client, "stuck@example.org")
    EmailAddress.objects.filter(email="stuck@example.org").update(verified=True, primary=True)
    participant = Participant.objects.get()
    assert participant.state == JourneyState.REGISTERED and participant.screener_passed_at
    client.logout()
    response = client.post("/accounts/login/", {"login": "stuck@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert Participant.objects.get().state == JourneyState.ELIGIBLE
