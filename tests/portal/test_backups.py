"""A backup restores into a fresh database with every row of every table."""

import subprocess

import psycopg
import pytest
from django.db import connection

from participants.enrollment import participant_withdraw
from portal.backups import BackupError, backup_database, restore_database
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _counts(dbname: str) -> dict[str, int]:
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname=dbname) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def test_backup_and_restore_keep_every_row(tmp_path):
    people = ParticipantFactory.create_batch(5)
    participant_withdraw(participant=people[0], actor=people[0].user, tier=2)
    source = connection.settings_dict["NAME"]
    target = f"{source}_restored"
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", target], check=True
    )
    try:
        dump = backup_database(path=tmp_path / "portal.dump")
        restore_database(path=dump, target=target)
        before, after = _counts(source), _counts(target)
        assert after == before
        assert after["participants_participant"] == 5
        assert after["participants_journeytransition"] >= 5
        # Every domain table that exists (consent records, reports...) is in the restore.
        assert set(after) == set(before)
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname=target) as conn:
            # Encrypted fields stay ciphertext in the dump, and triggers come back too.
            name = conn.execute("SELECT legal_last_name FROM participants_participant LIMIT 1")
            assert name.fetchone()[0].startswith("gAAAA")
            with pytest.raises(psycopg.errors.RaiseException):
                conn.execute("DELETE FROM participants_journeytransition")
    finally:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", target], check=True
        )


def test_restore_refuses_to_overwrite_an_existing_database(tmp_path):
    dump = backup_database(path=tmp_path / "portal.dump")
    with pytest.raises(BackupError, match="Cannot create database"):
        restore_database(path=dump, target=connection.settings_dict["NAME"])
