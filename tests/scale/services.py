"""Throwaway services for the scale-out tests: an S3-compatible server and a streaming replica.

Like tests/faults/services.py: each test starts its own server on a free loopback port in a
temporary folder and removes every process and folder it made, passed or failed. Only
processes started here are signalled, by their own pid.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.faults.services import PrivatePostgres, _reap, _tail, _wait_for, free_port

PY = sys.executable
# moto's server accepts any credentials; boto3 still wants some to sign requests.
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "portal-test",
    "AWS_SECRET_ACCESS_KEY": "portal-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class PrivateS3:
    endpoint: str
    bucket: str
    proc: subprocess.Popen
    log: Path

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=S3_CREDENTIALS["AWS_DEFAULT_REGION"],
        )

    def env(self) -> dict[str, str]:
        """What a host's environment file says for this bucket (docs/deploy.md)."""
        return {
            **S3_CREDENTIALS,
            "PRIVATE_STORAGE_S3_BUCKET": self.bucket,
            "PRIVATE_STORAGE_S3_ENDPOINT_URL": self.endpoint,
            "PRIVATE_STORAGE_S3_REGION": "us-east-1",
        }

    def storages_setting(self, base: dict) -> dict:
        return {
            **base,
            "private": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": self.bucket,
                    "endpoint_url": self.endpoint,
                    "region_name": "us-east-1",
                    "access_key": S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                    "secret_key": S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                    "default_acl": None,
                    "file_overwrite": False,
                },
            },
        }

    def keys(self) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()


@contextlib.contextmanager
def private_s3(host: str = "127.0.0.1") -> Iterator[PrivateS3]:
    """moto's S3 server (PyPI `moto[server]`) on a free port, with one empty bucket."""
    directory = Path(tempfile.mkdtemp(prefix="portal-s3-"))
    port = free_port()
    log = directory / "moto.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [PY, "-m", "moto.server", "-H", host, "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **S3_CREDENTIALS},
        )
    server = PrivateS3(f"http://{host}:{port}", f"portal-{uuid.uuid4().hex[:8]}", proc, log)
    try:

        def up() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"moto server exited:\n{_tail(log)}")
            try:
                server.client().list_buckets()
            except Exception:  # noqa: BLE001 - not answering yet
                return False
            return True

        _wait_for(up, timeout=60, what="the S3 server", interval=0.2)
        server.client().create_bucket(Bucket=server.bucket)
        yield server
    finally:
        _reap(proc)
        shutil.rmtree(directory, ignore_errors=True)


# --- a streaming replica made with pg_basebackup --------------------------------------
def _basebackup(primary: PrivatePostgres, directory: Path) -> None:
    command = [
        str(primary.bindir / "pg_basebackup"),
        "-h",
        "127.0.0.1",
        "-p",
        str(primary.port),
        "-U",
        "postgres",
        "-D",
        str(directory / "data"),
        "-X",
        "stream",
        "-R",  # standby.signal + primary_conninfo: a streaming standby
        "-c",
        "fast",  # checkpoint now, not spread over minutes
        "--no-sync",
    ]
    if primary.run_as:
        command = ["runuser", "-u", primary.run_as, "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pg_basebackup failed:\n{done.stdout}\n{done.stderr}")


@contextlib.contextmanager
def streaming_replica(primary: PrivatePostgres) -> Iterator[PrivatePostgres]:
    """A hot standby of `primary` on its own port, streaming from it."""
    directory = Path(tempfile.mkdtemp(prefix="portal-pgr-", dir="/tmp"))
    if primary.run_as:
        shutil.chown(directory, primary.run_as, primary.run_as)
    replica = PrivatePostgres(directory, primary.bindir, run_as=primary.run_as)
    try:
        _basebackup(primary, directory)
        # The copy carries the primary's port and socket folder: give it its own.
        with (replica.datadir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {replica.port}\n"
                f"unix_socket_directories = '{directory}'\n"
                "hot_standby = on\n"
                "hot_standby_feedback = on\n"
            )
        replica.start()
        _wait_for(replica.accepts, timeout=60, what="the replica")
        yield replica
    finally:
        replica.close()
        shutil.rmtree(directory, ignore_errors=True)


def wait_replayed(primary: PrivatePostgres, replica: PrivatePostgres, timeout: float = 30) -> None:
    """Until the replica has replayed everything the primary wrote so far."""
    with primary.connect(autocommit=True) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]

    def caught_up() -> bool:
        with replica.connect(autocommit=True) as conn:
            row = conn.execute(
                "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s) >= 0", [target]
            ).fetchone()
        return bool(row[0])

    _wait_for(caught_up, timeout=timeout, what="the replica to replay the primary's WAL")


def seconds_since(start: float) -> float:
    return time.monotonic() - start


def copy_schema(source: dict, target: PrivatePostgres, database: str) -> None:
    """The pytest database's schema and migration history into `database` on `target`.

    `migrate` on an empty database takes minutes on a small machine; this takes seconds,
    and a `migrate` afterwards only runs the post-migrate steps (content types,
    permissions). `source` is a Django connection's settings_dict.
    """
    with target.connect(autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    where = ["-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432)]
    where += ["-U", source["USER"] or "postgres"]
    into = ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(target.port)]
    into += ["-U", "postgres", "-d", database]
    for extra in (["--schema-only"], ["--data-only", "-t", "django_migrations"]):
        dump = subprocess.run(
            ["pg_dump", *where, "--no-owner", "--no-privileges", *extra, source["NAME"]],
            capture_output=True, timeout=300, check=True,
        )  # fmt: skip
        subprocess.run(into, input=dump.stdout, capture_output=True, timeout=300, check=True)
