from django.apps import AppConfig


class KitsConfig(AppConfig):
    name = "participants.kits"
    label = "kits"

    def ready(self) -> None:
        from participants.duplicates.merge import register_merge_mover
        from participants.enrollment import register_withdrawal_effect
        from participants.home_panels import register_home_panel
        from participants.kits.home_panel import kits_home_panel
        from participants.kits.services import kits_merge_mover, kits_withdrawal_effect

        register_home_panel(kits_home_panel)
        register_withdrawal_effect(kits_withdrawal_effect)
        register_merge_mover("kits", kits_merge_mover)
