from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backups import BackupError, restore_database


class Command(BaseCommand):
    help = "Restores a backup into a new database (never over an existing one)."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path)
        parser.add_argument("--into", required=True, help="Name of the new database.")

    def handle(self, *args, **options):
        try:
            restore_database(path=options["backup"], target=options["into"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored into {options['into']}")
