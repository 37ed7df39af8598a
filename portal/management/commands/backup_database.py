from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.access_log import access_log_head
from portal.backups import BackupError, backup_database, default_backup_path


class Command(BaseCommand):
    help = "Writes a pg_dump (custom format) of the database."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None)

    def handle(self, *args, **options):
        # The access log's head as the dump holds it, beside the dump: a restore that
        # lost the newest rows fails `verify_access_log --expect-head` against it.
        head = access_log_head()
        try:
            path = backup_database(path=options["output"] or default_backup_path())
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        path.with_name(path.name + ".access-log-head").write_text(
            f"{head.rows}:{head.head_hash}\n", encoding="utf-8"
        )
        self.stdout.write(str(path))
