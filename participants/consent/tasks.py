"""Thin consent tasks: take ids, re-read, do the work once (acks late, so they may run twice)."""

import hashlib
import uuid

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from participants.consent.consent_pdf import consent_pdf_bytes
from participants.consent.models import ConsentDocument, ConsentRecord
from participants.notifications import build_participant_email, should_send


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def make_consent_document(record_pk: int) -> int | None:
    """Renders, stores and e-mails the signed PDF of a record. A second run does nothing new."""
    record = (
        ConsentRecord.objects.select_related("version__form", "participant__user")
        .filter(pk=record_pk)
        .first()
    )
    if record is None:
        return None
    document = ConsentDocument.objects.filter(record=record).first()
    if document is None:
        document = _store_document(record)
    _email_document(document)
    return document.pk


def _store_document(record: ConsentRecord) -> ConsentDocument:
    data = consent_pdf_bytes(record)
    document = ConsentDocument(
        record=record, sha256=hashlib.sha256(data).hexdigest(), size=len(data)
    )
    # A random name: the path says nothing about the person, and two workers
    # racing on one record never overwrite each other's file.
    document.file.save(f"{record.pk}-{uuid.uuid4().hex}.pdf", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        document.file.delete(save=False)
        return ConsentDocument.objects.get(record=record)
    return document


def _email_document(document: ConsentDocument) -> None:
    record = document.record
    participant = record.participant
    if not should_send(participant, "consent_copy"):
        return
    # Claimed with a conditional update so two runs send one e-mail.
    if not ConsentDocument.objects.filter(pk=document.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    ):
        return
    try:
        message = build_participant_email(
            participant=participant,
            template="consent_copy",
            context={
                "form_code": record.version.form.code,
                "form_title": record.version.form.title(participant.preferred_language),
                "version": record.version.number,
                "decision": record.decision,
            },
        )
        with document.file.open("rb") as fh:
            message.attach(
                f"consent-{record.version.form.code}-v{record.version.number}.pdf",
                fh.read(),
                "application/pdf",
            )
        message.send()
    except Exception:
        # Unclaim so the retry sends it.
        ConsentDocument.objects.filter(pk=document.pk).update(emailed_at=None)
        raise
