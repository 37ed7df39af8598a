"""Recruitment dashboard at 1M participants: summary tables against plain GROUP BY.

``run()`` returns ``{"<name>": {"value", "unit", "detail"}}``. It creates (or reuses) the
database ``portal_bench`` on the PostgreSQL of DATABASE_URL, migrates it, seeds
1,000,000 synthetic participants once (COPY) and rebuilds the summaries, then times, in
a child process pointed at that database:

- ``dashboard_ms_1m``: server time of the full recruitment dashboard (the view through
  Django's test client: middleware, permission checks, four summary queries, template),
  median of 10 after one warm-up;
- ``dashboard_speedup_vs_groupby``: the same figures from plain GROUP BY queries over the
  participants table (and its journey history for enrollment weeks), median of 10,
  divided by ours;
- ``dashboard_queries``: the number of SQL queries of one dashboard request.
"""

from __future__ import annotations

import os
import statistics
import time

from bench.seeded import main, measure_in_child, prepare

N = int(os.environ.get("BENCH_DASHBOARD_PARTICIPANTS", "1000000"))
DB = os.environ.get("BENCH_DASHBOARD_DB", "portal_bench")


GROUP_BY_SQL = [
    # funnel by site and state, straight from the participants
    "SELECT site_id, state, state_before_pause, count(*) FROM participants_participant "
    "GROUP BY 1, 2, 3",
    # enrollments per week/site/language from the journey history
    "SELECT date_trunc('week', t.created), p.site_id, p.preferred_language, count(*) "
    "FROM participants_journeytransition t JOIN participants_participant p "
    "ON p.id = t.participant_id WHERE t.to_state = 'consented' GROUP BY 1, 2, 3",
    # race codes of enrolled participants
    "SELECT code, count(*) FROM participants_participant p, "
    "jsonb_array_elements_text(p.race_ethnicity) code "
    "WHERE p.state NOT IN ('registered', 'eligible') GROUP BY 1",
    # age band, source, state, sex
    "SELECT (extract(year from now()) - birth_year >= 65), recruitment_source, us_state, "
    "sex_at_birth, count(*) FROM participants_participant "
    "WHERE state NOT IN ('registered', 'eligible') GROUP BY 1, 2, 3, 4",
]


def _measure() -> dict:
    """Runs in the child process, with Django set up on the bench database."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from staff.dashboards.demo import seed_demo_staff

    seed_demo_staff()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    from participants.models import User

    client = Client(REMOTE_ADDR="8.8.8.8")
    client.force_login(User.objects.get(email="recruitment@example.org"))
    client.get("/staff/")
    ours = []
    for _ in range(10):
        started = time.perf_counter()
        response = client.get("/staff/")
        ours.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/staff/")
    plain = []
    with connection.cursor() as cursor:
        for sql in GROUP_BY_SQL:
            cursor.execute(sql)
            cursor.fetchall()
        for _ in range(10):
            started = time.perf_counter()
            for sql in GROUP_BY_SQL:
                cursor.execute(sql)
                cursor.fetchall()
            plain.append((time.perf_counter() - started) * 1000)
    return {"ours": statistics.median(ours), "plain": statistics.median(plain),
            "queries": len(queries)}  # fmt: skip


def run() -> dict:
    started = time.perf_counter()
    prepare(DB, N)
    prepared = time.perf_counter() - started
    m = measure_in_child(__file__, DB)
    return {
        "dashboard_ms_1m": {
            "value": round(m["ours"], 1), "unit": "ms",
            "detail": f"median of 10 full /staff/ requests over {N:,} participants "
                      f"(summary tables); setup {prepared:.0f} s; target <= 100 ms",
        },
        "dashboard_speedup_vs_groupby": {
            "value": round(m["plain"] / m["ours"], 1), "unit": "x",
            "detail": f"plain GROUP BY over participants/history took {m['plain']:.0f} ms "
                      "(median of 10) for the same figures, without page rendering; target >= 10x",
        },
        "dashboard_queries": {
            "value": m["queries"], "unit": "queries",
            "detail": "SQL queries of one dashboard request (constant, pinned in tests)",
        },
    }  # fmt: skip


if __name__ == "__main__":
    main(globals())
