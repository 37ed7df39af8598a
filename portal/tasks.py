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


@shared_task
def sweep_private_orphans() -> int:
    """Daily: deletes private files no row refers to (a worker killed between write and commit)."""
    from portal.storage_sweep import private_orphans_sweep

    return len(private_orphans_sweep())
