from django.urls import path

from staff.operations import views

app_name = "staff_operations"
urlpatterns = [path("", views.operations, name="figures")]
