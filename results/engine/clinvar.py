"""ClinVar loader: stream ClinVar's GRCh38 VCF and keep the records the engine reports.

Kept: Pathogenic / Likely pathogenic (CLNSIG), in an ACMG SF gene (GENEINFO), with review status
of at least ``min_stars`` (CLNREVSTAT) and, by default, no conflicting interpretation.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import unquote

from results.engine import knowledge_base as kb

# ClinVar's review-status vocabulary -> gold stars.
REVIEW_STARS: dict[str, int] = {
    "practice_guideline": 4,
    "reviewed_by_expert_panel": 3,
    "criteria_provided,_multiple_submitters,_no_conflicts": 2,
    "criteria_provided,_single_submitter": 1,
    "criteria_provided,_conflicting_classifications": 1,
    "criteria_provided,_conflicting_interpretations": 1,
    "no_assertion_criteria_provided": 0,
    "no_classification_provided": 0,
    "no_assertion_provided": 0,
    "no_interpretation_for_the_single_variant": 0,
    "no_classification_for_the_single_variant": 0,
}
# ACMG classes that make a variant reportable. CLNSIG joins concordant classes with "/" and
# appends non-ACMG terms with "|" (``Pathogenic|risk_factor``): the classes are parsed, never
# matched as one string. Low-penetrance P/LP counts only next to a full P or LP (policy).
REPORTABLE_CLASSES = frozenset({"Pathogenic", "Likely_pathogenic"})
LOW_PENETRANCE = frozenset({"Pathogenic,_low_penetrance", "Likely_pathogenic,_low_penetrance"})


def clnsig_classes(clnsig: str) -> tuple[list[str], list[str]]:
    """(ACMG classes, other terms) of a CLNSIG value."""
    primary, *others = clnsig.split("|")
    return [c for c in primary.split("/") if c], [o for o in others if o]


def clnsig_reportable(clnsig: str) -> bool:
    classes, _ = clnsig_classes(clnsig)
    return (
        bool(classes)
        and bool(REPORTABLE_CLASSES & set(classes))
        and set(classes) <= (REPORTABLE_CLASSES | LOW_PENETRANCE)
    )


class ClinVarFormatError(ValueError):
    """The file is not in ClinVar's VCF format."""


@dataclass(frozen=True, slots=True)
class ClinVarRecord:
    chrom: str
    pos: int
    ref: str
    alt: str
    gene: str
    clinvar_id: str
    allele_id: str
    hgvs: str
    condition: str
    classification: str
    review_status: str
    stars: int
    molecular_consequence: tuple[str, ...]


def _parse_info(text: str) -> dict[str, str]:
    info: dict[str, str] = {}
    for item in text.split(";"):
        key, _, value = item.partition("=")
        info[key] = value
    return info


def _open_text(path: Path) -> Iterator[str]:
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        yield from handle


def load_clinvar(
    path: str | os.PathLike[str],
    *,
    acmg_version: str = "3.2",
    min_stars: int = 1,
    allow_conflicts: bool = False,
    genes: frozenset[str] | None = None,
) -> list[ClinVarRecord]:
    """Stream ``clinvar.vcf.gz`` (or plain VCF) and return the reportable records."""
    wanted = genes if genes is not None else frozenset(kb.acmg_genes(acmg_version))
    records: list[ClinVarRecord] = []
    saw_header = False
    for line in _open_text(Path(path)):
        if line.startswith("#"):
            saw_header = saw_header or line.startswith("##fileformat=VCF")
            continue
        if not saw_header:
            raise ClinVarFormatError("not a VCF: no ##fileformat line before the records")
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 8:
            raise ClinVarFormatError(f"malformed ClinVar line: {line[:60]!r}")
        info = _parse_info(fields[7])
        clnsig = info.get("CLNSIG", "")
        if not clnsig_reportable(clnsig) and not (allow_conflicts and "athogenic" in clnsig):
            continue
        status = info.get("CLNREVSTAT", "")
        if "conflicting" in status and not allow_conflicts:
            continue
        if REVIEW_STARS.get(status, 0) < min_stars:
            continue
        gene_symbols = [g.split(":")[0] for g in info.get("GENEINFO", "").split("|") if g]
        in_scope = [g for g in gene_symbols if g in wanted]
        if not in_scope or fields[4] in (".", ""):
            continue
        chrom = fields[0] if fields[0].startswith("chr") else f"chr{fields[0]}"
        records.append(
            ClinVarRecord(
                chrom=chrom,
                pos=int(fields[1]),
                ref=fields[3].upper(),
                alt=fields[4].upper(),
                gene=in_scope[0],
                clinvar_id=fields[2],
                allele_id=info.get("ALLELEID", ""),
                hgvs=unquote(info.get("CLNHGVS", "")),
                condition=unquote(info.get("CLNDN", "")).replace("_", " "),
                classification=clnsig.replace("_", " "),
                review_status=status.replace("_", " "),
                stars=REVIEW_STARS.get(status, 0),
                molecular_consequence=tuple(
                    mc.split("|")[1] if "|" in mc else mc
                    for mc in info.get("MC", "").split(",")
                    if mc
                ),
            )
        )
    if not saw_header:
        raise ClinVarFormatError("not a VCF: no ##fileformat header")
    return records


def write_release(
    records: list[ClinVarRecord], *, directory: str | os.PathLike[str], release: str
) -> Path:
    """Write a compact JSON release file (``clinvar-<release>.json``) and return its path."""
    target = Path(directory) / f"clinvar-{release}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {"release": release, "records": [asdict(r) for r in records]}
    target.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
    return target


def read_release(path: str | os.PathLike[str]) -> tuple[str, list[ClinVarRecord]]:
    payload = json.loads(Path(path).read_text(encoding="utf-8"))
    records = [
        ClinVarRecord(**{**r, "molecular_consequence": tuple(r["molecular_consequence"])})
        for r in payload["records"]
    ]
    return payload["release"], records
