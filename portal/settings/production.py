"""Production: every secret from the environment, HTTPS only, shared caches."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, DUPLICATE_INDEX_KEY, SECRET_KEY, env

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters.")
if len(DUPLICATE_INDEX_KEY) < 32 or DUPLICATE_INDEX_KEY == SECRET_KEY:
    raise ImproperlyConfigured(
        "DUPLICATE_INDEX_KEY must be set to a random value of 32+ characters, not SECRET_KEY."
    )
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # TOTP replay protection and rate limits live in the cache: it must be shared.
    raise ImproperlyConfigured("REDIS_URL must be set in production.")

DEBUG = False
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 63_072_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
CELERY_TASK_ALWAYS_EAGER = False
