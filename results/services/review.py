"""People's decisions on reports: a counsellor's review and contacts, the second person's
release, re-contacts, and a data manager's QC decision and orthogonal confirmation.

Each service writes its audit row in its own transaction; tasks (`results/tasks.py`)
only take ids and call these.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from participants.models import Participant
from portal.audit import audit_record
from portal.instances import update_caller
from results import release_policy
from results.models import (
    CounsellingContact,
    Interpretation,
    QcDecision,
    RecontactTask,
    Report,
    ReportState,
    Sample,
)
from results.services.report_building import notify_results_ready, reports_advance
from results.services.report_states import (
    LIVE,
    ReportPermissionError,
    report_transition,
)

S = ReportState


def report_review(*, report: Report, actor: Any, note: str = "") -> Report:
    with transaction.atomic():
        report = report_transition(
            report=report, to_state=S.REVIEWED, actor=actor, reason="reviewed"
        )
        report.review_note = note[:5000]
        report.save(update_fields=["review_note"])
    return report


def report_release(*, report: Report, actor: Any) -> Report:
    """A second person releases a reviewed report; the participant is told it is ready."""
    with transaction.atomic():
        report = report_transition(
            report=report, to_state=S.RELEASED, actor=actor, reason="released"
        )
        notify_results_ready(report.participant)
    return report


@transaction.atomic
def counselling_contact_record(
    *,
    report: Report,
    actor: Any,
    status: str,
    scheduled_for: dt.datetime | None = None,
    note: str = "",
) -> CounsellingContact:
    if not actor.has_perm("results.review_report"):
        raise ReportPermissionError("Only a genetic counsellor records contacts.")
    if status not in CounsellingContact.Status.values:
        raise ValueError(f"not a contact status: {status!r}")
    contact = CounsellingContact.objects.create(
        report=report,
        counsellor=actor,
        status=status,
        scheduled_for=scheduled_for,
        note=note[:5000],
    )
    audit_record(
        action="results.counselling.contact",
        actor=actor,
        participant=report.participant,
        target=contact,
        data={"status": status},
    )
    return contact


@transaction.atomic
def recontact_task_close(*, task: RecontactTask, actor: Any, done: bool = True) -> RecontactTask:
    if not actor.has_perm("results.review_report"):
        raise ReportPermissionError("Only a genetic counsellor closes re-contacts.")
    updated = RecontactTask.objects.filter(pk=task.pk, state=RecontactTask.State.OPEN).update(
        state=RecontactTask.State.DONE if done else RecontactTask.State.CANCELLED,
        closed_at=timezone.now(),
    )
    if updated:
        audit_record(
            action="results.recontact.close", actor=actor, participant=task.participant, target=task
        )
    task.refresh_from_db()
    return task


class PolicyError(Exception):
    """A data manager's decision refused (permission, state or a missing reason)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class PolicyPermissionError(PolicyError, PermissionDenied):
    """Refused because the actor is not a data manager: a permission error (Django's
    `PermissionDenied`), and still a refused decision (code "permission")."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="permission")


def _require_data_manager(actor: Any) -> None:
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or not actor.is_active
        or not actor.is_staff
        or not actor.has_perm("results.manage_samples")
    ):
        raise PolicyPermissionError("Only a data manager can do this.")


@transaction.atomic
def interpretation_qc_decide(
    *, interpretation: Interpretation, actor: Any, decision: str, reason: str
) -> Interpretation:
    """A data manager clears or rejects a sample whose QC is `review` or `fail`.

    Cleared: its reports move on as the participant's choices allow. Rejected: every live
    report of the interpretation is withheld for good and the sample is marked failed.
    """
    _require_data_manager(actor)
    reason = (reason or "").strip()
    if decision not in QcDecision.values:
        raise PolicyError(f"not a QC decision: {decision!r}", code="decision")
    if len(reason) < 5:
        raise PolicyError("Give a reason (a few words at least).", code="reason")
    locked = (
        Interpretation.objects.select_for_update(of=("self",))
        .select_related("sample__participant")
        .get(pk=interpretation.pk)
    )
    if locked.qc_status not in release_policy.QC_HOLD_STATUSES or locked.qc_decision:
        raise PolicyError("This sample is not waiting for a QC decision.", code="state")
    locked.qc_decision = decision
    locked.qc_decided_by = actor
    locked.qc_decided_at = timezone.now()
    locked.qc_reason = reason[:500]
    locked.save(update_fields=["qc_decision", "qc_decided_by", "qc_decided_at", "qc_reason"])
    participant = locked.sample.participant
    audit_record(
        action=f"results.qc.{decision}",
        actor=actor,
        participant=participant,
        target=locked,
        data={"qc": locked.qc_status, "reason": reason[:200]},
    )
    if decision == QcDecision.REJECTED:
        for report in Report.objects.filter(interpretation=locked, state__in=LIVE):
            report_transition(report=report, to_state=S.WITHHELD, reason="QC rejected")
        Report.objects.filter(interpretation=locked, state=S.WITHHELD).update(
            withheld_reason="qc_rejected"
        )
        Sample.objects.filter(pk=locked.sample_id).exclude(state=Sample.State.CANCELLED).update(
            state=Sample.State.FAILED, failure_reason=f"QC rejected: {reason}"[:500]
        )
    else:
        Participant.objects.select_for_update().get(pk=participant.pk)
        reports_advance(participant=participant)
    return update_caller(interpretation, locked)


@transaction.atomic
def report_confirmation_record(
    *, report: Report, actor: Any, lab: str, accession: str, confirmed_on: dt.date
) -> Report:
    """Records the orthogonal confirmation of a positive finding (a CLIA lab's test)."""
    _require_data_manager(actor)
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if not locked.requires_confirmation:
        raise PolicyError("This report has no finding to confirm.", code="not_positive")
    if locked.state not in (S.NEEDS_REVIEW, S.READY, S.PENDING):
        raise PolicyError("This report is past review.", code="state")
    accession, lab = accession.strip(), lab.strip()
    if not accession or not lab:
        raise PolicyError("The laboratory and its accession number are required.", code="reason")
    if confirmed_on > timezone.localdate():
        raise PolicyError("The confirmation date is in the future.", code="date")
    before = {"accession": locked.confirmation_accession, "date": str(locked.confirmation_date)}
    locked.confirmation_lab = lab[:200]
    locked.confirmation_accession = accession[:64]
    locked.confirmation_date = confirmed_on
    locked.confirmation_by = actor
    locked.confirmation_at = timezone.now()
    locked.save(
        update_fields=[
            "confirmation_lab",
            "confirmation_accession",
            "confirmation_date",
            "confirmation_by",
            "confirmation_at",
        ]
    )
    audit_record(
        action="results.report.confirmation",
        actor=actor,
        participant=locked.participant,
        target=locked,
        data={
            "before": before,
            "after": {"lab": lab[:200], "accession": accession[:64], "date": str(confirmed_on)},
        },
    )
    return update_caller(report, locked)
