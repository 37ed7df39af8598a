""" "Download my data": a zip of everything we hold about the participant, built by a task.

The zip holds `fhir/bundle.json` (participants.fhir_bundle), the signed consent PDFs, the
released report PDFs and a README in the participant's language. The request writes a
row and an outbox message in one transaction; the task builds the file, marks the row
ready (a conditional update, so a redelivered task does nothing twice), writes the
participant's own access-log row, and e-mails them. The link works for the logged-in
owner only and expires after EXPORT_DAYS.

A participant who withdrew at tier 2 or 3 gets only what the withdrawal keeps: tier 2
keeps their details, consents and survey answers (no longer used for research) and hides
DNA results; tier 3 keeps only their consents (the law requires them) and what is left of
their details after erasure. The README says what was left out and why.
"""

import datetime as dt
import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from participants.consent.fhir import consent_resource
from participants.consent.selectors import documents_for
from participants.fhir_bundle import BundleBuilder, document_reference, patient_resource
from participants.models import DataExport, Participant, User, WithdrawalTier
from participants.notifications import email_participant
from participants.surveys.fhir import questionnaire_from_definition, questionnaire_response
from participants.surveys.models import ResponseStatus, SurveyResponse
from portal import hooks
from portal.access_log import access_record
from portal.audit import audit_record
from portal.context_processors import program_info
from portal.outbox import outbox_enqueue

EXPORT_DAYS = 7
EXPORTS_PREFIX = "exports/"
BUNDLE_PATH = "fhir/bundle.json"


class ExportNotReady(Http404):
    """The owner's export exists but cannot be downloaded now (pending, failed, expired)."""

    def __init__(self, export: DataExport) -> None:
        super().__init__(export.status)
        self.export = export


@transaction.atomic
def data_export_request(*, participant: Participant, actor: User, language: str) -> DataExport:
    """Asks for a new zip. One pending request at a time: a second click returns it."""
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    pending = DataExport.objects.filter(
        participant=participant, status=DataExport.Status.PENDING
    ).first()
    if pending is not None:
        return pending
    export = DataExport.objects.create(
        participant=participant, public_id=uuid.uuid4(), language=language
    )
    audit_record(action="data_export.request", actor=actor, participant=participant, target=export)
    outbox_enqueue(task_name="participants.tasks.build_data_export", args=[export.pk])
    return export


def data_export_for_owner(participant: Participant, public_id) -> DataExport:
    """The participant's own export, downloadable now; another's id is a plain 404."""
    export = DataExport.objects.filter(participant=participant, public_id=public_id).first()
    if export is None:
        raise Http404
    if export.status == DataExport.Status.READY and export.expires_at <= timezone.now():
        data_exports_expire(only=export.pk)
        export.refresh_from_db()
    if export.status != DataExport.Status.READY:
        raise ExportNotReady(export)
    return export


def data_export_open(export: DataExport):
    return storages["private"].open(export.file_name, "rb")


@dataclass
class ExportContents:
    tier: int
    consents: int = 0
    surveys: int = 0
    reports: int = 0
    documents: int = 0

    def as_dict(self) -> dict:
        return {
            "tier": self.tier,
            "consents": self.consents,
            "surveys": self.surveys,
            "reports": self.reports,
            "documents": self.documents,
            "surveys_left_out": self.tier >= WithdrawalTier.DESTROY,
            "reports_left_out": self.tier >= WithdrawalTier.NO_FURTHER_USE,
        }


def build_zip(participant: Participant, language: str) -> tuple[bytes, ExportContents]:
    """The zip's bytes and what it holds. Runs in the task (renders PDFs if needed)."""

    tier = int(participant.withdrawal_tier or 0)
    contents = ExportContents(tier=tier)
    builder = BundleBuilder()
    files: dict[str, bytes] = {}
    patient_ref = builder.add(patient_resource(participant))

    for record in documents_for(participant):
        consent = consent_resource(record)
        consent["patient"] = {"reference": patient_ref}
        consent_ref = builder.add(consent)
        contents.consents += 1
        document = getattr(record, "document", None)
        if document is None:
            continue
        signed = record.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d")
        path = (
            f"documents/consent-{record.version.form.code}-v{record.version.number}-"
            f"{signed}-{record.pk}.pdf"
        )
        with document.file.open("rb") as handle:
            files[path] = handle.read()
        builder.add(
            document_reference(
                subject=patient_ref,
                path=f"../{path}",
                title=record.version.form.title(language),
                kind="consent",
                created=record.signed_at.isoformat(),
                size=len(files[path]),
                related=consent_ref,
            )
        )
        contents.documents += 1

    if tier < WithdrawalTier.DESTROY:
        responses = SurveyResponse.objects.filter(
            participant=participant, status=ResponseStatus.COMPLETED
        ).select_related("version")
        seen_questionnaires: set[str] = set()
        for response in responses.order_by("completed"):
            definition = response.version.parsed()
            answered_in = response.language or language
            questionnaire = questionnaire_from_definition(definition, answered_in)
            key = f"{questionnaire['url']}|{questionnaire['version']}|{answered_in}"
            if key not in seen_questionnaires:
                seen_questionnaires.add(key)
                questionnaire["id"] = f"{questionnaire['id']}-{answered_in}"[:64]
                builder.add(questionnaire)
            builder.add(
                questionnaire_response(
                    definition,
                    response.answers,
                    response_id=str(response.public_id),
                    subject_reference=patient_ref,
                    authored=response.completed,
                    status="completed",
                    language=answered_in,
                    include_identifiers=True,
                )
            )
            contents.surveys += 1

    # DNA results and other areas' sections (results.participant_hooks): each adds to the
    # bundle and the zip what this participant's withdrawal tier keeps.
    for section in hooks.data_export_sections():
        counts = section(
            participant=participant, tier=tier, language=language, builder=builder,
            files=files, subject=patient_ref,
        )  # fmt: skip
        for name, count in (counts or {}).items():
            setattr(contents, name, getattr(contents, name) + count)

    now = timezone.now()
    bundle = builder.bundle(timestamp=now.isoformat())
    with translation.override(language):
        readme = render_to_string(
            "participants/my_data/export_readme.txt",
            {
                "participant": participant,
                "contents": contents.as_dict(),
                "created": now,
                "files": sorted(files),
                "bundle_path": BUNDLE_PATH,
                "program": program_info(),
            },
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        archive.writestr(BUNDLE_PATH, json.dumps(bundle, indent=2, ensure_ascii=False))
        for path, data in sorted(files.items()):
            archive.writestr(path, data)
    return buffer.getvalue(), contents


def data_export_build(*, export_pk: int) -> DataExport | None:
    """Builds and stores the zip once; a second run (redelivery) finds it done."""
    export = DataExport.objects.select_related("participant__user").filter(pk=export_pk).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return export
    participant = export.participant
    data, contents = build_zip(participant, export.language)
    storage = storages["private"]
    name = f"{EXPORTS_PREFIX}{export.public_id}.zip"
    if storage.exists(name):
        storage.delete(name)  # a half-written file from a killed worker
    stored = storage.save(name, ContentFile(data))
    now = timezone.now()
    with transaction.atomic():
        updated = DataExport.objects.filter(pk=export.pk, status=DataExport.Status.PENDING).update(
            status=DataExport.Status.READY,
            file_name=stored,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            contents=contents.as_dict(),
            ready_at=now,
            expires_at=now + dt.timedelta(days=EXPORT_DAYS),
        )
        if not updated:
            return DataExport.objects.get(pk=export.pk)
        _record_own_access(participant, export)
        audit_record(
            action="data_export.ready",
            actor=None,
            participant=participant,
            target=export,
            data={"size": len(data), **contents.as_dict()},
        )

        with translation.override(participant.preferred_language):
            page_url = settings.SITE_URL.rstrip("/") + reverse("participants:my_data")
        email_participant(
            participant=participant,
            template="data_export_ready",
            context={"data_url": page_url, "days": EXPORT_DAYS},
        )
    export.refresh_from_db()
    return export


def _record_own_access(participant: Participant, export: DataExport) -> None:
    """The copy is written to the participant's own access log: they read their record."""

    access_record(
        staff=participant.user,
        participant=participant,
        what="self.export",
        reason=f"download:{export.public_id}",
        request=None,
    )


def data_export_fail(*, export_pk: int) -> None:
    DataExport.objects.filter(pk=export_pk, status=DataExport.Status.PENDING).update(
        status=DataExport.Status.FAILED
    )


def data_exports_expire(*, now: dt.datetime | None = None, only: int | None = None) -> int:
    """Deletes the files of expired exports and marks them expired (idempotent).

    `only`: just this export (a download attempt after expiry); else all of them (hourly).
    """
    now = now or timezone.now()
    storage = storages["private"]
    count = 0
    expired = DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now)
    if only is not None:
        expired = expired.filter(pk=only)
    for export in expired:
        with transaction.atomic():
            if not DataExport.objects.filter(pk=export.pk, status=DataExport.Status.READY).update(
                status=DataExport.Status.EXPIRED
            ):
                continue
            audit_record(
                action="data_export.expired",
                participant=export.participant,
                target=export,
            )
        if export.file_name and storage.exists(export.file_name):
            storage.delete(export.file_name)
        count += 1
    return count
