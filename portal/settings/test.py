"""The test suite: real PostgreSQL and Redis (see the Makefile), fast hashing."""

import uuid

from .base import *  # noqa: F403
from .base import DATABASE_PGBOUNCER, DATABASES, TEMPLATES, env

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DUPLICATE_INDEX_KEY = "test-only-duplicate-index-key"
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/portal"),
    # The replica and PgBouncer options from base.py, when their variables are set.
    **{alias: db for alias, db in DATABASES.items() if alias != "default"},
}
# Django empties every table between transactional tests with TRUNCATE, which the access
# log's trigger refuses unless the connection sets this (never set outside the tests).
DATABASES["default"]["OPTIONS"] = {"options": "-c portal.test_flush=on"}
if DATABASE_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/1")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Several runs may share one Redis: keep their keys apart.
        "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
    }
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/2")
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
# Eager by default; the real-worker tests switch it off and start a worker.
CELERY_TASK_ALWAYS_EAGER = True
# A queue of its own per run, so two runs on one Redis never take each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = f"test-{uuid.uuid4().hex[:8]}"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "INVALID_TEMPLATE_VARIABLE<%s>"
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,5/5m/key"}
LOGGING = {"version": 1, "disable_existing_loggers": False}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
