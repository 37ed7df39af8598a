"""One participant's report page, measured request by request (not part of `make bench`).

    python -m bench.profile_report [--requests N] [--profile]

Resets the benchmark database (BENCH_DATABASE_NAME), makes one participant with gror =
yes, every result chosen and a released PGx report (NA12878), then:

- through the Django test client: the queries of one view and the median time per GET
  (with --profile, cProfile's top functions over the GETs);
- through gunicorn (2 sync workers) one request at a time: the median latency and the
  workers' CPU time per request, which is what bounds the p99 under 50 participants.

The view records every GET (a ReportView row), as in production.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import Request, build_opener

from bench.server import PY, ROOT, bench_env, gunicorn, reset_database, server_cpu_seconds


def main(argv: list[str]) -> None:
    reset_database()
    env = {**bench_env(), "PRIVATE_STORAGE_ROOT": tempfile.mkdtemp(prefix="bench-profile-")}
    out = subprocess.run(
        [PY, "-m", "bench.profile_report", "--inside", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    print(out.stdout, end="")
    session, report_id, requests = out.stdout.strip().splitlines()[-1].split()
    requests = int(requests)
    with gunicorn(workers=2) as base:
        opener = build_opener()
        url = f"{base}/me/results/{report_id}/"

        def get() -> float:
            request = Request(url, headers={"Cookie": f"sessionid={session}"})  # noqa: S310
            started = time.perf_counter()
            with opener.open(request, timeout=60) as response:
                response.read()
            return time.perf_counter() - started

        for _ in range(10):  # warm both workers
            get()
        cpu = server_cpu_seconds(base)
        latencies = [get() for _ in range(requests)]
        cpu = server_cpu_seconds(base) - cpu
    print(
        f"gunicorn, one at a time: median {statistics.median(latencies) * 1000:.1f} ms, "
        f"worker CPU {cpu / requests * 1000:.1f} ms/request over {requests}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def _inside(requests: int, profile: bool) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from results.documents import report_fragments_store
    from results.engine.clinvar import write_release
    from results.engine.interpretation import interpret_vcf
    from results.releases import knowledge_base_release_register
    from results.services.preferences import results_preference_set
    from tests.factories import ParticipantFactory
    from tests.results.workflow.helpers import NEGATIVE, give_gror, kgp_vcf, make_report

    setup_test_environment()
    clinvar = write_release([], directory=Path(tempfile.mkdtemp()), release="2025-10")
    kb, _created = knowledge_base_release_register(clinvar_path=clinvar)
    person = ParticipantFactory()
    give_gror(person)
    results_preference_set(
        participant=person, actor=person.user, pgx="yes", disease_risk="yes", traits="yes"
    )
    result = interpret_vcf(kgp_vcf(NEGATIVE), absent_is_reference=True)
    report = make_report(person, kb, state="released", report_type="pgx", result=result)
    # As the release does: a release date, and the page rendered once and stored.
    report.released_at = timezone.now()
    report.save(update_fields=["released_at"])
    report_fragments_store(report=report)
    client = Client()
    client.force_login(person.user)
    url = f"/me/results/{report.pk}/"
    for _ in range(5):  # the first view stores the fragment and marks the report viewed
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    print(f"test client: {len(queries)} queries per GET (once viewed):")
    for query in queries:
        print("  ", query["sql"][:160])
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    for _ in range(requests):
        client.get(url)
    elapsed = time.perf_counter() - started
    if profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    print(f"test client: {elapsed / requests * 1000:.1f} ms per GET over {requests}")
    print(client.cookies["sessionid"].value, report.pk, requests)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        _inside(args.requests, args.profile)
    else:
        main([f"--requests={args.requests}", *(["--profile"] if args.profile else [])])
