"""Fixtures shared by the whole suite: personas, a real Celery worker."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils import translation

from portal.celery import app as celery_app


@pytest.fixture
def real_worker(transactional_db, settings) -> Iterator[object]:
    """A real Celery worker thread consuming this run's queue on Redis.

    Tasks are sent through the broker (not run eagerly), so a test that uses it
    proves the task was serialised, delivered, executed and acknowledged.
    """
    from celery.contrib.testing.worker import start_worker

    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=30,
            queues=[settings.CELERY_TASK_DEFAULT_QUEUE],
        ) as worker:
            yield worker
    finally:
        celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    yield
    from django.core.cache import cache

    if "locmem" in settings.CACHES["default"]["BACKEND"].lower():
        cache.clear()
        return
    # cache.clear() is FLUSHDB: it would wipe other runs sharing this Redis database.
    # Delete only this run's keys (KEY_PREFIX is random per run, see settings/test.py).
    client = cache._cache.get_client(write=True)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    """Every test starts and ends in the default language.

    A request to /es/… leaves Spanish active in this thread, so the next test's reverse()
    would build /es/ URLs and its gettext would answer in Spanish.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def _private_storage(settings, tmp_path):
    """Private files (signed PDFs, VCFs, reports) go to this test's folder, never var/private.

    Opt in with an autouse fixture in a conftest, or `pytest.mark.usefixtures`.
    """
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.PRIVATE_STORAGE_ROOT, "base_url": None},
        },
    }


# --- the three standing personas -------------------------------------------------
@pytest.fixture
def participant(db):
    """A participant of site A, eligible, with a complete profile."""
    from tests.factories import ParticipantFactory

    return ParticipantFactory(user__email="participant@example.org")


@pytest.fixture
def outsider(db):
    """Another participant (site B): every one of their objects is foreign to `participant`."""
    from tests.factories import ParticipantFactory, SiteFactory

    return ParticipantFactory(
        user__email="outsider@example.org",
        site=SiteFactory(code="site-b", state="CA"),
        legal_first_name="Omar",
        legal_last_name="Haddad",
    )


@pytest.fixture
def participant_client(client, participant):
    client.force_login(participant.user)
    return client


@pytest.fixture
def outsider_client(client, outsider):
    client.force_login(outsider.user)
    return client
