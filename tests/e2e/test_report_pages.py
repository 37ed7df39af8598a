"""Every report type at 360 px and on a desktop, in English and Spanish.

No horizontal scroll, no text column narrower than 12 characters, axe clean; a screenshot of
each report type at 360 px goes to tests/e2e/screenshots/ (git-ignored).
"""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.e2e.browser import assert_accessible, no_horizontal_scroll, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A text column is a box whose text wraps: every such box is at least 12 characters ("ch"
# of its own font) wide. Short text that fits on one line cannot be crushed.
NARROW_TEXT = """() => {
  const narrow = [];
  const blocks = document.querySelectorAll(
    'main :is(p, li, dt, dd, td, th, h1, h2, h3, figcaption)');
  for (const el of blocks) {
    if (!el.textContent.trim() || el.getClientRects().length === 0) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
      .map(r => Math.round(r.top)));
    if (tops.size < 2) continue;
    const probe = document.createElement('span');
    probe.style.cssText = 'display:inline-block;width:12ch;visibility:hidden;position:absolute';
    el.appendChild(probe);
    const twelve = probe.getBoundingClientRect().width;
    probe.remove();
    const width = el.getBoundingClientRect().width;
    if (width + 0.5 < twelve) narrow.push(el.tagName + ': ' + el.textContent.trim().slice(0, 40));
  }
  return narrow;
}"""


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


def _released(participant, kb, report_type, result, *, positive=False):
    from results.models import Interpretation, Sample
    from tests.results.workflow.helpers import confirm, make_report

    report = make_report(
        participant,
        kb,
        state="released",
        report_type=report_type,
        positive=positive,
        result=result,
    )
    Sample.objects.filter(pk=report.interpretation.sample_id).update(
        lab_name="Example Genome Center", clia_number="99D9999999", cap_number="7777777"
    )
    Interpretation.objects.filter(pk=report.interpretation_id).update(qc_status="pass")
    if positive:
        confirm(report)
    report.released_at = timezone.now() - dt.timedelta(days=1)
    report.save(update_fields=["released_at"])
    return report


@pytest.fixture
def reports(db):
    """Two participants: one with every kind of finding, one with typical results."""
    import copy

    from results.releases import knowledge_base_release_register
    from results.services.preferences import results_preference_set
    from tests.factories import ParticipantFactory
    from tests.results.reports.test_report_redesign import MHS_FINDING, _call, factory_result
    from tests.results.workflow.helpers import give_gror

    kb, _created = knowledge_base_release_register()
    people = {}
    for name in ("findings", "typical"):
        person = ParticipantFactory()
        give_gror(person)
        results_preference_set(
            participant=person, actor=person.user, pgx="yes", disease_risk="yes", traits="yes"
        )
        people[name] = person
    many = [f"*1/*{n}" for n in range(2, 200)]
    actionable = factory_result(
        pgx={
            "DPYD": _call(["*1/c.1905+1G>A"], "Intermediate Metabolizer"),
            "CYP2C9": _call(many, "Normal Metabolizer"),
        },
        disease_risk=[copy.deepcopy(MHS_FINDING)],
    )
    typical = factory_result()
    return {
        "pgx-actionable": _released(people["findings"], kb, "pgx", actionable),
        "disease-risk-positive": _released(
            people["findings"], kb, "disease_risk", actionable, positive=True
        ),
        "traits": _released(people["findings"], kb, "traits", actionable),
        "pgx-typical": _released(people["typical"], kb, "pgx", typical),
        "disease-risk-negative": _released(people["typical"], kb, "disease_risk", typical),
    }


def _log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _check(page, url, shot=None):
    page.goto(url)
    assert page.locator("article.report h1").is_visible()
    if shot:
        screenshot(page, shot)  # as the participant first sees it: appendix folded
    # The folded clinician appendix and reference pages are checked unfolded too.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert no_horizontal_scroll(page), url
    narrow = page.evaluate(NARROW_TEXT)
    assert narrow == [], f"text narrower than 12 characters on {url}: {narrow}"
    assert_accessible(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_report_on_a_phone(live_server, phone_page, reports, language):
    prefix = "/es" if language == "es" else ""
    for name, report in reports.items():
        _log_in(phone_page, live_server, report.participant.user)
        _check(
            phone_page,
            f"{live_server.url}{prefix}/me/results/{report.pk}/",
            shot=f"report-{name}-{language}-360",
        )
        assert phone_page.get_attribute("html", "lang") == language


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_report_on_a_desktop(live_server, page, reports, language):
    prefix = "/es" if language == "es" else ""
    for _name, report in reports.items():
        _log_in(page, live_server, report.participant.user)
        _check(page, f"{live_server.url}{prefix}/me/results/{report.pk}/")


def test_stored_fragment_is_served_and_each_view_is_recorded(live_server, phone_page, reports):
    from results.models import ReportFragment, ReportView

    report = reports["pgx-actionable"]
    _log_in(phone_page, live_server, report.participant.user)
    url = f"{live_server.url}/me/results/{report.pk}/"
    phone_page.goto(url)
    phone_page.goto(url)
    fragment = ReportFragment.objects.get(report=report, language="en")
    assert "DPYD" in fragment.html
    assert ReportView.objects.filter(report=report, format="html").count() == 2
