from django.apps import AppConfig


class KitsConfig(AppConfig):
    name = "participants.kits"
    label = "kits"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when apps.py is imported.
        from participants.kits.home_panel import kits_home_panel
        from participants.kits.services import kits_merge_mover, kits_withdrawal_effect
        from portal import hooks

        hooks.register_home_panel(kits_home_panel)
        hooks.register_withdrawal_effect(kits_withdrawal_effect)
        hooks.register_merge_mover("kits", kits_merge_mover)
