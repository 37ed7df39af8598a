from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "participants.surveys"
    label = "surveys"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when apps.py is imported.
        from participants.surveys.home_panel import survey_home_panel
        from participants.surveys.services import response_withdrawal_effect
        from portal import hooks

        hooks.register_home_panel(survey_home_panel)
        hooks.register_withdrawal_effect(response_withdrawal_effect)
