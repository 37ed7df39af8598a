import logging

from celery import shared_task

from portal.access_log import access_log_anchor as anchor
from portal.outbox import OutboxMessage
from portal.outbox import dispatch_outbox as dispatch
from portal.staff_security import staff_alert_digest as digest
from portal.staff_security import staff_mail_send
from portal.storage_sweep import private_orphans_sweep


@shared_task
def ping() -> str:
    """Proves a worker is consuming the queue (health checks and tests)."""
    return "pong"


@shared_task
def dispatch_outbox() -> int:
    """Publishes outbox rows whose first publish failed (broker was down)."""

    return dispatch()


@shared_task
def sweep_private_orphans() -> int:
    """Daily: deletes private files no row refers to (a worker killed between write and commit)."""

    return len(private_orphans_sweep())


# A staff e-mail is retried by every dispatch_outbox run (each minute) for about a day.
STAFF_MAIL_MAX_ATTEMPTS = 24 * 60


@shared_task
def send_staff_mail(subject: str, body: str, to: list[str], attempt: int = 0) -> bool:
    """Staff alerts and invitations, queued through the outbox. A mail-server failure is
    not raised (that would surface in the request that queued it, under eager Celery):
    the message goes back to the outbox and `dispatch_outbox` tries again later."""

    if staff_mail_send(subject=subject, body=body, to=to):
        return True
    if attempt + 1 >= STAFF_MAIL_MAX_ATTEMPTS:
        logging.getLogger(__name__).error(
            "staff e-mail given up after %d tries: %s", attempt + 1, subject
        )
        return False
    OutboxMessage.objects.create(
        task_name="portal.tasks.send_staff_mail", args=[subject, body, to, attempt + 1]
    )
    return False


@shared_task
def staff_alert_digest() -> int:
    """Every STAFF_ALERT_THROTTLE_SECONDS: one e-mail summing up refusals and alerts."""

    return digest()


@shared_task
def access_log_anchor() -> str:
    """Daily: the access log's head hash and row count, outside the database."""

    return anchor().head_hash
