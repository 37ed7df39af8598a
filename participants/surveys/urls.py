# Participant-facing routes of this area, included in the `participants` namespace.
from django.urls import path

from participants.surveys import views

urlpatterns = [
    path("me/surveys/", views.survey_list, name="surveys"),
    path(
        "me/surveys/responses/<uuid:response_id>/page/<slug:page_code>/",
        views.survey_page,
        name="survey_page",
    ),
    path(
        "me/surveys/responses/<uuid:response_id>/review/",
        views.survey_review,
        name="survey_review",
    ),
    path("me/surveys/responses/<uuid:response_id>/done/", views.survey_done, name="survey_done"),
    path("me/surveys/<slug:code>/", views.survey_start, name="survey"),
]
