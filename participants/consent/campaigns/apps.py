from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "participants.consent.campaigns"
    label = "consent_campaigns"

    def ready(self) -> None:
        from participants.consent.campaigns.home_panel import campaign_home_panel
        from participants.home_panels import register_home_panel

        register_home_panel(campaign_home_panel)
