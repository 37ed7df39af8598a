from django.urls import path

from results import staff_views as views

app_name = "staff_results"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("samples/", views.manifests, name="manifests"),
    path("samples/<int:pk>/", views.manifest_detail, name="manifest"),
    path("releases/", views.releases, name="releases"),
    path("releases/<int:pk>/reinterpret/", views.release_reinterpret, name="reinterpret"),
    path("review/", views.review_list, name="review"),
    path("review/<int:pk>/", views.review_detail, name="review_detail"),
    path("qc/", views.qc_list, name="qc"),
    path("qc/<int:pk>/", views.qc_decide, name="qc_decide"),
    path("confirmations/", views.confirmation_list, name="confirmations"),
    path("confirmations/<int:pk>/", views.confirmation_detail, name="confirmation"),
    path("recontact/", views.recontact_list, name="recontact"),
    path("recontact/<int:pk>/close/", views.recontact_close, name="recontact_close"),
]
