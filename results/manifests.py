"""Sample intake: a manifest (CSV) plus VCF files, uploaded or taken from a folder.

The web request only checks what is cheap and safe to check there: the manifest's rows,
file names, sizes and the gzip magic. Files are stored in the `private` storage (outside
the web root) and parsed only by the worker (`results.tasks.interpret_sample`), with the
engine's limits (R21). Each row is judged on its own: bad rows are reported, good rows go on.
"""

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import storages
from django.db import transaction

from participants.kits.barcodes import clean_scanned
from participants.kits.models import Kit, KitStatus
from participants.models import Participant, WithdrawalTier
from portal.audit import audit_record
from results.models import Interpretation, Sample, SampleManifest
from results.releases import current_release
from results.services.interpretation_queue import interpretations_queue

# Generous for a targeted or exome VCF; a whole genome is bgzipped and indexed (~1 GiB).
MAX_VCF_BYTES = getattr(settings, "RESULTS_MAX_VCF_BYTES", 2 * 1024**3)
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_MANIFEST_ROWS = 5000
# Private-storage folder of ingested VCFs: samples/<manifest>/... (swept: results.apps).
SAMPLES_FOLDER = "samples/"
COLUMNS = (
    "research_id",
    "sample_id",
    "vcf",
    "sex",
    # Optional provenance and inputs (docs/results.md, "Sample provenance").
    "lab_name",
    "clia_number",
    "cap_number",
    "absent_is_reference",
    "sequencing",
    "outside_calls",
    "array_genotypes",
    "kit_barcode",
)
SEQUENCING = {"": "", "wgs": "wgs", "exome": "exome", "targeted": "targeted"}
YES_NO = {"": None, "yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
CERTIFICATE = re.compile(r"^[A-Za-z0-9-]{1,20}$")
SIDE_FILE_SUFFIXES = (".tsv", ".txt", ".tsv.gz", ".txt.gz", ".csv", ".vcf", ".vcf.gz")
SAMPLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
VCF_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz")


MAX_SIDE_FILE_BYTES = 5 * 1024 * 1024


def _row_provenance(row: dict[str, str], manifest: SampleManifest) -> dict[str, Any] | str:
    """The row's lab, certificates, attestation and sequencing (manifest defaults filled in),
    or the reason the row is refused."""
    lab_name = row["lab_name"] or manifest.lab_name
    clia = row["clia_number"] or manifest.clia_number
    cap = row["cap_number"] or manifest.cap_number
    for label, value in (("CLIA", clia), ("CAP", cap)):
        if value and not CERTIFICATE.match(value):
            return f"The {label} number must be up to 20 letters, digits or dashes."
    attested = YES_NO.get(row["absent_is_reference"].lower(), "bad")
    if attested == "bad":
        return "absent_is_reference must be yes, no or empty."
    sequencing = SEQUENCING.get(row["sequencing"].lower())
    if sequencing is None:
        return "sequencing must be wgs, exome, targeted or empty."
    return {
        "lab_name": lab_name[:200],
        "clia_number": clia,
        "cap_number": cap,
        "absent_is_reference": manifest.absent_is_reference if attested is None else attested,
        "sequencing": sequencing,
    }


class ManifestError(ValueError):
    """The manifest as a whole cannot be read (no row is processed)."""


@dataclass
class IntakeOutcome:
    manifest: SampleManifest
    accepted: list[Sample] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def sanitize_filename(name: str) -> str | None:
    """A file name safe to store, or None when the name tries to leave its folder.

    Names with a path separator or a parent reference are refused outright rather than
    silently reduced to their last part: the manifest must name the file it means.
    """
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not name or "/" in name or "\\" in name or "\x00" in name or name in {".", ".."}:
        return None
    if name.startswith(".") or ".." in name:
        return None
    cleaned = _SAFE_NAME.sub("_", name)[:120]
    if not cleaned.lower().endswith(VCF_SUFFIXES):
        return None
    return cleaned


def sanitize_side_filename(name: str) -> str | None:
    """Like `sanitize_filename`, for an outside-call or array-genotype text file."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not name or "/" in name or "\\" in name or "\x00" in name or name.startswith("."):
        return None
    if ".." in name:
        return None
    cleaned = _SAFE_NAME.sub("_", name)[:120]
    return cleaned if cleaned.lower().endswith(SIDE_FILE_SUFFIXES) else None


def _looks_like_vcf(head: bytes) -> bool:
    return head[:2] == b"\x1f\x8b" or head.startswith(b"##fileformat=VCF")


def kit_barcode_error(value: str, participant: Participant) -> str | None:
    """The optional `kit_barcode` column: the received kit this VCF's DNA came from.

    Empty is accepted (manifests from before kits). Otherwise it must name a kit the
    biobank received for this very participant. Returns the row's error, or None.
    """
    if not value:
        return None

    barcode = clean_scanned(value)
    kit = Kit.objects.filter(barcode=barcode).first() if barcode else None
    if kit is None:
        return "Unknown kit barcode: no kit was ever issued with it."
    if kit.participant_id != participant.pk:
        return "This kit belongs to another participant: check the research id and barcode."
    if kit.status != KitStatus.RECEIVED or kit.destroy_flagged_at is not None:
        return "This kit was never received by the biobank (or was rejected); check the barcode."
    return None


def parse_manifest(raw: bytes) -> list[dict[str, str]]:
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"The manifest is over {MAX_MANIFEST_BYTES // 1024} KiB.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError("The manifest is not UTF-8 text.") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("research_id", "sample_id", "vcf") if c not in header]
    if missing:
        raise ManifestError(
            "The manifest needs the columns research_id, sample_id, vcf (and optionally sex); "
            f"missing: {', '.join(missing)}."
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if len(rows) >= MAX_MANIFEST_ROWS:
            raise ManifestError(f"The manifest has more than {MAX_MANIFEST_ROWS} rows.")
        rows.append({c: (row.get(c) or "").strip() for c in COLUMNS})
    if not rows:
        raise ManifestError("The manifest has no rows.")
    return rows


class FileSource:
    """Where the VCFs named by a manifest come from: uploaded files or a server folder."""

    def open(self, name: str) -> tuple[IO[bytes], int] | None:  # pragma: no cover - interface
        raise NotImplementedError


class UploadedFiles(FileSource):
    def __init__(self, files: Iterable[Any]) -> None:
        self.files: dict[str, Any] = {}
        for f in files:
            base = Path(f.name).name if f.name else ""
            safe = sanitize_filename(base) or sanitize_side_filename(base)
            if safe is not None:
                self.files[safe] = f

    def open(self, name: str) -> tuple[IO[bytes], int] | None:
        f = self.files.get(name)
        if f is None:
            return None
        f.seek(0)
        return f, f.size


class FolderFiles(FileSource):
    """Files of one folder, which must lie inside an allowed import root."""

    def __init__(self, folder: str | Path, *, roots: Iterable[str | Path]) -> None:
        path = Path(folder).resolve()
        allowed = [Path(r).resolve() for r in roots]
        if not any(path == r or path.is_relative_to(r) for r in allowed):
            raise ManifestError("That folder is outside the import folders allowed for samples.")
        if not path.is_dir():
            raise ManifestError("That folder does not exist.")
        self.folder = path

    def open(self, name: str) -> tuple[IO[bytes], int] | None:
        candidate = (self.folder / name).resolve()
        # The name is already sanitised; this also refuses a symlink pointing elsewhere.
        if candidate.parent != self.folder or not candidate.is_file():
            return None
        return candidate.open("rb"), candidate.stat().st_size


def import_roots() -> list[Path]:
    default = [Path(settings.PRIVATE_STORAGE_ROOT) / "incoming"]
    return [Path(p) for p in getattr(settings, "RESULTS_IMPORT_ROOTS", default)]


def _store(handle: IO[bytes], name: str) -> tuple[str, str, int]:
    """Copies into private storage (streamed); returns (stored name, sha256, bytes)."""
    storage = storages["private"]
    stored = storage.save(name, File(handle, name=Path(name).name))
    digest = hashlib.sha256()
    size = 0
    with storage.open(stored, "rb") as copy:
        for block in iter(lambda: copy.read(1 << 20), b""):
            size += len(block)
            digest.update(block)
    if size > MAX_VCF_BYTES:
        storage.delete(stored)
        raise ValueError("too large")
    return stored, digest.hexdigest(), size


@transaction.atomic
def sample_manifest_ingest(
    *,
    actor: Any,
    manifest_bytes: bytes,
    manifest_name: str,
    files: FileSource,
    source: str = SampleManifest.Source.UPLOAD,
    defaults: dict[str, Any] | None = None,
) -> IntakeOutcome:
    """Validates every row on its own; stores and queues the good ones.

    Raises ManifestError when the manifest itself is unreadable. Otherwise returns the
    accepted samples and one error per refused row, each naming the row and why.
    """
    rows = parse_manifest(manifest_bytes)
    release = current_release()
    if release is None:
        raise ManifestError("No knowledge-base release is loaded: run load_knowledge_base first.")
    defaults = defaults or {}
    manifest = SampleManifest.objects.create(
        uploaded_by=actor,
        source=source,
        filename=(manifest_name or "manifest.csv")[:200],
        rows_total=len(rows),
        lab_name=str(defaults.get("lab_name") or "")[:200],
        clia_number=str(defaults.get("clia_number") or "")[:20],
        cap_number=str(defaults.get("cap_number") or "")[:20],
        absent_is_reference=bool(defaults.get("absent_is_reference")),
    )
    outcome = IntakeOutcome(manifest=manifest)
    research_ids = {r["research_id"] for r in rows}
    participants = {
        p.research_id: p for p in Participant.objects.filter(research_id__in=research_ids)
    }
    wanted_ids = [r["sample_id"] for r in rows]
    taken = set(Sample.objects.filter(sample_id__in=wanted_ids).values_list("sample_id", flat=True))
    seen: dict[str, int] = {}

    for number, row in enumerate(rows, start=2):  # row 1 is the header

        def refuse(message: str, row=row, number=number) -> None:
            outcome.errors.append(
                {
                    "row": number,
                    "research_id": row["research_id"][:32],
                    "sample_id": row["sample_id"][:64],
                    "error": message,
                }
            )

        sample_id = row["sample_id"]
        participant = participants.get(row["research_id"])
        if not SAMPLE_ID.match(sample_id):
            refuse("Sample id must be 1–64 letters, digits, dots, dashes or underscores.")
            continue
        if sample_id in seen:
            refuse(f"Duplicate sample id: also on row {seen[sample_id]}.")
            continue
        seen[sample_id] = number
        if sample_id in taken:
            refuse("Duplicate sample id: this sample was already received.")
            continue
        if participant is None:
            refuse("Unknown research id.")
            continue
        if participant.withdrawal_tier is not None and participant.withdrawal_tier >= (
            WithdrawalTier.NO_FURTHER_USE
        ):
            refuse("This participant has withdrawn; their samples may not be used.")
            continue
        if kit_error := kit_barcode_error(row["kit_barcode"], participant):
            refuse(kit_error)
            continue
        sex = row["sex"].lower()
        if sex not in {"", "male", "female"}:
            refuse("Sex must be male, female or empty.")
            continue
        provenance = _row_provenance(row, manifest)
        if isinstance(provenance, str):
            refuse(provenance)
            continue
        name = sanitize_filename(row["vcf"])
        if name is None:
            refuse("The VCF file name is not allowed (no folders; it must end in .vcf or .vcf.gz).")
            continue
        opened = files.open(name)
        if opened is None:
            refuse(f"The file {name} was not provided.")
            continue
        handle, size = opened
        try:
            if size > MAX_VCF_BYTES:
                refuse(f"The file {name} is over the {MAX_VCF_BYTES // 1024**2} MiB limit.")
                continue
            if size == 0 or not _looks_like_vcf(handle.read(18)):
                refuse(f"The file {name} is not a VCF (plain or gzip-compressed).")
                continue
            handle.seek(0)
            try:
                stored, sha, stored_size = _store(
                    handle, f"{SAMPLES_FOLDER}{manifest.pk}/{sample_id}-{name}"
                )
            except ValueError:
                refuse(f"The file {name} is over the {MAX_VCF_BYTES // 1024**2} MiB limit.")
                continue
        finally:
            if isinstance(files, FolderFiles):
                handle.close()
        side: dict[str, str] = {}
        side_error = None
        for column in ("outside_calls", "array_genotypes"):
            if not row[column]:
                continue
            side_name = sanitize_side_filename(row[column])
            if side_name is None:
                side_error = (
                    f"The {column} file name is not allowed (.tsv, .txt, .csv or .vcf, no folders)."
                )
                break
            opened_side = files.open(side_name)
            if opened_side is None:
                side_error = f"The file {side_name} was not provided."
                break
            side_handle, side_size = opened_side
            try:
                if side_size > MAX_SIDE_FILE_BYTES:
                    side_error = f"The file {side_name} is too large."
                    break
                stored_side, side_sha, _size = _store(
                    side_handle, f"{SAMPLES_FOLDER}{manifest.pk}/{sample_id}-{column}-{side_name}"
                )
            finally:
                if isinstance(files, FolderFiles):
                    side_handle.close()
            side[f"{column}_name"], side[f"{column}_sha256"] = stored_side, side_sha
        if side_error is not None:
            storages["private"].delete(stored)
            for key, value in side.items():
                if key.endswith("_name"):
                    storages["private"].delete(value)
            refuse(side_error)
            continue
        sample = Sample.objects.create(
            manifest=manifest,
            participant=participant,
            sample_id=sample_id,
            manifest_row=number,
            vcf_name=stored,
            vcf_sha256=sha,
            vcf_bytes=stored_size,
            sex=sex,
            **provenance,
            **side,
        )
        outcome.accepted.append(sample)

    manifest.rows_accepted = len(outcome.accepted)
    manifest.row_errors = outcome.errors
    manifest.save(update_fields=["rows_accepted", "row_errors"])
    interpretations = Interpretation.objects.bulk_create(
        [Interpretation(sample=s, release=release) for s in outcome.accepted]
    )
    audit_record(
        action="results.manifest.ingest",
        actor=actor,
        target=manifest,
        data={"rows": len(rows), "accepted": len(outcome.accepted), "refused": len(outcome.errors)},
    )

    interpretations_queue(interpretation_ids=[i.pk for i in interpretations])
    return outcome
