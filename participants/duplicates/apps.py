from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "participants.duplicates"
    label = "duplicates"

    def ready(self) -> None:
        from participants.duplicates.home_panel import duplicate_home_panel
        from participants.duplicates.services import (
            duplicate_indexes_on_profile_saved,
            duplicate_indexes_withdrawal_effect,
        )
        from participants.enrollment import (
            register_profile_saved_hook,
            register_withdrawal_effect,
        )
        from participants.home_panels import register_home_panel

        register_profile_saved_hook(duplicate_indexes_on_profile_saved)
        register_withdrawal_effect(duplicate_indexes_withdrawal_effect)
        register_home_panel(duplicate_home_panel)
