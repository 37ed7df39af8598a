"""The broker is unreachable while a participant signs consent: nothing is lost.

The signature commits with an outbox row; publishing fails; once the broker is
back, dispatch_outbox publishes it and a real worker makes the PDF exactly once.
The cache/session Redis stays up: in production it is a separate service
(REDIS_URL) from the broker (CELERY_BROKER_URL).
"""

from unittest import mock

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from participants.consent.models import ConsentDocument, ConsentRecord
from participants.consent.selectors import published_version
from participants.consent.services import consent_sign, legal_name
from portal.celery import app
from portal.outbox import OutboxMessage, dispatch_outbox

pytestmark = [pytest.mark.worker]


def _sign(participant):
    from participants.consent.comprehension import comprehension_questions
    from participants.consent.defaults import load_default_consents
    from participants.consent.services import comprehension_record

    load_default_consents()
    answers = {q.code: q.correct for q in comprehension_questions("en")}
    comprehension_record(participant=participant, answers=answers, language="en")
    version = published_version("primary")
    return consent_sign(
        participant=participant,
        form_code="primary",
        version_id=version.pk,
        decision="agree",
        typed_name=legal_name(participant),
        language="en",
        text_sha256=version.sha256("en"),
        submission_token=None,
        ip_address="203.0.113.9",
        user_agent="test",
        actor=participant.user,
    )


def test_signature_survives_a_broker_outage_and_the_pdf_comes_later(participant, real_worker):
    # What Celery raises when Redis refuses the connection.
    refused = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch.object(app.Task, "apply_async", side_effect=refused):
        record = _sign(participant)
    assert ConsentRecord.objects.filter(pk=record.pk).exists()
    pending = OutboxMessage.objects.get()
    assert pending.published_at is None and pending.attempts == 1
    assert "Connection refused" in pending.last_error
    assert not ConsentDocument.objects.exists()

    assert dispatch_outbox() == 1  # the broker is back
    result_deadline = 60
    import time

    started = time.monotonic()
    while not ConsentDocument.objects.exists() and time.monotonic() - started < result_deadline:
        time.sleep(0.2)
    assert ConsentDocument.objects.filter(record=record).count() == 1
    assert dispatch_outbox() == 0  # nothing left, nothing sent twice
    pending.refresh_from_db()
    assert pending.published_at is not None
    started = time.monotonic()
    while not mail.outbox and time.monotonic() - started < 10:
        time.sleep(0.1)
    assert len([m for m in mail.outbox if m.attachments]) == 1
