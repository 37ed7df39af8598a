from django.apps import AppConfig


class StaffConfig(AppConfig):
    """Staff accounts and roles, travel exceptions, support look-up, access-log checks.

    No models of its own: staff profiles, role requests and travel exceptions are
    `portal` models (the staff middleware reads them), the dashboards' summaries live in
    `staff.dashboards` (app label `dashboards`, unchanged so its migrations still apply).
    """

    name = "staff"
