"""What the survey area adds to /me/: a "Your surveys" section with progress and resume links."""

from django.utils.translation import get_language

from participants.models import JourneyState, Participant
from participants.surveys.selectors import survey_progress


def survey_home_panel(request, participant: Participant) -> dict:
    if participant.state == JourneyState.WITHDRAWN:
        return {}
    language = "es" if (get_language() or "en")[:2] == "es" else "en"
    surveys = survey_progress(participant, language)
    if not surveys:
        return {}
    return {
        "sections": ["participants/surveys/home_section.html"],
        "context": {"survey_panel": {"surveys": surveys}},
    }
