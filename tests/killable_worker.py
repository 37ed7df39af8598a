"""The harness of the worker-kill fault tests (report PDFs, consent PDFs).

A test runs real Celery worker subprocesses (a script built on `tests.killable_worker_main`,
prefork with one child, as in production) against its own transactional database and an
isolated broker, lets one stall at a chosen stage, SIGKILLs it (or only its pool child)
there, and starts another.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection

from portal.celery import app as celery_app

STALL = 60  # seconds a worker stalls at the chosen stage; it is killed long before
RESTORE_AFTER = 5  # a new worker's visibility timeout (production: 2 hours)
WAIT = 90  # generous bound for anything a worker has to do (2 shared cores)


@contextlib.contextmanager
def isolated_broker(settings, *, db: int, name: str) -> Iterator[tuple[str, str]]:
    """This test's messages in Redis database `db` and under a key prefix of their own.

    A new worker restores unacknowledged messages after a few seconds; the prefix makes
    sure it can only ever see (and re-deliver) this test's messages, never another run's.
    """
    broker = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + f"/{db}"
    prefix = f"{name}-{uuid.uuid4().hex[:12]}:"
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


def dead(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in {"Z", "X"}  # a zombie nobody has reaped yet is dead too


class Workers:
    """Starts `script` worker subprocesses against this test's database and broker.

    Each time a worker reaches a stage it writes "STAGE PK [FIELDS...] PID" to the marker
    file; `stages` reads those lines back as (pk, *fields, pid).
    """

    def __init__(self, script: Path, broker: str, prefix: str, tmp_path: Path, private: Path):
        self.script, self.broker, self.prefix, self.private = script, broker, prefix, private
        self.marker = tmp_path / "stages.txt"
        self.maildir = tmp_path / "mail"
        self.log_path = tmp_path / "workers.log"
        self.log = self.log_path.open("w")
        self.started: list[subprocess.Popen] = []

    def start(self, *, queue: str, stage: str, visibility: int) -> subprocess.Popen:
        settings_dict = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "PRIVATE_STORAGE_ROOT": str(self.private),
            # The subprocess must see this test's (transactional) database.
            "DATABASE_URL": "postgres://{}@{}:{}/{}".format(
                settings_dict["USER"] or "postgres",
                settings_dict["HOST"] or "127.0.0.1",
                settings_dict["PORT"] or 5432,
                settings_dict["NAME"],
            ),
        }
        args = [queue, self.broker, self.prefix, visibility, stage, STALL, self.marker]
        process = subprocess.Popen(
            [sys.executable, str(self.script), *map(str, args), str(self.maildir)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the worker and its pool child
        )
        self.started.append(process)
        return process

    def stages(self, stage: str) -> list[tuple]:
        """(pk, *fields, pid) each time a worker process reached `stage`, in order."""
        if not self.marker.exists():
            return []
        lines = (line.split() for line in self.marker.read_text().splitlines())
        return [(int(f[1]), *f[2:-1], int(f[-1])) for f in lines if f[0] == stage]

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

    def wait_stalled(self, stage: str, expected: tuple) -> int:
        """Waits until a worker process stalls at `stage`, first reached with `expected`
        (pk, *fields); returns the pid of that process."""
        self.wait(lambda: self.stages(stage), f"a worker to reach {stage!r}")
        [(*reached, pid)] = self.stages(stage)
        assert tuple(reached) == expected
        return pid

    def kill_worker(self, process: subprocess.Popen, child: int) -> None:
        os.killpg(process.pid, signal.SIGKILL)  # the main process and its pool child at once
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        self.wait(lambda: dead(child), "the pool child to die")

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

    def pdf_files(self, folder: str) -> list[str]:
        """Every PDF under `folder` of private storage, as storage names."""
        found = (self.private / folder).rglob("*.pdf")
        return sorted(path.relative_to(self.private).as_posix() for path in found)

    def mail(self) -> list[bytes]:
        """Every message a worker sent (file e-mail backend, every worker)."""
        if not self.maildir.exists():
            return []
        sent = []
        for path in sorted(self.maildir.iterdir()):
            sent += [m for m in path.read_bytes().split(b"-" * 79 + b"\n") if m.strip()]
        return sent
