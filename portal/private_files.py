"""Private files wherever they are stored: a local path for code that needs one.

On one host `storages["private"]` is a folder; on several hosts it is S3-compatible object
storage (docs/deploy.md), where a file has no path. htslib (pysam) reads a VCF by path and
seeks through its tabix index, so a worker copies the object (and its index, if one is
stored next to it) into a temporary folder for the length of the work, then deletes it.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import Storage, storages

INDEX_SUFFIXES = (".tbi", ".csi")


def _private(storage: Storage | None) -> Storage:
    return storage if storage is not None else storages["private"]


def has_local_paths(storage: Storage | None = None) -> bool:
    try:
        _private(storage).path("probe")
    except NotImplementedError:
        return False
    return True


def _download(storage: Storage, name: str, target: Path) -> None:
    with storage.open(name, "rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)


@contextlib.contextmanager
def local_copy(name: str, *, storage: Storage | None = None) -> Iterator[Path]:
    """A path to the stored file `name`: the file itself on a file system, else a temporary
    copy (with its .tbi/.csi index when stored), deleted when the block ends."""
    storage = _private(storage)
    if has_local_paths(storage):
        yield Path(storage.path(name))
        return
    with tempfile.TemporaryDirectory(prefix="portal-private-") as folder:
        target = Path(folder) / PurePosixPath(name).name
        _download(storage, name, target)
        for suffix in INDEX_SUFFIXES:
            if storage.exists(name + suffix):
                _download(storage, name + suffix, Path(f"{target}{suffix}"))
        yield target


def store_file(source: str | Path, name: str, *, storage: Storage | None = None) -> str:
    """Copies a local file into private storage under `name`; returns the stored name."""
    storage = _private(storage)
    with Path(source).open("rb") as handle:
        return storage.save(name, File(handle, name=PurePosixPath(name).name))
