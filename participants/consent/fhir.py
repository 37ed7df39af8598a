"""FHIR R4 `Consent` for one record, validated with fhir.resources (R4B, structurally R4 here).

The patient is referenced by the pseudonymous research id only; the typed name,
IP address and user agent never leave the portal.
"""

import json
from collections.abc import Iterable
from typing import IO, Any

from fhir.resources.R4B.consent import Consent

from participants.consent.models import ConsentRecord, Decision

SYSTEM_BASE = "https://portal.example.org/fhir"
RESEARCH_ID_SYSTEM = f"{SYSTEM_BASE}/sid/research-id"
RECORD_ID_SYSTEM = f"{SYSTEM_BASE}/sid/consent-record"
FORM_SYSTEM = f"{SYSTEM_BASE}/CodeSystem/consent-form"
DECISION_SYSTEM = f"{SYSTEM_BASE}/CodeSystem/consent-decision"
TEXT_HASH_EXTENSION = f"{SYSTEM_BASE}/StructureDefinition/consent-text-sha256"
POLICY_BASE = f"{SYSTEM_BASE}/consent-policy"
# The version chain: which version this record is on, and the record it replaces
# (the same participant's previous decision on the same form, on an earlier version).
VERSION_EXTENSION = f"{SYSTEM_BASE}/StructureDefinition/consent-version"
REPLACES_EXTENSION = f"{SYSTEM_BASE}/StructureDefinition/consent-replaces"

# decline/no: the consent was refused; not sure: no decision yet ("decide later");
# withdrawn: it was given and is no longer in force.
STATUS = {
    Decision.AGREE: "active",
    Decision.YES: "active",
    Decision.DECLINE: "rejected",
    Decision.NO: "rejected",
    Decision.NOT_SURE: "proposed",
    Decision.WITHDRAWN: "inactive",
}
SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def _scope(code: str) -> dict[str, Any]:
    if code == "ehr":
        return {
            "coding": [
                {"system": SCOPE_SYSTEM, "code": "patient-privacy", "display": "Privacy Consent"}
            ]
        }
    return {"coding": [{"system": SCOPE_SYSTEM, "code": "research", "display": "Research"}]}


def consent_resource(record: ConsentRecord) -> dict[str, Any]:
    """The record as a FHIR R4 Consent (a JSON-ready dict)."""
    version = record.version
    form = version.form
    category = [
        {"coding": [{"system": LOINC, "code": "59284-0", "display": "Consent Document"}]},
        {"coding": [{"system": FORM_SYSTEM, "code": form.code, "display": form.title_en}]},
    ]
    if form.code == "ehr":
        category.append(
            {"coding": [{"system": ACT_CODE, "code": "IDSCL", "display": "information disclosure"}]}
        )
    provision: dict[str, Any] = {
        "type": "permit" if record.decision in {Decision.AGREE, Decision.YES} else "deny",
        "code": [{"coding": [{"system": DECISION_SYSTEM, "code": record.decision}]}],
    }
    if record.expires_at is not None:
        provision["period"] = {
            "start": record.signed_at.isoformat(),
            "end": record.expires_at.isoformat(),
        }
    return {
        "resourceType": "Consent",
        "id": f"consent-record-{record.pk}",
        "identifier": [{"system": RECORD_ID_SYSTEM, "value": str(record.pk)}],
        "status": STATUS[Decision(record.decision)],
        "scope": _scope(form.code),
        "category": category,
        "patient": {
            "identifier": {"system": RESEARCH_ID_SYSTEM, "value": record.participant.research_id}
        },
        "dateTime": record.signed_at.isoformat(),
        "policy": [{"uri": f"{POLICY_BASE}/{form.code}/v{version.number}"}],
        "sourceAttachment": {
            "contentType": "text/markdown; charset=utf-8",
            "language": record.language,
            "title": f"{form.code} v{version.number} ({record.language})",
            "creation": version.effective_date.isoformat(),
        },
        "provision": provision,
        "extension": [
            {"url": TEXT_HASH_EXTENSION, "valueString": record.text_sha256},
            *_version_chain(record),
        ],
    }


def _version_chain(record: ConsentRecord) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = [
        {
            "url": VERSION_EXTENSION,
            "valueString": f"{record.version.form.code} v{record.version.number}",
        }
    ]
    previous = (
        ConsentRecord.objects.filter(
            participant_id=record.participant_id,
            version__form_id=record.version.form_id,
            signed_at__lte=record.signed_at,
        )
        .exclude(pk=record.pk)
        .exclude(version_id=record.version_id)
        .select_related("version")
        .order_by("-signed_at", "-id")
        .first()
    )
    if previous is not None:
        chain.append(
            {
                "url": REPLACES_EXTENSION,
                "valueReference": {
                    "reference": f"Consent/consent-record-{previous.pk}",
                    "display": f"{record.version.form.code} v{previous.version.number}",
                },
            }
        )
    return chain


def validated_consent(record: ConsentRecord) -> dict[str, Any]:
    """`consent_resource`, checked by fhir.resources; raises pydantic's ValidationError."""

    resource = consent_resource(record)
    Consent.model_validate(resource)
    return resource


def write_ndjson(records: Iterable[ConsentRecord], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(validated_consent(record), ensure_ascii=False) + "\n")
        count += 1
    return count
