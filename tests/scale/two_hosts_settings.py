"""Test settings for several portal processes standing for several web hosts: one cache
namespace for all of them (the test settings give each process its own), and the
production sign-in rate limits."""

import os

from portal.settings.base import ACCOUNT_RATE_LIMITS as PRODUCTION_RATE_LIMITS
from portal.settings.test import *  # noqa: F403
from portal.settings.test import CACHES

CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": os.environ["TWO_HOSTS_CACHE_PREFIX"]}}
ACCOUNT_RATE_LIMITS = PRODUCTION_RATE_LIMITS
