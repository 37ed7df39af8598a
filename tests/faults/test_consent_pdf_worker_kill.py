"""A Celery worker is killed (SIGKILL) while it makes a signed consent's PDF (faults).

Real processes throughout: the participant signs in this process (PostgreSQL; the outbox
publishes the task to Redis), a worker subprocess (prefork, one child, as in production)
takes the task and stalls at a chosen point, and the test SIGKILLs it there:

- the whole worker (main process and child: the machine or container dies) while the PDF is
  being made. Tasks acknowledge late (`CELERY_TASK_ACKS_LATE`), so the message is still
  unacknowledged in Redis; a new worker restores it after the (shortened) visibility timeout;
- only the pool child (what the OOM killer picks: the process rendering). The main process
  sees the child die and, with `CELERY_TASK_REJECT_ON_WORKER_LOST`, requeues the message for
  the new child it starts;
- the whole worker after the document was committed but before the message was
  acknowledged: the redelivered task must find the document and make no second one.

However the kill falls, the record ends with exactly one ConsentDocument (the model allows
one per record), exactly one PDF file in private storage, and one e-mail copy.
"""

import hashlib
import os
import signal
from pathlib import Path

import pytest
from django.conf import settings

from participants.consent.models import ConsentDocument
from tests.faults.test_broker_outage import _sign
from tests.killable_worker import RESTORE_AFTER, Workers, isolated_broker

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCRIPT = Path(__file__).resolve().parent / "slow_consent_worker.py"
# Redis database for this test's subprocess workers (the results kill test uses 13).
BROKER_DB = 12


class ConsentWorkers(Workers):
    def start(self, *, stage: str, visibility: int):
        return super().start(
            queue=settings.CELERY_TASK_DEFAULT_QUEUE, stage=stage, visibility=visibility
        )

    def emailed_copies(self) -> int:
        """Messages sent with the signed PDF attached."""
        return sum(b'filename="consent-primary-v' in message for message in self.mail())


@pytest.fixture
def workers(settings, tmp_path):
    import participants.consent.tasks  # noqa: F401  (registered in this process)

    with isolated_broker(settings, db=BROKER_DB, name="consent-kill") as (broker, prefix):
        started = ConsentWorkers(SCRIPT, broker, prefix, tmp_path, tmp_path / "private")
        try:
            yield started
        finally:
            started.stop_all()


def _emailed(record):
    # The last thing the task does: the document exists and its copy was sent.
    return lambda: ConsentDocument.objects.filter(record=record, emailed_at__isnull=False).exists()


def _assert_exactly_one_pdf(record, workers) -> ConsentDocument:
    assert ConsentDocument.objects.count() == 1
    document = ConsentDocument.objects.get(record=record)
    assert workers.pdf_files("consent") == [document.file.name]
    data = (workers.private / document.file.name).read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert (len(data), hashlib.sha256(data).hexdigest()) == (document.size, document.sha256)
    assert document.emailed_at is not None
    assert workers.emailed_copies() == 1
    return document


def test_worker_killed_mid_render_the_next_worker_makes_the_pdf_once(participant, workers):
    first = workers.start(stage="render", visibility=3600)
    record = _sign(participant)
    killed = workers.wait_stalled("render", (record.pk,))
    workers.kill_worker(first, killed)  # in the middle of making this record's PDF
    assert not ConsentDocument.objects.filter(record=record).exists()
    assert workers.pdf_files("consent") == []

    # A new worker with a short visibility timeout: the unacknowledged task comes back.
    workers.start(stage="none", visibility=RESTORE_AFTER)
    workers.wait(_emailed(record), "the PDF from the new worker")
    workers.stop_all()

    _assert_exactly_one_pdf(record, workers)
    renders = workers.stages("render")
    # Started by the killed worker (never stored), then once by the new one: any further
    # delivery of the message finds the document and renders nothing.
    assert len(renders) == 2 and renders[0] == (record.pk, killed)
    assert renders[1][0] == record.pk and renders[1][1] != killed


def test_pool_child_killed_mid_render_its_replacement_makes_the_pdf_once(participant, workers):
    worker = workers.start(stage="render", visibility=3600)  # no restore by timeout here
    record = _sign(participant)
    killed = workers.wait_stalled("render", (record.pk,))
    assert killed != worker.pid
    os.kill(killed, signal.SIGKILL)  # only the child rendering the PDF

    workers.wait(_emailed(record), "the PDF from the replacement child")
    assert worker.poll() is None  # the same worker went on, with a new child
    workers.stop_all()

    _assert_exactly_one_pdf(record, workers)
    renders = workers.stages("render")
    assert len(renders) == 2 and renders[0] == (record.pk, killed)
    assert renders[1][0] == record.pk and renders[1][1] not in {killed, worker.pid}


def test_worker_killed_after_the_pdf_was_committed_makes_no_second(participant, workers):
    first = workers.start(stage="stored", visibility=3600)
    record = _sign(participant)
    killed = workers.wait_stalled("stored", (record.pk,))
    stored = ConsentDocument.objects.get(record=record)  # committed before the kill ...
    assert stored.emailed_at is None
    workers.kill_worker(first, killed)  # ... but the message was never acknowledged
    assert len(workers.pdf_files("consent")) == 1

    workers.start(stage="none", visibility=RESTORE_AFTER)
    workers.wait(_emailed(record), "the new worker to finish the task")
    workers.stop_all()

    document = _assert_exactly_one_pdf(record, workers)
    assert (document.pk, document.file.name, document.sha256) == (
        stored.pk,
        stored.file.name,
        stored.sha256,
    )
    # Rendered once, by the killed worker; the task ran again in the new one (it reached
    # the stored stage) and found the document already there.
    assert workers.stages("render") == [(record.pk, killed)]
    again = workers.stages("stored")
    assert again[0] == (record.pk, killed)
    assert any(pk == record.pk and pid != killed for pk, pid in again[1:])
