"""Transactional outbox: a task to queue is a row written in the caller's transaction.

`transaction.on_commit(task.delay)` loses the task when the broker is down at
that moment (the signature is saved, the PDF never made). Here the intent is a
row committed with the change; after commit we try to publish it at once, and
`dispatch_outbox` (Celery beat every minute, and a management command) publishes
whatever is still pending once the broker is back. Tasks are idempotent, so a
row published twice (crash between publish and mark) does no harm.
"""

import logging

from celery.exceptions import NotRegistered
from django.db import models, transaction
from django.utils import timezone

from portal.celery import app

logger = logging.getLogger(__name__)


class OutboxMessage(models.Model):
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        app_label = "portal"
        indexes = [
            models.Index(
                fields=["created"],
                name="outbox_pending_idx",
                condition=models.Q(published_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"


def outbox_enqueue(*, task_name: str, args: list) -> OutboxMessage:
    """Call inside the transaction that makes the change the task depends on."""
    message = OutboxMessage.objects.create(task_name=task_name, args=args)
    transaction.on_commit(lambda: _publish(message.pk))
    return message


def _task(app, name: str):
    """The registered task; a web process may not have imported the tasks modules yet."""

    try:
        return app.tasks[name]
    except NotRegistered:
        app.loader.import_default_modules()  # runs Django's autodiscovery of tasks.py
        return app.tasks[name]


def _publish(pk: int) -> bool:
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, published_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        task = _task(app, message.task_name)
        if app.conf.task_always_eager:
            # `make run` and most tests: no broker; run it here, after the commit.
            OutboxMessage.objects.filter(pk=pk).update(published_at=timezone.now(), attempts=1)
            transaction.on_commit(lambda: task.apply(args=message.args).get())
            return True
        try:
            # No result is ever read from an outbox task; asking for one would make the
            # publish wait on the result store (the same Redis) when it is down. No
            # retrying here either: the row stays and dispatch_outbox tries again.
            task.apply_async(args=message.args, ignore_result=True, retry=False)
        except Exception as exc:  # noqa: BLE001 - broker down: keep the row, retry later
            OutboxMessage.objects.filter(pk=pk).update(
                attempts=models.F("attempts") + 1, last_error=str(exc)[:500]
            )
            logger.warning("outbox: could not publish %s: %s", message.task_name, exc)
            return False
        OutboxMessage.objects.filter(pk=pk).update(
            published_at=timezone.now(), attempts=models.F("attempts") + 1
        )
    return True


def dispatch_outbox(*, limit: int = 500) -> int:
    pending = list(
        OutboxMessage.objects.filter(published_at__isnull=True)
        .order_by("created")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in pending if _publish(pk))
