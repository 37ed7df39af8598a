"""Reads shared by participant views."""

from dataclasses import dataclass

from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from participants.journey import has_reached
from participants.models import JourneyState, Participant

S = JourneyState


def participant_for_user(user) -> Participant:
    """The logged-in user's own participant record, or 404 (staff have none)."""
    try:
        participant = Participant.objects.get(user=user)
    except Participant.DoesNotExist as exc:
        raise Http404 from exc
    # The user is loaded already (the request's): reuse it rather than join its row again.
    participant.user = user
    return participant


@dataclass(frozen=True)
class Step:
    code: str
    label: str
    done: bool
    done_at: object
    url: str | None


def _url(name: str, *args: str) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# Steps that are done when the journey reaches a state: (code, label, state, url name, args).
STATE_STEPS = [
    ("eligible", _("Check that you can join"), S.ELIGIBLE, "participants:screener", ()),
    ("consent", _("Understand and sign the consent"), S.CONSENTED,
     "consent:start", ()),
    ("ehr", _("Share your health records"), S.EHR_AUTHORIZED, "consent:form",
     ("ehr",)),
    ("basics", _("Answer “The Basics” survey"), S.BASICS_DONE, "surveys:start",
     ("the_basics",)),
    ("core", _("Answer the other core surveys"), S.CORE, "surveys:list", ()),
]  # fmt: skip


def journey_steps(participant: Participant) -> list[Step]:
    reached = {t.to_state: t.created for t in participant.transitions.all()}
    withdrawn = participant.state == S.WITHDRAWN

    def done(state: str) -> bool:
        # A withdrawn participant's finished steps stay finished: read them from history.
        return state in reached if withdrawn else has_reached(participant, state)

    by_state = [
        Step(code, label, done(state), reached.get(state), _url(name, *args))
        for code, label, state, name, args in STATE_STEPS
    ]
    profile = Step(
        "profile",
        _("Tell us about yourself"),
        participant.profile_completed_at is not None,
        participant.profile_completed_at,
        _url("participants:profile"),
    )
    # The profile comes between eligibility and consent.
    return [
        Step("account", _("Create your account"), True, participant.created, None),
        by_state[0],
        profile,
        *by_state[1:],
    ]


def next_step(steps: list[Step]) -> Step | None:
    for step in steps:
        if not step.done:
            return step
    return None
