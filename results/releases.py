"""Knowledge-base releases: register the current one, and give workers its ClinVar records."""

import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Any

from django.core.files.storage import storages
from django.db import transaction

from portal.audit import audit_record
from portal.private_files import local_copy, store_file
from results.engine import clinvar, knowledge_base
from results.models import KnowledgeBaseRelease

CLINVAR_FOLDER = "knowledge/clinvar"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@transaction.atomic
def knowledge_base_release_register(
    *, clinvar_path: str | Path | None = None, actor: Any = None, make_current: bool = True
) -> tuple[KnowledgeBaseRelease, bool]:
    """Registers the knowledge base in `results/engine/knowledge/` (+ a ClinVar release file).

    Returns (release, created). Registering the same identity twice returns the first row;
    the ClinVar file is copied into private storage so the release never depends on a path
    an operator may later delete.
    """
    release_label = None
    records: list = []
    stored_name = ""
    sha = ""
    if clinvar_path is not None:
        source = Path(clinvar_path)
        release_label, records = clinvar.read_release(source)
        sha = _sha256(source)
        storage = storages["private"]
        stored_name = f"{CLINVAR_FOLDER}/clinvar-{release_label}-{sha[:12]}.json"
        if not storage.exists(stored_name):
            stored_name = store_file(source, stored_name, storage=storage)
    identity = knowledge_base.knowledge_base_identity(release_label)
    existing = KnowledgeBaseRelease.objects.filter(release=identity["release"]).first()
    if existing is not None:
        if make_current and not existing.is_current:
            KnowledgeBaseRelease.objects.filter(is_current=True).update(is_current=False)
            existing.is_current = True
            existing.save(update_fields=["is_current"])
        return existing, False
    if make_current:
        KnowledgeBaseRelease.objects.filter(is_current=True).update(is_current=False)
    release = KnowledgeBaseRelease.objects.create(
        name=identity["name"],
        date=dt.date.fromisoformat(identity["date"]),
        release=identity["release"],
        sources=identity["sources"],
        clinvar_release=release_label or "",
        clinvar_file=stored_name,
        clinvar_sha256=sha,
        clinvar_records=len(records),
        is_current=make_current,
    )
    audit_record(
        action="results.kb_release.register",
        actor=actor,
        target=release,
        data={"release": release.release, "clinvar": release.clinvar_release},
    )
    return release, True


def current_release() -> KnowledgeBaseRelease | None:
    return KnowledgeBaseRelease.objects.filter(is_current=True).first()


@functools.lru_cache(maxsize=4)
def _clinvar_records(name: str, sha256: str) -> tuple[str, list]:
    # Keyed by the checksum too: a worker never reuses records of a replaced file.
    with local_copy(name) as path:
        if _sha256(path) != sha256:
            raise RuntimeError(f"ClinVar release file {name} does not match its checksum")
        return clinvar.read_release(path)


def clinvar_for(release: KnowledgeBaseRelease) -> tuple[str, list] | None:
    """What `interpret_vcf(clinvar=...)` takes for this release (None: no ClinVar)."""
    if not release.clinvar_file:
        return None
    return _clinvar_records(release.clinvar_file, release.clinvar_sha256)


def newest_clinvar() -> tuple[str, list] | Path | None:
    """The ClinVar release to use when none is named: the current knowledge-base release's, else
    the newest release file that `load_clinvar` wrote, else None (disease risk not determined)."""
    release = current_release()
    if release is not None and release.clinvar_file:
        return clinvar_for(release)
    try:
        folder = Path(storages["private"].path(CLINVAR_FOLDER))
    except NotImplementedError:  # object storage: only registered releases are used
        return None
    files = sorted(folder.glob("clinvar-*.json")) if folder.is_dir() else []
    return files[-1] if files else None
