from django.urls import path

from results import views

app_name = "results"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("choices/", views.choices, name="choices"),
    path("<int:pk>/", views.report_page, name="report"),
    path("<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("<int:pk>/letter/family/", views.family_letter, name="family_letter"),
    path("<int:pk>/letter/clinician/", views.clinician_letter, name="clinician_letter"),
]
