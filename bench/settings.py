"""Settings for benchmarks: the test settings on a database of their own, production hashing."""

import os

from portal.settings.base import ACCOUNT_RATE_LIMITS as PRODUCTION_RATE_LIMITS
from portal.settings.test import *  # noqa: F403
from portal.settings.test import DATABASES

# BENCH_DATABASE_NAME keeps two people's benchmark runs on one PostgreSQL apart.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE_NAME", "portal_bench")
DATABASES = {"default": {**DATABASES["default"], "NAME": BENCH_DATABASE, "CONN_MAX_AGE": 60}}
# Measure what production pays per sign-up (Argon2), not the tests' MD5.
PASSWORD_HASHERS = ["portal.passwords.Argon2idHasher"]
# Production rate limits stay on (issue 15): the surge comes through a trusted proxy, as
# in production behind the load balancer. The load generator connects from 127.0.0.1 and
# sends each simulated volunteer's own address in X-Forwarded-For (bench/load/locustfile.py),
# so the limits count volunteers, not the load generator.
ACCOUNT_RATE_LIMITS = PRODUCTION_RATE_LIMITS
TRUSTED_PROXIES = ["127.0.0.1"]
DEBUG = False

# The load test reads verification codes from files, as a person reads their inbox.

if os.environ.get("BENCH_EMAIL_DIR"):
    EMAIL_BACKEND = "bench.mailbox.PerRecipientBackend"
    EMAIL_FILE_PATH = os.environ["BENCH_EMAIL_DIR"]

# Web processes only queue tasks (PDFs, e-mails) as in production, where workers run
# elsewhere; the queue is purged by the benchmarks that use it.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = "bench"

# One cache namespace shared by every gunicorn worker (sessions are cached there).
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"bench-{BENCH_DATABASE}"}}  # noqa: F405
