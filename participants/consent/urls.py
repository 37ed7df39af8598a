# Participant-facing consent routes: the `consent` namespace (included by portal/urls.py).
from django.urls import path

from participants.consent import views

app_name = "consent"
urlpatterns = [
    path("me/consent/", views.consent_start, name="start"),
    path("me/consent/questions/", views.comprehension, name="comprehension"),
    path("me/consent/<slug:code>/", views.consent_form, name="form"),
    path("me/consent/<slug:code>/signed/", views.consent_signed, name="signed"),
    path("me/consent/<slug:code>/withdraw/", views.consent_withdraw_view, name="withdraw"),
    path("me/documents/", views.documents, name="documents"),
    path("me/documents/<int:pk>/download/", views.document_download, name="document_download"),
]
