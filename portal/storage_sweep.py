"""Deletes orphaned files from private storage: written, but no row ever came to name them.

Signed consent PDFs (`participants.consent.tasks._store_document`), report PDFs
(`results.documents.document_render`) and sample VCFs (`results.manifests.sample_manifest_ingest`)
are written to private storage first and their row is committed after. A worker killed in
between (SIGKILL, OOM), or an ingest whose transaction rolls back, leaves a file no row
refers to: never served, but personal data that nothing in the database can find.

Safety rules (docs/architecture.md, "Orphaned private files"), the same on a folder
(`FileSystemStorage`) and on S3-compatible object storage (django-storages `S3Storage`,
docs/deploy.md); each backend has its own lister and deleter, the rest is one code path:

- only the folders these writers use (`swept_prefixes`), only plain files: symlinks are never
  followed or deleted, and a symlinked folder is never entered; in a bucket, only keys under
  the storage's `location` plus the folder, and only keys that are a storage name exactly
  (no `..`, `.` or empty part, no folder marker ending in "/"): the storage would map any
  other key to a different name, and a `..` in a URL may be resolved outside the folder;
- a file is deleted only when no name column refers to it (every FileField of every model,
  plus the CharFields that hold private-storage names, see `_name_columns`), and when it was
  last written before the cutoff: `older_than` ago (never less than the task time limit),
  or earlier still when a database transaction has been open since before then (it may
  hold the uncommitted row of a file it wrote);
- just before deletion the file is checked to be still the same, still old file: one
  rewritten meanwhile (a report re-rendered under its fixed name) is kept. On a folder it
  is first renamed aside (atomic), checked, and put back if it changed. S3 has no rename:
  the object's ETag and LastModified are read again (HEAD) and must match the listing, and
  the delete is conditional on that ETag (`If-Match`), so a rewrite with other bytes after
  the HEAD makes it fail (412) and the object is kept, with a `storage.orphan_not_deleted`
  audit row. Residual race on S3: a rewrite between the HEAD and the DELETE with the very
  same bytes (same ETag) is deleted, and on a server that rejects `If-Match` on DELETE
  (the sweep then deletes unconditionally, with a warning) or silently ignores it, any
  rewrite in that window of one round trip is, and its row then names a missing object;
- the audit row of each deletion commits before the file is unlinked or the object deleted.
"""

from __future__ import annotations

import logging
import os
import posixpath
import stat
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connection, models, transaction
from django.utils import timezone

from portal import hooks
from portal.audit import audit_record

if TYPE_CHECKING:  # boto3 is imported only when the storage is a bucket
    from botocore.exceptions import ClientError
    from storages.backends.s3 import S3Storage

logger = logging.getLogger(__name__)

ACTION = "storage.orphan_deleted"
# S3 only: the object changed between the check and the conditional delete, and was kept.
NOT_DELETED = "storage.orphan_not_deleted"
# The folders and name columns come from the apps that write the files: each registers
# them with portal.hooks.register_private_files in its AppConfig.ready() (consent/ from
# participants.consent, reports/ and samples/ from results). Not swept: knowledge/
# (ClinVar release files, public data, results.releases) and incoming/ (the operators'
# sample import folder, results.manifests.import_roots, registered as `never_sweep`).
# A file taken aside before deletion; one left by a sweep killed midway is swept next time.
QUARANTINE = ".sweep-"
BATCH = 500


def swept_prefixes() -> tuple[str, ...]:
    """The private-storage folders in which every file belongs to a row."""
    prefixes = tuple(entry.folder for entry in hooks.private_files())
    for prefix in prefixes:
        parts = prefix.split("/")[:-1] if isinstance(prefix, str) else []
        if not parts or not prefix.endswith("/") or any(p in {"", ".", ".."} for p in parts):
            raise ValueError(f"not a safe storage folder to sweep: {prefix!r}")
    return prefixes


def _name_columns() -> list[tuple[type[models.Model], str]]:
    """Every column that holds a private-storage name. More columns only means fewer deletions."""
    columns = [
        (model, field.name)
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for field in model._meta.fields
        if isinstance(field, models.FileField)
    ]
    registered = [
        (apps.get_model(label), column)
        for entry in hooks.private_files()
        for label, column in entry.columns
    ]
    return [*columns, *registered]


def _referenced(names: list[str]) -> set[str]:
    found: set[str] = set()
    for model, column in _name_columns():
        rows = model._base_manager.filter(**{f"{column}__in": names})
        found.update(rows.values_list(column, flat=True))
    return found


def _oldest_open_transaction() -> datetime | None:
    """Start of the oldest transaction still open in another session of this database.

    A long transaction (a folder ingest writes every VCF before it commits) may hold the
    uncommitted row of any file written since it began. Sessions of other roles show no
    start without pg_read_all_stats; every writer here connects as the portal's role.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + os.sep)


def _never_swept() -> list[str]:
    """Real paths of the import folders: operators' files, even inside a swept folder."""
    return [
        os.path.realpath(folder)
        for entry in hooks.private_files()
        if entry.never_sweep
        for folder in entry.never_sweep()
    ]


# --- a folder: FileSystemStorage ------------------------------------------------------
def _old_files(root: str, prefix: str, cutoff: float) -> Iterator[tuple[str, os.stat_result]]:
    """(name, lstat) of each plain file under `prefix` last written before `cutoff`."""
    top = os.path.join(root, prefix.rstrip("/"))
    if os.path.realpath(top) != top:  # a symlink on the way: it may lead out of the root
        logger.warning("storage sweep: %s is a symlink, not swept", prefix)
        return
    if not os.path.isdir(top):
        return
    skipped = [r for r in _never_swept() if _within(r, top)]
    # followlinks=False: a symlinked folder is listed but never entered.
    for folder, subfolders, files in os.walk(top, followlinks=False):
        if any(_within(folder, s) for s in skipped):
            subfolders[:] = []
            continue
        for file in files:
            path = os.path.join(folder, file)
            try:
                seen = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(seen.st_mode) and seen.st_mtime < cutoff:
                yield os.path.relpath(path, root).replace(os.sep, "/"), seen


def _delete(root: str, name: str, seen: os.stat_result, cutoff: float) -> bool:
    """Takes the file aside, checks it is still the old file, audits, then unlinks it."""
    path = os.path.join(root, name)
    aside = os.path.join(os.path.dirname(path), f"{QUARANTINE}{uuid.uuid4().hex[:12]}-")
    aside += os.path.basename(path)[: 255 - len(os.path.basename(aside))]
    try:
        os.rename(path, aside)  # atomic: a writer making `name` now makes a new file
    except FileNotFoundError:
        return False
    try:
        now = os.lstat(aside)
        same = (now.st_dev, now.st_ino) == (seen.st_dev, seen.st_ino)
        if not same or not stat.S_ISREG(now.st_mode) or now.st_mtime >= cutoff:
            os.rename(aside, path)  # rewritten since we looked: put it back untouched
            return False
        with transaction.atomic():
            audit_record(action=ACTION, data={"name": name})
    except BaseException:
        if os.path.lexists(aside):
            os.rename(aside, path)
        raise
    os.unlink(aside)
    return True


# --- a bucket: django-storages S3Storage ----------------------------------------------
def _key_root(storage: S3Storage) -> str:
    """The key prefix of the storage's `location`: "" or "location/" (django-storages)."""
    return storage._normalize_name("")


def _storage_name(name: str, prefix: str) -> bool:
    """A key the storage maps back to itself: inside `prefix`, no "", "." or ".." part."""
    return name.startswith(prefix) and "\\" not in name and posixpath.normpath(name) == name


def _old_objects(storage: S3Storage, prefix: str, cutoff: float) -> Iterator[tuple[str, dict]]:
    """(name, listing entry) of each object under `prefix` last written before `cutoff`."""
    root = _key_root(storage)
    # The import folders are local, but a bucket filled by copying a private folder may
    # hold them: their names relative to the folder that was copied are skipped too.
    local = os.path.realpath(settings.PRIVATE_STORAGE_ROOT)
    skipped = [
        os.path.relpath(folder, local).replace(os.sep, "/") + "/"
        for folder in _never_swept()
        if _within(folder, local)
    ]
    client = storage.connection.meta.client
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=storage.bucket_name, Prefix=root + prefix
    )
    for page in pages:
        for item in page.get("Contents", ()):
            name = item["Key"][len(root) :]
            if name.endswith("/"):
                continue  # a "folder" marker (made by S3 consoles): no file, never ours
            if not _storage_name(name, prefix):
                logger.warning("storage sweep: key %r is no storage name, not swept", item["Key"])
            elif item["LastModified"].timestamp() < cutoff and not any(
                name.startswith(s) for s in skipped
            ):
                yield name, item


def _same_object(seen: dict, now: dict) -> bool:
    # A listing may give milliseconds where HEAD gives seconds (HTTP dates).
    return seen["ETag"] == now["ETag"] and int(seen["LastModified"].timestamp()) == int(
        now["LastModified"].timestamp()
    )


def _error_code(error: ClientError) -> tuple[str, int]:
    return (
        error.response.get("Error", {}).get("Code", ""),
        error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0),
    )


def _delete_if_match(client: Any, bucket: str, key: str, etag: str) -> None:
    """DELETE only if the object still has `etag`; unconditionally where that is refused."""
    from botocore.exceptions import ClientError, ParamValidationError

    try:
        client.delete_object(Bucket=bucket, Key=key, IfMatch=etag)
        return
    except ParamValidationError:  # a botocore older than conditional deletes
        pass
    except ClientError as error:
        code, status = _error_code(error)
        if code not in {"NotImplemented", "InvalidArgument", "InvalidRequest"} and status != 501:
            raise
    logger.warning("storage sweep: conditional delete refused, deleting %s unconditionally", key)
    client.delete_object(Bucket=bucket, Key=key)


def _delete_object(storage: S3Storage, name: str, seen: dict, cutoff: float) -> bool:
    """Reads the object's head again, audits, then deletes it if it is still that object."""
    from botocore.exceptions import ClientError

    client = storage.connection.meta.client
    bucket, key = storage.bucket_name, _key_root(storage) + name
    try:
        now = client.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _error_code(error)[1] == 404:
            return False
        raise
    if not _same_object(seen, now) or now["LastModified"].timestamp() >= cutoff:
        return False  # rewritten since we listed it: keep it
    with transaction.atomic():
        audit_record(action=ACTION, data={"name": name})
    try:
        _delete_if_match(client, bucket, key, now["ETag"])
    except ClientError as error:
        code, status = _error_code(error)
        if status not in {404, 412}:
            raise
        # Rewritten (412) or deleted (404) since the HEAD: the audit row above is corrected.
        logger.info("storage sweep: %s changed before its deletion (%s), kept", name, code)
        with transaction.atomic():
            audit_record(action=NOT_DELETED, data={"name": name})
        return False
    return True


def _backend(storage: Storage) -> tuple[tuple, Callable, Callable]:
    """Where the storage keeps its files, its lister and its deleter."""
    if isinstance(storage, FileSystemStorage):
        root = os.path.realpath(storage.location)
        return ("folder", root), partial(_old_files, root), partial(_delete, root)
    from storages.backends.s3 import S3Storage

    if isinstance(storage, S3Storage):
        where = ("bucket", storage.endpoint_url, storage.bucket_name, _key_root(storage))
        return where, partial(_old_objects, storage), partial(_delete_object, storage)
    raise TypeError("only a file-system or S3 storage can be swept")


def private_orphans_sweep(
    *,
    older_than: timedelta = timedelta(hours=1),
    dry_run: bool = False,
    storage: Storage | None = None,
) -> list[str]:
    """Deletes unreferenced files older than `older_than` in the swept folders; their names.

    `storage` defaults to `storages["private"]`, a folder or an S3 bucket. With `dry_run`,
    nothing is deleted or audited: the names that would be deleted are returned.
    """
    floor = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    if older_than < floor:
        raise ValueError(f"older_than must be at least the task time limit ({floor})")
    storage = storage if storage is not None else storages["private"]
    where, old_files, delete = _backend(storage)

    for model, column in _name_columns():
        field = model._meta.get_field(column)
        if isinstance(field, models.FileField) and field.upload_to in swept_prefixes():
            try:
                elsewhere = _backend(field.storage)[0] != where
            except TypeError:
                elsewhere = True
            if elsewhere:
                logger.warning("storage sweep: %s files are not stored in %s", model, where)

    cutoff = timezone.now() - older_than
    oldest = _oldest_open_transaction()
    if oldest is not None and oldest < cutoff:
        logger.info("storage sweep: a transaction open since %s moves the cutoff back", oldest)
        cutoff = oldest
    deadline = cutoff.timestamp()

    deleted: list[str] = []

    def sweep(batch: list[tuple[str, Any]]) -> None:
        referenced = _referenced([name for name, _seen in batch])
        for name, seen in batch:
            if name in referenced:
                continue
            if dry_run or delete(name, seen, deadline):
                deleted.append(name)

    for prefix in swept_prefixes():
        batch: list[tuple[str, Any]] = []
        for item in old_files(prefix, deadline):
            batch.append(item)
            if len(batch) >= BATCH:
                sweep(batch)
                batch = []
        if batch:
            sweep(batch)
    if deleted and not dry_run:
        logger.info("storage sweep: deleted %d orphaned private files", len(deleted))
    return deleted
