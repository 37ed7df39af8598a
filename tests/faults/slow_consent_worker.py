"""Starts a real Celery worker that can be made to stall while it makes a signed consent's PDF.

Used by the fault-injection test `test_consent_pdf_worker_kill.py`:

    python slow_consent_worker.py QUEUE BROKER_URL KEY_PREFIX VISIBILITY STAGE DELAY MARKER MAILDIR

The worker runs the production pool (prefork, one child), so the main process acknowledges
and requeues messages while the child renders, as in production. (A solo worker runs tasks
inside its event loop and cannot even send an early acknowledgement before the task
returns, so a test on one would pass whether or not tasks acknowledge late.)

Every time `make_consent_document` reaches a stage, the child appends "STAGE RECORD_PK PID"
to MARKER; the first time anything reaches the chosen STAGE, it then sleeps DELAY seconds
so the test can SIGKILL the worker, or only its child, right there:

- `render`: just before the PDF is rendered (nothing stored yet), through
  `participants.consent.consent_pdf.before_render_hooks` (empty in production);
- `stored`: after the document row and its file are committed, before the e-mail copy.

`none` only writes the markers. Outgoing e-mail is written to files in MAILDIR so the test
can count the copies sent. KEY_PREFIX (kombu `global_keyprefix`) keeps this test's queue and
unacknowledged messages apart from every other user of the Redis database: a short
VISIBILITY (seconds) restores unacknowledged messages, and must only ever restore ours.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from participants.consent import consent_pdf, tasks  # noqa: E402
from portal.celery import app  # noqa: E402

queue, broker, key_prefix, visibility, stage, delay, marker = sys.argv[1:8]
maildir = sys.argv[8]


def _reached(name: str, record_pk: int) -> None:
    path = Path(marker)
    first = not path.exists() or f"{name} " not in path.read_text()
    with path.open("a") as handle:
        handle.write(f"{name} {record_pk} {os.getpid()}\n")
    if name == stage and first:
        time.sleep(float(delay))


def _before_render(*, record) -> None:
    _reached("render", record.pk)


_email_document = tasks._email_document


def _after_store(document) -> None:
    # make_consent_document calls _email_document once the document row is committed.
    _reached("stored", document.record_id)
    _email_document(document)


consent_pdf.before_render_hooks.append(_before_render)
tasks._email_document = _after_store

settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
settings.EMAIL_FILE_PATH = maildir

app.conf.update(
    broker_url=broker,
    task_always_eager=False,
    task_default_queue=queue,
    broker_transport_options={
        "visibility_timeout": int(visibility),
        "global_keyprefix": key_prefix,
        # Look for abandoned messages every second (the default sweep is every ~100 s).
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    },
)
app.worker_main(
    [
        "worker",
        "-P",
        "prefork",
        "-c",
        "1",
        "-Q",
        queue,
        "--loglevel",
        "WARNING",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
        "-n",
        f"consent-slow-{os.getpid()}@%h",
    ]
)
