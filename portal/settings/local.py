"""`make run`: SQLite, eager Celery, e-mails written as files in var/mail/. Never real data."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DUPLICATE_INDEX_KEY, LOGGING, STAFF_ALLOW_PRIVATE_NETWORKS_LOCAL

DEBUG = True
SECRET_KEY = SECRET_KEY or "local-development-only-not-secret"
DUPLICATE_INDEX_KEY = DUPLICATE_INDEX_KEY or "local-development-only-duplicate-index-key"
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
CELERY_TASK_ALWAYS_EAGER = True
# Serve static files straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
CELERY_BROKER_URL = "memory://localhost/"
# The demo runs on 127.0.0.1: on unless STAFF_ALLOW_PRIVATE_NETWORKS says otherwise.
STAFF_ALLOW_PRIVATE_NETWORKS = STAFF_ALLOW_PRIVATE_NETWORKS_LOCAL
# Tasks run inline here: their per-task INFO lines would bury the demo log-in table.
LOGGING = {
    **LOGGING,
    "loggers": {**LOGGING["loggers"], "celery.app.trace": {"level": "WARNING"}},
}
