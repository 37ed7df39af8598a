"""Fixtures for the results workflow tests (PostgreSQL; Celery eager unless a test says)."""

import pytest

from tests.results.workflow.helpers import make_staff


@pytest.fixture(autouse=True)
def _staff_network_and_private_storage(settings, _private_storage):
    # Private files go to a throwaway folder (tests/conftest.py); the test client calls
    # from 127.0.0.1, which the staff middleware refuses unless this is on.
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def kb(db, tmp_path_factory):
    """The current knowledge base with a ClinVar release loaded (empty at the test samples'
    positions): without a ClinVar release no negative disease-risk report can be issued."""
    from results.engine.clinvar import write_release
    from results.releases import knowledge_base_release_register

    path = write_release([], directory=tmp_path_factory.mktemp("clinvar"), release="2025-10")
    release, _created = knowledge_base_release_register(clinvar_path=path)
    return release


@pytest.fixture
def data_manager(db):
    from staff.roles import DATA_MANAGER

    return make_staff("dm@example.org", DATA_MANAGER)


@pytest.fixture
def counsellor(db):
    from staff.roles import COUNSELLOR

    return make_staff("gc1@example.org", COUNSELLOR)


@pytest.fixture
def second_counsellor(db):
    from staff.roles import COUNSELLOR

    return make_staff("gc2@example.org", COUNSELLOR)


@pytest.fixture
def vcf_dir(tmp_path):
    return tmp_path / "vcfs"
