"""Participant-facing routes, included by participants/urls.py."""

from django.urls import path

from participants.duplicates import views

urlpatterns = [
    path("me/accounts/confirm/", views.confirm, name="duplicate_confirm"),
]
