"""Thin tasks: take ids, re-read, call a service. Idempotent; acks late (see settings).

A worker killed mid-task leaves its message unacknowledged; the broker delivers it again
and the services pick up where it stopped: interpretations are claimed with a conditional
update (the task id is the claim token, so a redelivery takes its own rows back), reports
are unique per (interpretation, type) and documents per (report, kind, language).
"""

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from results.documents import documents_render
from results.models import Interpretation
from results.services import interpretation_queue, reminders, report_building

RETRY = {
    "autoretry_for": (DatabaseError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def _finish(interpretation_id: int) -> None:
    """Reports for a finished interpretation (also after a crash between the two steps)."""
    state = (
        Interpretation.objects.filter(pk=interpretation_id).values_list("state", flat=True).first()
    )
    if state == Interpretation.State.DONE:
        report_building.reports_build(interpretation_id=interpretation_id)


@shared_task(bind=True, **RETRY)
def interpret_sample(self, interpretation_id: int) -> bool:
    token = self.request.id or ""
    if interpretation_queue.interpretation_claim(interpretation_id=interpretation_id, token=token):
        interpretation_queue.interpretation_execute(interpretation_id=interpretation_id)
    _finish(interpretation_id)
    return True


@shared_task(bind=True, **RETRY)
def reinterpret_batch(self, release_id: int, batch_size: int = 25) -> int:
    """One batch of a re-interpretation; queues the next batch until none is left."""
    token = self.request.id or ""
    ids = interpretation_queue.interpretation_claim_batch(
        release_id=release_id, size=batch_size, token=token
    )
    for pk in ids:
        interpretation_queue.interpretation_execute(interpretation_id=pk)
        _finish(pk)
    if ids:
        reinterpret_batch.delay(release_id, batch_size)
    elif not self.request.is_eager and (
        Interpretation.objects.filter(
            release_id=release_id, state=Interpretation.State.RUNNING
        ).exists()
    ):
        # Rows held by a worker that died: look again once their claims can go stale.
        reinterpret_batch.apply_async(
            (release_id, batch_size),
            countdown=int(interpretation_queue.STALE_CLAIM.total_seconds()),
        )
    return len(ids)


@shared_task(**RETRY)
def render_report_documents(report_id: int, languages: list[str] | None = None) -> int:
    """PDFs of a released report in its participant's language (others on first request)."""

    return documents_render(report_id=report_id, languages=languages)


@shared_task
def send_counselling_reminders() -> int:
    now = timezone.now()
    return sum(
        reminders.counselling_reminder_send(report_id=pk, now=now)
        for pk in reminders.counselling_reminders_due(now=now)
    )
