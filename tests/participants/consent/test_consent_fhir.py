import io
import json

import pytest
from django.core.management import call_command
from fhir.resources.R4B.consent import Consent

from participants.consent.fhir import consent_resource, validated_consent
from portal.models import AuditEvent
from tests.participants.consent.helpers import make_staff, sign


@pytest.fixture
def records(consented, consents):
    from participants.consent.services import consent_withdraw

    out = [
        sign(consented, consents["ehr"]),
        sign(consented, consents["gror"], decision="not_sure"),
    ]
    out.append(
        consent_withdraw(
            participant=consented,
            form_code="ehr",
            typed_name="Ana Garcia",
            language="es",
            ip_address=None,
            user_agent="",
            actor=consented.user,
        )
    )
    from participants.consent.models import ConsentRecord

    return list(ConsentRecord.objects.order_by("pk"))


def test_every_record_is_a_valid_r4_consent(records):
    statuses = []
    for record in records:
        resource = validated_consent(record)
        parsed = Consent.model_validate(resource)
        statuses.append(parsed.status)
        assert parsed.patient.identifier.value == record.participant.research_id
        assert resource["extension"][0]["valueString"] == record.text_sha256
        dumped = json.dumps(resource, ensure_ascii=False)
        assert "García" not in dumped and "Garcia" not in dumped  # no typed name
        assert record.participant.participant_id not in dumped
    assert statuses == ["active", "active", "proposed", "inactive"]


def test_ehr_provision_carries_the_end_date(records):
    ehr = consent_resource(records[1])
    assert ehr["provision"]["type"] == "permit"
    assert ehr["provision"]["period"]["end"].startswith(str(records[1].expires_at.year))
    assert ehr["scope"]["coding"][0]["code"] == "patient-privacy"


def test_export_command_writes_valid_ndjson(records):
    out = io.StringIO()
    call_command("export_consents_fhir", stdout=out, stderr=io.StringIO())
    lines = [line for line in out.getvalue().splitlines() if line]
    assert len(lines) == len(records)
    for line in lines:
        Consent.model_validate(json.loads(line))
    assert AuditEvent.objects.filter(action="consent.fhir_export_bulk").exists()


def test_staff_endpoint_needs_staff_and_the_permission(client, records):
    url = f"/staff/consent/records/{records[0].pk}/fhir/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(make_staff())
    assert client.get(url).status_code == 403
    client.force_login(make_staff(perms=["export_consent_fhir"], is_staff=False))
    assert client.get(url).status_code in {403, 404}
    from portal.models import AccessEvent, StaffProfile
    from tests.factories import SiteFactory

    exporter = make_staff(perms=["export_consent_fhir"])
    client.force_login(exporter)
    assert client.get(url).status_code == 404  # no site: no participant's record
    profile = StaffProfile.objects.create(user=exporter, site=SiteFactory(code="elsewhere"))
    assert client.get(url).status_code == 404  # another site's record is not found
    assert not AccessEvent.objects.exists()
    profile.site = records[0].participant.site
    profile.save()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    Consent.model_validate(response.json())
    assert AuditEvent.objects.filter(action="consent.fhir_export").count() == 1
    seen = AccessEvent.objects.get()  # the participant's "who has seen my data" row
    assert (seen.staff_id, seen.participant_id) == (exporter.pk, records[0].participant_id)
    assert client.get("/staff/consent/records/999999/fhir/").status_code == 404
