from django.urls import path

from staff import views
from staff.dashboards import views as dashboards

app_name = "staff"
urlpatterns = [
    path("", dashboards.dashboard, name="dashboard"),
    path("export/", dashboards.export, name="export"),
    path("participants/", views.support_lookup, name="support_lookup"),
    path("participants/<str:participant_id>/", views.participant_detail, name="participant"),
    path("accounts/", views.staff_list, name="staff_list"),
    path("accounts/<int:user_id>/", views.staff_roles, name="staff_roles"),
    path("accounts/<int:user_id>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("accounts/requests/<int:pk>/", views.role_grant_decide, name="role_grant"),
    path("travel/", views.travel, name="travel"),
    path("travel/<int:pk>/approve/", views.travel_approve, name="travel_approve"),
]
