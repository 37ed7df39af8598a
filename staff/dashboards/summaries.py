"""Keeps the dashboard summary tables current, and rebuilds them from scratch.

Each participant contributes +1 to a handful of summary rows chosen by their
`ParticipantFacts`. A journey transition recomputes the facts, subtracts the old
contribution and adds the new one, in the transition's own transaction; the
rebuild recomputes every participant's facts with the same functions, so the
two always agree (tests/staff/test_dashboard_summaries.py checks it).
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from participants.journey import ORDER
from participants.models import JourneyState, JourneyTransition, Participant
from staff.dashboards.models import EnrollmentSummary, ParticipantFacts, StageSummary

S = JourneyState
RANK = {state: i for i, state in enumerate(ORDER)}
ENROLLED = S.CONSENTED  # "enrolled" = primary consent signed
# Under-represented in biomedical research, by race and ethnicity (the program's
# definition): any of these codes, or more than one race.
UBR_CODES = frozenset({"AIAN", "BLACK", "HISPANIC", "MENA", "NHPI"})
AGE_BANDS = ("18-29", "30-44", "45-64", "65+", "unknown")
DIMENSIONS = ("race", "ubr", "age_band", "source", "us_state", "sex")
UNKNOWN = "UNKNOWN"

STAGE_KEY = ("week", "site_id", "language", "furthest", "current")
ENROLLMENT_KEY = ("week", "site_id", "language", "dimension", "code")


def week_of(day: dt.date) -> dt.date:
    """The Monday that starts `day`'s week (weeks run Monday to Sunday, UTC)."""
    return day - dt.timedelta(days=day.weekday())


def age_band(birth_year: int | None, year: int) -> str:
    if not birth_year:
        return "unknown"
    age = year - birth_year
    if age < 30:
        return "18-29"
    if age < 45:
        return "30-44"
    if age < 65:
        return "45-64"
    return "65+"


def ubr_flag(races: Iterable[str]) -> str:
    codes = {c for c in races if c and c != "PNA"}
    if not codes:
        return "unknown"
    return "yes" if codes & UBR_CODES or len(codes) > 1 else "no"


@dataclass(frozen=True)
class Facts:
    signup_week: dt.date
    enrolled_week: dt.date | None
    site_id: int
    language: str
    furthest: str
    current: str
    age_band: str
    ubr: str
    us_state: str
    source: str
    sex: str
    races: str

    def contributions(self) -> tuple[tuple, list[tuple]]:
        """(stage summary key, enrollment summary keys) this participant adds 1 to."""
        stage = (self.signup_week, self.site_id, self.language, self.furthest, self.current)
        if self.enrolled_week is None:
            return stage, []
        base = (self.enrolled_week, self.site_id, self.language)
        races = self.races.split(",") if self.races else [UNKNOWN]
        keys = [(*base, "all", "")]
        keys += [(*base, "race", code) for code in races]
        keys += [
            (*base, "ubr", self.ubr),
            (*base, "age_band", self.age_band),
            (*base, "source", self.source or UNKNOWN),
            (*base, "us_state", self.us_state or UNKNOWN),
            (*base, "sex", self.sex or UNKNOWN),
        ]
        return stage, keys


FACT_FIELDS = [f.name for f in fields(Facts)]


def facts_compute(
    *,
    created: dt.datetime,
    site_id: int | None,
    language: str,
    state: str,
    furthest: str,
    enrolled_week: dt.date | None,
    birth_year: int | None,
    race_ethnicity: Any,
    recruitment_source: str,
    us_state: str,
    sex_at_birth: str,
) -> Facts:
    races = sorted({str(c) for c in (race_ethnicity or []) if c})
    return Facts(
        signup_week=week_of(created.astimezone(dt.UTC).date()),
        enrolled_week=enrolled_week,
        site_id=site_id or 0,
        language=language or "en",
        furthest=furthest or S.REGISTERED,
        current=state,
        age_band=age_band(birth_year, enrolled_week.year) if enrolled_week else "",
        ubr=ubr_flag(races),
        us_state=us_state or "",
        source=recruitment_source or "",
        sex=sex_at_birth or "",
        races=",".join(races)[:120],
    )


def _further(a: str, b: str) -> str:
    return a if RANK.get(a, -1) >= RANK.get(b, -1) else b


# --- writing deltas ---------------------------------------------------------------------------
def _upsert(model: type, key: tuple[str, ...], deltas: Counter) -> None:
    rows = [(*k, n) for k, n in deltas.items() if n]
    if not rows:
        return
    table = model._meta.db_table
    columns = ", ".join((*key, "n"))
    one = "(" + ", ".join(["%s"] * (len(key) + 1)) + ")"
    # Table and column names are constants of this module; values are parameters.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(rows))} "  # noqa: S608
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET n = {table}.n + excluded.n"
    )  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


def _apply(old: Facts | None, new: Facts | None) -> None:
    stage: Counter = Counter()
    enrollment: Counter = Counter()
    for facts, sign in ((old, -1), (new, +1)):
        if facts is None:
            continue
        stage_key, enrollment_keys = facts.contributions()
        stage[stage_key] += sign
        for k in enrollment_keys:
            enrollment[k] += sign
    _upsert(StageSummary, STAGE_KEY, stage)
    _upsert(EnrollmentSummary, ENROLLMENT_KEY, enrollment)


def _history(
    participant_ids: list[int] | None = None, *, furthest_of_withdrawn_only: bool = False
) -> tuple[dict, dict]:
    """From the journey history: furthest stage per participant, and when each enrolled.

    Only a withdrawn participant's furthest stage is not readable from its row.
    """
    transitions = JourneyTransition.objects.order_by()
    if participant_ids is not None:
        transitions = transitions.filter(participant_id__in=participant_ids)
    reached = transitions.filter(to_state__in=ORDER)
    if furthest_of_withdrawn_only:
        reached = reached.filter(participant__state=S.WITHDRAWN)
    furthest: dict[int, str] = {}
    for pid, to_state in reached.values_list("participant_id", "to_state").distinct():
        furthest[pid] = _further(to_state, furthest.get(pid, ""))
    enrolled = dict(
        transitions.filter(to_state=ENROLLED)
        .values("participant_id")
        .annotate(first=Min("created"))
        .values_list("participant_id", "first")
    )
    return furthest, enrolled


def _participant_values(p: Participant) -> dict[str, Any]:
    return {
        "created": p.created,
        "site_id": p.site_id,
        "language": p.preferred_language,
        "state": p.state,
        "birth_year": p.birth_year,
        "race_ethnicity": p.race_ethnicity,
        "recruitment_source": p.recruitment_source,
        "us_state": p.us_state,
        "sex_at_birth": p.sex_at_birth,
    }


def _stored(row: ParticipantFacts | None) -> Facts | None:
    return Facts(**{f: getattr(row, f) for f in FACT_FIELDS}) if row is not None else None


def summary_on_state_change(*, participant: Participant, from_state: str, to_state: str) -> None:
    """Journey hook: runs inside the transition's transaction (participant row locked).

    `from_state == ""` is the creation of the participant (`registered`).
    """
    old_row = (
        None if from_state == "" else ParticipantFacts.objects.filter(pk=participant.pk).first()
    )
    old = _stored(old_row)
    if old is not None:
        furthest, enrolled_week = old.furthest, old.enrolled_week
    elif from_state == "":
        furthest, enrolled_week = S.REGISTERED, None
    else:  # counted before the summaries existed: read its history once
        history, enrolled_at = _history([participant.pk])
        furthest = history.get(participant.pk, S.REGISTERED)
        at = enrolled_at.get(participant.pk)
        enrolled_week = week_of(at.astimezone(dt.UTC).date()) if at else None
    furthest = _further(to_state, furthest) if to_state in RANK else furthest
    if enrolled_week is None and RANK.get(furthest, -1) >= RANK[ENROLLED]:
        enrolled_week = week_of(timezone.now().astimezone(dt.UTC).date())
    new = facts_compute(
        **_participant_values(participant), furthest=furthest, enrolled_week=enrolled_week
    )
    if new == old:
        return
    _apply(old, new)
    ParticipantFacts.objects.update_or_create(
        participant_id=participant.pk, defaults={f: getattr(new, f) for f in FACT_FIELDS}
    )


def dashboard_facts_refresh(*, participant: Participant) -> None:
    """Re-counts one participant after a profile change (language, race, state, …)."""
    summary_on_state_change(
        participant=participant, from_state=participant.state, to_state=participant.state
    )


# --- the rebuild ------------------------------------------------------------------------------
def copy_rows(model: type, columns: list[str], rows: Iterable[tuple]) -> int:
    """Bulk insert: COPY on PostgreSQL (fast), batched INSERTs elsewhere."""
    table = model._meta.db_table
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {one}"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        for batch in _chain(rows, batch_size=500):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _chain(rows: Iterable[tuple], *, batch_size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _truncate(*models: type) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred FK checks queued earlier in this transaction block TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in models:
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {model._meta.db_table}")  # nosec B608
            else:
                cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608  # nosec B608


def facts_all() -> Iterator[tuple[int, Facts]]:
    """Every participant's facts, recomputed from the participants table and history."""
    history, enrolled_at = _history(furthest_of_withdrawn_only=True)
    values = Participant.objects.order_by().values_list(
        "pk",
        "created",
        "site_id",
        "preferred_language",
        "state",
        "state_before_pause",
        "birth_year",
        "race_ethnicity",
        "recruitment_source",
        "us_state",
        "sex_at_birth",
    )
    for row in values.iterator(chunk_size=20_000):
        (
            pk,
            created,
            site_id,
            language,
            state,
            before_pause,
            birth_year,
            races,
            source,
            us_state,
            sex,
        ) = row
        if state in RANK:
            furthest = _further(state, history.get(pk, ""))
        elif state == S.PAUSED and before_pause in RANK:
            furthest = _further(before_pause, history.get(pk, ""))
        else:
            furthest = history.get(pk, S.REGISTERED)
        at = enrolled_at.get(pk)
        if at is not None:
            enrolled_week = week_of(at.astimezone(dt.UTC).date())
        elif RANK.get(furthest, -1) >= RANK[ENROLLED]:
            enrolled_week = week_of(created.astimezone(dt.UTC).date())  # no history kept
        else:
            enrolled_week = None
        yield (
            pk,
            facts_compute(
                created=created,
                site_id=site_id,
                language=language,
                state=state,
                furthest=furthest,
                enrolled_week=enrolled_week,
                birth_year=birth_year,
                race_ethnicity=races,
                recruitment_source=source,
                us_state=us_state,
                sex_at_birth=sex,
            ),
        )


@transaction.atomic
def summaries_rebuild() -> dict[str, int]:
    """Recounts everything from the participants table; returns row counts."""
    _truncate(EnrollmentSummary, StageSummary, ParticipantFacts)
    stage: Counter = Counter()
    enrollment: Counter = Counter()

    # COPY cannot run while the participants are still being read on the same
    # connection: compute a chunk, then write it.
    n_facts = 0
    for chunk in _chain(facts_all(), batch_size=50_000):
        rows = []
        for pk, facts in chunk:
            stage_key, enrollment_keys = facts.contributions()
            stage[stage_key] += 1
            for k in enrollment_keys:
                enrollment[k] += 1
            rows.append((pk, *(getattr(facts, f) for f in FACT_FIELDS)))
        n_facts += copy_rows(ParticipantFacts, ["participant_id", *FACT_FIELDS], rows)
    n_stage = copy_rows(StageSummary, [*STAGE_KEY, "n"], ((*k, n) for k, n in stage.items()))
    n_enrollment = copy_rows(
        EnrollmentSummary, [*ENROLLMENT_KEY, "n"], ((*k, n) for k, n in enrollment.items())
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (ParticipantFacts, StageSummary, EnrollmentSummary):
                cursor.execute(f"ANALYZE {model._meta.db_table}")  # nosec B608
    return {"participants": n_facts, "stage_rows": n_stage, "enrollment_rows": n_enrollment}
