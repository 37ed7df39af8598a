"""Participant-facing routes of this app, included by participants/urls.py."""

from django.urls import path

from participants.access_views import access_log

urlpatterns = [
    path("me/access/", access_log, name="access_log"),
]
