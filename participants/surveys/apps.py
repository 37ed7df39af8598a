from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "participants.surveys"
    label = "surveys"

    def ready(self) -> None:
        from participants.enrollment import register_withdrawal_effect
        from participants.home_panels import register_home_panel
        from participants.surveys.home_panel import survey_home_panel
        from participants.surveys.services import response_withdrawal_effect

        register_home_panel(survey_home_panel)
        register_withdrawal_effect(response_withdrawal_effect)
