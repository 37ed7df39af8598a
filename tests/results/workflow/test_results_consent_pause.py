"""A “pause data use until re-consent” campaign holds the results pipeline; the new
signature (or “Keep my current consent”) resumes it; nothing is lost. Eager Celery."""

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone

from participants.consent.campaigns.models import Member
from participants.consent.campaigns.selectors import data_use_paused
from participants.consent.campaigns.services import campaign_decline, campaign_publish
from participants.consent.models import ConsentVersion, VersionStatus
from participants.surveys.management.commands.export_survey_responses_fhir import (
    completed_responses,
)
from participants.surveys.models import SurveyResponse
from portal.models import AuditEvent
from results.models import Interpretation, Report, ReportState, Sample
from results.services.preferences import results_preference_set
from results.services.report_states import ReportTransitionError
from results.services.review import report_release, report_review
from staff.roles import CONSENT_MANAGER
from tests.factories import ParticipantFactory
from tests.participants.campaigns.conftest import _v2, ethics_pdf
from tests.participants.consent.helpers import pass_comprehension, sign
from tests.results.workflow.helpers import (
    NEGATIVE,
    POSITIVE,
    confirm,
    give_gror,
    ingest,
    make_staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    return make_staff("cm@example.org", CONSENT_MANAGER)


def _primary_v1() -> ConsentVersion:
    return ConsentVersion.objects.get(form__code="primary", status=VersionStatus.PUBLISHED)


def _campaign(manager, policy: str):
    """Primary v2 published, and a campaign asking everyone on v1 to sign it."""
    old = _primary_v1()
    v2 = _v2(old, manager)
    with TestCase.captureOnCommitCallbacks(execute=True):
        campaign = campaign_publish(
            actor=manager, version=v2, from_version=old, ethics_number="IRB-2026-9",
            ethics_date=dt.date(2026, 11, 30), ethics_document=ethics_pdf(), policy=policy,
        )  # fmt: skip
    return campaign


def _opt_in(participant, capture):
    with capture(execute=True):
        results_preference_set(
            participant=participant, actor=participant.user,
            pgx="yes", disease_risk="yes", traits="yes",
        )  # fmt: skip


def _sign_v2(participant, campaign, capture):
    pass_comprehension(participant)
    with capture(execute=True):
        sign(
            participant,
            campaign.version,
            typed_name=f"{participant.legal_first_name} {participant.legal_last_name}",
        )


def _states(participant) -> dict[str, str]:
    return dict(Report.objects.filter(participant=participant).values_list("report_type", "state"))


def test_a_new_sample_is_held_while_paused_and_interpreted_on_re_consent(
    participant, kb, data_manager, manager, vcf_dir, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    give_gror(participant)
    _opt_in(participant, capture)
    other = ParticipantFactory(user__email="other@example.org")
    give_gror(other)
    campaign = _campaign(manager, "pause")
    # Both are on v1 and both are asked; only `other` signs again at once.
    _sign_v2(other, campaign, capture)
    assert data_use_paused(participant) and not data_use_paused(other)

    outcome = ingest(
        data_manager,
        [(participant, NEGATIVE, "S-HELD"), (other, NEGATIVE, "S-FREE")],
        vcf_dir,
        capture=capture,
    )
    assert outcome.errors == []  # the sample is received and kept: held, not refused
    held = Interpretation.objects.get(sample__sample_id="S-HELD")
    assert held.state == Interpretation.State.PENDING
    assert Sample.objects.get(sample_id="S-HELD").state == Sample.State.RECEIVED
    assert _states(participant) == {}
    # Someone who re-consented is not held back by the other's pause.
    assert Interpretation.objects.get(sample__sample_id="S-FREE").state == "done"
    assert set(_states(other).values()) == {ReportState.READY}

    _sign_v2(participant, campaign, capture)
    assert not data_use_paused(participant)
    held.refresh_from_db()
    assert held.state == Interpretation.State.DONE
    assert _states(participant) == {
        "pgx": ReportState.RELEASED,
        "disease_risk": ReportState.RELEASED,
        "traits": ReportState.RELEASED,
    }  # their earlier "yes" applies as soon as the pause lifts
    assert AuditEvent.objects.filter(
        action="consent.campaign_data_use_resumed", participant=participant
    ).exists()


def test_ready_reports_wait_and_staff_cannot_release_until_they_keep_their_consent(
    participant, kb, data_manager, manager, counsellor, second_counsellor, vcf_dir,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    capture = django_capture_on_commit_callbacks
    give_gror(participant)
    ingest(data_manager, [(participant, POSITIVE, "S-POS")], vcf_dir, capture=capture)
    assert set(_states(participant).values()) == {ReportState.READY}  # built before the pause
    positive = Report.objects.get(participant=participant, report_type="disease_risk")
    campaign = _campaign(manager, "pause")

    _opt_in(participant, capture)  # their choice is saved, but nothing moves while paused
    assert set(_states(participant).values()) == {ReportState.READY}
    # A report already with a counsellor cannot be pushed through either.
    Report.objects.filter(pk=positive.pk).update(state=ReportState.NEEDS_REVIEW)
    confirm(positive)
    positive.refresh_from_db()
    with pytest.raises(ReportTransitionError) as refused:
        report_review(report=positive, actor=counsellor)
    assert refused.value.code == "consent_paused"

    member = Member.objects.get(campaign=campaign, participant=participant)
    with capture(execute=True):
        campaign_decline(member=member, actor=participant.user)  # keeps v1, which allows this
    assert not data_use_paused(participant)
    states = _states(participant)
    assert states["traits"] == ReportState.RELEASED
    assert states["pgx"] == ReportState.NEEDS_REVIEW  # RYR1: waits for the counsellor
    report_review(report=positive, actor=counsellor)
    report_release(report=positive, actor=second_counsellor)
    assert Report.objects.get(pk=positive.pk).state == ReportState.RELEASED


def test_keeping_the_current_consent_under_a_continue_campaign_never_pauses(
    participant, kb, data_manager, manager, vcf_dir, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    give_gror(participant)
    _opt_in(participant, capture)
    campaign = _campaign(manager, "continue")
    assert not data_use_paused(participant)
    campaign_decline(
        member=Member.objects.get(campaign=campaign, participant=participant),
        actor=participant.user,
    )
    assert not data_use_paused(participant)
    ingest(data_manager, [(participant, NEGATIVE, "S-GO")], vcf_dir, capture=capture)
    assert set(_states(participant).values()) == {ReportState.RELEASED}
    assert not AuditEvent.objects.filter(action="consent.campaign_data_use_resumed").exists()


def test_the_research_export_leaves_out_a_paused_participant_until_they_re_consent(
    participant, manager, django_capture_on_commit_callbacks
):
    from participants.surveys.services import core_surveys_load

    core_surveys_load()
    give_gror(participant)
    other = ParticipantFactory(user__email="other@example.org")
    give_gror(other)
    basics = SurveyResponse._meta.get_field("version").related_model.objects.get(
        code="the_basics", status="published"
    )
    for person in (participant, other):
        SurveyResponse.objects.create(
            participant=person, version=basics, survey_code="the_basics", status="completed",
            answers={}, completed=timezone.now(), language="en",
        )  # fmt: skip

    def exported() -> set[str]:
        return {r["subject"]["reference"] for r in completed_responses()}

    both = {f"ResearchSubject/{p.research_id}" for p in (participant, other)}
    assert exported() == both
    campaign = _campaign(manager, "pause")
    _sign_v2(other, campaign, django_capture_on_commit_callbacks)
    assert exported() == {f"ResearchSubject/{other.research_id}"}
    _sign_v2(participant, campaign, django_capture_on_commit_callbacks)
    assert exported() == both
