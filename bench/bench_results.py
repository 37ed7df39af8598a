"""Genetic results: the report page under load, and a cohort through 2 Celery workers.

`run()` resets the benchmark database, starts two real Celery workers (solo pool, one
process each, like two single-core worker containers), ingests a manifest of SAMPLES
renamed copies of the 1000 Genomes samples for opted-in participants and times until every
report is created and every released report's PDF is rendered and stored. Then gunicorn
(2 sync workers) serves the report page to 50 concurrent logged-in participants.

The heavy steps run in subprocesses (`python -m bench.bench_results setup|worker ...`) with
the benchmark settings, so this module never configures Django in the harness process.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.request import Request, build_opener

from bench.harness import figure, percentile
from bench.server import PY, ROOT, bench_env, gunicorn, reset_database, server_cpu_seconds

SAMPLES = int(
    os.environ.get("BENCH_RESULTS_SAMPLES", "100")
)  # 500 take ~23 min on 2 cores: measured on 100, extrapolated
CONCURRENCY = 50
REQUESTS_PER_PARTICIPANT = 10
WORKERS = 2


def _env(private: Path, queue: str) -> dict[str, str]:
    return {**bench_env(), "PRIVATE_STORAGE_ROOT": str(private), "BENCH_RESULTS_QUEUE": queue}


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _get(opener, url: str, session: str) -> float:
    request = Request(url, headers={"Cookie": f"sessionid={session}"})  # noqa: S310 - loopback
    started = time.perf_counter()
    with opener.open(request, timeout=60) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
    return time.perf_counter() - started


def run() -> dict:
    reset_database()
    queue = f"bench-results-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="bench-results-") as tmp:
        private = Path(tmp) / "private"
        env = _env(private, queue)
        workers = [
            subprocess.Popen(
                [PY, "-m", "bench.bench_results", "worker", queue, str(i)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(WORKERS)
        ]
        try:
            out = subprocess.run(
                [PY, "-m", "bench.bench_results", "setup", str(SAMPLES), tmp],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            rss = [_peak_rss_mb(w.pid) for w in workers]
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(timeout=60)
        cohort = json.loads(out.stdout.strip().splitlines()[-1])

        with gunicorn(workers=2) as base:
            opener = build_opener()
            targets = cohort["sessions"][:CONCURRENCY]
            for session, report_id in targets[:4]:  # warm both workers
                _get(opener, f"{base}/me/results/{report_id}/", session)
            jobs = [t for t in targets for _ in range(REQUESTS_PER_PARTICIPANT)]
            server_cpu = server_cpu_seconds(base)
            with ThreadPoolExecutor(CONCURRENCY) as pool:
                latencies = list(
                    pool.map(lambda t: _get(opener, f"{base}/me/results/{t[1]}/", t[0]), jobs)
                )
            server_cpu_ms = (server_cpu_seconds(base) - server_cpu) / len(jobs) * 1000
    elapsed = cohort["elapsed_s"]
    samples_per_hour = cohort["samples"] / elapsed * 3600
    reports_per_hour = cohort["reports"] / elapsed * 3600
    detail = (
        f"{cohort['samples']} samples (renamed 1000 Genomes PGx-gene VCFs), every participant "
        f"opted in: interpret + {cohort['reports']} reports + {cohort['documents']} PDFs "
        f"(participant's language) stored, through {WORKERS} Celery workers (solo pool, one "
        f"process each) on Redis + PostgreSQL, same 2 cores; {elapsed:.0f} s wall, "
        f"{samples_per_hour:.0f} samples/h; measured on {SAMPLES} (500 would take "
        f"~{500 / samples_per_hour * 60:.0f} min here) and extrapolated per hour. "
        f"{cohort['positives']} reports wait for a counsellor (positive disease risk or "
        f"actionable PGx; no PDF yet)"
    )
    return {
        "report_html_p99_ms": figure(
            percentile(latencies, 99) * 1000,
            "ms",
            f"GET /me/results/<id>/ (stored fragment + per-request chrome + view event), "
            f"{CONCURRENCY} concurrent "
            f"participants x {REQUESTS_PER_PARTICIPANT}, gunicorn 2 sync workers; load generator "
            f"on the same 2 cores; median {percentile(latencies, 50) * 1000:.0f} ms; gunicorn "
            f"CPU {server_cpu_ms:.1f} ms/request; load average {os.getloadavg()[0]:.1f} when done",
        ),
        "cohort_reports_per_hour": figure(reports_per_hour, "reports/h", detail),
        "cohort_worker_peak_rss_mb": figure(
            max(rss),
            "MB",
            f"peak RSS (VmHWM) per Celery worker: {', '.join(f'{r:.0f}' for r in rss)}",
        ),
    }


# ----------------------------------------------------------------- subprocess entry points
def _worker(queue: str, index: str) -> None:
    import django

    django.setup()
    from portal.celery import app

    app.conf.update(task_always_eager=False, task_default_queue=queue)
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
            f"bench{index}-{os.getpid()}@%h",
        ]
    )


def _setup(samples: int, tmp: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from portal.celery import app

    app.conf.update(task_always_eager=False, task_default_queue=os.environ["BENCH_RESULTS_QUEUE"])
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from results.manifests import UploadedFiles, sample_manifest_ingest
    from results.models import Interpretation, Report, ReportDocument
    from results.releases import knowledge_base_release_register
    from results.services.preferences import results_preference_set
    from tests.factories import ParticipantFactory, UserFactory
    from tests.results.workflow.helpers import (
        KGP_SAMPLES,
        give_gror,
        manifest_csv,
        renamed_vcf,
        upload,
    )

    knowledge_base_release_register()
    manager = UserFactory(is_staff=True)
    people = []
    rows, files = [], []
    for i in range(samples):
        person = ParticipantFactory(legal_first_name="Ana", legal_last_name=f"Bench{i}")
        give_gror(person)
        results_preference_set(
            participant=person, actor=person.user, pgx="yes", disease_risk="yes", traits="yes"
        )
        people.append(person)
        path = renamed_vcf(KGP_SAMPLES[i % len(KGP_SAMPLES)], f"B{i:04d}", Path(tmp) / "vcfs")
        # 1000 Genomes VCFs list variant sites only: the lab-attested flag, as in the demo.
        rows.append((person.research_id, f"B{i:04d}", path.name, "", "", "yes"))
        files.append(upload(path))
    # Consent PDFs and e-mails queued above are drained before the clock starts.
    time.sleep(2)
    _drain_consent_work()
    started = time.perf_counter()
    manifest = manifest_csv(rows).replace(
        b"research_id,sample_id,vcf,sex\n",
        b"research_id,sample_id,vcf,sex,lab_name,absent_is_reference\n",
        1,
    )
    sample_manifest_ingest(
        actor=manager,
        manifest_bytes=manifest,
        manifest_name="bench.csv",
        files=UploadedFiles(files),
    )
    while True:
        done = Interpretation.objects.filter(reports_built_at__isnull=False).count()
        failed = Interpretation.objects.filter(state="failed").count()
        released = Report.objects.filter(state="released")
        pending = Report.objects.filter(state__in=["pending", "ready"]).exists()
        if (
            done + failed >= samples
            and not pending
            and (ReportDocument.objects.count() >= released.count())
        ):
            break
        time.sleep(0.5)
    elapsed = time.perf_counter() - started
    sessions = []
    for person in people:
        # A report the participant can open: PGx unless the release policy holds it for a
        # counsellor (then their traits report).
        shown = {
            r.report_type: r
            for r in Report.objects.filter(participant=person, state__in=["released", "viewed"])
        }
        report = shown.get("pgx") or shown.get("traits") or shown.get("disease_risk")
        if report is None:
            continue
        client = Client()
        client.force_login(person.user)
        sessions.append((client.cookies["sessionid"].value, report.pk))
    print(
        json.dumps(
            {
                "samples": samples,
                "elapsed_s": elapsed,
                "reports": Report.objects.count(),
                "documents": ReportDocument.objects.count(),
                "positives": Report.objects.filter(state="needs_review").count(),
                "sessions": sessions,
            }
        )
    )


def _drain_consent_work() -> None:
    from participants.consent.models import ConsentDocument, ConsentRecord

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        signed = ConsentRecord.objects.filter(typed_name__isnull=False).count()
        if ConsentDocument.objects.count() >= signed:
            return
        time.sleep(0.5)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    command, *args = sys.argv[1:]
    if command == "worker":
        _worker(*args)
    else:
        _setup(int(args[0]), args[1])
