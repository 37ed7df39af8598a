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
            help="Also create this many synthetic participants (bulk).",
        )

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = seed_demo()
        self.stdout.write("Demo log-ins (password, then the page to start from):")
        for email, password, what in logins:
            self.stdout.write(f"  {email:<32} {password:<24} {what}")
