"""The recruitment dashboard's figures, read from the summary tables only.

Four queries whatever the data size (pinned in tests): stage summary by site,
enrollment by week/site/language, enrollment by dimension, and the sites.

Disclosure control that holds against differencing (R32, issue 15; docs/staff-security.md):
every figure, under any filter, is a sum of *atom cells* - one week x site x language,
one cell of one breakdown - and an atom cell counts only when it is 20 or more (a cell of
1-19 counts as 0 everywhere, and when it is the only small one in its atom, the next
smallest cell of that atom is left out too). Any difference between two figures a user
can request (two filter settings, two date ranges, an export's date_to against last
Sunday) is then itself a sum of whole atom cells of 20 or more, or 0: never a count of
1 to 19. A figure that counts nobody while people are left out shows as "<20" (None).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models import Sum
from django.utils import timezone

from participants.journey import ORDER
from participants.models import JourneyState
from portal.disclosure import is_small, suppress_line, suppress_matrix
from portal.models import Site
from staff.dashboards.models import EnrollmentSummary, StageSummary
from staff.dashboards.summaries import AGE_BANDS, RANK, UNKNOWN, week_of

S = JourneyState
STAGE_LABELS = {
    S.REGISTERED: "Signed up", S.ELIGIBLE: "Eligible (e-mail verified, screener passed)",
    S.CONSENTED: "Enrolled (primary consent signed)", S.EHR_AUTHORIZED: "Health records shared",
    S.BASICS_DONE: "First survey done", S.CORE: "Core surveys done",
}  # fmt: skip
RACE_LABELS = {
    "AIAN": "American Indian or Alaska Native", "ASIAN": "Asian",
    "BLACK": "Black or African American", "HISPANIC": "Hispanic or Latino",
    "MENA": "Middle Eastern or North African", "NHPI": "Native Hawaiian or Pacific Islander",
    "WHITE": "White", "OTHER": "Another race or ethnicity", "PNA": "Prefer not to answer",
    UNKNOWN: "Not answered",
}  # fmt: skip
SOURCE_LABELS = {
    "CLINIC": "Doctor or clinic", "COMMUNITY": "Community event or organisation",
    "FAMILY": "Family or friends", "TV_RADIO": "TV or radio", "NEWS": "News",
    "SOCIAL": "Social media", "SEARCH": "Searching online", "OTHER": "Somewhere else",
    UNKNOWN: "Not answered",
}  # fmt: skip
CHART_WEEKS = 26


@dataclass(frozen=True)
class Filters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    site_id: int | None = None
    language: str = ""

    def sql_where(self) -> tuple[str, list[Any]]:
        """The same filter as `apply`, for the atom queries (parameters, never text)."""
        clauses, params = ["1 = 1"], []
        if self.date_from:
            clauses.append("week >= %s")
            params.append(week_of(self.date_from))
        if self.date_to:
            clauses.append("week <= %s")
            params.append(week_of(self.date_to))
        if self.site_id:
            clauses.append("site_id = %s")
            params.append(self.site_id)
        if self.language:
            clauses.append("language = %s")
            params.append(self.language)
        return " AND ".join(clauses), params

    def apply(self, qs: Any) -> Any:
        if self.date_from:
            qs = qs.filter(week__gte=week_of(self.date_from))
        if self.date_to:
            qs = qs.filter(week__lte=week_of(self.date_to))
        if self.site_id:
            qs = qs.filter(site_id=self.site_id)
        if self.language:
            qs = qs.filter(language=self.language)
        return qs


@dataclass
class Cell:
    label: str
    value: int | None  # None = suppressed
    percent: float | None = None
    code: str = ""
    goal: float | None = None


@dataclass
class Figures:
    filters: Filters
    sites: list[Site]
    enrolled: int | None = None
    funnel: list[Cell] = field(default_factory=list)
    paused: int | None = None
    withdrawn: int | None = None
    weeks: list[tuple[dt.date, int | None, float | None]] = field(default_factory=list)
    trend: dict[str, Any] = field(default_factory=dict)
    goals: list[Cell] = field(default_factory=list)
    breakdowns: dict[str, list[Cell]] = field(default_factory=dict)
    by_site: list[dict[str, Any]] = field(default_factory=list)
    by_state: list[Cell] = field(default_factory=list)


def _percent(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


def _shown(kept: int, true: int) -> int | None:
    """A sum of kept atom cells, or None ("<20") when it counts nobody but people exist."""
    if kept == 0 and true > 0:
        return None
    return None if is_small(kept) else kept  # a sum of kept cells is never 1-19


def _cells(
    counts: dict[str, int], labels: dict[str, str], total: int | None, true: dict[str, int]
) -> list[Cell]:
    codes = sorted(counts, key=lambda c: (-counts[c], c))
    hidden = suppress_line([counts[c] for c in codes])
    return [
        Cell(
            label=labels.get(c, c),
            value=None if v is None else _shown(v, true.get(c, 0)),
            percent=_percent(v or None, total),
            code=c,
        )
        for c, v in zip(codes, hidden, strict=True)
    ]


# Which atom cells count (see the module docstring): cells of 20 or more, except the
# smallest of them when exactly one cell of its atom is small (complementary: otherwise
# the atom's total minus its other cells would give the small one away).
_KEPT = """
    SUM(CASE WHEN n > %s AND NOT (small_cells = 1 AND big_rank = 1) THEN n ELSE 0 END)
"""
_RANKED = """
    SUM(CASE WHEN n BETWEEN 1 AND %s THEN 1 ELSE 0 END) OVER atom AS small_cells,
    ROW_NUMBER() OVER (
        PARTITION BY week, site_id, language, part
        ORDER BY CASE WHEN n > %s THEN 0 ELSE 1 END, n, code
    ) AS big_rank
"""


def _stage_atoms(filters: Filters) -> list[tuple[int, str, str, int, int]]:
    """(site, part, code, kept, true): part "furthest" (stage reached) or "current"
    (active/paused/withdrawn), each a partition of every week x site x language atom."""
    where, params = filters.sql_where()
    table = StageSummary._meta.db_table
    small = settings.STAFF_SMALL_CELL_MAX
    sql = f"""
        WITH cells AS (
            SELECT week, site_id, language, 'furthest' AS part, furthest AS code, SUM(n) AS n
            FROM {table} WHERE {where} GROUP BY week, site_id, language, furthest
            UNION ALL
            SELECT week, site_id, language, 'current' AS part,
                   CASE WHEN "current" IN ('paused', 'withdrawn') THEN "current"
                        ELSE 'active' END AS code,
                   SUM(n) AS n
            FROM {table} WHERE {where}
            GROUP BY week, site_id, language,
                     CASE WHEN "current" IN ('paused', 'withdrawn') THEN "current"
                          ELSE 'active' END
        ), ranked AS (
            SELECT site_id, part, code, n, {_RANKED}
            FROM cells WINDOW atom AS (PARTITION BY week, site_id, language, part)
        )
        SELECT site_id, part, code, {_KEPT} AS kept, SUM(n) AS true_n
        FROM ranked GROUP BY site_id, part, code
    """  # noqa: S608 - table names from the models; every value is a parameter
    # Raw SQL picks its connection the way the ORM would (the read replica when routed).
    with connections[router.db_for_read(StageSummary)].cursor() as cursor:
        cursor.execute(sql, [*params, *params, small, small, small])
        return [(r[0], r[1], r[2], int(r[3] or 0), int(r[4] or 0)) for r in cursor.fetchall()]


def _dimension_atoms(filters: Filters) -> list[tuple[str, str, int, int]]:
    """(dimension, code, kept, true) over the breakdowns (every dimension but "all")."""
    where, params = filters.sql_where()
    table = EnrollmentSummary._meta.db_table
    small = settings.STAFF_SMALL_CELL_MAX
    sql = f"""
        WITH cells AS (
            SELECT week, site_id, language, dimension AS part, code, n
            FROM {table} WHERE dimension <> 'all' AND {where}
        ), ranked AS (
            SELECT part, code, n, {_RANKED}
            FROM cells WINDOW atom AS (PARTITION BY week, site_id, language, part)
        )
        SELECT part, code, {_KEPT} AS kept, SUM(n) AS true_n
        FROM ranked GROUP BY part, code
    """  # noqa: S608 - table names from the models; every value is a parameter
    with connections[router.db_for_read(EnrollmentSummary)].cursor() as cursor:
        cursor.execute(sql, [*params, small, small, small])
        return [(r[0], r[1], int(r[2] or 0), int(r[3] or 0)) for r in cursor.fetchall()]


def enrolled_atoms(filters: Filters) -> list[tuple[dt.date, int, str, int, int]]:
    """(week, site, language, kept, true) of enrolled people: the atoms themselves."""
    small = settings.STAFF_SMALL_CELL_MAX
    rows = (
        filters.apply(EnrollmentSummary.objects.filter(dimension="all"))
        .values("week", "site_id", "language")
        .annotate(total=Sum("n"))
        .order_by()
    )
    out = []
    for row in rows:
        n = row["total"] or 0
        out.append((row["week"], row["site_id"], row["language"], n if n > small else 0, n))
    return out


def dashboard_figures(filters: Filters) -> Figures:
    sites = list(Site.objects.order_by("name"))  # query 1
    fig = Figures(filters=filters, sites=sites)

    # --- funnel and by-site stages (query 2) ---
    reached = dict.fromkeys(ORDER, 0)
    reached_true = dict.fromkeys(ORDER, 0)
    site_reached: dict[int, dict[str, int]] = {}
    current = {"paused": [0, 0], "withdrawn": [0, 0]}
    for site_id, part, code, kept, true in _stage_atoms(filters):
        if part == "current":
            if code in current:
                current[code][0] += kept
                current[code][1] += true
            continue
        rank = RANK.get(code, 0)
        per_site = site_reached.setdefault(site_id, dict.fromkeys(ORDER, 0))
        for stage in ORDER[: rank + 1]:
            reached[stage] += kept
            reached_true[stage] += true
            per_site[stage] += kept
    previous = None
    for stage in ORDER:
        value = _shown(reached[stage], reached_true[stage])
        fig.funnel.append(
            Cell(
                label=STAGE_LABELS[stage],
                value=value,
                code=stage,
                percent=_percent(value, previous),
            )
        )
        previous = value
    fig.paused = _shown(*current["paused"])
    fig.withdrawn = _shown(*current["withdrawn"])

    # --- enrollments by week, site, language (query 3) ---
    per_week: dict[dt.date, int] = {}
    per_week_true: dict[dt.date, int] = {}
    per_site_enrolled: dict[int, int] = {}
    per_language: dict[str, int] = {"en": 0, "es": 0}
    per_language_true: dict[str, int] = {"en": 0, "es": 0}
    total_true = 0
    for week, site_id, language, kept, true in enrolled_atoms(filters):
        per_week[week] = per_week.get(week, 0) + kept
        per_week_true[week] = per_week_true.get(week, 0) + true
        per_site_enrolled[site_id] = per_site_enrolled.get(site_id, 0) + kept
        per_language[language] = per_language.get(language, 0) + kept
        per_language_true[language] = per_language_true.get(language, 0) + true
        total_true += true
    fig.enrolled = _shown(sum(per_week.values()), total_true)
    _weekly(fig, per_week, filters, per_week_true)

    # --- diversity and geography (query 4) ---
    dims: dict[str, dict[str, int]] = {}
    trues: dict[str, dict[str, int]] = {}
    for dimension, code, kept, true in _dimension_atoms(filters):
        dims.setdefault(dimension, {})[code] = kept
        trues.setdefault(dimension, {})[code] = true
    goals = settings.DASHBOARD_DIVERSITY_GOALS
    for label, n, true, goal, code in (
        (
            "Under-represented race or ethnicity",
            dims.get("ubr", {}).get("yes", 0),
            trues.get("ubr", {}).get("yes", 0),
            goals["ubr"],
            "ubr",
        ),
        (
            "Aged 65 or over at enrollment",
            dims.get("age_band", {}).get("65+", 0),
            trues.get("age_band", {}).get("65+", 0),
            goals["age_65_plus"],
            "age_65_plus",
        ),
        (
            "Prefer Spanish",
            per_language.get("es", 0),
            per_language_true.get("es", 0),
            goals["spanish"],
            "spanish",
        ),
    ):
        value = _shown(n, true)
        fig.goals.append(
            Cell(
                label=label,
                value=value,
                percent=_percent(value, fig.enrolled),
                goal=goal,
                code=code,
            )
        )
    fig.breakdowns = {
        "Race and ethnicity (a person may give several)": _cells(
            dims.get("race", {}), RACE_LABELS, fig.enrolled, trues.get("race", {})
        ),
        "Age at enrollment": _cells(
            {b: dims.get("age_band", {}).get(b, 0) for b in AGE_BANDS},
            {},
            fig.enrolled,
            trues.get("age_band", {}),
        ),
        "Recruitment source": _cells(
            dims.get("source", {}), SOURCE_LABELS, fig.enrolled, trues.get("source", {})
        ),
        "Preferred language": _cells(
            per_language, {"en": "English", "es": "Spanish"}, fig.enrolled, per_language_true
        ),
    }
    fig.by_state = _cells(
        dims.get("us_state", {}), {UNKNOWN: "Not given"}, fig.enrolled, trues.get("us_state", {})
    )

    # --- by site: stage counts in a matrix, complementary suppression across both ways ---
    site_names = {s.pk: s.name for s in sites} | {0: "No site yet"}
    site_ids = sorted(site_reached, key=lambda i: site_names.get(i, ""))
    matrix = [
        [site_reached[i][stage] for stage in ORDER] + [per_site_enrolled.get(i, 0)]
        for i in site_ids
    ]
    hidden = suppress_matrix(matrix) if matrix else []
    for site_id, values in zip(site_ids, hidden, strict=True):
        fig.by_site.append({"site": site_names.get(site_id, f"site {site_id}"), "values": values})
    return fig


def _weekly(
    fig: Figures, per_week: dict[dt.date, int], filters: Filters, true: dict[dt.date, int]
) -> None:
    end = week_of(filters.date_to or timezone.now().date())
    start = end - dt.timedelta(weeks=CHART_WEEKS - 1)
    if filters.date_from and week_of(filters.date_from) > start:
        start = week_of(filters.date_from)
    weeks = []
    day = start
    while day <= end:
        weeks.append(day)
        day += dt.timedelta(weeks=1)
    raw = [per_week.get(w, 0) for w in weeks]
    hidden = suppress_line(raw) if raw else []
    hidden = [
        None if v is None else _shown(v, true.get(w, 0)) for w, v in zip(weeks, hidden, strict=True)
    ]
    # 4-week moving average, only over weeks that are all shown: an average over a
    # hidden week would let a reader subtract their way back to it.
    for i, (week, value) in enumerate(zip(weeks, hidden, strict=True)):
        window = hidden[max(0, i - 3) : i + 1]
        average = None
        if len(window) == 4 and all(v is not None for v in window):
            average = round(sum(window) / 4, 1)
        fig.weeks.append((week, value, average))
    last8 = hidden[-8:]
    if len(last8) == 8 and all(v is not None for v in last8):
        last4, prev4 = sum(last8[4:]), sum(last8[:4])
        if prev4:
            fig.trend = {
                "last4": last4,
                "prev4": prev4,
                "change": round(100 * (last4 - prev4) / prev4, 1),
            }
