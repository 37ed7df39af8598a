"""Weekly reminders to participants whose report waits on a counsellor conversation.

Each service writes its audit row in its own transaction; tasks (`results/tasks.py`)
only take ids and call these.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from participants.notifications import email_participant
from portal.audit import audit_record
from results.models import (
    CounsellingContact,
    Report,
    ReportState,
)
from results.selectors import results_allowed

S = ReportState


def counselling_reminders_due(*, now: dt.datetime) -> list[int]:
    """Reports waiting on a counsellor whose participant has not booked a conversation."""
    cutoff = now - dt.timedelta(days=settings.REMINDER_INTERVAL_DAYS)
    return list(
        Report.objects.filter(state__in=[S.NEEDS_REVIEW, S.REVIEWED], created__lte=now)
        .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=cutoff))
        .exclude(contacts__status__in=list(CounsellingContact.Status.values))
        .values_list("pk", flat=True)[:5000]
    )


def counselling_reminder_send(*, report_id: int, now: dt.datetime) -> bool:
    """Claims this week's reminder (conditional update) and queues the e-mail."""
    cutoff = now - dt.timedelta(days=settings.REMINDER_INTERVAL_DAYS)
    with transaction.atomic():
        claimed = (
            Report.objects.filter(pk=report_id, state__in=[S.NEEDS_REVIEW, S.REVIEWED])
            .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=cutoff))
            .update(last_reminder_at=now)
        )
        if not claimed:
            return False
        report = Report.objects.select_related("participant").get(pk=report_id)
        if not results_allowed(report.participant):
            return False

        email_participant(
            participant=report.participant, template="result_counselling_reminder", context={}
        )
        audit_record(
            action="results.counselling.reminder", participant=report.participant, target=report
        )
    return True
