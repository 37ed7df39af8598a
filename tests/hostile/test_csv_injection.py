"""CSV (formula) injection in everything exported (R22).

The staff aggregate export is the portal's only spreadsheet export (a guard below fails
when another CSV writer appears, so it gets covered here too). Its only free text is site
names, which land in row labels (by site) and in the header (weekly). Every cell of every
table must come out inert: a value starting with = + - @ TAB CR or LF, even after spaces,
is prefixed with a quote and otherwise kept as typed.
"""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from portal.disclosure import FORMULA_TRIGGERS, csv_safe
from staff.dashboards.forms import EXPORT_TABLES
from staff.dashboards.summaries import summaries_rebuild
from tests.factories import ParticipantFactory, SiteFactory
from tests.hostile.routes import all_routes
from tests.staff.conftest import reauthenticated, staff_client

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "   =1+1",
]


def _is_formula(cell: str) -> bool:
    return cell.lstrip(" ").startswith(FORMULA_TRIGGERS)


@given(st.text())
def test_csv_safe_never_leaves_a_formula(value):
    safe = csv_safe(value)
    assert not _is_formula(safe)
    assert safe in (value, "'" + value)  # kept as typed, at most a quote in front


def test_tab_equals_is_escaped_where_defusedcsv_fails():
    assert csv_safe("\t=1+1") == "'\t=1+1"
    assert csv_safe('=HYPERLINK("http://evil.example","x")').startswith("'=")
    assert csv_safe(42) == 42 and csv_safe("Austin") == "Austin"


@pytest.fixture
def formula_sites(db):
    sites = []
    for number, name in enumerate(FORMULAS):
        site = SiteFactory(code=f"evil-{number}", name=name)
        for _ in range(2):
            ParticipantFactory(site=site, state="consented")
        sites.append(site)
    summaries_rebuild()
    return sites


@pytest.mark.parametrize("table", [code for code, _label in EXPORT_TABLES])
def test_every_cell_of_every_export_table_is_formula_safe(recruiter, formula_sites, table):
    client = reauthenticated(staff_client(recruiter))
    response = client.post(
        reverse("staff:export"),
        {"table": table, "rows": 1000, "date_from": "", "date_to": "", "site": "", "language": ""},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
    cells = [cell for row in rows for cell in row]
    assert cells
    for cell in cells:
        assert not _is_formula(cell), repr(cell)
    if table in ("by_site", "weekly"):
        # The hostile names are all there, each kept as typed behind its quote.
        for name in FORMULAS:
            assert "'" + name in cells, repr(name)


def test_export_csv_is_not_a_leak_of_participant_rows(recruiter, formula_sites):
    client = reauthenticated(staff_client(recruiter))
    response = client.post(
        reverse("staff:export"),
        {"table": "by_site", "rows": 1000, "date_from": "", "date_to": "", "site": "",
         "language": ""},
    )  # fmt: skip
    body = response.content.decode()
    for site in formula_sites:
        for person in site.participants.all():
            assert person.participant_id not in body and person.research_id not in body


def test_every_csv_export_in_the_code_is_covered_here():
    """A new CSV writer, text/csv response or export route must be added above."""
    root = Path(settings.BASE_DIR)
    writers = set()
    for app in ("participants", "results", "portal", "staff"):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if any(sign in text for sign in ("csv.writer", "DictWriter", "text/csv")):
                writers.add(path.relative_to(root).as_posix())
    assert writers == {"staff/dashboards/views.py"}
    exports = {r.name for r in all_routes() if "export" in r.name or "export" in r.pattern}
    assert exports == {"staff:export"}
