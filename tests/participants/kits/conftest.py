import pytest

from tests.participants.consent.conftest import consented, consents  # noqa: F401
from tests.results.workflow.conftest import data_manager, kb, vcf_dir  # noqa: F401
from tests.staff.conftest import make_staff, roles, site_a  # noqa: F401


@pytest.fixture(autouse=True)
def _local(settings, tmp_path):
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = True
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.fixture(autouse=True)
def _partner_sites(db):
    from participants.kits.services import partner_sites_load

    partner_sites_load()


@pytest.fixture
def biobank(make_staff):  # noqa: F811 - the fixture imported above
    return make_staff("biobank")
