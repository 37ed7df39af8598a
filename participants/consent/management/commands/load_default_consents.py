from django.core.management.base import BaseCommand

from participants.consent.defaults import load_default_consents


class Command(BaseCommand):
    help = "Creates the primary, ehr and gror consent forms with version 1 published (idempotent)."

    def handle(self, *args, **options) -> None:
        created = load_default_consents()
        if created:
            self.stdout.write("Created: " + ", ".join(created))
        else:
            self.stdout.write("Default consents already loaded.")
