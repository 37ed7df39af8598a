"""R12: aggregate exports only, suppressed, capped, re-authenticated, logged.

Formula escaping (R22) is proven in tests/hostile/test_csv_injection.py.
"""

import csv
import io

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from portal.disclosure import suppress_matrix
from portal.models import AuditEvent
from staff.dashboards.summaries import summaries_rebuild
from tests.factories import ParticipantFactory, SiteFactory
from tests.staff.conftest import reauthenticated, staff_client

pytestmark = pytest.mark.django_db


@given(
    st.lists(st.lists(st.integers(0, 200), min_size=1, max_size=6), min_size=1, max_size=6).filter(
        lambda m: len({len(r) for r in m}) == 1
    )
)
@hsettings(max_examples=300, deadline=None)
def test_no_published_cell_from_1_to_19_and_no_lone_hidden_cell(matrix):
    out = suppress_matrix(matrix)
    for row in out:
        assert all(v is None or v == 0 or v >= 20 for v in row)
        if len(row) > 1:
            assert sum(v is None for v in row) != 1
    for c in range(len(out[0])):
        column = [row[c] for row in out]
        if len(column) > 1:
            assert sum(v is None for v in column) != 1


def _export(client, **data):
    payload = {"table": "by_site", "rows": 100, "date_from": "", "date_to": "", "site": "",
               "language": ""}  # fmt: skip
    payload.update(data)
    return client.post(reverse("staff:export"), payload)


@pytest.fixture
def site_data(db):
    site = SiteFactory(code="north", name="North Clinic")
    for state in ("consented",) * 25 + ("eligible",) * 3:
        ParticipantFactory(site=site, state=state)
    summaries_rebuild()
    return site


def test_export_needs_reauthentication(recruiter, site_data):
    response = _export(staff_client(recruiter))
    assert response.status_code == 302
    assert reverse("account_reauthenticate") in response["Location"]


def test_export_suppresses_small_cells_and_is_logged(recruiter, site_data):
    client = reauthenticated(staff_client(recruiter))
    response = _export(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert any(r[0] == "North Clinic" for r in rows)
    for row in rows[1:]:
        for cell in row[1:]:
            assert cell == "<20" or cell == "0" or int(cell) >= 20
    assert AuditEvent.objects.filter(action="staff.export", actor=recruiter).exists()


def test_export_of_a_million_rows_is_refused_with_a_clear_message(recruiter, site_data):
    client = reauthenticated(staff_client(recruiter))
    response = _export(client, rows=10**6)
    assert response.status_code == 400
    assert "capped at 1,000 rows" in response.content.decode()
    assert not AuditEvent.objects.filter(action="staff.export").exists()


def test_export_larger_than_asked_is_refused(recruiter, site_data):
    client = reauthenticated(staff_client(recruiter))
    response = _export(client, table="funnel", rows=2)
    assert response.status_code == 400
    assert "more than the 2 you allowed" in response.content.decode()


def test_support_staff_cannot_export(supporter):
    client = reauthenticated(staff_client(supporter))
    response = _export(client)
    assert response.status_code == 403
    assert not response["Content-Type"].startswith("text/csv")


def test_no_participant_level_export_route_exists():
    from django.urls import get_resolver

    names = [str(p.pattern) for p in get_resolver().url_patterns]
    flat = " ".join(names)
    assert "participants/export" not in flat and "participants.csv" not in flat
