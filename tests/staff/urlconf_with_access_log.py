"""portal.urls plus the participant access-log route, until participants/urls.py includes it."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

import participants.urls as participant_urls
from participants import access_urls
from portal.urls import urlpatterns as base

_names = {getattr(p, "name", None) for p in participant_urls.urlpatterns}
_extra = [p for p in access_urls.urlpatterns if p.name not in _names]
urlpatterns = [p for p in base if "participants" not in str(getattr(p, "urlconf_name", ""))]
urlpatterns = base[:2] + i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("staff/", include("staff.urls")),
    path("", include("participants.consent.urls")),
    path("", include("participants.surveys.urls")),
    path("", include((participant_urls.urlpatterns + _extra, "participants"))),
    prefix_default_language=False,
)
