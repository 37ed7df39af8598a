"""A gunicorn server (2 sync workers) on a migrated benchmark database, for HTTP benchmarks."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env() -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}


def reset_database() -> None:
    """Drops and re-creates the benchmark database, then migrates it."""
    name = os.environ.get("BENCH_DATABASE_NAME", "portal_bench")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a database name: {name!r}")
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-qc",
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
        ],
        check=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"],
        check=True,
    )
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=bench_env(), check=True)


def server_cpu_seconds(base: str) -> float:
    """CPU time (user + system) used so far by the gunicorn serving `base` (its master and
    workers, found by the bind address on their command line)."""
    import psutil

    bind = base.removeprefix("http://")
    total = 0.0
    for proc in psutil.process_iter(["cmdline", "cpu_times"]):
        if bind in (proc.info["cmdline"] or []):
            times = proc.info["cpu_times"]
            total += times.user + times.system
    return total


@contextmanager
def gunicorn(workers: int = 2):
    port = _free_port()
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=bench_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
