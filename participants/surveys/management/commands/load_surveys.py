from django.core.management.base import BaseCommand

from participants.surveys.services import core_surveys_load


class Command(BaseCommand):
    help = (
        "Loads the four core surveys from participants/surveys/definitions/ and publishes "
        "them. Idempotent: an unchanged file does nothing, a changed one becomes a new version."
    )

    def handle(self, *args, **options) -> None:
        for outcome in core_surveys_load():
            version = outcome.version
            self.stdout.write(f"{version.code} {version.version}: {outcome.outcome}")
            if outcome.note:
                self.stderr.write(self.style.WARNING(f"{version.code}: {outcome.note}"))
