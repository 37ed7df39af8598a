from django.core.management.base import BaseCommand

from portal.outbox import dispatch_outbox


class Command(BaseCommand):
    help = "Publishes queued tasks that could not reach the broker when they were made."

    def handle(self, *args, **options):
        self.stdout.write(f"published {dispatch_outbox()}")
