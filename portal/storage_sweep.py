"""Deletes orphaned files from private storage: written, but no row ever came to name them.

Signed consent PDFs (`participants.consent.tasks._store_document`), report PDFs
(`results.documents.document_render`) and sample VCFs (`results.manifests.sample_manifest_ingest`)
are written to private storage first and their row is committed after. A worker killed in
between (SIGKILL, OOM), or an ingest whose transaction rolls back, leaves a file no row
refers to: never served, but personal data that nothing in the database can find.

Safety rules (docs/architecture.md, "Orphaned private files"):

- only the folders these writers use (`swept_prefixes`), only plain files: symlinks are never
  followed or deleted, and a symlinked folder is never entered;
- a file is deleted only when no name column refers to it (every FileField of every model,
  plus the CharFields that hold private-storage names, see `_name_columns`), and when it was
  last written before the cutoff: `older_than` ago (never less than the task time limit),
  or earlier still when a database transaction has been open since before then (it may
  hold the uncommitted row of a file it wrote);
- the file is first renamed aside, and deleted only if it is still the same, still old
  file: one rewritten meanwhile (a report re-rendered under its fixed name) is put back;
- the audit row of each deletion commits before the file is unlinked.
"""

import logging
import os
import stat
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection, models, transaction
from django.utils import timezone

from portal import hooks
from portal.audit import audit_record

logger = logging.getLogger(__name__)

ACTION = "storage.orphan_deleted"
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


def _old_files(root: str, prefix: str, cutoff: float) -> Iterator[tuple[str, os.stat_result]]:
    """(name, lstat) of each plain file under `prefix` last written before `cutoff`."""
    top = os.path.join(root, prefix.rstrip("/"))
    if os.path.realpath(top) != top:  # a symlink on the way: it may lead out of the root
        logger.warning("storage sweep: %s is a symlink, not swept", prefix)
        return
    if not os.path.isdir(top):
        return
    # An import folder configured inside a swept folder holds operators' files: never ours.
    never = [
        folder
        for entry in hooks.private_files()
        if entry.never_sweep
        for folder in entry.never_sweep()
    ]
    skipped = [r for r in map(os.path.realpath, never) if _within(r, top)]
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


def private_orphans_sweep(
    *,
    older_than: timedelta = timedelta(hours=1),
    dry_run: bool = False,
    storage: FileSystemStorage | None = None,
) -> list[str]:
    """Deletes unreferenced files older than `older_than` in the swept folders; their names.

    `storage` defaults to `storages["private"]`. With `dry_run`, nothing is deleted or
    audited: the names that would be deleted are returned.
    """
    floor = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    if older_than < floor:
        raise ValueError(f"older_than must be at least the task time limit ({floor})")
    storage = storage if storage is not None else storages["private"]
    if not isinstance(storage, FileSystemStorage):
        raise TypeError("only a file-system storage can be swept")
    root = os.path.realpath(storage.location)

    for model, column in _name_columns():
        field = model._meta.get_field(column)
        if isinstance(field, models.FileField) and field.upload_to in swept_prefixes():
            location = getattr(field.storage, "location", "")
            if os.path.realpath(location) != root:
                logger.warning("storage sweep: %s files are not stored under %s", model, root)

    cutoff = timezone.now() - older_than
    oldest = _oldest_open_transaction()
    if oldest is not None and oldest < cutoff:
        logger.info("storage sweep: a transaction open since %s moves the cutoff back", oldest)
        cutoff = oldest
    deadline = cutoff.timestamp()

    deleted: list[str] = []

    def sweep(batch: list[tuple[str, os.stat_result]]) -> None:
        referenced = _referenced([name for name, _seen in batch])
        for name, seen in batch:
            if name in referenced:
                continue
            if dry_run or _delete(root, name, seen, deadline):
                deleted.append(name)

    for prefix in swept_prefixes():
        batch: list[tuple[str, os.stat_result]] = []
        for item in _old_files(root, prefix, deadline):
            batch.append(item)
            if len(batch) >= BATCH:
                sweep(batch)
                batch = []
        if batch:
            sweep(batch)
    if deleted and not dry_run:
        logger.info("storage sweep: deleted %d orphaned private files", len(deleted))
    return deleted
