from django.core.management.base import BaseCommand

from staff.roles import roles_setup


class Command(BaseCommand):
    help = "Creates or updates the staff role groups (idempotent; run again after new apps)."

    def handle(self, *args, **options):
        missing = roles_setup()
        for role, perms in missing.items():
            self.stdout.write(f"  {role}: not yet defined, skipped: {', '.join(perms)}")
        self.stdout.write(self.style.SUCCESS("Staff roles are set up."))
