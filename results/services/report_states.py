"""The report state machine: every report state change goes through `report_transition` and its
table `TRANSITIONS`; a participant's view marks a report viewed.

Each service writes its audit row in its own transaction; tasks (`results/tasks.py`)
only take ids and call these.
"""

import contextlib
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from participants.consent.campaigns.data_use import data_use_paused
from participants.models import Participant
from portal.audit import audit_record
from portal.instances import update_caller
from portal.outbox import outbox_enqueue
from results import release_policy
from results.models import (
    Report,
    ReportFragment,
    ReportState,
    ReportView,
)

S = ReportState


class ReportTransitionError(Exception):
    """A refused report state change. `code` says which rule refused it."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class ReportPermissionError(ReportTransitionError, PermissionDenied):
    """Refused because the actor lacks the role: a permission error (Django's
    `PermissionDenied`), and still a refused change (code "permission") for the pages
    that say why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="permission")


SYSTEM = "system"  # the pipeline itself: actor is None
COUNSELLOR = "counsellor"  # results.review_report, the assigned counsellor (or unassigned)
RELEASER = "releaser"  # results.release_report, and not the reviewer
PARTICIPANT = "participant"  # the report's own participant

LIVE = (S.PENDING, S.READY, S.NEEDS_REVIEW, S.REVIEWED, S.RELEASED, S.VIEWED)
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PENDING, S.READY): SYSTEM,
    (S.READY, S.RELEASED): SYSTEM,  # PGx, traits, negative disease risk: on opt-in
    (S.READY, S.NEEDS_REVIEW): SYSTEM,  # positive disease risk
    (S.NEEDS_REVIEW, S.REVIEWED): COUNSELLOR,
    (S.REVIEWED, S.RELEASED): RELEASER,
    (S.RELEASED, S.VIEWED): PARTICIPANT,
    **{(state, S.SUPERSEDED): SYSTEM for state in LIVE},
    **{(state, S.WITHHELD): SYSTEM for state in LIVE},
    # gror given again after a withdrawal: the report goes through release (and review) anew.
    (S.WITHHELD, S.READY): SYSTEM,
}


def _check_actor(report: Report, role: str, actor: Any, to_state: str) -> None:
    if role == SYSTEM:
        if actor is not None:
            raise ReportTransitionError(
                "Only the results pipeline makes this change.", code="system"
            )
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ReportTransitionError("A signed-in person must make this change.", code="actor")
    if role == PARTICIPANT:
        if actor.pk != report.participant.user_id:
            raise ReportTransitionError("Only the participant can do this.", code="participant")
        return
    if not actor.is_active or not actor.is_staff:
        raise ReportTransitionError("Only active staff can do this.", code="staff")
    if role == COUNSELLOR:
        if not actor.has_perm("results.review_report"):
            raise ReportPermissionError("Only a genetic counsellor can review.")
        if report.assigned_counsellor_id not in (None, actor.pk):
            raise ReportTransitionError("This review is assigned to someone else.", code="assigned")
    elif role == RELEASER:
        if not actor.has_perm("results.release_report"):
            raise ReportPermissionError("You cannot release reports.")
        if report.reviewed_by_id == actor.pk:
            raise ReportTransitionError(
                "A second person must release a report you reviewed.", code="same_person"
            )


# Moves towards the participant: refused while the sample's QC holds it.
TOWARDS_PARTICIPANT = {
    (S.READY, S.RELEASED),
    (S.READY, S.NEEDS_REVIEW),
    (S.NEEDS_REVIEW, S.REVIEWED),
    (S.REVIEWED, S.RELEASED),
}


def _check_guards(report: Report, to_state: str) -> None:
    if (report.state, to_state) in TOWARDS_PARTICIPANT and data_use_paused(report.participant):
        raise ReportTransitionError(
            "A re-consent campaign pauses this participant's data use.", code="consent_paused"
        )
    if (report.state, to_state) in TOWARDS_PARTICIPANT:
        interpretation = report.interpretation
        if release_policy.qc_holds(interpretation.qc_status, interpretation.qc_decision):
            raise ReportTransitionError(
                "This sample's quality control is on hold: a data manager must clear it.",
                code="qc_hold",
            )
    if report.state == S.READY and to_state == S.RELEASED and report.requires_review:
        raise ReportTransitionError(
            "This report needs a counsellor's review first.", code="needs_review"
        )
    if report.state == S.READY and to_state == S.NEEDS_REVIEW and not report.requires_review:
        raise ReportTransitionError("This report does not need a review.", code="no_review")
    if to_state == S.REVIEWED and report.requires_confirmation and not report.confirmed:
        raise ReportTransitionError(
            "A positive finding needs a recorded confirmation by a CLIA laboratory first.",
            code="needs_confirmation",
        )


@transaction.atomic
def report_transition(
    *, report: Report, to_state: str, actor: Any = None, reason: str = ""
) -> Report:
    """The one way a report changes state. Raises ReportTransitionError when refused."""
    locked = (
        Report.objects.select_for_update(of=("self",))
        .select_related("participant", "interpretation")
        # The guards read the interpretation's QC columns, never the engine's JSON (~140 kB
        # for a genome): a participant's first view decoded it for nothing.
        .defer("interpretation__result")
        .get(pk=report.pk)
    )
    from_state = locked.state
    role = TRANSITIONS.get((from_state, to_state))
    if role is None:
        raise ReportTransitionError(
            f"A report cannot go from {from_state} to {to_state}.", code="not_allowed"
        )
    _check_actor(locked, role, actor, to_state)
    _check_guards(locked, to_state)
    now = timezone.now()
    locked.state = to_state
    if to_state == S.REVIEWED:
        locked.reviewed_by, locked.reviewed_at = actor, now
    elif to_state == S.RELEASED:
        locked.released_by, locked.released_at = actor, now
        # A report released again (gror given back) carries a new date: render anew.
        ReportFragment.objects.filter(report=locked).delete()
        _queue_documents(locked.pk)
    elif to_state == S.VIEWED:
        locked.first_viewed_at = now
    elif to_state == S.READY and from_state == S.WITHHELD:
        locked.withheld_reason = ""
        locked.reviewed_by = locked.reviewed_at = locked.released_by = locked.released_at = None
    locked.save()
    locked.transitions.create(
        from_state=from_state, to_state=to_state, actor=actor, reason=reason[:200]
    )
    audit_record(
        action=f"results.report.{to_state}",
        actor=actor,
        participant=locked.participant,
        target=locked,
        data={"from": from_state, "to": to_state, "reason": reason[:200]},
    )
    return update_caller(report, locked)


def _queue_documents(report_id: int) -> None:
    # The outbox row commits with the report: a broker outage delays the PDF, never loses it.
    outbox_enqueue(task_name="results.tasks.render_report_documents", args=[report_id])


def report_view_record(
    *, report: Report, participant: Participant, fmt: str, language: str
) -> ReportView:
    """Every view by the participant is an event; the first one marks the report viewed."""
    if report.state != S.RELEASED:
        # Viewed before (nearly every view): the event is one INSERT, atomic by itself, so
        # it runs without BEGIN and COMMIT around it (two round trips per report page).
        return _view_insert(report, participant, fmt, language)
    with transaction.atomic():
        view = _view_insert(report, participant, fmt, language)
        # A concurrent view (another tab) may have marked it first.
        with contextlib.suppress(ReportTransitionError):
            report_transition(
                report=report, to_state=S.VIEWED, actor=participant.user, reason=f"viewed ({fmt})"
            )
    return view


def _view_insert(report: Report, participant: Participant, fmt: str, language: str) -> ReportView:
    return ReportView.objects.create(
        report=report, participant=participant, format=fmt, language=language[:2]
    )
