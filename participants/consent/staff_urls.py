from django.urls import path

from participants.consent import staff_views

app_name = "staff_consent"
urlpatterns = [
    path("", staff_views.index, name="index"),
    path("<slug:code>/new/", staff_views.version_draft, name="draft"),
    path("<slug:code>/drafts/<int:pk>/", staff_views.version_draft, name="draft_edit"),
    path("versions/<int:pk>/", staff_views.version_detail, name="version"),
    path("versions/<int:pk>/publish/", staff_views.version_publish, name="publish"),
    path("records/<int:pk>/fhir/", staff_views.record_fhir, name="record_fhir"),
]
