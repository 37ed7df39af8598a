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
    import logging

    from portal.private_files import has_local_paths
    from portal.storage_sweep import private_orphans_sweep

    if not has_local_paths():
        # Object storage: the sweep walks a folder tree; see docs/deploy.md (orphans).
        logging.getLogger(__name__).info("storage sweep: private storage is not a folder")
        return 0
    return len(private_orphans_sweep())
