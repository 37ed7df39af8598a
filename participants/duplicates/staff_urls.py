from django.urls import path

from participants.duplicates import staff_views

app_name = "staff_duplicates"
urlpatterns = [
    path("", staff_views.queue, name="queue"),
    path("<uuid:flag_id>/", staff_views.pair, name="pair"),
]
