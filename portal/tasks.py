from celery import shared_task


@shared_task
def ping() -> str:
    """Proves a worker is consuming the queue (health checks and tests)."""
    return "pong"


@shared_task
def dispatch_outbox() -> int:
    """Publishes outbox rows whose first publish failed (broker was down)."""
    from portal.outbox import dispatch_outbox as dispatch

    return dispatch()
