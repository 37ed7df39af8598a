"""Fixtures for the hostile-input corpus.

The personas come from the suite's own conftests (participant and outsider from
tests/conftest.py, staff with real TOTP from tests/staff/conftest.py, published consents
and surveys from their areas); this file adds private storage in a throwaway folder and a
counsellor and data manager made the same way as the other staff personas.
"""

import pytest

from tests.participants.consent.conftest import consented, consents  # noqa: F401
from tests.participants.surveys.conftest import ready, ready_client, surveys  # noqa: F401
from tests.results.workflow.conftest import kb  # noqa: F401
from tests.staff.conftest import (  # noqa: F401
    admin_user,
    make_staff,
    recruiter,
    roles,
    site_a,
    supporter,
)


@pytest.fixture(autouse=True)
def _uses_private_storage(_private_storage):
    """Private files go to a throwaway folder (tests/conftest.py)."""


@pytest.fixture(autouse=True)
def _english():
    """A request to /es/... leaves Spanish active in this thread: start and end in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def counsellor(make_staff):  # noqa: F811 - the fixture imported above
    return make_staff("genetic_counsellor")


@pytest.fixture
def second_counsellor(make_staff):  # noqa: F811 - the fixture imported above
    return make_staff("genetic_counsellor")


@pytest.fixture
def data_manager(make_staff):  # noqa: F811 - the fixture imported above
    return make_staff("data_manager")
