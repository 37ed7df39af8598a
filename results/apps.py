from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "results"

    def ready(self) -> None:
        from participants.consent.campaigns.data_use import register_data_use_resumed_hook
        from participants.consent.services import register_gror_withdrawn_hook
        from participants.enrollment import register_withdrawal_effect
        from participants.home_panels import register_home_panel
        from results.consent_pause import results_resume
        from results.home_panel import results_home_panel
        from results.services import gror_withdrawn_hook, withdrawal_effect

        register_gror_withdrawn_hook(gror_withdrawn_hook)
        register_data_use_resumed_hook(results_resume)
        register_withdrawal_effect(withdrawal_effect)
        register_home_panel(results_home_panel)
