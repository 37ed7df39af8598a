from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "participants.duplicates"
    label = "duplicates"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when apps.py is imported.
        from participants.duplicates import merge  # noqa: F401  (registers its movers)
        from participants.duplicates.home_panel import duplicate_home_panel
        from participants.duplicates.services import (
            duplicate_indexes_on_profile_saved,
            duplicate_indexes_withdrawal_effect,
        )
        from portal import hooks

        hooks.register_profile_saved_hook(duplicate_indexes_on_profile_saved)
        hooks.register_withdrawal_effect(duplicate_indexes_withdrawal_effect)
        hooks.register_home_panel(duplicate_home_panel)
