"""The results tracker on /me/: where each kind of result stands, in plain words."""

from participants.models import JourneyState, Participant
from results.selectors import results_tracker


def results_home_panel(request, participant: Participant) -> dict:
    if participant.state == JourneyState.WITHDRAWN and participant.withdrawal_tier != 1:
        return {}
    return {
        "sections": ["results/home_section.html"],
        "context": {"results_panel": results_tracker(participant)},
    }
