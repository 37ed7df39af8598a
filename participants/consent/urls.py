# Participant-facing routes of this area, included in the `participants` namespace.
from django.urls import path

from participants.consent import views

urlpatterns = [
    path("me/consent/", views.consent_start, name="consent_start"),
    path("me/consent/questions/", views.comprehension, name="consent_comprehension"),
    path("me/consent/<slug:code>/", views.consent_form, name="consent_form"),
    path("me/consent/<slug:code>/signed/", views.consent_signed, name="consent_signed"),
    path("me/consent/<slug:code>/withdraw/", views.consent_withdraw_view, name="consent_withdraw"),
    path("me/documents/", views.documents, name="consent_documents"),
    path(
        "me/documents/<int:pk>/download/", views.document_download, name="consent_document_download"
    ),
]
