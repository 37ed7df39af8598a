from django.core.management.base import BaseCommand

from staff.services import staff_disable_inactive


class Command(BaseCommand):
    help = "Disables staff accounts unused for --days days (default 90) and ends their sessions."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args, **options):
        disabled = staff_disable_inactive(days=options["days"])
        self.stdout.write(f"Disabled {len(disabled)} staff account(s).")
