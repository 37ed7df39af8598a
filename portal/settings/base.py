"""Settings shared by every environment.

This is the only settings module that reads the environment; the others
(local, test, production) only override values. Every variable is documented
in the README's configuration table.
"""

from pathlib import Path

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# --- core -------------------------------------------------------------------
# No default: local and test settings supply a throwaway key, production
# refuses to start without one (see production.py).
SECRET_KEY = env.str("SECRET_KEY", default="")
# Old keys stay valid for signatures and for decrypting identifying fields
# until every row has been re-encrypted (key rotation).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Proxies whose X-Forwarded-For we believe; anything else is the client itself.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Key of the duplicate-participant blind indexes (HMAC-SHA256), kept apart from
# SECRET_KEY so that rotating one never touches the other. No default here: local
# and test settings supply a throwaway key, production refuses to start without one.
DUPLICATE_INDEX_KEY = env.str("DUPLICATE_INDEX_KEY", default="")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "pgtrigger",
    "pghistory",
    "portal",
    "participants",
    "participants.consent",
    "participants.consent.campaigns",
    "participants.surveys",
    "staff.dashboards",
    "participants.duplicates",
    "participants.kits",
    "results",
    "staff",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "portal.middleware.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.UserSessionsActivityMiddleware",
    "portal.middleware.TimeZoneMiddleware",
    "portal.staff_security.StaffSecurityMiddleware",
    "portal.middleware.NoStoreForAuthenticatedMiddleware",
    # Innermost: it sees the view's own writes, not the bookkeeping of the middleware above
    # (session activity, access log), which dashboards never read.
    "portal.db_router.PrimaryAfterWriteMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "participants.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

# --- data -------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# A read replica (streaming, made with pg_basebackup): staff dashboards, figures and
# exports read from it through portal.db_router; everything else uses the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    # In tests the alias reads the test database itself (no second copy is created).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# PgBouncer in transaction mode (deploy/pgbouncer/): a server connection belongs to a
# client only for one transaction, so nothing may outlive a transaction on it.
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
for _alias, _db in DATABASES.items():
    _db["ATOMIC_REQUESTS"] = False
    _db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
    if DATABASE_PGBOUNCER:
        # .iterator() would DECLARE a cursor that must survive between transactions.
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
        # psycopg prepares a statement after 5 runs; a prepared statement lives on one
        # server connection, which the next transaction may not get.
        _db.setdefault("OPTIONS", {})["prepare_threshold"] = None
DATABASE_ROUTERS = ["portal.db_router.PrimaryReplicaRouter"]
# After a write, this client's reads stay on the primary for this long (replica lag).
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=10)

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# Uploaded genomic files and generated documents live outside the web root and
# are only ever served through views that check ownership.
PRIVATE_STORAGE_ROOT = Path(
    env.str("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "var" / "private"))
)
# Several web and worker hosts: private files go to S3-compatible object storage
# (django-storages; docs/deploy.md says why not PostgreSQL). Credentials come from the
# standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables, read by boto3 itself.
PRIVATE_STORAGE_S3_BUCKET = env.str("PRIVATE_STORAGE_S3_BUCKET", default="")
if PRIVATE_STORAGE_S3_BUCKET:
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PRIVATE_STORAGE_S3_BUCKET,
            "endpoint_url": env.str("PRIVATE_STORAGE_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("PRIVATE_STORAGE_S3_REGION", default="") or None,
            "location": env.str("PRIVATE_STORAGE_S3_PREFIX", default=""),
            # Never public, never a guessable URL: files are only served through views
            # that check ownership, so no object ACL and no pre-signed links.
            "default_acl": None,
            "querystring_auth": True,
            # Same semantics as the file system: a name in use gets a new suffix.
            "file_overwrite": False,
            "object_parameters": (
                {"ServerSideEncryption": env.str("PRIVATE_STORAGE_S3_SSE")}
                if env.str("PRIVATE_STORAGE_S3_SSE", default="")
                else {}
            ),
        },
    }
else:
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": _private_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- identity and accounts ----------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "portal.passwords.Argon2idHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Staff need 15 characters (NIST 800-63B for privileged accounts).
    {"NAME": "portal.passwords.StaffMinimumLengthValidator", "OPTIONS": {"min_length": 15}},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "participants:home"
ACCOUNT_ADAPTER = "participants.account_adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_USER_DISPLAY = "participants.account_adapter.user_display"
ACCOUNT_UNIQUE_EMAIL = True
# One address per account: a new one replaces the old once it is verified.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
# The code pages offer "Send me a new code" (allauth rate-limits it).
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "5/m/ip,3/m/key",
}
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
MFA_ADAPTER = "portal.mfa_adapter.EncryptingMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Cohort Portal"
MFA_PASSKEY_LOGIN_ENABLED = False
USERSESSIONS_TRACK_ACTIVITY = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = True

# --- email ------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cohort Portal <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- i18n -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- security headers ---------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- background work ----------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only when it finished, so a killed worker's task is
# delivered again; every task is written to be idempotent for that reason.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
# Must exceed the longest task, or Redis re-delivers a task still running.
# Socket timeouts: a broker that hangs (not refusing, just silent) must not hold a web
# request; the outbox row stays and is published later.
# Also how long a task that a killed worker host held waits before another host runs it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60),
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "portal.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- field encryption (django-fernet-encrypted-fields) ---------------------------
# Keys derive from SECRET_KEY (+ SECRET_KEY_FALLBACKS for rotation) and these salts;
# the first salt encrypts, all of them decrypt.
SALT_KEY = env.list("FIELD_ENCRYPTION_SALTS", default=["portal-identifying-fields-v1"])

# --- program ------------------------------------------------------------------
PORTAL_NAME = "Cohort Portal"
# Who runs the study, shown on the "About the study" page, in the footer and on the
# consent PDF (docs/trust-pages.md). Every value may be set from the environment.
PROGRAM = {
    "name": env.str("PROGRAM_NAME", default=PORTAL_NAME),
    "operator": env.str("PROGRAM_OPERATOR", default="Cohort Program Coordinating Center"),
    "sponsor": env.str("PROGRAM_SPONSOR", default="National Institutes of Health (NIH)"),
    "ethics_board": env.str("PROGRAM_ETHICS_BOARD", default="Cohort Program Central IRB"),
    "ethics_approval": env.str("PROGRAM_ETHICS_APPROVAL", default="IRB-2026-0142"),
    "contact_email": env.str("PROGRAM_CONTACT_EMAIL", default="help@example.org"),
    # Shown as written; the tel: link uses the digits (and a leading +) only.
    "contact_phone": env.str("PROGRAM_CONTACT_PHONE", default="1-800-555-0199"),
    "postal_address": env.str(
        "PROGRAM_POSTAL_ADDRESS", default="Cohort Program, 1 Research Way, Bethesda, MD 20892"
    ),
    # Paths under static/ (or absolute URLs): swap in the program's own artwork.
    "logo": env.str("PROGRAM_LOGO", default="img/logo.svg"),
    "favicon": env.str("PROGRAM_FAVICON", default="img/favicon.svg"),
}
# Reminder e-mails for an unfinished step: at most one per this many days.
REMINDER_INTERVAL_DAYS = 7

# --- staff security (issue 8; docs/staff-security.md) ------------------------------
# Countries staff may work from without a travel exception (US and its territories).
STAFF_ALLOWED_COUNTRIES = env.list(
    "STAFF_ALLOWED_COUNTRIES", default=["US", "PR", "GU", "VI", "AS", "MP", "UM"]
)
# Loopback/private client addresses count as "here" only when this is on (local, tests).
# Unset: off everywhere except the local settings (the demo on 127.0.0.1), which use
# STAFF_ALLOW_PRIVATE_NETWORKS_LOCAL; set, it wins in every settings module.
_allow_private = env.bool("STAFF_ALLOW_PRIVATE_NETWORKS", default=None)
STAFF_ALLOW_PRIVATE_NETWORKS = bool(_allow_private)
STAFF_ALLOW_PRIVATE_NETWORKS_LOCAL = True if _allow_private is None else _allow_private
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=15 * 60)
STAFF_SESSION_ABSOLUTE_SECONDS = env.int("STAFF_SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
# Distinct participants one staff member may open per hour before being stopped.
STAFF_RECORD_VIEW_QUOTA_PER_HOUR = env.int("STAFF_RECORD_VIEW_QUOTA_PER_HOUR", default=50)
# ... and per rolling 24 hours (50 an hour would otherwise allow 1,200 a day).
STAFF_RECORD_VIEW_QUOTA_PER_DAY = env.int("STAFF_RECORD_VIEW_QUOTA_PER_DAY", default=150)
# Pace alert (not a refusal): this many distinct records in a row in id or name order,
# or this many distinct records within ten minutes.
STAFF_PACE_PATTERN_RUN = env.int("STAFF_PACE_PATTERN_RUN", default=8)
STAFF_PACE_PER_10_MINUTES = env.int("STAFF_PACE_PER_10_MINUTES", default=20)
# Refusal alerts: one e-mail per kind per this many seconds, the rest in a digest.
STAFF_ALERT_THROTTLE_SECONDS = env.int("STAFF_ALERT_THROTTLE_SECONDS", default=15 * 60)
# Where the daily access-log anchor (head hash + row count) is appended: keep it with
# the backups, on storage the database's users cannot write.
ACCESS_LOG_ANCHOR_DIR = env.str("ACCESS_LOG_ANCHOR_DIR", default=str(BASE_DIR / "var" / "backups"))
STAFF_EXPORT_MAX_ROWS = env.int("STAFF_EXPORT_MAX_ROWS", default=1000)
STAFF_TRAVEL_MAX_DAYS = env.int("STAFF_TRAVEL_MAX_DAYS", default=30)
# Counts from 1 to this number are never shown or exported ("<20").
STAFF_SMALL_CELL_MAX = 19
# Program goals, as a share of enrolled participants (percent).
DASHBOARD_DIVERSITY_GOALS = {"ubr": 50, "age_65_plus": 20, "spanish": 25}

# --- periodic work (celery beat) --------------------------------------------------
CELERY_BEAT_SCHEDULE = {
    "step-reminders": {"task": "participants.tasks.send_step_reminders", "schedule": 24 * 60 * 60},
    "outbox": {"task": "portal.tasks.dispatch_outbox", "schedule": 60},
    "private-orphans": {"task": "portal.tasks.sweep_private_orphans", "schedule": 24 * 60 * 60},
    "staff-alert-digest": {
        "task": "portal.tasks.staff_alert_digest",
        "schedule": STAFF_ALERT_THROTTLE_SECONDS,
    },
    "staff-top-viewers": {
        "task": "staff.tasks.staff_top_viewers_report",
        "schedule": 7 * 24 * 60 * 60,
    },
    "access-log-anchor": {"task": "portal.tasks.access_log_anchor", "schedule": 24 * 60 * 60},
    "expire-data-exports": {
        "task": "participants.tasks.expire_data_exports",
        "schedule": 60 * 60,
    },
    "reconsent-reminders": {
        "task": "participants.consent.campaigns.tasks.send_reconsent_reminders",
        "schedule": 24 * 60 * 60,
    },
}
# Participants' session activity (IP, user agent, last seen) is refreshed at most once
# a minute unless the client changes; staff sessions on every request (portal.middleware).
USERSESSIONS_REFRESH_SECONDS = 60
