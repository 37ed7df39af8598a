from celery import shared_task


@shared_task
def ping() -> str:
    """Proves a worker is consuming the queue (health checks and tests)."""
    return "pong"
