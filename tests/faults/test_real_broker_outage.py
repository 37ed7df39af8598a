"""The Celery broker (Redis) really stops while a participant signs consent.

No mocks: a Redis of our own is the broker and result store (one service, as in
production); the cache and sessions stay on the shared Redis, as in production where
REDIS_URL and CELERY_BROKER_URL are separate services. The participant signs over real
HTTP against a live server, after the broker process was shut down. The signature must
commit with a pending outbox row that records the error, the participant must see the
normal "saved" page promptly (publishing must not hang on the dead broker), and once
Redis is back on the same port, dispatch_outbox publishes the row and a real worker
makes the PDF exactly once.
"""

import time

import pytest
from django.core import mail

from participants.consent.comprehension import comprehension_questions
from participants.consent.defaults import load_default_consents
from participants.consent.models import ConsentDocument, ConsentRecord
from portal.celery import app as celery_app
from portal.outbox import OutboxMessage, dispatch_outbox
from tests.faults.services import celery_on_broker, log_in, page_inputs, private_redis

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PDF_TASK = "participants.consent.tasks.make_consent_document"
SIGN_FORM_HIDDEN = (
    "csrfmiddlewaretoken",
    "version_id",
    "language",
    "text_sha256",
    "submission_token",
)
# A safety limit, not a speed test: a publish that keeps retrying a dead broker leaves
# the participant looking at a spinning page (and holds a web worker meanwhile).
REQUEST_LIMIT_SECONDS = 15
# Beyond this the request is not slow but hung: fail at once, whatever else holds.
HANG_LIMIT_SECONDS = 60


@pytest.fixture
def private_storage(settings, tmp_path):
    """Signed PDFs go to a throwaway folder, never the developer's var/private."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


def _pass_comprehension(session, base: str) -> None:
    url = f"{base}/me/consent/questions/"
    token = page_inputs(session, url)["csrfmiddlewaretoken"]
    answers = {q.code: q.correct for q in comprehension_questions("en")}
    done = session.post(url, data={"csrfmiddlewaretoken": token, **answers}, timeout=60)
    assert done.url.split("#")[0].endswith("/me/consent/primary/"), done.url


def _wait_for(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.2)


def _sign_over_http(session, base: str, shown: dict[str, str]):
    """Signs the primary consent as shown; returns (response, seconds it took)."""
    started = time.monotonic()
    signed = session.post(
        f"{base}/me/consent/primary/",
        data={
            # Exactly what the page said it shows, and the form's one-time token.
            **{key: shown[key] for key in SIGN_FORM_HIDDEN},
            "decision": "agree",
            "typed_name": "Ana García",
        },
        timeout=HANG_LIMIT_SECONDS + 60,
    )
    return signed, time.monotonic() - started


def _saved_and_pending(signed, took: float, participant) -> tuple[ConsentRecord, OutboxMessage]:
    """The participant saw the normal page; the signature committed, its PDF task pending."""
    assert took < HANG_LIMIT_SECONDS, f"signing hung {took:.0f} s with the broker out"
    assert signed.status_code == 200, signed.status_code
    # the signed page offers the next step (issue 16); the signature is what counts here
    assert signed.url.endswith("/me/consent/primary/signed/"), signed.url
    assert "Your signature is saved" in signed.text
    assert "Something went wrong" not in signed.text
    record = ConsentRecord.objects.get(participant=participant)
    assert record.decision == "agree"
    assert OutboxMessage.objects.count() == 1
    pending = OutboxMessage.objects.get(task_name=PDF_TASK, args=[record.pk])
    assert pending.published_at is None and pending.attempts == 1 and pending.last_error
    assert not ConsentDocument.objects.exists()
    return record, pending


def _pdf_made_once_when_the_broker_answers(settings, pending: OutboxMessage) -> None:
    from celery.contrib.testing.worker import start_worker

    with start_worker(
        celery_app,
        pool="solo",
        perform_ping_check=False,
        shutdown_timeout=30,
        queues=[settings.CELERY_TASK_DEFAULT_QUEUE],
    ):
        assert dispatch_outbox() == 1
        pending.refresh_from_db()
        assert pending.published_at is not None and pending.attempts == 2
        _wait_for(
            lambda: ConsentDocument.objects.exists() and any(m.attachments for m in mail.outbox),
            timeout=90,
        )
        assert dispatch_outbox() == 0  # nothing left to send, nothing sent twice


@pytest.fixture
def ready_to_sign(live_server, settings, private_storage):
    """A participant logged in over HTTP, past comprehension, looking at the primary
    consent; the broker is a private Redis. Yields (participant, session, shown, broker)."""
    from tests.factories import ParticipantFactory

    load_default_consents()
    participant = ParticipantFactory(user__email="broker-outage@example.org")
    with private_redis() as broker, celery_on_broker(celery_app, broker.url()):
        settings.CELERY_BROKER_URL = broker.url()
        settings.CELERY_TASK_ALWAYS_EAGER = False
        session = log_in(live_server.url, participant.user.email)
        _pass_comprehension(session, live_server.url)
        shown = page_inputs(session, f"{live_server.url}/me/consent/primary/")
        yield participant, session, shown, broker


def test_consent_signed_while_the_broker_is_stopped_is_kept_and_its_pdf_made_once(
    live_server, settings, ready_to_sign
):
    participant, session, shown, broker = ready_to_sign
    base = live_server.url
    broker.stop()  # SHUTDOWN NOSAVE: the process is gone, its port refuses
    assert not broker.running and not broker.ping()

    signed, took = _sign_over_http(session, base, shown)
    record, pending = _saved_and_pending(signed, took, participant)
    error_at_signing = pending.last_error

    broker.start()  # back on the same port (empty: it keeps nothing across a restart)
    _pdf_made_once_when_the_broker_answers(settings, pending)

    document = ConsentDocument.objects.get(record=record)
    assert ConsentDocument.objects.count() == 1
    with document.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    copies = [m for m in mail.outbox if m.attachments and participant.user.email in m.to]
    assert len(copies) == 1
    # And the participant now finds it on their documents page.
    assert f"/me/documents/{document.pk}/download/" in session.get(f"{base}/me/documents/").text

    # The signature did not wait on the dead broker (outbox publish has no result to wait
    # for, and the broker socket has a timeout): a bound, not a speed test.
    assert took < REQUEST_LIMIT_SECONDS, f"signing took {took:.1f} s with the broker down"
    assert "Connection refused" in error_at_signing, error_at_signing


def test_a_frozen_broker_does_not_hold_the_signature(live_server, settings, ready_to_sign):
    """The broker process is alive but silent (SIGSTOP): connections open, nothing answers.

    The socket timeout bounds the publish; the signature commits, the participant sees the
    saved page, and the PDF is made once the broker answers again.
    """
    import os
    import signal

    participant, session, shown, broker = ready_to_sign
    os.kill(broker.proc.pid, signal.SIGSTOP)
    try:
        assert not broker.ping()
        signed, took = _sign_over_http(session, live_server.url, shown)
    finally:
        os.kill(broker.proc.pid, signal.SIGCONT)
    record, pending = _saved_and_pending(signed, took, participant)
    error_at_signing = pending.last_error

    assert broker.ping()  # answering again
    _pdf_made_once_when_the_broker_answers(settings, pending)
    assert ConsentDocument.objects.filter(record=record).count() == 1
    assert took < REQUEST_LIMIT_SECONDS, f"signing took {took:.1f} s on a frozen broker"
    assert "Timeout" in error_at_signing, error_at_signing
