from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from participants.demo import seed_demo


class Command(BaseCommand):
    help = "Creates demo accounts and data (idempotent: running it twice changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--participants",
            type=int,
            default=0,
            help="Also bulk-create this many synthetic participants (PostgreSQL only).",
        )

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = seed_demo()
        if options["participants"]:
            call_command("seed_participants", participants=options["participants"])
        self.stdout.write("Demo log-ins (e-mail, password, who):")
        for email, password, what in logins:
            self.stdout.write(f"  {email:<28} {password:<26} {what}")
