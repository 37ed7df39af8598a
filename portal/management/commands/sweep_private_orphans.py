from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from portal.storage_sweep import private_orphans_sweep


class Command(BaseCommand):
    help = (
        "Deletes files in private storage (consent, report and sample folders) that no row "
        "refers to and that were last written more than --older-than-hours ago."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )
        parser.add_argument(
            "--older-than-hours",
            type=float,
            default=1.0,
            help="Only files last written longer ago than this (default 1; at least the "
            "task time limit).",
        )

    def handle(self, *args, **options):
        try:
            names = private_orphans_sweep(
                older_than=timedelta(hours=options["older_than_hours"]),
                dry_run=options["dry_run"],
            )
        except (ValueError, TypeError) as error:
            raise CommandError(str(error)) from error
        verb = "would delete" if options["dry_run"] else "deleted"
        for name in names:
            self.stdout.write(f"{verb} {name}")
        self.stdout.write(f"{verb} {len(names)} orphaned file(s)")
