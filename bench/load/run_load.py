"""Runs the enrollment surge against gunicorn (2 workers) + PostgreSQL and records the figures."""

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.server import bench_env, gunicorn, reset_database  # noqa: E402

VOLUNTEERS = int(os.environ.get("LOAD_VOLUNTEERS", "1000"))
USERS = int(os.environ.get("LOAD_USERS", "100"))
RUN_TIME = os.environ.get("LOAD_RUN_TIME", "5m")


def _psql(sql: str) -> int:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "portal_bench", "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip() or 0)


def _purge_queue() -> None:
    subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-n", "2", "DEL", "bench"],
        capture_output=True,
        check=False,
    )


def main() -> int:
    reset_database()
    _purge_queue()
    env = bench_env()
    for command in (["load_default_consents"], ["load_surveys"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    with tempfile.TemporaryDirectory() as tmp:
        mail_dir = Path(tmp) / "mail"
        mail_dir.mkdir()
        os.environ["LOAD_MAIL_DIR"] = str(mail_dir)
        os.environ["BENCH_EMAIL_DIR"] = str(mail_dir)
        with gunicorn(workers=2) as base:
            stats = Path(tmp) / "stats"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(ROOT / "bench/load/locustfile.py"),
                    "--headless",
                    "-u",
                    str(USERS),
                    "-r",
                    "20",
                    "--run-time",
                    RUN_TIME,
                    "--host",
                    base,
                    "--csv",
                    str(stats),
                    "--only-summary",
                    "--stop-timeout",
                    "30",
                ],
                cwd=ROOT,
                env={**env, "LOAD_MAIL_DIR": str(mail_dir), "LOAD_VOLUNTEERS": str(VOLUNTEERS)},
                check=False,
            )
            with Path(f"{stats}_stats.csv").open() as handle:
                rows = list(csv.DictReader(handle))
    _purge_queue()
    total = next(r for r in rows if r["Name"] == "Aggregated")
    journeys_failed = sum(int(r["Failure Count"]) for r in rows if r["Name"] == "journey")
    accounts = _psql("SELECT count(*) FROM participants_user WHERE email LIKE 'surge%'")
    complete = _psql("SELECT count(*) FROM surveys_surveyresponse WHERE status = 'completed'")
    duplicates = _psql(
        "SELECT count(*) - count(DISTINCT participant_id) FROM participants_participant"
    )
    duplicates += _psql(
        "SELECT count(*) - count(DISTINCT participant_id) FROM "
        "(SELECT participant_id FROM surveys_surveyresponse WHERE status = 'completed') s"
    )
    requests = int(total["Request Count"])
    duration = requests / float(total["Requests/s"]) if float(total["Requests/s"]) else 0.0
    figures = {
        "surge_duration_s": {
            "value": round(duration, 1),
            "unit": "s",
            "detail": f"{requests} requests at {float(total['Requests/s']):.0f}/s on gunicorn "
            "(2 sync workers) + PostgreSQL, load generator (locust FastHttpUser) on the same "
            "2 cores; every journey: screener, sign-up, e-mail code, profile, comprehension, "
            "primary + EHR consent, The Basics (11 pages)",
        },
        "surge_signups_ok": {
            "value": accounts,
            "unit": "accounts",
            "detail": f"{VOLUNTEERS} volunteers, {USERS} concurrent users, "
            f"{RUN_TIME} limit; {complete} completed The Basics",
        },
        "surge_basics_completed": {
            "value": complete,
            "unit": "responses",
            "detail": "completed The Basics responses after the run",
        },
        "surge_p99_ms": {
            "value": float(total["99%"]),
            "unit": "ms",
            "detail": "p99 of every HTTP request in the surge (locust)",
        },
        "surge_errors": {
            "value": int(total["Failure Count"]) + journeys_failed,
            "unit": "errors",
            "detail": "failed requests + failed journeys",
        },
        "surge_duplicates": {
            "value": duplicates,
            "unit": "records",
            "detail": "duplicate participants or completed responses",
        },
    }
    results = ROOT / "bench" / "results.json"
    data = json.loads(results.read_text()) if results.exists() else {}
    data.update(figures)
    results.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    for key, fig in figures.items():
        print(f"{key:<26} {fig['value']:>10} {fig['unit']}")
    return 0 if figures["surge_errors"]["value"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
