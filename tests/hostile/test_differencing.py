"""Issue 15, medium 4: small cells cannot be recovered by differencing (R32).

The probe combined site x language x week filters on /staff/ and compared an export's
`date_to` with last Sunday, and recovered suppressed counts of 9, 4 and 2 exactly. Here
those very counts are planted in the summary tables, every filter setting a recruiter can
request (sites x languages x date ranges, dashboard and export) is requested, and every
pair of figures whose populations nest is subtracted. No difference is a count from 1 to
19. The same attack on the raw counts does recover 9, 4 and 2 (so the test would fail
without the disclosure control).
"""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from staff.dashboards.figures import Filters, dashboard_figures
from staff.dashboards.models import EnrollmentSummary, StageSummary
from staff.dashboards.selectors import export_rows
from staff.dashboards.summaries import week_of
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()
W4 = week_of(TODAY)
WEEKS = [W4 - dt.timedelta(weeks=k) for k in (3, 2, 1, 0)]
LAST_SUNDAY = W4 - dt.timedelta(days=1)
PLANTED = {9, 4, 2}


@pytest.fixture
def data(db):
    a, b = SiteFactory(code="a", name="Site A"), SiteFactory(code="b", name="Site B")
    # Enrolled people per week x site x language; the small ones are the probe's.
    enrolled = {}
    for week in WEEKS:
        enrolled[week, a.pk, "en"] = 40
        enrolled[week, b.pk, "en"] = 30
        enrolled[week, a.pk, "es"] = 25
    enrolled[W4, a.pk, "es"] = 9  # this week, site A, Spanish: the probe's 9
    enrolled[WEEKS[2], b.pk, "es"] = 4  # the probe's 4
    enrolled[WEEKS[1], b.pk, "es"] = 2  # the probe's 2
    for (week, site, language), n in enrolled.items():
        EnrollmentSummary.objects.create(
            week=week, site_id=site, language=language, dimension="all", code="", n=n
        )
        # Age bands: a partition; small bands inside big atoms too.
        young = n - 3 if n > 20 else n
        EnrollmentSummary.objects.create(
            week=week, site_id=site, language=language, dimension="age_band", code="18-29",
            n=young,
        )  # fmt: skip
        if n > 20:
            EnrollmentSummary.objects.create(
                week=week, site_id=site, language=language, dimension="age_band", code="65+",
                n=3,
            )  # fmt: skip
        # Stages by sign-up week: most reached consent, a few stopped at eligible.
        StageSummary.objects.create(
            week=week, site_id=site, language=language, furthest="consented",
            current="consented", n=n,
        )  # fmt: skip
        StageSummary.objects.create(
            week=week, site_id=site, language=language, furthest="eligible",
            current="eligible", n=22 if n >= 30 else 2 if n > 20 else 1,
        )  # fmt: skip
    return {"sites": (a, b), "enrolled": enrolled}


def _filters(sites):
    dates_from = [None, *WEEKS]
    dates_to = [None, *WEEKS, LAST_SUNDAY, TODAY]
    for site, language, date_from, date_to in itertools.product(
        [None, *sites], ["", "en", "es"], dates_from, dates_to
    ):
        if date_from and date_to and date_to < date_from:
            continue
        yield Filters(
            date_from=date_from,
            date_to=date_to,
            site_id=site.pk if site else None,
            language=language,
        )


def _atoms(f: Filters, universe) -> frozenset:
    return frozenset(
        (w, s, lang)
        for (w, s, lang) in universe
        if (not f.date_from or w >= week_of(f.date_from))
        and (not f.date_to or w <= week_of(f.date_to))
        and (not f.site_id or s == f.site_id)
        and (not f.language or lang == f.language)
    )


def _published(f: Filters) -> dict[str, int | None]:
    """Every number the dashboard and the exports show for filter `f`, by what it counts."""
    fig = dashboard_figures(f)
    out: dict[str, int | None] = {"enrolled": fig.enrolled}
    out |= {f"funnel:{c.code}": c.value for c in fig.funnel}
    for name, cells in fig.breakdowns.items():
        out |= {f"{name}:{c.code}": c.value for c in cells}
    for cell in fig.goals:
        out[f"goal:{cell.code}"] = cell.value
    for _header, *rows in [export_rows("funnel", f)]:
        for label, value in rows:
            out[f"export-funnel:{label}"] = None if value == "<20" else int(value)
    return out


def _weekly(f: Filters) -> dict[dt.date, int | None]:
    return {week: value for week, value, _avg in dashboard_figures(f).weeks}


def _differences(observations):
    """Every v1 - v2 where the population of the second is inside the first's."""
    found = []
    for (atoms1, v1), (atoms2, v2) in itertools.permutations(observations, 2):
        if v1 is None or v2 is None or not atoms2 < atoms1:
            continue
        found.append(v1 - v2)
    return found


def test_differencing_across_filters_and_export_dates_recovers_no_small_count(data):
    universe = set(data["enrolled"])
    by_measure: dict[str, list] = {}
    for f in _filters(data["sites"]):
        atoms = _atoms(f, universe)
        for measure, value in _published(f).items():
            by_measure.setdefault(measure, []).append((atoms, value))
        for week, value in _weekly(f).items():
            week_atoms = frozenset(a for a in atoms if a[0] == week)
            by_measure.setdefault("week", []).append((week_atoms, value))
    recovered = sorted(
        {d for obs in by_measure.values() for d in _differences(obs) if 1 <= d <= 19}
    )
    assert recovered == []


def test_the_same_attack_on_the_raw_counts_does_recover_them(data):
    """The control: without the disclosure control the differencing works (as it did)."""
    universe = data["enrolled"]
    observations = [
        (_atoms(f, set(universe)), sum(universe[a] for a in _atoms(f, set(universe))))
        for f in _filters(data["sites"])
    ]
    assert set(_differences(observations)) >= PLANTED


def test_export_date_to_against_last_sunday_gives_nothing_away(data):
    """The probe's second route: this week's counts by subtracting two exports."""
    a = data["sites"][0]
    for table in ("funnel", "weekly", "by_site"):
        upto_today = export_rows(table, Filters(site_id=a.pk, date_to=TODAY))
        upto_sunday = export_rows(table, Filters(site_id=a.pk, date_to=LAST_SUNDAY))
        for row_today, row_sunday in zip(upto_today[1:], upto_sunday[1:], strict=False):
            for x, y in zip(row_today[1:], row_sunday[1:], strict=False):
                if str(x).isdigit() and str(y).isdigit():
                    assert not 1 <= int(x) - int(y) <= 19, (table, row_today, row_sunday)


def test_figures_are_exact_sums_of_the_cells_that_count(data):
    """What staff see: atom cells of 20+ exactly; a lone small cell takes the next
    smallest of its atom with it (complementary), so totals are lower bounds."""
    a = data["sites"][0]
    fig = dashboard_figures(Filters(site_id=a.pk, language="en"))
    assert fig.enrolled == 4 * 40
    funnel = {c.code: c.value for c in fig.funnel}
    assert funnel["registered"] == 4 * (40 + 22) and funnel["consented"] == 4 * 40
    fig = dashboard_figures(Filters(site_id=a.pk))
    # Spanish this week (9) does not count; the weeks of 25 do. In the Spanish atoms the
    # lone small stage cell (2 stopped at eligible) takes the 25 with it.
    assert fig.enrolled == 4 * 40 + 3 * 25
    assert {c.code: c.value for c in fig.funnel}["consented"] == 4 * 40
    ages = {c.code: c.value for c in fig.breakdowns["Age at enrollment"]}
    # Each atom: 18-29 = n - 3, 65+ = 3 -> both left out (complementary): "<20".
    assert ages["65+"] is None and ages["18-29"] is None


def test_filtered_dashboard_views_leave_a_trail(data, recruiter):
    from django.urls import reverse

    from portal.models import AuditEvent
    from tests.staff.conftest import staff_client

    client = staff_client(recruiter)
    assert client.get(reverse("staff:dashboard")).status_code == 200
    assert not AuditEvent.objects.filter(action="staff.dashboard_filter").exists()
    a = data["sites"][0]
    response = client.get(reverse("staff:dashboard"), {"site": a.pk, "language": "es"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="staff.dashboard_filter")
    assert event.actor == recruiter
    assert event.data["filters"] == {"site_id": str(a.pk), "language": "es"}
