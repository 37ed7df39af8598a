"""Thin tasks: take ids, re-read, call a service. Idempotent; acks late (see settings)."""

from celery import shared_task
from django.utils import timezone

from participants.data_export import data_export_build, data_export_fail, data_exports_expire
from participants.enrollment import participant_erase_identifying_data
from participants.models import Participant
from participants.notifications import (
    REMINDER_STEPS,
    build_participant_email,
    reminder_claim,
    reminders_due,
    should_send,
)


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_participant_email(participant_pk: int, template: str, context: dict) -> bool:
    participant = Participant.objects.select_related("user").filter(pk=participant_pk).first()
    if participant is None or not should_send(participant, template):
        return False
    build_participant_email(participant=participant, template=template, context=context).send()
    return True


@shared_task
def send_step_reminders() -> int:
    now = timezone.now()
    sent = 0
    for pk in reminders_due(now=now):
        if not reminder_claim(participant_pk=pk, now=now):
            continue
        participant = Participant.objects.get(pk=pk)
        step = REMINDER_STEPS.get(participant.state)
        if step and send_participant_email(pk, "reminder", {"step": step}):
            sent += 1
    return sent


@shared_task
def erase_identifying_data(participant_pk: int) -> bool:
    participant = Participant.objects.filter(pk=participant_pk).first()
    if participant is None:
        return False
    participant_erase_identifying_data(participant=participant)
    return True


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def build_data_export(export_pk: int) -> bool:
    """Builds a participant's "Download my data" zip (once; a redelivery finds it done)."""

    try:
        export = data_export_build(export_pk=export_pk)
    except (ConnectionError, OSError):
        raise  # retried with backoff
    except Exception:
        data_export_fail(export_pk=export_pk)
        raise
    return export is not None and export.status == "ready"


@shared_task
def expire_data_exports() -> int:
    return data_exports_expire()
