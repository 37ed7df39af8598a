from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "participants.consent"
    label = "consent"

    def ready(self) -> None:
        from participants.consent.home_panel import consent_home_panel
        from participants.consent.services import consent_full_withdrawal_effect
        from participants.enrollment import register_withdrawal_effect
        from participants.home_panels import register_home_panel

        register_home_panel(consent_home_panel)
        register_withdrawal_effect(consent_full_withdrawal_effect)
