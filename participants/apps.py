from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "participants"

    def ready(self) -> None:
        # Registers the withdrawal effects defined next to the services.
        from participants import enrollment  # noqa: F401
