from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "staff.dashboards"
    label = "dashboards"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when apps.py is imported.
        from portal import hooks
        from staff.dashboards import demo
        from staff.dashboards.summaries import summary_on_state_change

        hooks.register_state_change_hook(summary_on_state_change)
        hooks.register_demo_seeder("staff", demo.seed_demo_staff_accounts, order=20)
        hooks.register_demo_seeder("access_events", demo.seed_demo_access_events, order=50)
        hooks.register_demo_cohort(demo.seed_demo_cohort)
