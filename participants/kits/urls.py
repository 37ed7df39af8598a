"""Participant-facing routes, included by participants/urls.py."""

from django.urls import path

from participants.kits import views

urlpatterns = [
    path("me/kit/", views.kit_home, name="kit_home"),
    path("me/kit/<uuid:kit_id>/letter/", views.visit_letter, name="kit_letter"),
]
