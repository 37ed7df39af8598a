from django.urls import path

from participants.consent.campaigns import staff_views

app_name = "staff_campaigns"
urlpatterns = [
    path("", staff_views.campaigns, name="list"),
    path("<uuid:campaign_id>/", staff_views.progress, name="progress"),
    path("<uuid:campaign_id>/ethics/", staff_views.ethics_document, name="ethics_document"),
]
