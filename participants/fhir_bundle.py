"""The participant's own data as one FHIR R4 Bundle (type `collection`), for "Download my data".

Resources: the participant's Patient, each Consent, each completed QuestionnaireResponse
with its Questionnaire, each released report as a DiagnosticReport with its Observations
(shaped after the HL7 Genomics Reporting IG where the stored findings allow), and a
DocumentReference for every PDF in the zip. References inside the Bundle are the
`urn:uuid:` full URLs of their targets. Validated with `fhir.resources` (R4B) in tests.

Reports are written from the stored report data as it is (`Interpretation.result`, the
report type's slice): each finding becomes one Observation carrying the finding's own
JSON in a note, so nothing the report says is lost if the engine's shape changes.
"""

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

LOINC = "http://loinc.org"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
HGNC_TEXT = "gene-studied"
GENOMICS_IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition"
DBSNP = "http://www.ncbi.nlm.nih.gov/projects/SNP"
BCP47 = "urn:ietf:bcp:47"

SEX_TO_GENDER = {"FEMALE": "female", "MALE": "male", "INTERSEX": "other", "OTHER": "other"}


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


@dataclass
class BundleBuilder:
    """Collects resources; `ref()` gives the reference other resources use."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def add(self, resource: dict[str, Any]) -> str:
        full_url = _urn()
        self.entries.append({"fullUrl": full_url, "resource": resource})
        return full_url

    def bundle(self, *, timestamp: str) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "type": "collection",
            "timestamp": timestamp,
            "entry": self.entries,
        }


def patient_resource(participant) -> dict[str, Any]:
    """The participant as they told us, leaving out what they did not give (or was erased)."""
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": participant.participant_id,
        "identifier": [
            {"system": f"{_site()}/participant-id", "value": participant.participant_id}
        ],
        "active": participant.state != "withdrawn",
    }
    given = [n for n in [participant.legal_first_name] if n]
    name: dict[str, Any] = {}
    if participant.legal_last_name:
        name["family"] = participant.legal_last_name
    if given:
        name["given"] = given
    if name:
        name["use"] = "official"
        resource["name"] = [name]
    if participant.preferred_name:
        resource.setdefault("name", []).append({"use": "usual", "text": participant.preferred_name})
    telecom = [{"system": "email", "value": participant.user.email, "use": "home"}]
    if participant.phone:
        telecom.append({"system": "phone", "value": participant.phone, "use": "mobile"})
    resource["telecom"] = telecom
    if participant.sex_at_birth in SEX_TO_GENDER:
        resource["gender"] = SEX_TO_GENDER[participant.sex_at_birth]
    if participant.date_of_birth:
        resource["birthDate"] = participant.date_of_birth.isoformat()
    address: dict[str, Any] = {}
    lines = [line for line in [participant.address_line1, participant.address_line2] if line]
    if lines:
        address["line"] = lines
    if participant.city:
        address["city"] = participant.city
    if participant.us_state:
        address["state"] = participant.us_state
    if participant.postal_code:
        address["postalCode"] = participant.postal_code
    if address:
        resource["address"] = [{"use": "home", "country": "US", **address}]
    resource["communication"] = [
        {
            "language": {"coding": [{"system": BCP47, "code": participant.preferred_language}]},
            "preferred": True,
        }
    ]
    return resource


def _finding_entries(data: Any) -> Iterable[tuple[str, Any]]:
    """(key, finding) pairs from a report's stored slice: a mapping or a list of findings."""
    if isinstance(data, dict):
        yield from ((str(key), value) for key, value in data.items())
    elif isinstance(data, list):
        for index, value in enumerate(data):
            key = value.get("gene") or value.get("variant") if isinstance(value, dict) else None
            yield (str(key or index + 1), value)


def _called(finding: Any) -> str | None:
    """A finding's result in words, if it has one (diplotype, genotype, interpretation...)."""
    if not isinstance(finding, dict):
        return str(finding) if finding not in (None, "") else None
    for key in ("diplotypes", "diplotype", "genotype", "phenotype", "interpretation", "call"):
        value = finding.get(key)
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            return ", ".join(
                v if isinstance(v, str) else json.dumps(v, sort_keys=True) for v in value
            )
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return None


def _observation(
    *, report_type: str, key: str, finding: Any, subject: str, issued: str | None
) -> dict[str, Any]:
    gene = finding.get("gene") if isinstance(finding, dict) else None
    if report_type == "pgx":
        gene = gene or key
        code = {"system": LOINC, "code": "84413-4", "display": "Genotype display name"}
        profile = "genotype"
    elif report_type == "disease_risk":
        code = {"system": LOINC, "code": "69548-6", "display": "Genetic variant assessment"}
        profile = "variant"
    else:
        code = {"system": LOINC, "code": "84413-4", "display": "Genotype display name"}
        profile = "genotype"
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "meta": {"profile": [f"{GENOMICS_IG}/{profile}"]},
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]},
        ],
        "code": {"coding": [code], "text": key},
        "subject": {"reference": subject},
        "note": [{"text": json.dumps(finding, sort_keys=True, default=str)}],
    }
    if issued:
        resource["issued"] = issued
    called = _called(finding)
    if report_type == "disease_risk":
        resource["valueCodeableConcept"] = {
            "coding": [{"system": LOINC, "code": "LA9633-4", "display": "Present"}],
            "text": called or key,
        }
    elif called:
        resource["valueCodeableConcept"] = {"text": called}
    else:
        resource["dataAbsentReason"] = {
            "coding": [{"system": DATA_ABSENT, "code": "unknown", "display": "Unknown"}],
            "text": "not determined",
        }
    components = []
    if gene:
        components.append(
            {
                "code": {
                    "coding": [{"system": LOINC, "code": "48018-6", "display": "Gene studied"}]
                },
                "valueCodeableConcept": {"text": str(gene)},
            }
        )
    if key.startswith("rs"):
        components.append(
            {
                "code": {"coding": [{"system": LOINC, "code": "81255-2", "display": "dbSNP [ID]"}]},
                "valueCodeableConcept": {"coding": [{"system": DBSNP, "code": key}]},
            }
        )
    if components:
        resource["component"] = components
    return resource


def add_report(
    builder: BundleBuilder, *, report, data: Any, subject: str, label: str
) -> tuple[str, dict[str, Any]]:
    """A released report: its Observations, then the DiagnosticReport that lists them."""
    issued = report.released_at.isoformat() if report.released_at else None
    results = []
    entries = list(_finding_entries(data))
    if not entries and report.report_type == "disease_risk":
        # Nothing reportable found: one Observation saying so.
        absent = {
            "resourceType": "Observation",
            "meta": {"profile": [f"{GENOMICS_IG}/variant"]},
            "status": "final",
            "code": {
                "coding": [
                    {"system": LOINC, "code": "69548-6", "display": "Genetic variant assessment"}
                ]
            },
            "subject": {"reference": subject},
            "valueCodeableConcept": {
                "coding": [{"system": LOINC, "code": "LA9634-2", "display": "Absent"}],
                "text": "No reportable variant found",
            },
        }
        results.append({"reference": builder.add(absent)})
    for key, finding in entries:
        observation = _observation(
            report_type=report.report_type, key=key, finding=finding, subject=subject, issued=issued
        )
        results.append({"reference": builder.add(observation)})
    diagnostic: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": f"report-{report.pk}-v{report.version}",
        "meta": {"profile": [f"{GENOMICS_IG}/genomics-report"]},
        "status": "amended" if report.version > 1 else "final",
        "category": [{"coding": [{"system": V2_0074, "code": "GE", "display": "Genetics"}]}],
        "code": {
            "coding": [{"system": LOINC, "code": "51969-4", "display": "Genetic analysis report"}],
            "text": label,
        },
        "subject": {"reference": subject},
    }
    if issued:
        diagnostic["issued"] = issued
    if results:
        diagnostic["result"] = results
    return builder.add(diagnostic), diagnostic


def document_reference(
    *,
    subject: str,
    path: str,
    title: str,
    kind: str,
    created: str,
    size: int,
    related: str | None,
) -> dict[str, Any]:
    """A PDF in the zip (`path` is its place in the zip, relative to the Bundle file)."""
    codes = {
        "consent": {"system": LOINC, "code": "59284-0", "display": "Consent Document"},
        "report": {"system": LOINC, "code": "51969-4", "display": "Genetic analysis report"},
    }
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "status": "current",
        "type": {"coding": [codes[kind]], "text": title},
        "subject": {"reference": subject},
        "date": created,
        "description": title,
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "url": path,
                    "title": title,
                    "size": size,
                    "creation": created,
                }
            }
        ],
    }
    if related:
        resource["context"] = {"related": [{"reference": related}]}
    return resource
