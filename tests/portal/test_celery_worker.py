import pytest

from portal.tasks import ping


@pytest.mark.worker
def test_ping_runs_on_a_real_worker_through_redis(real_worker):
    result = ping.delay()
    # The result comes back through the Redis result backend from the worker thread.
    assert result.get(timeout=30) == "pong"
    assert result.status == "SUCCESS"
