import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from participants.consent.services import consent_version_draft, consent_version_publish
from tests.participants.consent.conftest import consented, consents  # noqa: F401
from tests.staff.conftest import make_staff, roles, site_a  # noqa: F401

NEW_PARAGRAPH_EN = "We may also share coded data with approved researchers in other countries."
NEW_PARAGRAPH_ES = (
    "También podemos compartir datos codificados con investigadores aprobados de otros países."
)


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


@pytest.fixture
def manager(make_staff):  # noqa: F811 - the fixture imported above
    return make_staff("consent_manager")


@pytest.fixture
def make_v2(consents, manager):  # noqa: F811
    """Publishes primary v2 when called: sign v1 first, v1 cannot be signed after."""

    def make():
        return _v2(consents["primary"], manager)

    return make


@pytest.fixture
def v2(consented, make_v2):  # noqa: F811 - consented signs v1 first
    return make_v2()


def _v2(old, manager):
    draft = consent_version_draft(
        form=old.form,
        actor=manager,
        text_en=old.text_en + "\n\n" + NEW_PARAGRAPH_EN,
        text_es=old.text_es + "\n\n" + NEW_PARAGRAPH_ES,
        change_summary_en="We added a paragraph about sharing coded data abroad.",
        change_summary_es="Agregamos un párrafo sobre compartir datos codificados fuera del país.",
        effective_date=timezone.localdate(),
        valid_months=None,
    )
    return consent_version_publish(version=draft, actor=manager)


def ethics_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("approval.pdf", b"%PDF-1.7\n% ethics approval\n", "application/pdf")
