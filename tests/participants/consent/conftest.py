"""Fixtures for the consent tests: the default forms, signing helpers, private storage."""

import pytest

from participants.consent.defaults import load_default_consents
from participants.consent.models import ConsentVersion, VersionStatus
from tests.participants.consent.helpers import pass_comprehension, sign


@pytest.fixture(autouse=True)
def _staff_network_and_private_storage(settings, _private_storage):
    # The test client calls from 127.0.0.1; the staff middleware refuses private
    # networks unless this is on.
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def consents(db) -> dict[str, ConsentVersion]:
    load_default_consents()
    return {
        v.form.code: v
        for v in ConsentVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related(
            "form"
        )
    }


@pytest.fixture
def consented(participant, consents):
    """`participant` with the comprehension check passed and the primary consent signed."""
    pass_comprehension(participant)
    sign(participant, consents["primary"])
    participant.refresh_from_db()
    return participant
