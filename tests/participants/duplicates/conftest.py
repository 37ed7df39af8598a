import pytest

from tests.participants.consent.conftest import consented, consents  # noqa: F401
from tests.participants.surveys.conftest import surveys  # noqa: F401
from tests.staff.conftest import make_staff, roles, site_a, supporter  # noqa: F401


@pytest.fixture(autouse=True)
def _local_network(settings, tmp_path):
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = True
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
