"""Every allowed and every refused report transition, through `report_transition`."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied

from portal.models import AuditEvent
from results.models import ReportState, ReportTransition
from results.services.report_states import (
    COUNSELLOR,
    PARTICIPANT,
    SYSTEM,
    TRANSITIONS,
    ReportTransitionError,
    report_transition,
)
from results.services.review import report_release, report_review
from tests.results.workflow.helpers import confirm, make_report

pytestmark = pytest.mark.django_db
S = ReportState
ALL = list(S.values)


def _actor_for(role, report, counsellor, second_counsellor):
    if role == SYSTEM:
        return None
    if role == PARTICIPANT:
        return report.participant.user
    if role == COUNSELLOR:
        return counsellor
    return second_counsellor  # RELEASER: not the reviewer


def _setup(report, from_state, to_state, counsellor):
    # Positive disease risk for the review path, negative for direct release.
    if (from_state, to_state) in {(S.READY, S.NEEDS_REVIEW)} or from_state in (
        S.NEEDS_REVIEW,
        S.REVIEWED,
    ):
        report.report_type, report.positive = "disease_risk", True
    if from_state == S.NEEDS_REVIEW:
        confirm(report)
    if from_state == S.REVIEWED:
        report.reviewed_by = counsellor
    if from_state == S.WITHHELD:
        report.withheld_reason = "gror_withdrawn"
    report.save()


@pytest.mark.parametrize(("from_state", "to_state"), sorted(TRANSITIONS))
def test_every_allowed_transition(
    from_state, to_state, participant, kb, counsellor, second_counsellor
):
    report = make_report(participant, kb, state=from_state)
    _setup(report, from_state, to_state, counsellor)
    actor = _actor_for(TRANSITIONS[(from_state, to_state)], report, counsellor, second_counsellor)
    report_transition(report=report, to_state=to_state, actor=actor, reason="test")
    report.refresh_from_db()
    assert report.state == to_state
    row = ReportTransition.objects.get(report=report)
    assert (row.from_state, row.to_state) == (from_state, to_state)
    assert AuditEvent.objects.filter(
        action=f"results.report.{to_state}", object_id=str(report.pk)
    ).exists()


REFUSED = sorted((a, b) for a, b in itertools.product(ALL, ALL) if (a, b) not in TRANSITIONS)


@pytest.mark.parametrize(("from_state", "to_state"), REFUSED)
def test_every_refused_transition(
    from_state, to_state, participant, kb, counsellor, second_counsellor
):
    report = make_report(participant, kb, state=from_state)
    for actor in (None, participant.user, counsellor, second_counsellor):
        with pytest.raises(ReportTransitionError) as refused:
            report_transition(report=report, to_state=to_state, actor=actor)
        assert refused.value.code == "not_allowed"
    report.refresh_from_db()
    assert report.state == from_state
    assert not ReportTransition.objects.filter(report=report).exists()


def test_system_transitions_refuse_a_person(participant, kb, counsellor):
    report = make_report(participant, kb, state=S.READY)
    with pytest.raises(ReportTransitionError) as refused:
        report_transition(report=report, to_state=S.RELEASED, actor=counsellor)
    assert refused.value.code == "system"


def test_positive_cannot_skip_review(participant, kb):
    report = make_report(participant, kb, state=S.READY, report_type="disease_risk", positive=True)
    with pytest.raises(ReportTransitionError) as refused:
        report_transition(report=report, to_state=S.RELEASED)
    assert refused.value.code == "needs_review"


def test_negative_does_not_go_to_review(participant, kb):
    report = make_report(participant, kb, state=S.READY, report_type="disease_risk", positive=False)
    with pytest.raises(ReportTransitionError) as refused:
        report_transition(report=report, to_state=S.NEEDS_REVIEW)
    assert refused.value.code == "no_review"


def test_review_needs_a_counsellor(participant, kb, data_manager, counsellor, second_counsellor):
    report = make_report(
        participant, kb, state=S.NEEDS_REVIEW, report_type="disease_risk", positive=True
    )
    confirm(report)
    for actor, code in ((None, "actor"), (participant.user, "staff"), (data_manager, "permission")):
        with pytest.raises(ReportTransitionError) as refused:
            report_review(report=report, actor=actor)
        assert refused.value.code == code
    report.assigned_counsellor = second_counsellor
    report.save()
    with pytest.raises(ReportTransitionError) as refused:
        report_review(report=report, actor=counsellor)
    assert refused.value.code == "assigned"
    report_review(report=report, actor=second_counsellor, note="confirmed")
    report.refresh_from_db()
    assert (report.state, report.reviewed_by, report.review_note) == (
        S.REVIEWED,
        second_counsellor,
        "confirmed",
    )


def test_counsellor_cannot_release_own_review(
    participant, kb, counsellor, second_counsellor, data_manager
):
    report = make_report(
        participant, kb, state=S.NEEDS_REVIEW, report_type="disease_risk", positive=True
    )
    confirm(report)
    report_review(report=report, actor=counsellor, note="ok")
    with pytest.raises(ReportTransitionError) as refused:
        report_release(report=report, actor=counsellor)
    assert refused.value.code == "same_person"
    with pytest.raises(ReportTransitionError) as refused:
        report_release(report=report, actor=data_manager)
    assert refused.value.code == "permission"
    assert isinstance(refused.value, PermissionDenied)  # a permission error, not a rule
    report.refresh_from_db()
    assert report.state == S.REVIEWED
    report_release(report=report, actor=second_counsellor)
    report.refresh_from_db()
    assert (report.state, report.released_by) == (S.RELEASED, second_counsellor)


def test_only_the_participant_marks_viewed(participant, outsider, kb, counsellor):
    report = make_report(participant, kb, state=S.RELEASED)
    for actor in (outsider.user, None):
        with pytest.raises(ReportTransitionError):
            report_transition(report=report, to_state=S.VIEWED, actor=actor)
    with pytest.raises(ReportTransitionError):
        report_transition(report=report, to_state=S.VIEWED, actor=counsellor)
    report_transition(report=report, to_state=S.VIEWED, actor=participant.user)
    report.refresh_from_db()
    assert report.state == S.VIEWED and report.first_viewed_at is not None


def test_a_transition_brings_the_callers_report_up_to_date_and_returns_it(
    participant, kb, counsellor
):
    report = make_report(
        participant, kb, state=S.NEEDS_REVIEW, report_type="disease_risk", positive=True
    )
    confirm(report)
    assert report.reviewed_by is None  # cached on the caller's object before the change
    returned = report_review(report=report, actor=counsellor, note="discussed")
    assert returned is report  # one object: never a second copy
    assert report.state == S.REVIEWED and report.review_note == "discussed"
    assert report.reviewed_by == counsellor  # the stale cached relation was dropped
    report.refresh_from_db()
    assert report.state == S.REVIEWED
