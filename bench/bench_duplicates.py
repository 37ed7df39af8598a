"""Duplicate check at 1M profiles: what completing a profile costs, with 2M digests stored.

``run()`` creates (or reuses) the database named by BENCH_DUPLICATES_DB (default
``portal_bench``, shared with the dashboard benchmark), seeds 1,000,000 synthetic
participants once (the dashboards' COPY seeder) and their two blind-index digests
(COPY, real HMACs of synthetic names, birth dates, ZIPs and phones; one person in a
hundred registered twice), then, in a child process on that database, times:

- ``duplicate_check_ms``: p99 of one profile completion's duplicate work, the request's
  digest upsert plus the worker's comparison and flagging, for 400 participants (half of
  them a duplicate of someone, so the flagging path is measured too). Each runs in a
  transaction that is rolled back, so the table stays at 1M profiles.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time

from bench.seeded import main, measure_in_child, p99_summary, prepare

N = int(os.environ.get("BENCH_DUPLICATES_PARTICIPANTS", "1000000"))
DB = os.environ.get("BENCH_DUPLICATES_DB", "portal_bench")
SAMPLES = 400
WARM_UP = 20
STEMS = ("gar", "smi", "ngu", "joh", "lop", "wil", "kim", "bro", "dav", "mar")
ENDS = ("cia", "th", "yen", "nson", "ez", "liams", "m", "wn", "is", "tinez")
NAMES = [stem + end for stem in STEMS for end in ENDS]


def person(i: int) -> dict:
    """Synthetic identifying values of participant number i; every 100th repeats i - 1."""
    if i % 100 == 99:
        i -= 1
    rng = random.Random(i)
    return {
        "last_name": rng.choice(NAMES) + str(rng.randrange(50)),
        "date_of_birth": dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(27_000)),
        "postal_code": f"{rng.randrange(10_000, 99_999)}",
        "phone": f"{rng.randrange(200, 999)}{rng.randrange(200, 999)}{rng.randrange(10_000):04d}",
    }


def _seed_indexes() -> int:
    """Runs in the child: COPY two digests per participant that has none. Returns rows."""
    from django.db import connection, transaction

    from participants.duplicates.blind_index import blind_indexes

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM duplicates_blindindex")
        if cursor.fetchone()[0] >= 2 * N:
            return 0
        cursor.execute(
            "SELECT id FROM participants_participant p WHERE NOT EXISTS "
            "(SELECT 1 FROM duplicates_blindindex b WHERE b.participant_id = p.id) ORDER BY id"
        )
        ids = [row[0] for row in cursor.fetchall()]
    now = dt.datetime.now(dt.UTC)
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # synthetic, consistent
        with cursor.copy(
            "COPY duplicates_blindindex (participant_id, kind, digest, updated) FROM STDIN"
        ) as copy:
            for pk in ids:
                for kind, digest in blind_indexes(**person(pk)).items():
                    copy.write_row((pk, kind, digest, now))
                    written += 1
        cursor.execute("ANALYZE duplicates_blindindex")
    return written


def _measure() -> dict:
    """Runs in the child process, with Django set up on the bench database."""
    import django

    django.setup()
    from django.db import transaction

    from participants.duplicates.services import duplicate_check, duplicate_indexes_update
    from participants.models import Participant

    seeded = _seed_indexes()
    top = Participant.objects.order_by("-id").values_list("id", flat=True).first()
    rng = random.Random(7)
    # The first ones pay for imports and cold pages: WARM_UP runs are not counted.
    picks = [
        rng.randrange(1, top // 100) * 100 + rng.choice((50, 99)) for _ in range(SAMPLES + WARM_UP)
    ]
    samples, flagged = [], 0

    class Rollback(Exception):
        pass

    for pk in picks:
        participant = Participant.objects.filter(pk=pk).first()
        if participant is None:
            continue
        values = person(pk)
        participant.legal_last_name = values["last_name"]
        participant.date_of_birth = values["date_of_birth"]
        participant.postal_code = values["postal_code"]
        participant.phone = values["phone"]
        try:
            with transaction.atomic():
                started = time.perf_counter()
                duplicate_indexes_update(participant=participant)
                flags = duplicate_check(participant=participant)
                samples.append((time.perf_counter() - started) * 1000)
                flagged += bool(flags)
                raise Rollback
        except Rollback:
            pass
    summary = p99_summary(samples, WARM_UP)
    return {**summary,
            "flagged": flagged, "seeded": seeded}  # fmt: skip


def run() -> dict:
    started = time.perf_counter()
    prepare(DB, N)
    m = measure_in_child(__file__, DB)
    setup = time.perf_counter() - started
    return {
        "duplicate_check_ms": {
            "value": round(m["p99"], 2), "unit": "ms",
            "detail": f"p99 of {m['n']} profile completions' duplicate work (digest upsert + "
                      f"comparison + flagging; {m['flagged']} flagged) over {N:,} profiles "
                      f"/ {2 * N:,} digests; median {m['median']:.2f} ms; run incl. setup "
                      f"{setup:.0f} s",
        },
    }  # fmt: skip


if __name__ == "__main__":
    main(globals())
