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
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from participants.consent.models import ConsentDocument
from portal.celery import app as celery_app
from tests.faults.test_broker_outage import _sign

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HERE = Path(__file__).resolve().parent
# Redis database for this test's subprocess workers (the results kill test uses 13).
BROKER_DB = 12
STALL = 60  # seconds a worker stalls at the chosen stage; it is killed long before
RESTORE_AFTER = 5  # the new worker's visibility timeout (production: 2 hours)
WAIT = 90  # generous bound for anything a worker has to do (2 shared cores)


@pytest.fixture
def isolated_broker(settings):
    """This test's messages in a Redis database and under a key prefix of their own.

    The new worker restores unacknowledged messages after a few seconds; the prefix makes
    sure it can only ever see (and re-deliver) this test's messages, never another run's.
    """
    import participants.consent.tasks  # noqa: F401  (registered in this process)

    broker = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + f"/{BROKER_DB}"
    prefix = f"consent-kill-{uuid.uuid4().hex[:12]}:"
    old = {
        "broker_url": celery_app.conf.broker_url,
        "broker_transport_options": celery_app.conf.broker_transport_options,
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(
        broker_url=broker,
        broker_transport_options={**old["broker_transport_options"], "global_keyprefix": prefix},
        task_always_eager=False,
    )
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield broker, prefix
    finally:
        celery_app.conf.update(task_always_eager=True, **old)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        client = redis.Redis.from_url(broker)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()


def _dead(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in {"Z", "X"}  # a zombie nobody has reaped yet is dead too


class Workers:
    """Starts slow_consent_worker.py subprocesses against this test's database and broker."""

    def __init__(self, broker: str, prefix: str, tmp_path: Path):
        self.broker, self.prefix = broker, prefix
        self.private = tmp_path / "private"
        self.marker = tmp_path / "stages.txt"
        self.maildir = tmp_path / "mail"
        self.log_path = tmp_path / "workers.log"
        self.log = self.log_path.open("w")
        self.started: list[subprocess.Popen] = []

    def start(self, *, stage: str, visibility: int) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "PRIVATE_STORAGE_ROOT": str(self.private),
            # The subprocess must see this test's (transactional) database.
            "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
                USER=connection.settings_dict["USER"] or "postgres",
                HOST=connection.settings_dict["HOST"] or "127.0.0.1",
                PORT=connection.settings_dict["PORT"] or 5432,
                NAME=connection.settings_dict["NAME"],
            ),
        }
        process = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "slow_consent_worker.py"),
                settings.CELERY_TASK_DEFAULT_QUEUE,
                self.broker,
                self.prefix,
                str(visibility),
                stage,
                str(STALL),
                str(self.marker),
                str(self.maildir),
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the worker and its pool child
        )
        self.started.append(process)
        return process

    def stages(self, stage: str) -> list[tuple[int, int]]:
        """(record pk, pid) each time a worker process reached `stage`, in order."""
        if not self.marker.exists():
            return []
        lines = (line.split() for line in self.marker.read_text().splitlines())
        return [(int(pk), int(pid)) for name, pk, pid in lines if name == stage]

    def wait(self, predicate, what: str) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if predicate():
                return
            if any(p.poll() is not None and p.returncode != -signal.SIGKILL for p in self.started):
                break  # a worker died on its own: no point waiting
            time.sleep(0.2)
        self.log.flush()
        pytest.fail(
            f"timed out waiting for {what}; worker log:\n{self.log_path.read_text()[-4000:]}"
        )

    def wait_stalled(self, stage: str, record) -> int:
        """Waits until a worker process stalls at `stage` for `record`; returns its pid."""
        self.wait(lambda: self.stages(stage), f"a worker to reach {stage!r}")
        [(pk, pid)] = self.stages(stage)
        assert pk == record.pk
        return pid

    def kill_worker(self, process: subprocess.Popen, child: int) -> None:
        os.killpg(process.pid, signal.SIGKILL)  # the main process and its pool child at once
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        self.wait(lambda: _dead(child), "the pool child to die")

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # warm shutdown: finishes the current task
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=30)
        self.log.close()

    def pdf_files(self) -> list[Path]:
        return sorted((self.private / "consent").glob("*.pdf"))

    def emailed_copies(self) -> int:
        """Messages sent with the signed PDF attached (file e-mail backend, every worker)."""
        if not self.maildir.exists():
            return 0
        mail = b"".join(path.read_bytes() for path in self.maildir.iterdir())
        return mail.count(b'filename="consent-primary-v')


@pytest.fixture
def workers(isolated_broker, tmp_path):
    broker, prefix = isolated_broker
    started = Workers(broker, prefix, tmp_path)
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
    files = workers.pdf_files()
    assert [f.relative_to(workers.private).as_posix() for f in files] == [document.file.name]
    data = files[0].read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert (len(data), hashlib.sha256(data).hexdigest()) == (document.size, document.sha256)
    assert document.emailed_at is not None
    assert workers.emailed_copies() == 1
    return document


def test_worker_killed_mid_render_the_next_worker_makes_the_pdf_once(participant, workers):
    first = workers.start(stage="render", visibility=3600)
    record = _sign(participant)
    killed = workers.wait_stalled("render", record)
    workers.kill_worker(first, killed)  # in the middle of making this record's PDF
    assert not ConsentDocument.objects.filter(record=record).exists()
    assert workers.pdf_files() == []

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
    killed = workers.wait_stalled("render", record)
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
    killed = workers.wait_stalled("stored", record)
    stored = ConsentDocument.objects.get(record=record)  # committed before the kill ...
    assert stored.emailed_at is None
    workers.kill_worker(first, killed)  # ... but the message was never acknowledged
    assert len(workers.pdf_files()) == 1

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
