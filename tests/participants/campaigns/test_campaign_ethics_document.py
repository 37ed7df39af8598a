"""The campaign's ethics approval letter: consent managers (with MFA) download it, audited."""

import uuid

import pytest
from django.test import Client

from participants.consent.campaigns.models import Campaign
from portal.models import AuditEvent
from tests.participants.campaigns.conftest import ethics_pdf
from tests.participants.campaigns.test_campaigns import publish
from tests.staff.conftest import staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(consented, consents, v2, manager) -> Campaign:
    return publish(manager, v2, consents["primary"], ethics_number="IRB 2026/114")


def _url(campaign: Campaign) -> str:
    return f"/staff/consent/campaigns/{campaign.public_id}/ethics/"


def _downloads() -> int:
    return AuditEvent.objects.filter(action="consent.campaign_ethics_download").count()


def test_a_consent_manager_downloads_the_letter_and_it_is_audited(campaign, manager):
    client = staff_client(manager)
    page = client.get(f"/staff/consent/campaigns/{campaign.public_id}/").content.decode()
    assert f'href="{_url(campaign)}"' in page  # linked from the campaign page
    response = client.get(_url(campaign))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ethics_pdf().read()
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="ethics-approval-IRB-2026-114.pdf"' in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="consent.campaign_ethics_download")
    assert event.actor == manager and event.data == {"ethics_number": "IRB 2026/114"}
    assert staff_client(manager).get(
        f"/staff/consent/campaigns/{uuid.uuid4()}/ethics/"
    ).status_code == 404  # fmt: skip


def test_other_staff_participants_and_managers_without_mfa_are_refused(
    campaign, make_staff, consented
):
    assert staff_client(make_staff("consent_admin")).get(_url(campaign)).status_code == 403
    assert staff_client(make_staff("support")).get(_url(campaign)).status_code == 403
    no_mfa = staff_client(make_staff("consent_manager", mfa=False)).get(_url(campaign))
    assert no_mfa.status_code == 302 and "/totp/" in no_mfa["Location"]
    participant = Client()
    participant.force_login(consented.user)
    assert participant.get(_url(campaign)).status_code == 404
    anonymous = Client().get(_url(campaign))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert _downloads() == 0
