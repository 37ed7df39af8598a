from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "participants.dashboards"
    label = "dashboards"

    def ready(self) -> None:
        from participants.dashboards.summaries import summary_on_state_change
        from participants.journey import register_state_change_hook

        register_state_change_hook(summary_on_state_change)
