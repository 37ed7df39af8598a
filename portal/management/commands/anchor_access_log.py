from django.core.management.base import BaseCommand

from portal.access_log import access_log_anchor


class Command(BaseCommand):
    help = (
        "Writes the access log's head hash and row count beside the backups and e-mails it "
        "to the administrators (Celery beat runs this daily)."
    )

    def handle(self, *args, **options):
        anchor = access_log_anchor()
        self.stdout.write(f"{anchor.rows}:{anchor.head_hash}")
