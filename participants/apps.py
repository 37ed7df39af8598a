from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "participants"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when apps.py is imported.
        # Importing enrollment also registers the withdrawal effects defined next to it.
        from participants import demo, enrollment
        from participants.time_zones import time_zone_for_request
        from portal import hooks

        hooks.register_language_chosen_hook(enrollment.participant_language_chosen)
        hooks.register_time_zone_source(time_zone_for_request)
        hooks.register_demo_seeder("sites", demo.seed_demo_sites, order=10)
        hooks.register_demo_seeder("participants", demo.seed_demo_participants, order=30)
