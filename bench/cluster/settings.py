"""`make cluster-rehearsal`: the production settings, with three stand-ins for a throwaway
cluster (bench/cluster/rehearsal.py passes everything else through the environment, as
deploy/env/portal.env.example does on real hosts)."""

import os

from portal.settings.production import *  # noqa: F403
from portal.settings.production import STORAGES

# The mail server: one inbox file per recipient in a folder every host shares; the load
# generator reads the volunteers' codes there and the rehearsal counts the e-mails.
EMAIL_BACKEND = "bench.mailbox.PerRecipientBackend"
EMAIL_FILE_PATH = os.environ["CLUSTER_MAIL_DIR"]
# Static files from the source folders: no collectstatic for a cluster that lives minutes.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# allauth's rate limits key on the client address. Behind HAProxy that is the last entry
# of X-Forwarded-For (HAProxy appends the address it saw), so allauth is told one proxy
# is trusted; TRUSTED_PROXIES (the HAProxy address) is what the staff checks believe.
# The production rate limits themselves (ACCOUNT_RATE_LIMITS in base.py) stay on.
ALLAUTH_TRUSTED_PROXY_COUNT = 1
