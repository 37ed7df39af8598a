app_name = "staff_results"
urlpatterns: list = []
