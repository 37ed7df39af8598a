"""The short cluster rehearsal (CI): bench/cluster/rehearsal.py --short.

Ten network namespaces on a private bridge: HAProxy (TLS), 2 web hosts, 2 worker hosts,
PostgreSQL primary + streaming replica, PgBouncer, Redis and S3. 30 volunteers enroll
through HAProxy while one web host is SIGKILLed; 12 genomes are interpreted and reported
on 1, then 2 worker hosts, then 2 with one SIGKILLed; the primary is stopped and the
replica promoted. Everything is torn down at the end. The full run is
`make cluster-rehearsal` (figures in docs/deploy.md).
"""

import json
import os
import shutil
import subprocess

import pytest

from tests.faults.services import PY, ROOT

pytestmark = pytest.mark.slow


def _namespaces() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    return {line.split()[0] for line in out.stdout.splitlines() if line.strip()}


def test_short_cluster_rehearsal(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (CI runs as root)")
    for tool in ("ip", "haproxy", "pgbouncer", "redis-server"):
        if not (shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}")):
            pytest.fail(f"{tool} is missing: .ci/cluster.sh installs it (make test runs it)")
    before = _namespaces()
    results = tmp_path / "figures.json"
    done = subprocess.run(
        [
            PY,
            str(ROOT / "bench/cluster/rehearsal.py"),
            "--short",
            "--volunteers",
            "30",
            "--genomes",
            "4",
            "--results",
            str(results),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-6000:]
    figures = {k: v["value"] for k, v in json.loads(results.read_text()).items()}

    # The surge: every volunteer enrolled once, though a web host died half-way. On failure,
    # what the surge logged comes first (failures, and the requests of whoever did not finish).
    surge_log = done.stdout.split("FIGURES ")[0]
    surge_log = surge_log[surge_log.find("surge:") :] if "surge:" in surge_log else surge_log
    assert figures["cluster_surge_signups_ok"] == 30, surge_log[:12000]
    assert figures["cluster_surge_lost_or_duplicated"] == 0
    # The cohort: every report, PDF (row and S3 object) and e-mail exactly once.
    assert figures["cluster_reports_exactly_once"] == 1
    assert figures["cluster_reports_per_hour"] > 0
    assert figures["cluster_worker_scaling"] > 0
    # Failover: nothing committed lost, and the promoted primary takes a whole enrollment.
    assert figures["cluster_failover_lost_commits"] == 0
    assert figures["cluster_failover_write_ok"] == 1
    # Nothing left: no namespace, no process of ours.
    assert _namespaces() <= before
