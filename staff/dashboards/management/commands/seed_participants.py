import time

from django.core.management.base import BaseCommand

from staff.dashboards.seeding import participants_seed
from staff.dashboards.summaries import summaries_rebuild


class Command(BaseCommand):
    help = "Adds N synthetic participants (COPY, PostgreSQL) and rebuilds the dashboard summaries."

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options):
        started = time.perf_counter()
        participants_seed(n=options["participants"], seed=options["seed"])
        seeded = time.perf_counter()
        counts = summaries_rebuild()
        self.stdout.write(
            f"Seeded {options['participants']:,} participants in {seeded - started:.1f} s; "
            f"summaries rebuilt in {time.perf_counter() - seeded:.1f} s ({counts})."
        )
