"""The capacity model of docs/deploy.md, from the measured figures in bench/results.json.

    python -m bench.cluster.capacity [bench/results.json]

Every input is a figure `make cluster-rehearsal` measured (CPU seconds per request or per
genome, per tier, from the hosts' own process accounting; bytes per participant and per
genome from pg_database_size and the bucket). The assumptions are the constants below,
each stated in the table it feeds.
"""

import json
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

GENOMES = 535_000
NIGHT_HOURS = 8  # "one night": 22:00 to 06:00
PARTICIPANTS = 1_000_000
ENROLLED_NOW, GENOMES_NOW = 747_000, 535_000
SURGE_FACTOR = 10
TARGET_UTILISATION = 0.6  # cores busy at most 60 % at the planned peak (headroom)
WGS_VCF_BYTES = 150 * 1024**2  # one participant's whole-genome VCF.gz (assumption)
OTHER_SURVEYS_FACTOR = 3  # The Basics is 1 of 4 core surveys; later ones are no larger


def cores(cpu_seconds_per_hour: float) -> int:
    return math.ceil(cpu_seconds_per_hour / 3600 / TARGET_UTILISATION)


def table(results: dict) -> str:
    v = {k: f["value"] for k, f in results.items()}
    rows: list[tuple[str, str, str]] = []

    # 1. Workers: 535,000 genomes in one night.
    per_hour = GENOMES / NIGHT_HOURS
    worker_cores = cores(per_hour * v["cluster_worker_cpu_s_per_genome"])
    db_cores_night = cores(per_hour * v["cluster_db_cpu_s_per_genome"])
    host_rate = v["cluster_reports_per_hour"] / 2 / v.get("reports_per_genome", 3)
    rows.append((
        f"Worker cores for {GENOMES:,} genomes in {NIGHT_HOURS} h",
        f"**{worker_cores:,} cores** (+ {db_cores_night} database cores)",
        f"{per_hour:,.0f} genomes/h x {v['cluster_worker_cpu_s_per_genome']} CPU-s per genome "
        f"(interpretation, 3 reports, PDFs, e-mail; measured on the worker hosts) at "
        f"{TARGET_UTILISATION:.0%} busy; database {v['cluster_db_cpu_s_per_genome']} CPU-s "
        f"per genome. Cross-check: one single-process worker host did ~{host_rate:,.0f} "
        f"genomes/h with the whole cluster on 2 cores, i.e. "
        f"~{math.ceil(per_hour / host_rate):,} such processes",
    ))  # fmt: skip

    # 2. Web: a national media surge at 10x the measured peak: the higher of `make load`'s
    # surge (one host, nothing else running) and the rehearsal's (a shared, busy machine).
    load = re.search(r"(\d+) requests at (\d+)/s", results["surge_duration_s"]["detail"])
    peak = max(v["cluster_surge_requests_per_s"], int(load.group(2)) if load else 0)
    per_journey = v["cluster_surge_requests_per_s"] * v["cluster_surge_duration_s"]
    per_journey /= max(1, v["cluster_surge_signups_ok"])
    surge = peak * SURGE_FACTOR
    web_cores = cores(surge * 3600 * v["cluster_web_cpu_ms_per_request"] / 1000)
    db_cores = cores(surge * 3600 * v["cluster_db_cpu_ms_per_request"] / 1000)
    lb_cores = cores(surge * 3600 * v["cluster_lb_cpu_ms_per_request"] / 1000)
    rows.append((
        f"Web cores for a media surge at {SURGE_FACTOR}x the measured peak",
        f"**{web_cores:,} web cores**, {db_cores:,} database cores, {lb_cores:,} HAProxy "
        f"core{'s' if lb_cores != 1 else ''}",
        f"measured peak {peak:,} requests/s (`make load`'s surge; the rehearsal's was "
        f"{v['cluster_surge_requests_per_s']}/s on a busier machine), every request a step of "
        f"a real enrollment (sign-up with Argon2, consent, survey pages, ~{per_journey:.0f} a "
        f"volunteer); x{SURGE_FACTOR} = {surge:,} requests/s, about "
        f"{surge / per_journey * 3600:,.0f} complete enrollments an hour; "
        f"{v['cluster_web_cpu_ms_per_request']} ms web CPU, "
        f"{v['cluster_db_cpu_ms_per_request']} ms database + Redis CPU and "
        f"{v['cluster_lb_cpu_ms_per_request']} ms HAProxy (TLS) CPU per request, "
        f"{TARGET_UTILISATION:.0%} busy. gunicorn workers = web cores + 1 per host; "
        f"PgBouncer keeps PostgreSQL at <= 80 server connections whatever the count",
    ))  # fmt: skip

    # 3. Database and object storage at 1M participants.
    genomes = PARTICIPANTS * GENOMES_NOW / ENROLLED_NOW
    participant_bytes = v["cluster_db_bytes_per_participant"] * (1 + OTHER_SURVEYS_FACTOR)
    db_bytes = PARTICIPANTS * participant_bytes + genomes * v["cluster_db_bytes_per_genome"]
    pdf_bytes = genomes * v["cluster_pdf_bytes_per_participant"]
    rows.append((
        f"Database size at {PARTICIPANTS:,} participants",
        f"**{db_bytes / 1024**3:,.0f} GiB**",
        f"{v['cluster_db_bytes_per_participant'] / 1024:,.1f} KiB per participant through "
        f"The Basics (measured), x{1 + OTHER_SURVEYS_FACTOR} for the other core surveys and "
        f"their history; {genomes:,.0f} genomes (same ratio as today's "
        f"{GENOMES_NOW:,}/{ENROLLED_NOW:,}) x {v['cluster_db_bytes_per_genome'] / 1024:,.1f} "
        f"KiB each (measured). Indexes included; WAL and backups not",
    ))  # fmt: skip
    rows.append((
        "Object storage at the same size",
        f"**{(pdf_bytes + genomes * WGS_VCF_BYTES) / 1024**4:,.0f} TiB**",
        f"PDFs {pdf_bytes / 1024**4:,.2f} TiB ({v['cluster_pdf_bytes_per_participant'] / 1024:,.0f}"
        f" KiB per participant, measured) + VCFs at an assumed "
        f"{WGS_VCF_BYTES / 1024**2:.0f} MiB per whole genome; versioning and the second site "
        f"double it",
    ))  # fmt: skip
    lines = ["| question | answer | from |", "|---|---|---|"]
    lines += [f"| {q} | {a} | {f} |" for q, a, f in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results.json"
    print(table(json.loads(path.read_text())))
