from django.urls import path

from participants import views

app_name = "participants"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("me/", views.home, name="home"),
]
