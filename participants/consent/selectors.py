"""Consent reads shared by views, services, the home panel and other apps."""

from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from participants.consent.models import (
    GIVING,
    ComprehensionAttempt,
    ConsentDocument,
    ConsentForm,
    ConsentRecord,
    ConsentVersion,
    Decision,
    VersionStatus,
)
from participants.models import Participant


def published_versions() -> dict[str, ConsentVersion]:
    """{form code: the version in force}."""
    versions = ConsentVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("form")
    return {v.form.code: v for v in versions}


def published_version(code: str) -> ConsentVersion:
    version = (
        ConsentVersion.objects.select_related("form")
        .filter(form__code=code, status=VersionStatus.PUBLISHED)
        .first()
    )
    if version is None:
        raise Http404
    return version


def current_records(participant: Participant) -> dict[str, ConsentRecord]:
    """{form code: latest record}: the participant's decision in force on each form."""
    latest: dict[str, ConsentRecord] = {}
    records = (
        ConsentRecord.objects.filter(participant=participant)
        .select_related("version__form")
        .order_by("-signed_at", "-id")
    )
    for record in records:
        latest.setdefault(record.version.form.code, record)
    return latest


def current_record(participant: Participant, code: str) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(participant=participant, version__form__code=code)
        .select_related("version__form")
        .order_by("-signed_at", "-id")
        .first()
    )


def current_decision(participant: Participant, code: str) -> str | None:
    """The decision in force; an expired permission (ehr after its end date) counts as None."""
    record = current_record(participant, code)
    if record is None:
        return None
    if record.expires_at is not None and record.expires_at <= timezone.now():
        return None
    return record.decision


def decision_in_force_sql(*, participant_column: str, code_param: str) -> str:
    """`current_decision` as a scalar SQL subquery, for a query that gates on consent in
    the same round trip (the report page: results.selectors.report_for_user).

    `participant_column` is the outer query's participant id column; the form code is the
    named parameter `code_param` (%(name)s). The same rule as `current_decision`: the
    newest record on the form (signed_at, then id), None when it has expired.
    """
    record = ConsentRecord._meta.db_table
    version = ConsentVersion._meta.db_table
    form = ConsentForm._meta.db_table
    return (
        "(SELECT CASE WHEN record.expires_at IS NULL OR record.expires_at > now() "  # noqa: S608 - model names, parameters
        "THEN record.decision END "
        f"FROM {record} record JOIN {version} version ON version.id = record.version_id "
        f"JOIN {form} form ON form.id = version.form_id "
        f"WHERE record.participant_id = {participant_column} AND form.code = %({code_param})s "
        "ORDER BY record.signed_at DESC, record.id DESC LIMIT 1)"
    )


def gror_allows_results(participant: Participant) -> bool:
    """What the results app asks: may this participant see genomic results?"""
    return current_decision(participant, "gror") == Decision.YES


@dataclass(frozen=True)
class Renewal:
    form: ConsentForm
    record: ConsentRecord
    version: ConsentVersion
    reason: str  # "new_version" or "expired"


def consents_needing_renewal(participant: Participant) -> list[Renewal]:
    """Permissions given on an older version than the one in force, or that expired.

    Only giving decisions count: someone who declined or withdrew is not asked
    again. Until they sign again, the old decision stands.
    """
    versions = published_versions()
    renewals = []
    now = timezone.now()
    for code, record in current_records(participant).items():
        latest = versions.get(code)
        if latest is None or record.decision not in GIVING:
            continue
        if record.version.number < latest.number:
            renewals.append(Renewal(latest.form, record, latest, "new_version"))
        elif record.expires_at is not None and record.expires_at <= now:
            renewals.append(Renewal(latest.form, record, latest, "expired"))
    return sorted(renewals, key=lambda r: (r.form.position, r.form.code))


def comprehension_passed(participant: Participant) -> bool:
    return ComprehensionAttempt.objects.filter(participant=participant, passed=True).exists()


def documents_for(participant: Participant) -> list[ConsentRecord]:
    """Every signed record (newest first) with its PDF when it is ready."""
    return list(
        ConsentRecord.objects.filter(participant=participant, typed_name__isnull=False)
        .select_related("version__form", "document")
        .order_by("-signed_at", "-id")
    )


def document_for_owner(participant: Participant, pk: int) -> ConsentDocument:
    """The participant's own document, or 404 (never 403: the id's existence stays hidden)."""
    try:
        return ConsentDocument.objects.select_related("record__version__form").get(
            pk=pk, record__participant=participant
        )
    except ConsentDocument.DoesNotExist as exc:
        raise Http404 from exc
