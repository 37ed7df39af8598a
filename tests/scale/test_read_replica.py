"""A real streaming replica (pg_basebackup) behind the router: who reads where, and lag.

A private PostgreSQL primary and a hot standby made from it with `pg_basebackup -R`, each
on its own loopback port. A portal process with DATABASE_URL and DATABASE_REPLICA_URL
(tests/scale/replica_probe.py) shows: staff dashboards and exports read the replica,
participant pages and anything right after a write read the primary, and a replica whose
replay is paused (as much lag as we like) still serves the dashboard, a little behind.
"""

import json
import subprocess

import pytest

from tests.faults.services import PY, ROOT, portal_env, private_postgres
from tests.scale.services import copy_schema, streaming_replica

pytestmark = pytest.mark.slow

SCHEMA = "from django.core.management import call_command; call_command('migrate', verbosity=0)"


def test_dashboards_read_the_replica_and_tolerate_its_lag(db):
    from django.db import connection

    with private_postgres() as primary:
        copy_schema(connection.settings_dict, primary, "portal")
        env = portal_env(DATABASE_URL=primary.url("portal"), ALLOWED_HOSTS="testserver")
        done = subprocess.run(
            [PY, "manage.py", "shell", "-c", SCHEMA], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        with streaming_replica(primary) as replica:
            env["DATABASE_REPLICA_URL"] = replica.url("portal")
            done = subprocess.run(
                [PY, str(ROOT / "tests/scale/replica_probe.py")], cwd=ROOT, env=env,
                capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
            line = next(x for x in done.stdout.splitlines() if x.startswith("PROBE "))
            seen = json.loads(line.removeprefix("PROBE "))

    assert seen["replica_in_recovery"] is True
    assert seen["replica_before_pause"] == 25
    # Lag: the primary has 50, the paused replica still 25, and the dashboard still works.
    assert seen["primary_registered"] == 50
    assert seen["replica_registered_while_lagging"] == 25
    assert seen["dashboard_status_while_lagging"] == 200
    assert seen["dashboard_replica_queries"] > 0
    # An export reads the replica too; its audit row pins the next page to the primary.
    assert seen["export_status"] == 200
    assert seen["export_csv_registered_row"].endswith(",25")
    assert seen["export_replica_queries"] > 0
    assert seen["pin_cookie_set"] is True
    assert seen["dashboard_after_write_status"] == 200
    assert seen["dashboard_after_write_replica_queries"] == 0
    # Participant pages and transactions: the primary only.
    assert seen["participant_statuses"] == [200, 200]
    assert seen["participant_replica_queries"] == 0
    assert seen["inside_atomic_reads_from"] == "default"
    assert seen["replica_after_resume"] == 50
