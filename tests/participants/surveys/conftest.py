"""Fixtures for the Django side of the survey tests: published core surveys, ready participants."""

import pytest

from participants.models import JourneyState
from participants.surveys.models import SurveyVersion, VersionStatus


@pytest.fixture
def surveys(db) -> dict[str, SurveyVersion]:
    from participants.surveys.services import core_surveys_load

    core_surveys_load()
    return {v.code: v for v in SurveyVersion.objects.filter(status=VersionStatus.PUBLISHED)}


@pytest.fixture
def ready(participant, surveys):
    """`participant` at ehr_authorized: The Basics is open to them."""
    from participants.models import JourneyTransition

    previous = participant.state
    for state in (JourneyState.CONSENTED, JourneyState.EHR_AUTHORIZED):
        JourneyTransition.objects.create(
            participant=participant,
            from_state=previous,
            to_state=state,
            actor=participant.user,
            reason="test",
        )
        previous = state
    participant.state = JourneyState.EHR_AUTHORIZED
    participant.save(update_fields=["state"])
    return participant


@pytest.fixture
def ready_client(client, ready):
    client.force_login(ready.user)
    return client


@pytest.fixture(autouse=True)
def _english_urls():
    """A request to /es/... leaves Spanish active in the test thread, and `reverse` would
    then build /es/ URLs for the next test: start each test in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")
