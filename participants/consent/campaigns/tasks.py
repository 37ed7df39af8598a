from celery import shared_task
from django.utils import timezone

from participants.consent.campaigns.services import reminder_send, reminders_due


@shared_task
def send_reconsent_reminders() -> int:
    now = timezone.now()
    return sum(1 for pk in reminders_due(now=now) if reminder_send(member_pk=pk, now=now))
