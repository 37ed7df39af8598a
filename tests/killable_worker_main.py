"""The subprocess side of `tests.killable_worker`: a real Celery worker that can stall.

A worker script imports this first (it sets Django up), installs its hooks that call
`reached(stage, pk, *fields)`, then calls `serve(name)`. Arguments:

    QUEUE BROKER_URL KEY_PREFIX VISIBILITY STAGE DELAY MARKER MAILDIR

The worker runs the production pool (prefork, one child), so the main process acknowledges
and requeues messages while the child works, as in production. (A solo worker runs tasks
inside its event loop and cannot even send an early acknowledgement before the task
returns, so a test on one would pass whether or not tasks acknowledge late.)

Every `reached` appends "STAGE PK FIELDS... PID" to MARKER; the first time anything reaches
STAGE, it then sleeps DELAY seconds so the test can SIGKILL the worker, or only its child,
right there. `none` only writes the markers. Outgoing e-mail is written to files in MAILDIR.
KEY_PREFIX (kombu `global_keyprefix`) keeps the test's queue and unacknowledged messages
apart from every other user of the Redis database: a short VISIBILITY (seconds) restores
unacknowledged messages, and must only ever restore the test's own.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from portal.celery import app  # noqa: E402

queue, broker, key_prefix, visibility, stage, delay, marker, maildir = sys.argv[1:9]


def reached(name: str, pk: int, *fields: str) -> None:
    path = Path(marker)
    first = not path.exists() or f"{name} " not in path.read_text()
    with path.open("a") as handle:
        handle.write(" ".join([name, str(pk), *fields, str(os.getpid())]) + "\n")
    if name == stage and first:
        time.sleep(float(delay))


def serve(name: str) -> None:
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
            f"{name}-{os.getpid()}@%h",
        ]
    )
