from django.urls import path

from participants.surveys import staff_views

app_name = "staff_surveys"
urlpatterns = [
    path("", staff_views.index, name="index"),
    path("versions/<int:pk>/preview/<str:language>/", staff_views.preview, name="preview"),
]
