from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from participants.dashboards.seeding import synthetic_participants_count
from participants.demo import seed_demo


class Command(BaseCommand):
    help = "Creates demo accounts and data (idempotent: running it twice changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--participants",
            type=int,
            default=0,
            help=(
                "Also make sure this many synthetic participants exist, so the staff "
                "dashboards show real figures (only the missing ones are added)."
            ),
        )

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = seed_demo()
        missing = options["participants"] - synthetic_participants_count()
        if missing > 0:
            call_command("seed_participants", participants=missing, stdout=self.stdout)
        self.stdout.write("Demo log-ins (e-mail, password, who):")
        for email, password, what in logins:
            self.stdout.write(f"  {email:<28} {password:<26} {what}")
