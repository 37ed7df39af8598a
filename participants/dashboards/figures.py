"""The recruitment dashboard's figures, read from the summary tables only.

Four queries whatever the data size (pinned in tests): stage summary by site,
enrollment by week/site/language, enrollment by dimension, and the sites.
Every count leaves here already suppressed (None = 1–19, shown as "<20").
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from participants.dashboards.disclosure import is_small, suppress_line, suppress_matrix
from participants.dashboards.models import EnrollmentSummary, StageSummary
from participants.dashboards.summaries import AGE_BANDS, RANK, UNKNOWN, week_of
from participants.journey import ORDER
from participants.models import JourneyState
from portal.models import Site

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


def _cells(counts: dict[str, int], labels: dict[str, str], total: int | None) -> list[Cell]:
    codes = sorted(counts, key=lambda c: (-counts[c], c))
    hidden = suppress_line([counts[c] for c in codes])
    return [
        Cell(label=labels.get(c, c), value=v, percent=_percent(v, total), code=c)
        for c, v in zip(codes, hidden, strict=True)
    ]


def dashboard_figures(filters: Filters) -> Figures:
    sites = list(Site.objects.order_by("name"))  # query 1
    fig = Figures(filters=filters, sites=sites)

    # --- funnel and by-site stages (query 2) ---
    stage_rows = list(
        filters.apply(StageSummary.objects.all())
        .values("site_id", "furthest", "current")
        .annotate(total=Sum("n"))
        .order_by()
    )
    reached = dict.fromkeys(ORDER, 0)
    site_reached: dict[int, dict[str, int]] = {}
    paused = withdrawn = 0
    for row in stage_rows:
        n = row["total"] or 0
        rank = RANK.get(row["furthest"], 0)
        per_site = site_reached.setdefault(row["site_id"], dict.fromkeys(ORDER, 0))
        for stage in ORDER[: rank + 1]:
            reached[stage] += n
            per_site[stage] += n
        paused += n if row["current"] == S.PAUSED else 0
        withdrawn += n if row["current"] == S.WITHDRAWN else 0
    previous = None
    for stage in ORDER:
        n = reached[stage]
        value = None if is_small(n) else n
        fig.funnel.append(
            Cell(
                label=STAGE_LABELS[stage],
                value=value,
                code=stage,
                percent=_percent(value, previous),
            )
        )
        previous = value
    fig.paused = None if is_small(paused) else paused
    fig.withdrawn = None if is_small(withdrawn) else withdrawn

    # --- enrollments by week, site, language (query 3) ---
    enrolled_rows = list(
        filters.apply(EnrollmentSummary.objects.filter(dimension="all"))
        .values("week", "site_id", "language")
        .annotate(total=Sum("n"))
        .order_by()
    )
    per_week: dict[dt.date, int] = {}
    per_site_enrolled: dict[int, int] = {}
    per_language: dict[str, int] = {"en": 0, "es": 0}
    for row in enrolled_rows:
        n = row["total"] or 0
        per_week[row["week"]] = per_week.get(row["week"], 0) + n
        per_site_enrolled[row["site_id"]] = per_site_enrolled.get(row["site_id"], 0) + n
        per_language[row["language"]] = per_language.get(row["language"], 0) + n
    total = sum(per_week.values())
    fig.enrolled = None if is_small(total) else total
    _weekly(fig, per_week, filters)

    # --- diversity and geography (query 4) ---
    dims: dict[str, dict[str, int]] = {}
    for row in (
        filters.apply(EnrollmentSummary.objects.exclude(dimension="all"))
        .values("dimension", "code")
        .annotate(total=Sum("n"))
        .order_by()
    ):
        dims.setdefault(row["dimension"], {})[row["code"]] = row["total"] or 0
    goals = settings.DASHBOARD_DIVERSITY_GOALS
    ubr = dims.get("ubr", {}).get("yes", 0)
    older = dims.get("age_band", {}).get("65+", 0)
    spanish = per_language.get("es", 0)
    for label, n, goal, code in (
        ("Under-represented race or ethnicity", ubr, goals["ubr"], "ubr"),
        ("Aged 65 or over at enrollment", older, goals["age_65_plus"], "age_65_plus"),
        ("Prefer Spanish", spanish, goals["spanish"], "spanish"),
    ):
        value = None if is_small(n) else n
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
            dims.get("race", {}), RACE_LABELS, fig.enrolled
        ),
        "Age at enrollment": _cells(
            {b: dims.get("age_band", {}).get(b, 0) for b in AGE_BANDS}, {}, fig.enrolled
        ),
        "Recruitment source": _cells(dims.get("source", {}), SOURCE_LABELS, fig.enrolled),
        "Preferred language": _cells(
            per_language, {"en": "English", "es": "Spanish"}, fig.enrolled
        ),
    }
    fig.by_state = _cells(dims.get("us_state", {}), {UNKNOWN: "Not given"}, fig.enrolled)

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


def _weekly(fig: Figures, per_week: dict[dt.date, int], filters: Filters) -> None:
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
