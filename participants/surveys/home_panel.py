"""What the survey area adds to /me/: a "Your surveys" section with progress and resume links."""

from participants.models import JourneyState, Participant
from participants.surveys.selectors import survey_progress
from portal.i18n import content_language


def survey_home_panel(request, participant: Participant) -> dict:
    if participant.state == JourneyState.WITHDRAWN:
        return {}
    language = content_language()
    surveys = survey_progress(participant, language)
    if not surveys:
        return {}
    return {
        "sections": ["participants/surveys/home_section.html"],
        "context": {"survey_panel": {"surveys": surveys}},
    }
