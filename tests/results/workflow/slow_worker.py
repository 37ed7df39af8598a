"""Starts a real Celery worker (solo pool) whose PDF rendering can be slowed down.

Used by the fault-injection test: `python slow_worker.py QUEUE BROKER_URL DELAY VISIBILITY
MARKER`. Every render appends the report id to MARKER and then sleeps DELAY seconds, so
the test can SIGKILL the process in the middle of generating a report. The sleep is
installed through `results.documents.before_render_hooks` (empty in production).
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

from portal.celery import app  # noqa: E402
from results import documents  # noqa: E402

queue, broker, delay, visibility, marker = sys.argv[1:6]


def slow_render(*, report, kind, language) -> None:
    with open(marker, "a") as handle:
        handle.write(f"{report.pk} {kind} {language}\n")
    time.sleep(float(delay))


documents.before_render_hooks.append(slow_render)
app.conf.update(
    broker_url=broker,
    task_always_eager=False,
    task_default_queue=queue,
    broker_transport_options={"visibility_timeout": int(visibility)},
)
app.worker_main(
    [
        "worker",
        "-P",
        "solo",
        "-Q",
        queue,
        "--loglevel",
        "WARNING",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
        "-n",
        f"slow-{os.getpid()}@%h",
    ]
)
