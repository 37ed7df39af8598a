from django.core.management.base import BaseCommand

from portal.demo import seed_demo, seed_demo_cohort


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
        logins = seed_demo()
        seed_demo_cohort(participants=options["participants"], stdout=self.stdout)
        self.stdout.write("Demo log-ins (e-mail, password, who):")
        for email, password, what in logins:
            self.stdout.write(f"  {email:<28} {password:<26} {what}")
