"""Backups with pg_dump/pg_restore (custom format: compressed, restorable table by table)."""

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone


class BackupError(Exception):
    pass


def _pg_env(db: dict) -> tuple[list[str], dict[str, str]]:
    args = [
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db.get("USER") or "postgres",
    ]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client).")
    return path


def _database(alias: str = "default") -> dict:
    db = connections[alias].settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("Backups need PostgreSQL (the SQLite demo database is a plain file).")
    return db


def backup_database(*, path: Path, alias: str = "default") -> Path:
    db = _database(alias)
    args, env = _pg_env(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
        [_tool("pg_dump"), *args, "--format=custom", "--no-owner", f"--file={path}", db["NAME"]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return path


def restore_database(*, path: Path, target: str, alias: str = "default") -> None:
    """Restores into a NEW database `target` (refuses to overwrite an existing one)."""
    db = _database(alias)
    if not path.exists():
        raise BackupError(f"No backup at {path}.")
    args, env = _pg_env(db)
    created = subprocess.run(  # noqa: S603
        [_tool("createdb"), *args, target], env=env, capture_output=True, text=True, check=False
    )
    if created.returncode != 0:
        raise BackupError(f"Cannot create database {target}: {created.stderr.strip()}")
    result = subprocess.run(  # noqa: S603
        [
            _tool("pg_restore"),
            *args,
            "--no-owner",
            "--exit-on-error",
            f"--dbname={target}",
            str(path),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def default_backup_path() -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BASE_DIR) / "var" / "backups" / f"portal-{stamp}.dump"
