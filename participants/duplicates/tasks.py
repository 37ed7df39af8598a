from celery import shared_task

from participants.duplicates.services import duplicate_check as check
from participants.models import Participant


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def duplicate_check(participant_pk: int) -> int:
    participant = Participant.objects.filter(pk=participant_pk).first()
    if participant is None:
        return 0
    return len(check(participant=participant))
