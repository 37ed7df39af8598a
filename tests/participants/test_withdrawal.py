import pytest
from django.core import mail

from participants.enrollment import participant_withdraw
from participants.models import JourneyState, Participant, Withdrawal
from portal.hooks import _withdrawal_effects as effects
from portal.hooks import register_withdrawal_effect

pytestmark = pytest.mark.django_db(transaction=True)


def test_withdraw_page_explains_each_tier(participant_client):
    body = participant_client.get("/me/withdraw/").content.decode()
    for text in [
        "No further contact",
        "No further use of my data",
        "Also destroy my data and samples",
        "This cannot be undone",
    ]:
        assert text in body


def test_withdrawal_needs_confirmation(participant_client, participant):
    response = participant_client.post("/me/withdraw/", {"tier": "2"})
    assert "Please choose an option and confirm." in response.content.decode()
    participant.refresh_from_db()
    assert participant.state == JourneyState.ELIGIBLE


def test_double_submitted_withdrawal_makes_one_record_and_one_history_row(
    participant_client, participant
):
    for _ in range(2):
        participant_client.post("/me/withdraw/", {"tier": "2", "confirm": "on"})
    participant.refresh_from_db()
    assert participant.state == JourneyState.WITHDRAWN
    assert participant.withdrawal_tier == 2
    assert Withdrawal.objects.filter(participant=participant).count() == 1
    assert participant.transitions.filter(to_state=JourneyState.WITHDRAWN).count() == 1
    confirmations = [m for m in mail.outbox if "left the program" in m.subject]
    assert len(confirmations) == 1
    assert "no further use of your data" in confirmations[0].body


def test_registered_effects_run_once_in_the_withdrawal(participant):
    calls = []

    def effect(*, participant, tier, actor):
        calls.append((participant.pk, tier))

    register_withdrawal_effect(effect)
    try:
        participant_withdraw(participant=participant, actor=participant.user, tier=1)
        participant_withdraw(participant=participant, actor=participant.user, tier=1)
    finally:
        effects.remove(effect)
    assert calls == [(participant.pk, 1)]


def test_tier_three_erases_identifying_fields_but_keeps_the_ids(participant):
    participant_withdraw(participant=participant, actor=participant.user, tier=3)
    fresh = Participant.objects.get(pk=participant.pk)
    assert fresh.legal_first_name is None and fresh.address_line1 is None
    assert fresh.date_of_birth is None and fresh.phone is None
    assert fresh.participant_id == participant.participant_id
    assert fresh.withdrawal.effects_completed_at is not None


def test_withdrawn_participant_cannot_edit_profile_or_withdraw_again(
    participant_client, participant
):
    participant_withdraw(participant=participant, actor=participant.user, tier=1)
    assert participant_client.get("/me/profile/")["Location"] == "/me/"
    assert participant_client.get("/me/withdraw/")["Location"] == "/me/"
    assert "You have withdrawn" in participant_client.get("/me/").content.decode()
