from django.core.management.base import BaseCommand, CommandError

from portal.access_log import access_log_verify


class Command(BaseCommand):
    help = "Checks the access log's hash chain; exits non-zero at the first broken link."

    def handle(self, *args, **options):
        checked, broken = access_log_verify()
        if broken is not None:
            raise CommandError(
                f"Access log broken at event {broken.event_id}: {broken.problem} "
                f"({checked} rows before it are intact)."
            )
        self.stdout.write(self.style.SUCCESS(f"Access log intact: {checked} rows."))
