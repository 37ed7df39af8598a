from django.urls import path

from participants import access_urls, my_data, views
from participants.consent.campaigns import urls as campaign_urls
from participants.duplicates import urls as duplicate_urls
from participants.kits import urls as kit_urls

app_name = "participants"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("join/", views.screener, name="screener"),
    path("me/", views.home, name="home"),
    path("me/profile/", views.profile, name="profile"),
    path("me/pause/", views.pause, name="pause"),
    path("me/withdraw/", views.withdraw, name="withdraw"),
    path("me/data/", my_data.my_data, name="my_data"),
    path("me/data/answers/<uuid:response_id>/", my_data.my_answers, name="my_answers"),
    path("me/data/download/<uuid:copy_id>/", my_data.my_data_download, name="my_data_download"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    *access_urls.urlpatterns,
    *duplicate_urls.urlpatterns,
    *kit_urls.urlpatterns,
    *campaign_urls.urlpatterns,
]
