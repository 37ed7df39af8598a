"""Receiving a scanned kit with 100,000 kits in the table.

``run()`` reuses the benchmark database (BENCH_KITS_DB, default ``portal_bench``; it
seeds participants with the dashboards' COPY seeder if there are too few), adds 100,000
kits once with COPY (three in four shipped, the rest received or rejected), then, in a
child process on that database, times:

- ``kit_receive_scan_ms``: p99 of 400 scans through ``kit_receive_scan`` (clean the
  scanned text, find the kit, lock it, mark it received, audit row, outbox e-mail), each
  in a transaction rolled back so the table stays as seeded.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time

from bench.seeded import main, measure_in_child, p99_summary, prepare

KITS = int(os.environ.get("BENCH_KITS", "100000"))
DB = os.environ.get("BENCH_KITS_DB", "portal_bench")
SAMPLES = 400
WARM_UP = 20


def barcode(i: int) -> str:
    return f"CK{i:010d}"


def _seed_kits() -> int:
    """Runs in the child: COPY kits for the first KITS participants that have none."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM kits_kit")
        if cursor.fetchone()[0] >= KITS:
            return 0
        cursor.execute("SELECT id FROM participants_participant ORDER BY id LIMIT %s", [KITS])
        ids = [row[0] for row in cursor.fetchall()]
    rng = random.Random(18)
    now = dt.datetime.now(dt.UTC)
    columns = (
        "public_id, participant_id, kind, barcode, status, ship_state, carrier, "
        "tracking_number, rejection_reason, requested_at, shipped_at, received_at"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # synthetic, consistent
        with cursor.copy(f"COPY kits_kit ({columns}) FROM STDIN") as copy:
            import uuid

            for n, pk in enumerate(ids):
                requested = now - dt.timedelta(days=rng.randrange(10, 400))
                shipped = requested + dt.timedelta(days=2)
                roll = rng.random()
                status = "shipped" if roll < 0.75 else "received" if roll < 0.95 else "rejected"
                received = shipped + dt.timedelta(days=9) if status != "shipped" else None
                copy.write_row((
                    uuid.uuid4(), pk, "saliva", barcode(n), status, "TX", "USPS",
                    f"9400{n:012d}", "leaked" if status == "rejected" else "", requested,
                    shipped, received,
                ))  # fmt: skip
        cursor.execute("ANALYZE kits_kit")
    return len(ids)


def _measure() -> dict:
    """Runs in the child process, with Django set up on the bench database."""
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.db import transaction

    from participants.kits.models import Kit, KitStatus
    from participants.kits.services import kit_receive_scan
    from participants.models import User
    from staff.roles import roles_setup

    seeded = _seed_kits()
    roles_setup()
    staff, _ = User.objects.get_or_create(email="bench-biobank@example.org", is_staff=True)
    staff.groups.add(Group.objects.get(name="biobank"))
    staff = User.objects.get(pk=staff.pk)  # fresh permission cache
    shipped = list(
        Kit.objects.filter(status=KitStatus.SHIPPED).values_list("barcode", flat=True)[:20_000]
    )
    # The first scans pay for imports, the permission cache and cold pages: warm up first.
    picks = random.Random(7).sample(shipped, SAMPLES + WARM_UP)
    samples = []

    class Rollback(Exception):
        pass

    for code in picks:
        try:
            with transaction.atomic():
                started = time.perf_counter()
                kit = kit_receive_scan(scanned=code.lower() + "\r\n", actor=staff)
                samples.append((time.perf_counter() - started) * 1000)
                assert kit.status == KitStatus.RECEIVED
                raise Rollback
        except Rollback:
            pass
    summary = p99_summary(samples, WARM_UP)
    total = Kit.objects.count()
    return {**summary,
            "kits": total, "seeded": seeded}  # fmt: skip


def run() -> dict:
    started = time.perf_counter()
    prepare(DB, KITS)
    m = measure_in_child(__file__, DB)
    setup = time.perf_counter() - started
    return {
        "kit_receive_scan_ms": {
            "value": round(m["p99"], 2), "unit": "ms",
            "detail": f"p99 of {m['n']} scans received (clean, find, lock, mark received, "
                      f"audit, outbox e-mail) with {m['kits']:,} kits in the table; median "
                      f"{m['median']:.2f} ms; run incl. setup {setup:.0f} s",
        },
    }  # fmt: skip


if __name__ == "__main__":
    main(globals())
