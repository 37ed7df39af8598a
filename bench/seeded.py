"""The benchmark database seeded with synthetic participants, shared by the benchmarks that
need a full-size table (dashboards at 1M, duplicate check at 1M, kits at 100,000).

The database (default ``portal_bench``) lives on the PostgreSQL of DATABASE_URL; it is
created and migrated once, and the dashboards' COPY seeder tops it up to the size asked.
Timing happens in a child process pointed at it (`measure_in_child`), so the harness never
configures Django itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_url(db: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    return base.rsplit("/", 1)[0] + "/" + db


def bench_env(db: str) -> dict[str, str]:
    return {
        **os.environ, "DATABASE_URL": bench_url(db),
        "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PYTHONPATH": str(ROOT),
    }  # fmt: skip


def manage(db: str, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=bench_env(db), check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout


def prepare(db: str, participants: int) -> None:
    """Creates and migrates `db` if needed, and seeds it to at least `participants`."""
    import psycopg

    admin = bench_url(db).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {db}")
    manage(db, "migrate", "--no-input", "-v0")
    with psycopg.connect(bench_url(db)) as conn:
        have = conn.execute("SELECT count(*) FROM participants_participant").fetchone()[0]
    if have < participants:
        manage(db, "seed_participants", "--participants", str(participants - have))


def measure_in_child(script: str, db: str) -> dict:
    """Runs `script --measure` on `db`; its last line of output is the JSON it measured."""
    out = subprocess.run(
        [sys.executable, script, "--measure"], env=bench_env(db), check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def p99_summary(samples: list[float], warm_up: int) -> dict:
    """p99 and median (ms) of the samples after the warm-up ones."""
    kept = sorted(samples[warm_up:])
    p99 = kept[min(len(kept) - 1, round(0.99 * len(kept)) - 1)]
    return {"p99": p99, "median": kept[len(kept) // 2], "n": len(kept)}


def main(script_globals: dict) -> None:
    """`python bench/bench_x.py` prints its figures; with --measure, the child's part."""
    if "--measure" in sys.argv:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(script_globals["_measure"]()))
    else:
        for name, figure in script_globals["run"]().items():
            print(f"{name:32} {figure['value']:>10} {figure['unit']:8} {figure['detail']}")
