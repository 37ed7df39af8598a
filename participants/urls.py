from django.urls import path

from participants import views
from participants.consent import urls as consent_urls
from participants.consent.campaigns import urls as campaign_urls
from participants.dashboards import participant_urls as access_urls
from participants.duplicates import urls as duplicate_urls
from participants.kits import urls as kit_urls
from participants.surveys import urls as survey_urls

app_name = "participants"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("join/", views.screener, name="screener"),
    path("me/", views.home, name="home"),
    path("me/profile/", views.profile, name="profile"),
    path("me/pause/", views.pause, name="pause"),
    path("me/withdraw/", views.withdraw, name="withdraw"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    *consent_urls.urlpatterns,
    *survey_urls.urlpatterns,
    *access_urls.urlpatterns,
    *duplicate_urls.urlpatterns,
    *kit_urls.urlpatterns,
    *campaign_urls.urlpatterns,
]
