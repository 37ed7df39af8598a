"""Hiding reports and cancelling work when a participant withdraws or stops wanting genomic
results (registered in portal.hooks by results.apps).

Each service writes its audit row in its own transaction; tasks (`results/tasks.py`)
only take ids and call these.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from participants.models import Participant, WithdrawalTier
from portal.audit import audit_record
from results.models import (
    Interpretation,
    RecontactTask,
    Report,
    ReportState,
    Sample,
)
from results.services.report_states import LIVE, report_transition

S = ReportState


@transaction.atomic
def results_withhold_all(*, participant: Participant, reason: str, actor: Any = None) -> int:
    """Hides every report and cancels queued work. Idempotent. Returns reports withheld."""
    reports = list(Report.objects.filter(participant=participant, state__in=LIVE).order_by("pk"))
    for report in reports:
        report_transition(report=report, to_state=S.WITHHELD, reason=reason)
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(withheld_reason=reason)
    if reason == "enrollment_withdrawn":
        # A later gror "yes" must not bring these back.
        Report.objects.filter(participant=participant, state=S.WITHHELD).update(
            withheld_reason=reason
        )
    cancelled = Interpretation.objects.filter(
        sample__participant=participant,
        state__in=[Interpretation.State.PENDING, Interpretation.State.RUNNING],
    ).update(state=Interpretation.State.CANCELLED, finished_at=timezone.now())
    if reason == "enrollment_withdrawn":
        Sample.objects.filter(participant=participant).exclude(state=Sample.State.CANCELLED).update(
            state=Sample.State.CANCELLED
        )
    RecontactTask.objects.filter(participant=participant, state=RecontactTask.State.OPEN).update(
        state=RecontactTask.State.CANCELLED, closed_at=timezone.now()
    )
    audit_record(
        action="results.withhold_all",
        actor=actor,
        participant=participant,
        data={"reason": reason, "reports": len(reports), "cancelled_work": cancelled},
    )
    return len(reports)


def gror_withdrawn_hook(*, participant: Participant, actor: Any = None) -> None:
    """Consent hook: gror withdrawn or changed away from yes."""
    results_withhold_all(participant=participant, reason="gror_withdrawn", actor=actor)


def withdrawal_effect(*, participant: Participant, tier: int, actor: Any = None) -> None:
    """Enrollment withdrawal effect: tier 2+ (no further use) hides and cancels everything."""
    if tier >= WithdrawalTier.NO_FURTHER_USE:
        results_withhold_all(participant=participant, reason="enrollment_withdrawn", actor=actor)
