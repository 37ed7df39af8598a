"""A re-consent signature forged for another version than the one shown is refused.

The page's hidden fields name the version and the hash of its text; a participant (or a
script) posting an older version, another form's version, a made-up id, or the new
version's id with the old text's hash gets no record, and the campaign still waits.
"""

import datetime as dt
import uuid

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from participants.consent.campaigns.selectors import data_use_paused, open_memberships
from participants.consent.campaigns.services import campaign_publish
from participants.consent.models import ConsentRecord
from participants.consent.services import consent_version_draft, consent_version_publish
from tests.participants.consent.helpers import pass_comprehension

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(consented, consents, make_staff):
    manager = make_staff("consent_manager")
    old = consents["primary"]
    draft = consent_version_draft(
        form=old.form, actor=manager, text_en=old.text_en + "\n\nNew paragraph.",
        text_es=old.text_es + "\n\nPárrafo nuevo.", change_summary_en="One new paragraph.",
        change_summary_es="Un párrafo nuevo.", effective_date=timezone.localdate(),
        valid_months=None,
    )  # fmt: skip
    v2 = consent_version_publish(version=draft, actor=manager)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with TestCase.captureOnCommitCallbacks(execute=True):
        return campaign_publish(
            actor=manager, version=v2, from_version=old, ethics_number="IRB-1",
            ethics_date=dt.date(2026, 12, 1), policy="pause",
            ethics_document=SimpleUploadedFile("a.pdf", b"%PDF-1.7", "application/pdf"),
        )  # fmt: skip


def test_forged_versions_are_refused(consented, consents, campaign):
    pass_comprehension(consented)
    client = Client()
    client.force_login(consented.user)
    v1, v2, gror = consents["primary"], campaign.version, consents["gror"]
    before = ConsentRecord.objects.count()
    forged = [
        (v1.pk, v1.sha256("en")),  # the retired version, its own text
        (v2.pk, v1.sha256("en")),  # the new id with the old text
        (v1.pk, v2.sha256("en")),  # the old id with the new text
        (gror.pk, gror.sha256("en")),  # another form's version under this form's page
        (999_999_999, v2.sha256("en")),  # made up
        ("1 OR 1=1", v2.sha256("en")),
    ]
    for version_id, sha in forged:
        response = client.post(
            "/me/consent/primary/",
            {
                "version_id": version_id, "language": "en", "text_sha256": sha,
                "submission_token": str(uuid.uuid4()), "decision": "agree",
                "typed_name": "Ana García",
            },
        )  # fmt: skip
        # Refused: the form again (with why), or back to the page to read the current text.
        assert response.status_code in (200, 400, 409) or (
            response.status_code == 302 and response["Location"] == "/me/consent/primary/"
        ), (version_id, response.status_code)
        assert ConsentRecord.objects.count() == before, version_id
    assert data_use_paused(consented)
    assert [m.campaign for m in open_memberships(consented)] == [campaign]
    # The real one, as shown, is accepted.
    client.post(
        "/me/consent/primary/",
        {
            "version_id": v2.pk, "language": "en", "text_sha256": v2.sha256("en"),
            "submission_token": str(uuid.uuid4()), "decision": "agree",
            "typed_name": "Ana García",
        },
    )  # fmt: skip
    assert ConsentRecord.objects.filter(participant=consented, version=v2).exists()
    assert not data_use_paused(consented)
