from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from portal.health import healthz
from portal.language import set_language

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
]

urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    # Staff area: every route is behind the staff middleware (MFA, location, quotas).
    path("staff/consent/campaigns/", include("participants.consent.campaigns.staff_urls")),
    path("staff/consent/", include("participants.consent.staff_urls")),
    path("staff/surveys/", include("participants.surveys.staff_urls")),
    path("staff/results/", include("results.staff_urls")),
    path("staff/duplicates/", include("participants.duplicates.staff_urls")),
    path("staff/kits/", include("participants.kits.staff_urls")),
    path("staff/operations/", include("staff.operations.urls")),
    path("staff/", include("staff.urls")),
    path("me/results/", include("results.urls")),
    path("", include("portal.pages")),
    path("", include("participants.consent.urls")),  # namespace "consent"
    path("", include("participants.surveys.urls")),  # namespace "surveys"
    path("", include("participants.urls")),
    prefix_default_language=False,
)
