from django.core.management.base import BaseCommand

from staff.dashboards.summaries import summaries_rebuild


class Command(BaseCommand):
    help = "Recounts the dashboard summary tables from the participants table."

    def handle(self, *args, **options):
        counts = summaries_rebuild()
        self.stdout.write(", ".join(f"{k}: {v:,}" for k, v in counts.items()))
