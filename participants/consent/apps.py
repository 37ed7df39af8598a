from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "participants.consent"
    label = "consent"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when apps.py is imported.
        from participants.consent.home_panel import consent_home_panel
        from participants.consent.models import ConsentDocument
        from participants.consent.services import consent_full_withdrawal_effect
        from portal import hooks

        hooks.register_home_panel(consent_home_panel)
        hooks.register_withdrawal_effect(consent_full_withdrawal_effect)
        # Signed PDFs: portal.storage_sweep deletes files no row names.
        hooks.register_private_files(ConsentDocument._meta.get_field("file").upload_to)
