from django.urls import path

from participants.consent.campaigns import views

urlpatterns = [
    path("me/reconsent/<uuid:campaign_id>/", views.reconsent, name="reconsent"),
]
