"""The participant journey: the only place a state changes.

`registered → eligible → consented → ehr_authorized → basics_done → core`, plus
`paused` (reversible, from any active state) and `withdrawn` (final, from any).
Views and services call `journey_transition`; nothing else writes `state`.
"""

from django.db import transaction

from participants.models import JourneyState, JourneyTransition, Participant, User
from portal import hooks
from portal.audit import audit_record
from portal.instances import update_caller

S = JourneyState
FORWARD: dict[str, str] = {
    S.REGISTERED: S.ELIGIBLE,
    S.ELIGIBLE: S.CONSENTED,
    S.CONSENTED: S.EHR_AUTHORIZED,
    S.EHR_AUTHORIZED: S.BASICS_DONE,
    S.BASICS_DONE: S.CORE,
}
# Steps a paused participant may still reach, by answering surveys (the pause rule).
SURVEY_STEPS = {S.BASICS_DONE, S.CORE}
ORDER = [S.REGISTERED, S.ELIGIBLE, S.CONSENTED, S.EHR_AUTHORIZED, S.BASICS_DONE, S.CORE]


class JourneyError(Exception):
    """A transition the journey does not allow (skipping a step, leaving withdrawn)."""


def allowed_targets(state: str) -> set[str]:
    if state == S.WITHDRAWN:
        return set()
    if state == S.PAUSED:
        return {S.WITHDRAWN}  # resuming goes through journey_resume
    targets = {S.PAUSED, S.WITHDRAWN}
    if state in FORWARD:
        targets.add(FORWARD[state])
    return targets


def has_reached(participant: Participant, state: str) -> bool:
    """True when the participant is at `state` or past it (a paused one counts where they were)."""
    current = participant.state_before_pause if participant.state == S.PAUSED else participant.state
    if current not in ORDER or state not in ORDER:
        return False
    return ORDER.index(current) >= ORDER.index(state)


@transaction.atomic
def journey_transition(
    *, participant: Participant, to_state: str, actor: User | None, reason: str
) -> Participant:
    """Moves the participant to `to_state`, or raises JourneyError.

    Locks the row, so two concurrent requests (two tabs, a double click) cannot
    both move it: the second sees the new state and is refused or is a no-op
    (see `journey_advance_to`).
    """
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if to_state not in allowed_targets(locked.state):
        raise JourneyError(f"Cannot move from {locked.state} to {to_state}.")
    from_state = locked.state
    locked.state = to_state
    fields = ["state"]
    if to_state == S.PAUSED:
        locked.state_before_pause = from_state
        fields.append("state_before_pause")
    locked.save(update_fields=fields)
    JourneyTransition.objects.create(
        participant=locked, from_state=from_state, to_state=to_state, actor=actor, reason=reason
    )
    audit_record(
        action="journey.transition",
        actor=actor,
        participant=locked,
        target=locked,
        data={"from": from_state, "to": to_state, "reason": reason},
    )
    hooks.state_changed(participant=locked, from_state=from_state, to_state=to_state)
    return update_caller(participant, locked)


def journey_advance_to(
    *, participant: Participant, to_state: str, actor: User | None, reason: str
) -> bool:
    """Idempotent forward move: does nothing if already there or past it.

    Returns True when a transition happened. Used where repeating an action
    (re-signing, re-completing a survey) must not fail or write a second row.
    """
    with transaction.atomic():
        locked = Participant.objects.select_for_update().get(pk=participant.pk)
        if locked.state == S.WITHDRAWN or has_reached(locked, to_state):
            return False
        if locked.state == S.PAUSED:
            return _advance_while_paused(locked, participant, to_state, actor, reason)
        journey_transition(participant=locked, to_state=to_state, actor=actor, reason=reason)
    participant.state = to_state
    return True


def _advance_while_paused(
    locked: Participant, participant: Participant, to_state: str, actor: User | None, reason: str
) -> bool:
    """A paused participant may still answer surveys (docs/enrollment.md, "Pausing").

    They stay paused, with no contact; the step they finished is where they resume.
    Only the survey steps count, and only the next one, as for an active participant.
    """
    if to_state not in SURVEY_STEPS or FORWARD.get(locked.state_before_pause) != to_state:
        return False
    from_state = locked.state_before_pause
    locked.state_before_pause = to_state
    locked.save(update_fields=["state_before_pause"])
    audit_record(
        action="journey.advance_while_paused",
        actor=actor,
        participant=locked,
        target=locked,
        data={"from": from_state, "to": to_state, "reason": reason},
    )
    hooks.state_changed(participant=locked, from_state=S.PAUSED, to_state=to_state)
    participant.state_before_pause = to_state
    return True


@transaction.atomic
def journey_resume(*, participant: Participant, actor: User | None) -> Participant:
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if locked.state != S.PAUSED:
        return update_caller(participant, locked)
    target = locked.state_before_pause or S.REGISTERED
    locked.state = target
    locked.state_before_pause = ""
    locked.save(update_fields=["state", "state_before_pause"])
    JourneyTransition.objects.create(
        participant=locked, from_state=S.PAUSED, to_state=target, actor=actor, reason="resumed"
    )
    audit_record(
        action="journey.resume",
        actor=actor,
        participant=locked,
        target=locked,
        data={"to": target},
    )
    hooks.state_changed(participant=locked, from_state=S.PAUSED, to_state=target)
    return update_caller(participant, locked)
