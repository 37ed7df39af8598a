"""The signed PDF is made by a real Celery worker through Redis, on commit."""

import io

import pytest
from django.core import mail
from pypdf import PdfReader

from participants.consent.models import ConsentDocument
from participants.consent.tasks import make_consent_document
from tests.participants.consent.helpers import pass_comprehension, sign


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.worker
def test_pdf_task_on_a_real_worker_makes_a_valid_pdf(real_worker, participant, consents):
    pass_comprehension(participant)
    # transactional_db: the signing commits, so on_commit really sends the task.
    record = sign(participant, consents["primary"], typed_name="ANA GARCIA")
    result = make_consent_document.delay(record.pk)  # a redelivery, racing the on-commit one
    document_pk = result.get(timeout=60)
    document = ConsentDocument.objects.get(record=record)
    assert document.pk == document_pk
    with document.file.open("rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF-")
    import hashlib

    assert hashlib.sha256(data).hexdigest() == document.sha256
    reader = PdfReader(io.BytesIO(data))
    metadata = reader.xmp_metadata
    assert metadata is not None  # PDF/UA writes XMP metadata
    assert "pdfuaid" in reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    text = _text(data)
    assert "ANA GARCIA" in text
    assert record.text_sha256 in text
    assert "Consent to Join the Research Program" in text
    assert ConsentDocument.objects.count() == 1
    assert len([m for m in mail.outbox if m.attachments]) <= 1


@pytest.mark.worker
def test_spanish_record_gives_a_spanish_pdf(real_worker, participant, consents):
    pass_comprehension(participant)
    version = consents["primary"]
    record = sign(participant, version, language="es", text_sha256=version.sha256_es)
    make_consent_document.delay(record.pk).get(timeout=60)
    document = ConsentDocument.objects.get(record=record)
    with document.file.open("rb") as fh:
        text = _text(fh.read())
    assert "Consentimiento para unirse" in text
    assert "Ana García" in text
    assert version.sha256_es in text
