from django.urls import path

from participants.kits import staff_views

app_name = "staff_kits"
urlpatterns = [
    path("", staff_views.queue, name="queue"),
    path("receive/", staff_views.receive, name="receive"),
    path("<uuid:kit_id>/", staff_views.kit_detail, name="kit"),
    path("<uuid:kit_id>/label/", staff_views.label, name="label"),
]
