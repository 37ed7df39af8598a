"""Starts a real Celery worker that can be made to stall while it makes a report's PDFs.

Used by the fault-injection test `test_results_worker.py`:

    python slow_worker.py QUEUE BROKER_URL KEY_PREFIX VISIBILITY STAGE DELAY MARKER MAILDIR

The worker runs the production pool (prefork, one child), so the main process acknowledges
and requeues messages while the child renders, as in production. (A solo worker runs tasks
inside its event loop and cannot even send an early acknowledgement before the task
returns, so a test on one would pass whether or not tasks acknowledge late.)

Every time `results.documents.document_render` reaches a stage, the process appends
"STAGE REPORT_PK KIND LANGUAGE PID" to MARKER; the first time anything reaches the chosen
STAGE, it then sleeps DELAY seconds so the test can SIGKILL the worker, or only its child,
right there:

- `render`: just before a PDF is rendered (nothing of it stored yet), through
  `results.documents.before_render_hooks` (empty in production);
- `stored`: after a PDF's file and its ReportDocument row are committed, before the task
  goes on to the report's next document (or returns and is acknowledged). Reached again,
  without rendering, when a redelivered task finds the document already there.

`none` only writes the markers. Outgoing e-mail is written to files in MAILDIR so the test
can count what was sent. KEY_PREFIX (kombu `global_keyprefix`) keeps this test's queue and
unacknowledged messages apart from every other user of the Redis database: a short
VISIBILITY (seconds) restores unacknowledged messages, and must only ever restore ours.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from portal.celery import app  # noqa: E402
from results import documents  # noqa: E402

queue, broker, key_prefix, visibility, stage, delay, marker = sys.argv[1:8]
maildir = sys.argv[8]


def _reached(name: str, *, report, kind: str, language: str) -> None:
    path = Path(marker)
    first = not path.exists() or f"{name} " not in path.read_text()
    with path.open("a") as handle:
        handle.write(f"{name} {report.pk} {kind} {language} {os.getpid()}\n")
    if name == stage and first:
        time.sleep(float(delay))


def _before_render(*, report, kind, language) -> None:
    _reached("render", report=report, kind=kind, language=language)


_document_render = documents.document_render


def _render_then_mark(*, report, kind, language):
    # documents_render calls document_render (looked up in the module) once per PDF; the
    # document row is committed when it returns.
    document = _document_render(report=report, kind=kind, language=language)
    _reached("stored", report=report, kind=kind, language=language)
    return document


documents.before_render_hooks.append(_before_render)
documents.document_render = _render_then_mark

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
        f"results-slow-{os.getpid()}@%h",
    ]
)
