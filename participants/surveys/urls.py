# Participant-facing survey routes: the `surveys` namespace (included by portal/urls.py).
from django.urls import path

from participants.surveys import views

app_name = "surveys"
urlpatterns = [
    path("me/surveys/", views.survey_list, name="list"),
    path(
        "me/surveys/responses/<uuid:response_id>/page/<slug:page_code>/",
        views.survey_page,
        name="page",
    ),
    path(
        "me/surveys/responses/<uuid:response_id>/review/",
        views.survey_review,
        name="review",
    ),
    path("me/surveys/responses/<uuid:response_id>/done/", views.survey_done, name="done"),
    path("me/surveys/<slug:code>/", views.survey_start, name="start"),
]
