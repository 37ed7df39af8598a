from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backups import BackupError, backup_database, default_backup_path


class Command(BaseCommand):
    help = "Writes a pg_dump (custom format) of the database."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None)

    def handle(self, *args, **options):
        try:
            path = backup_database(path=options["output"] or default_backup_path())
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
