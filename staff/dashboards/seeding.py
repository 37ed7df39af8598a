"""Synthetic participants in bulk, for demos and benchmarks (never real data).

Identifying fields stay empty; ids are unique; distributions are realistic
(about half under-represented race/ethnicity, a quarter Spanish speakers, a
fifth aged 65 or over). Written with COPY on PostgreSQL, batched INSERTs on SQLite.
"""

import contextlib
import datetime as dt
import json
import random
from collections.abc import Iterator

import pgtrigger
from django.db import connection, transaction
from django.utils import timezone

from participants.identifiers import luhn_check_digit
from participants.journey import ORDER
from participants.models import JourneyState, JourneyTransition, Participant, User
from portal.models import Site
from staff.dashboards.summaries import copy_rows

S = JourneyState
SEED_SITES = [
    ("seed-houston", "Houston Community Health", "TX"),
    ("seed-miami", "Miami Family Clinics", "FL"),
    ("seed-chicago", "Chicago Southside Health", "IL"),
    ("seed-phoenix", "Phoenix Valley Medical", "AZ"),
    ("seed-atlanta", "Atlanta Health Partners", "GA"),
    ("seed-sanjuan", "San Juan Centro Médico", "PR"),
    ("seed-newyork", "Bronx Neighborhood Health", "NY"),
    ("seed-la", "East LA Health Center", "CA"),
]
STATES = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC", "PR",
]  # fmt: skip
FURTHEST = (ORDER, [10, 8, 7, 10, 15, 50])
RACES = (
    ["WHITE", "BLACK", "HISPANIC", "ASIAN", "AIAN", "NHPI", "MENA", "OTHER", "PNA"],
    [46, 17, 19, 6, 2, 1, 2, 3, 4],
)
SOURCES = (
    ["CLINIC", "COMMUNITY", "FAMILY", "TV_RADIO", "NEWS", "SOCIAL", "SEARCH", "OTHER", ""],
    [30, 15, 15, 8, 5, 12, 8, 3, 4],
)
SEXES = (["FEMALE", "MALE", "INTERSEX", "OTHER", "PNA", ""], [54, 42, 1, 1, 1, 1])
# The last eight weeks of a recruitment campaign. The dashboard's disclosure control counts a
# week x site x language cell only from 20 people (docs/staff-security.md): spread over two
# years, a few thousand synthetic people would be small cells everywhere and show nothing.
WEEKS = 8


def _ids(table: str, n: int) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # SQLite (`make run`): the next ids after the highest; an explicit id moves
            # SQLite's own counter past it. The seed's transaction holds the write lock.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608  # nosec B608
            start = cursor.fetchone()[0] + 1
            return list(range(start, start + n))
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [row[0] for row in cursor.fetchall()]


def _unique_codes(n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    taken_p = set(Participant.objects.values_list("participant_id", flat=True))
    taken_r = set(Participant.objects.values_list("research_id", flat=True))
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    pids, rids = [], []
    while len(pids) < n:
        body = f"{rng.randrange(10**8):08d}"
        pid = f"P{body}{luhn_check_digit(body)}"
        if pid not in taken_p:
            taken_p.add(pid)
            pids.append(pid)
    while len(rids) < n:
        rid = "R" + "".join(rng.choices(alphabet, k=11))
        if rid not in taken_r:
            taken_r.add(rid)
            rids.append(rid)
    return pids, rids


def synthetic_participants_count() -> int:
    return User.objects.filter(
        email__startswith="seed-", email__endswith="@example.invalid"
    ).count()


def seed_sites() -> list[Site]:
    sites = []
    for code, name, state in SEED_SITES:
        site, _ = Site.objects.get_or_create(code=code, defaults={"name": name, "state": state})
        sites.append(site)
    return sites


@transaction.atomic
def participants_seed(*, n: int, seed: int = 2026) -> int:
    """Adds `n` synthetic participants with their journey history.

    COPY on PostgreSQL; batched INSERTs on SQLite (`make run`: a few thousand in seconds).
    """
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    sites = seed_sites()
    now = timezone.now()
    user_ids = _ids(User._meta.db_table, n)
    participant_ids = _ids(Participant._meta.db_table, n)
    pids, rids = _unique_codes(n, rng)
    run = f"{seed}-{now.timestamp():.0f}"
    _fast_load()
    rows: list[tuple] = []
    transitions: list[tuple] = []
    for i in range(n):
        # More sign-ups recently: a recruitment campaign that grows.
        weeks_ago = int(WEEKS * (1 - rng.random() ** 0.7))
        created = now - dt.timedelta(weeks=weeks_ago, seconds=rng.randrange(7 * 86400))
        site = rng.choice(sites)
        spanish = rng.random() < (0.55 if site.state in {"PR", "FL", "TX", "CA", "AZ"} else 0.12)
        races = {rng.choices(*RACES)[0]}
        if spanish and rng.random() < 0.7:
            races.add("HISPANIC")
        if rng.random() < 0.05:
            races.add(rng.choice(RACES[0][:8]))
        older = rng.random() < 0.21
        birth_year = now.year - (rng.randint(65, 90) if older else rng.randint(18, 64))
        furthest = rng.choices(*FURTHEST)[0]
        path = ORDER[: ORDER.index(furthest) + 1]
        state, before_pause = furthest, ""
        roll = rng.random()
        if roll < 0.02:
            state, before_pause = S.PAUSED, furthest
        elif roll < 0.05:
            state = S.WITHDRAWN
        at = created
        previous = ""
        for step in [*path, *([state] if state != furthest else [])]:
            transitions.append((participant_ids[i], previous, step, "synthetic", at))
            previous = step
            at = min(now, at + dt.timedelta(hours=rng.randint(1, 240)))
        rows.append((
            participant_ids[i], user_ids[i], pids[i], rids[i], site.pk, state, before_pause,
            created, created, rng.choice(STATES) if rng.random() < 0.25 else site.state,
            birth_year, "es" if spanish else "en", True, False, False,
            rng.choices(*SOURCES)[0], json.dumps(sorted(races)), rng.choices(*SEXES)[0], "",
            created, False,
        ))  # fmt: skip
    users = (
        (uid, "!", False, False, True, r[7], f"seed-{run}-{uid}@example.invalid")
        for uid, r in zip(user_ids, rows, strict=True)
    )
    copy_rows(User, ["id", "password", "is_superuser", "is_staff", "is_active", "date_joined",
                     "email"], users)  # fmt: skip
    history_off = (
        pgtrigger.ignore("participants.Participant:insert_insert")
        if connection.vendor == "postgresql"
        else contextlib.nullcontext()
    )
    with history_off:
        copy_rows(
            Participant,
            ["id", "user_id", "participant_id", "research_id", "site_id", "state",
             "state_before_pause", "created", "screener_passed_at", "us_state", "birth_year",
             "preferred_language", "contact_email", "contact_sms", "contact_mail",
             "recruitment_source", "race_ethnicity", "sex_at_birth", "gender_identity",
             "profile_completed_at", "reminders_opted_out"],
            iter(rows),
        )  # fmt: skip
    copy_rows(
        JourneyTransition,
        ["participant_id", "from_state", "to_state", "reason", "created"],
        _iter(transitions),
    )
    with connection.cursor() as cursor:
        for model in (User, Participant, JourneyTransition):
            cursor.execute(f"ANALYZE {model._meta.db_table}")  # nosec B608
    return n


def _fast_load() -> None:
    """Skips per-row triggers (FK checks, history) for this transaction when allowed.

    Only for synthetic rows generated consistently here; needs a superuser, which
    the local and benchmark databases have. Elsewhere the load is just slower.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


def _iter(rows: list[tuple]) -> Iterator[tuple]:
    yield from rows
