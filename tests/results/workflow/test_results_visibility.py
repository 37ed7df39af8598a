"""Who sees what: opt-in shows and hides at once, gror withdrawal hides and cancels, 404s."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.enrollment import participant_withdraw
from results.documents import report_fragments_store
from results.models import (
    Interpretation,
    RecontactTask,
    Report,
    ReportState,
    ReportView,
)
from results.services.preferences import results_preference_set
from tests.results.workflow.helpers import give_gror, make_report, withdraw_gror

pytestmark = pytest.mark.django_db
S = ReportState


def _choose(participant, **values):
    choices = {"pgx": "yes", "disease_risk": "yes", "traits": "yes", **values}
    results_preference_set(participant=participant, actor=participant.user, **choices)


@pytest.fixture
def released(participant, kb):
    give_gror(participant)
    _choose(participant)
    from django.utils import timezone

    report = make_report(
        participant, kb, state=S.RELEASED, report_type="pgx", result=_minimal_result()
    )
    report.released_at = timezone.now()  # as the release sets it: the page is then stored
    report.save(update_fields=["released_at"])
    return report


def _minimal_result():
    from results.engine.interpretation import interpret_vcf
    from tests.results.workflow.helpers import NEGATIVE, kgp_vcf

    return interpret_vcf(kgp_vcf(NEGATIVE), absent_is_reference=True)


def test_owner_sees_the_report_and_the_view_is_recorded(participant_client, participant, released):
    response = participant_client.get(reverse("results:report", args=[released.pk]))
    assert response.status_code == 200
    assert b"CYP2C19" in response.content
    released.refresh_from_db()
    assert released.state == S.VIEWED
    assert (
        ReportView.objects.filter(report=released, participant=participant, format="html").count()
        == 1
    )
    participant_client.get(reverse("results:report", args=[released.pk]))
    assert ReportView.objects.filter(report=released).count() == 2  # every view, not just the first


def test_another_participants_report_is_a_plain_404(outsider_client, released):
    for name in ("results:report", "results:report_pdf", "results:family_letter"):
        response = outsider_client.get(reverse(name, args=[released.pk]))
        assert response.status_code == 404
        assert b"This result is not shown" not in response.content
    assert not ReportView.objects.exists()


def test_unreleased_report_is_a_404(participant_client, participant, kb):
    give_gror(participant)
    _choose(participant)
    report = make_report(
        participant, kb, state=S.NEEDS_REVIEW, report_type="disease_risk", positive=True
    )
    assert participant_client.get(reverse("results:report", args=[report.pk])).status_code == 404


def test_changing_your_mind_hides_and_shows_at_once(participant_client, participant, released):
    url = reverse("results:report", args=[released.pk])
    _choose(participant, pgx="no")
    response = participant_client.get(url)
    assert response.status_code == 404
    assert b"You chose not to see this kind of result" in response.content
    _choose(participant, pgx="yes")
    assert participant_client.get(url).status_code == 200


def test_opt_in_releases_ready_reports(participant, kb):
    give_gror(participant)
    report = make_report(participant, kb, state=S.READY, report_type="traits")
    _choose(participant, traits="later")
    report.refresh_from_db()
    assert report.state == S.READY
    _choose(participant, traits="yes")
    report.refresh_from_db()
    assert report.state == S.RELEASED


def test_no_release_without_gror(participant, kb):
    give_gror(participant, decision="not_sure")
    report = make_report(participant, kb, state=S.READY, report_type="traits")
    _choose(participant)
    report.refresh_from_db()
    assert report.state == S.READY


def test_gror_withdrawal_hides_every_report_and_cancels_pending_work(
    participant_client, participant, released, kb, counsellor
):
    pending = make_report(
        participant, kb, state=S.NEEDS_REVIEW, report_type="disease_risk", positive=True
    )
    queued = Interpretation.objects.create(
        sample=pending.interpretation.sample, release=_other_release(kb), state="pending"
    )
    withdraw_gror(participant)
    assert set(Report.objects.filter(participant=participant).values_list("state", flat=True)) == {
        S.WITHHELD
    }
    queued.refresh_from_db()
    assert queued.state == Interpretation.State.CANCELLED
    response = participant_client.get(reverse("results:report", args=[released.pk]))
    assert response.status_code == 404
    assert b"This result is gone" in response.content
    assert (
        participant_client.get(reverse("results:report_pdf", args=[released.pk])).status_code == 404
    )


def test_gror_yes_again_brings_reports_back_through_release(participant, released):
    withdraw_gror(participant)
    give_gror(participant)
    _choose(participant)  # any later choice (or pipeline run) re-checks
    released.refresh_from_db()
    assert released.state == S.RELEASED


def test_leaving_the_program_hides_everything_for_good(
    participant_client, participant, released, kb
):
    open_task = RecontactTask.objects.create(
        participant=participant, report=released, previous_report=released, reason="pgx_phenotype"
    )
    participant_withdraw(participant=participant, actor=participant.user, tier=2)
    released.refresh_from_db()
    assert released.state == S.WITHHELD and released.withheld_reason == "enrollment_withdrawn"
    open_task.refresh_from_db()
    assert open_task.state == RecontactTask.State.CANCELLED
    assert participant_client.get(reverse("results:report", args=[released.pk])).status_code == 404


def test_superseded_report_redirects_to_the_newer_version(
    participant_client, participant, released, kb
):
    from results.services.report_states import report_transition

    newer = make_report(
        participant,
        kb,
        state=S.RELEASED,
        report_type="pgx",
        version=2,
        result=released.interpretation.result,
    )
    report_transition(report=released, to_state=S.SUPERSEDED)
    response = participant_client.get(reverse("results:report", args=[released.pk]))
    assert response.status_code == 302 and response.url.endswith(f"/{newer.pk}/")


def test_results_pages_are_pinned_in_queries(
    participant_client, participant, released, django_assert_max_num_queries
):
    # session, user, user-session (+ its first insert), participant, then the tracker's 4
    # reads (gror record, preference, sample, reports) and the template's own.
    with django_assert_max_num_queries(13):
        assert participant_client.get(reverse("results:overview")).status_code == 200


def test_choices_page_saves(participant_client, participant, kb):
    give_gror(participant)
    url = reverse("results:choices")
    assert participant_client.get(url).status_code == 200
    response = participant_client.post(url, {"pgx": "yes", "disease_risk": "later", "traits": "no"})
    assert response.status_code == 302
    pref = participant.results_preference
    pref.refresh_from_db()
    assert (pref.pgx, pref.disease_risk, pref.traits) == ("yes", "later", "no")
    assert participant_client.post(url, {"pgx": "maybe"}).status_code == 200


def test_home_panel_tracks_in_plain_words(participant_client, participant, kb):
    give_gror(participant)
    _choose(participant, traits="no")
    make_report(participant, kb, state=S.NEEDS_REVIEW, report_type="disease_risk", positive=True)
    html = participant_client.get(reverse("participants:home")).content.decode()
    assert "Your DNA results" in html
    assert "needs a conversation with a genetic counsellor" in html
    assert "You chose not to see this result" in html
    assert "Being prepared" in html or "Waiting for your sample" in html


def _other_release(kb):
    from results.models import KnowledgeBaseRelease

    return KnowledgeBaseRelease.objects.create(
        name=kb.name, date=kb.date, release=kb.release + "-next", sources=kb.sources
    )


def test_two_views_at_once_mark_viewed_once(participant, released):
    from results.services.report_states import report_view_record

    stale = Report.objects.get(pk=released.pk)  # loaded before the other tab's view
    report_view_record(report=released, participant=participant, fmt="html", language="en")
    report_view_record(report=stale, participant=participant, fmt="html", language="en")
    assert ReportView.objects.filter(report=released).count() == 2
    assert released.transitions.filter(to_state=S.VIEWED).count() == 1


def test_report_page_is_pinned_in_queries(
    participant_client, participant, released, django_assert_max_num_queries
):
    url = reverse("results:report", args=[released.pk])
    report_fragments_store(report=released)  # as the release task does
    # The first view marks it viewed without reading the engine's JSON: the stored page
    # needs none, the state machine's guards neither.
    with CaptureQueriesContext(connection) as first:
        assert participant_client.get(url).status_code == 200
    assert not [
        q for q in first.captured_queries if '"results_interpretation"."result"' in q["sql"]
    ]
    assert released.transitions.filter(to_state=S.VIEWED).count() == 1
    # The user, then the report with its owner, gates and stored page (one query), then the
    # view event (one INSERT, no transaction). The session comes from the cache.
    with django_assert_max_num_queries(3):
        response = participant_client.get(url)
    assert response.status_code == 200 and b"CYP2C19" in response.content
    assert ReportView.objects.filter(report=released).count() == 2
    assert released.transitions.filter(to_state=S.VIEWED).count() == 1


def _gror_record(participant, *, decision, expires_at=None, signed_at=None):
    """A gror record written straight to the table (the services never write an expired one)."""
    from django.utils import timezone

    from participants.consent.models import ConsentRecord

    latest = ConsentRecord.objects.filter(
        participant=participant, version__form__code="gror"
    ).first()
    return ConsentRecord.objects.create(
        participant=participant,
        version=latest.version,
        language="en",
        decision=decision,
        typed_name="Ana García",
        signed_at=signed_at or timezone.now(),
        text_sha256=latest.text_sha256,
        expires_at=expires_at,
    )


def test_report_page_follows_the_gror_decision_in_force(participant_client, participant, released):
    """The page's one-query gate reads gror as participants.consent.selectors does: the
    newest record wins, an expired one counts as none."""
    import datetime as dt

    from django.utils import timezone

    from participants.consent.selectors import current_decision

    url = reverse("results:report", args=[released.pk])
    now = timezone.now()
    histories = [
        ({"decision": "not_sure"}, False),
        ({"decision": "yes"}, True),
        ({"decision": "yes", "expires_at": now - dt.timedelta(minutes=1)}, False),
        ({"decision": "yes", "expires_at": now + dt.timedelta(days=30)}, True),
        # An older record signed later in the table does not override the newest one.
        ({"decision": "no", "signed_at": now - dt.timedelta(days=400)}, True),
        ({"decision": "no"}, False),
    ]
    for record, shown in histories:
        _gror_record(participant, **record)
        assert (current_decision(participant, "gror") == "yes") is shown
        response = participant_client.get(url)
        assert response.status_code == (200 if shown else 404), record
        if not shown:
            assert b"This result is gone" in response.content


def test_withdrawn_participant_with_gror_yes_sees_why(participant_client, participant, released):
    """Withdrawal from further use hides results even while the gror record still says yes."""
    from participants.models import Participant

    Participant.objects.filter(pk=participant.pk).update(withdrawal_tier=2)
    response = participant_client.get(reverse("results:report", args=[released.pk]))
    assert response.status_code == 404
    assert b"This result is gone" in response.content
    assert not ReportView.objects.exists()


def test_opted_out_of_another_type_still_sees_this_one(participant_client, participant, released):
    """The choice read is the one for the report's own type."""
    _choose(participant, traits="no", disease_risk="no")
    assert participant_client.get(reverse("results:report", args=[released.pk])).status_code == 200
    _choose(participant, pgx="no", traits="yes", disease_risk="yes")
    assert participant_client.get(reverse("results:report", args=[released.pk])).status_code == 404


def test_report_page_is_a_404_for_staff_and_asks_visitors_to_log_in(client, released):
    """The page finds the owner itself (no @participant_required): a staff account, which
    has no participant record, gets the plain 404; a visitor goes to the log-in page."""
    from tests.participants.consent.helpers import make_staff

    url = reverse("results:report", args=[released.pk])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response.url
    client.force_login(make_staff(perms=["review_report"]))
    response = client.get(url)
    assert response.status_code == 404
    assert b"This result is not shown" not in response.content
    assert not ReportView.objects.exists()
