import pytest
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError

from participants.journey import JourneyError, journey_advance_to, journey_transition
from participants.models import JourneyState, JourneyTransition
from portal.models import AuditEvent
from tests.factories import ParticipantFactory

S = JourneyState
pytestmark = pytest.mark.django_db


def test_forward_transition_writes_history_and_audit(participant):
    journey_transition(
        participant=participant,
        to_state=S.CONSENTED,
        actor=participant.user,
        reason="primary consent signed",
    )
    last = participant.transitions.last()
    assert (last.from_state, last.to_state, last.actor, last.reason) == (
        S.ELIGIBLE,
        S.CONSENTED,
        participant.user,
        "primary consent signed",
    )
    event = AuditEvent.objects.filter(action="journey.transition").latest("id")
    assert event.data == {"from": "eligible", "to": "consented", "reason": "primary consent signed"}
    participant.refresh_from_db()
    assert participant.state == S.CONSENTED


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.REGISTERED, S.CONSENTED),
        (S.ELIGIBLE, S.EHR_AUTHORIZED),
        (S.ELIGIBLE, S.CORE),
        (S.CONSENTED, S.ELIGIBLE),
        (S.BASICS_DONE, S.REGISTERED),
    ],
)
def test_no_state_can_be_skipped_or_reversed(start, target):
    p = ParticipantFactory(state=start)
    before = JourneyTransition.objects.filter(participant=p).count()
    with pytest.raises(JourneyError):
        journey_transition(participant=p, to_state=target, actor=None, reason="test")
    p.refresh_from_db()
    assert p.state == start
    assert JourneyTransition.objects.filter(participant=p).count() == before


def test_withdrawn_is_final():
    p = ParticipantFactory(state=S.CONSENTED)
    journey_transition(participant=p, to_state=S.WITHDRAWN, actor=None, reason="test")
    for target in [S.CONSENTED, S.EHR_AUTHORIZED, S.PAUSED, S.WITHDRAWN]:
        with pytest.raises(JourneyError):
            journey_transition(participant=p, to_state=target, actor=None, reason="again")


def test_pause_remembers_where_to_resume_and_blocks_consent_steps():
    from participants.enrollment import participant_pause, participant_resume

    p = ParticipantFactory(state=S.CONSENTED)
    participant_pause(participant=p, actor=p.user)
    p.refresh_from_db()
    assert (p.state, p.state_before_pause) == (S.PAUSED, S.CONSENTED)
    assert (
        journey_advance_to(participant=p, to_state=S.EHR_AUTHORIZED, actor=None, reason="x")
        is False
    )
    participant_resume(participant=p, actor=p.user)
    p.refresh_from_db()
    assert (p.state, p.state_before_pause) == (S.CONSENTED, "")
    assert list(p.transitions.values_list("to_state", flat=True))[-2:] == [S.PAUSED, S.CONSENTED]


def test_advance_is_idempotent(participant):
    assert journey_advance_to(participant=participant, to_state=S.CONSENTED, actor=None, reason="a")
    count = participant.transitions.count()
    assert not journey_advance_to(
        participant=participant, to_state=S.CONSENTED, actor=None, reason="a"
    )
    assert participant.transitions.count() == count


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE participants_journeytransition SET reason = 'rewritten'",
        "DELETE FROM participants_journeytransition",
    ],
)
def test_the_database_refuses_to_rewrite_history(participant, statement):
    with (
        pytest.raises((InternalError, ProgrammingError), match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert participant.transitions.filter(reason="rewritten").count() == 0


def test_a_paused_participant_advances_only_by_the_next_survey_step():
    from participants.enrollment import participant_pause

    p = ParticipantFactory(state=S.EHR_AUTHORIZED)
    participant_pause(participant=p, actor=p.user)
    # skipping a step is refused, as for an active participant
    assert journey_advance_to(participant=p, to_state=S.CORE, actor=None, reason="x") is False
    assert journey_advance_to(participant=p, to_state=S.BASICS_DONE, actor=None, reason="x")
    p.refresh_from_db()
    assert (p.state, p.state_before_pause) == (S.PAUSED, S.BASICS_DONE)
    # no transition row: the state itself did not change
    assert list(p.transitions.values_list("to_state", flat=True))[-1] == S.PAUSED
