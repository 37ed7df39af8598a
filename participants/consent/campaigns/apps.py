from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "participants.consent.campaigns"
    label = "consent_campaigns"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when apps.py is imported.
        from participants.consent.campaigns.home_panel import campaign_home_panel
        from portal import hooks

        hooks.register_home_panel(campaign_home_panel)
