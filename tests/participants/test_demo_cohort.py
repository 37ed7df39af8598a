"""`make run`'s synthetic cohort: enough people for real dashboard figures, added once."""

import pytest
from django.core.management import call_command

from staff.dashboards.figures import Filters, dashboard_figures
from staff.dashboards.seeding import synthetic_participants_count

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_tops_the_synthetic_cohort_up_once(monkeypatch):
    monkeypatch.setattr("portal.management.commands.seed_demo.seed_demo", list)
    call_command("seed_demo", participants=400)
    assert synthetic_participants_count() == 400
    call_command("seed_demo", participants=400)  # idempotent: nothing missing, nothing added
    assert synthetic_participants_count() == 400
    call_command("seed_demo", participants=450)
    assert synthetic_participants_count() == 450


def test_the_synthetic_cohort_gives_the_dashboard_real_figures():
    call_command("seed_participants", participants=3000)
    figures = dashboard_figures(Filters())
    shown = [cell.value for cell in figures.funnel]
    assert all(value is not None and value >= 20 for value in shown), shown  # no "<20"
    assert shown == sorted(shown, reverse=True)  # a funnel narrows
