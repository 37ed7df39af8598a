"""Dashboards read summary tables kept current by the journey hook; pinned query count."""

import pytest
from django.urls import reverse

from participants.enrollment import participant_create, participant_pause, participant_withdraw
from participants.journey import journey_advance_to
from participants.models import Participant
from staff.dashboards.figures import Filters, dashboard_figures
from staff.dashboards.models import EnrollmentSummary, ParticipantFacts, StageSummary
from staff.dashboards.summaries import dashboard_facts_refresh, summaries_rebuild
from tests.factories import SiteFactory, UserFactory
from tests.staff.conftest import staff_client

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(StageSummary.objects.filter(n__gt=0).values_list(
            "week", "site_id", "language", "furthest", "current", "n")),
        sorted(EnrollmentSummary.objects.filter(n__gt=0).values_list(
            "week", "site_id", "language", "dimension", "code", "n")),
    )  # fmt: skip


def _journey(n: int, site) -> list[Participant]:
    people = []
    for i in range(n):
        user = UserFactory()
        p = participant_create(user=user, screener_passed_at=None)
        p.site = site
        p.preferred_language = "es" if i % 4 == 0 else "en"
        p.race_ethnicity = ["BLACK"] if i % 2 else ["WHITE", "HISPANIC"]
        p.birth_year = 1950 if i % 5 == 0 else 1990
        p.us_state = "TX"
        p.save()
        dashboard_facts_refresh(participant=p)
        steps = ["eligible", "consented", "ehr_authorized", "basics_done", "core"][: i % 6]
        for step in steps:
            journey_advance_to(participant=p, to_state=step, actor=user, reason="test")
        if i % 7 == 3:
            participant_pause(participant=p, actor=user)
        if i % 11 == 5:
            participant_withdraw(participant=p, actor=user, tier=1)
        people.append(p)
    return people


def test_incremental_summaries_agree_with_a_full_recount():
    _journey(60, SiteFactory(code="s1"))
    incremental = _snapshot()
    assert ParticipantFacts.objects.count() == 60
    assert sum(n for *_k, n in incremental[0]) == 60
    summaries_rebuild()
    assert _snapshot() == incremental


def test_funnel_counts_are_right_and_small_cells_hidden():
    _journey(60, SiteFactory(code="s1"))
    fig = dashboard_figures(Filters())
    funnel = {c.code: c.value for c in fig.funnel}
    # 60 people in one week at one site, spread over six stages and two languages: every
    # atom cell is under 20, so nothing counts and the funnel says "<20" (issue 15; exact
    # sums of atom cells are checked in tests/hostile/test_differencing.py).
    assert funnel["registered"] is None and funnel["consented"] is None
    for cell in fig.funnel:
        assert cell.value is None or cell.value >= 20
    for cells in fig.breakdowns.values():
        assert all(c.value is None or c.value == 0 or c.value >= 20 for c in cells)


# user (the session itself comes from the cache); allauth.usersessions' activity
# tracking (savepoint, select, user, update, release); MFA check; 2 permission loads;
# sites; 3 summary queries; sites for the filter form's choices. None of them depends
# on the number of participants.
QUERIES = 14


def _page(client):
    return client.get(reverse("staff:dashboard"))


def test_dashboard_query_count_does_not_grow_with_data(recruiter, django_assert_num_queries):
    client = staff_client(recruiter)
    _page(client)  # session written once
    site = SiteFactory(code="s1")
    _journey(10, site)
    _page(client)
    with django_assert_num_queries(QUERIES):
        response = _page(client)
    assert response.status_code == 200
    _journey(40, SiteFactory(code="s2"))
    _page(client)
    with django_assert_num_queries(QUERIES):
        response = _page(client)
    body = response.content.decode()
    assert "&lt;20" in body and "<svg" in body and "Definition" in body
    assert "tile map" in body


def test_dashboard_shows_no_identity(recruiter, participant):
    summaries_rebuild()
    body = _page(staff_client(recruiter)).content.decode()
    assert participant.participant_id not in body
    assert "García" not in body and participant.user.email not in body


def test_filters_apply(recruiter):
    _journey(30, SiteFactory(code="s1"))
    client = staff_client(recruiter)
    response = client.get(reverse("staff:dashboard"), {"language": "es", "date_from": "2000-01-01"})
    assert response.status_code == 200
    fig = dashboard_figures(Filters(language="es"))
    assert fig.funnel[0].value is None  # 8 Spanish speakers: hidden


def test_rebuild_command(capsys):
    from django.core.management import call_command

    _journey(5, SiteFactory(code="s1"))
    call_command("rebuild_dashboard_summaries")
    assert "participants: 5" in capsys.readouterr().out
