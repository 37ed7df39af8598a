"""Outside calls: genotypes from dedicated tools (Cyrius, StellarPGx, Aldy, OptiType...), in
PharmCAT's outside-call format, reported instead of what the VCF alone could say.

The file is tab-separated text, one gene per line: ``gene``, ``diplotype``, ``phenotype``,
``activity score`` (the last three may be blank, not all of them). Lines starting with ``#`` are
comments; ``#tool=Cyrius 1.1`` names the tool. As PharmCAT does: gene prefixes on alleles are
stripped (``CYP2D6*1`` -> ``*1``), sub-alleles are cut (``*4.024`` -> ``*4``), HLA alleles are
cut to two fields (``*57:01:01`` -> ``*57:01``), PM/IM/NM/RM/UM/EM are accepted (EM = normal),
and for activity-score genes a stated score wins over a stated phenotype (a mismatch is noted).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from results.engine import knowledge_base as kb
from results.engine import mitochondrial

if TYPE_CHECKING:
    from results.engine.pgx import GeneCall

MAX_BYTES = 64 * 1024
HLA_ALLELES_OF_INTEREST: dict[str, tuple[str, ...]] = {
    "HLA-A": ("*31:01",),
    "HLA-B": ("*57:01", "*58:01", "*15:02"),
}
PHENOTYPE_ABBREVIATIONS = {
    "PM": "Poor Metabolizer",
    "IM": "Intermediate Metabolizer",
    "NM": "Normal Metabolizer",
    "EM": "Normal Metabolizer",
    "RM": "Rapid Metabolizer",
    "UM": "Ultrarapid Metabolizer",
}
_ALLELE = re.compile(r"^\*?[A-Za-z0-9:.+>\-≥x× ]{1,60}$")
_SCORE = re.compile(r"^≥?\d{1,2}(\.\d{1,2})?$")


class OutsideCallError(ValueError):
    """The outside-call file cannot be used; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class OutsideCall:
    gene: str
    diplotype: str | None
    phenotype: str | None
    activity_score: str | None
    tool: str | None


def supported_genes() -> tuple[str, ...]:
    return kb.ALL_PGX_GENES


def parse_outside_calls(path: str | Path) -> dict[str, OutsideCall]:
    source = Path(path)
    try:
        raw = source.read_bytes()[: MAX_BYTES + 1]
    except OSError:
        raise OutsideCallError(f"outside-call file not found: {source.name}") from None
    if len(raw) > MAX_BYTES:
        raise OutsideCallError("the outside-call file is over 64 KiB; one line per gene is enough")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise OutsideCallError("the outside-call file is not UTF-8 text") from None
    return parse_outside_text(text)


def parse_outside_text(text: str) -> dict[str, OutsideCall]:
    calls: dict[str, OutsideCall] = {}
    tool: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if stripped.lower().startswith("#tool="):
                tool = _clean(stripped[6:], number, "tool")[:60] or None
            continue
        fields = [f.strip() for f in line.rstrip("\r\n").split("\t")]
        gene = fields[0].upper()
        if gene == "MT_RNR1":
            gene = "MT-RNR1"
        if gene not in supported_genes():
            shown = re.sub(r"[^A-Za-z0-9_.-]", "?", fields[0][:20])  # never echo markup
            raise OutsideCallError(f"line {number}: gene {shown!r} is not one this portal reports")
        if gene in calls:
            raise OutsideCallError(f"line {number}: {gene} is given twice")
        diplotype = _diplotype(gene, fields[1] if len(fields) > 1 else "", number)
        phenotype = _phenotype(fields[2] if len(fields) > 2 else "", number)
        score = fields[3] if len(fields) > 3 else ""
        if score and not _SCORE.match(score):
            raise OutsideCallError(f"line {number}: activity score {score[:12]!r} is not a number")
        if not (diplotype or phenotype or score):
            raise OutsideCallError(
                f"line {number}: {gene} has no diplotype, phenotype or activity score"
            )
        calls[gene] = OutsideCall(gene, diplotype, phenotype, score or None, tool)
    if not calls:
        raise OutsideCallError("the outside-call file names no gene")
    return calls


def _clean(value: str, number: int, what: str) -> str:
    if any(not ch.isprintable() for ch in value):
        raise OutsideCallError(f"line {number}: the {what} contains control characters")
    return value.strip()


def _allele(gene: str, allele: str, number: int) -> str:
    allele = _clean(allele, number, "diplotype")
    allele = allele.removeprefix(gene).removeprefix("HLA-").strip()
    if gene.startswith("HLA-"):
        allele = allele.removeprefix(gene[4:])
        fields = allele.lstrip("*").split(":")
        if len(fields) < 2 or not all(f.isdigit() for f in fields[:2]):
            raise OutsideCallError(f"line {number}: {gene} allele {allele[:20]!r} is not *NN:NN")
        return "*" + ":".join(fields[:2])
    if gene == "MT-RNR1":
        return allele
    match = re.match(r"^(\*\d+)\.\d+(.*)$", allele)
    if match:  # *4.024 -> *4
        allele = match.group(1) + match.group(2)
    copies = re.match(r"^(\*\w+)\s*[x×]\s*(\d+|N|≥\d+)$", allele)
    if copies:
        allele = f"{copies.group(1)}x{copies.group(2).lstrip('≥')}"
    if not _ALLELE.match(allele):
        raise OutsideCallError(f"line {number}: allele {allele[:20]!r} is not an allele name")
    return allele


def _diplotype(gene: str, value: str, number: int) -> str | None:
    value = value.strip()
    if not value:
        return None
    parts = value.split("/")
    if len(parts) > 2:
        raise OutsideCallError(f"line {number}: diplotype {value[:30]!r} has more than two alleles")
    return "/".join(_allele(gene, p, number) for p in parts)


def _phenotype(value: str, number: int) -> str | None:
    value = _clean(value, number, "phenotype")
    if not value:
        return None
    return PHENOTYPE_ABBREVIATIONS.get(value.upper(), value)


# ------------------------------------------------------------------------- interpretation


def _cyp2d6_phenotype(score: float) -> str:
    # CPIC 2019 CYP2D6 bins (CLINICAL-NOTES §3)
    if score == 0:
        return "Poor Metabolizer"
    if score <= 1.0:
        return "Intermediate Metabolizer"
    if score <= 2.25:
        return "Normal Metabolizer"
    return "Ultrarapid Metabolizer"


def _cyp2d6_score(diplotype: str) -> tuple[str | None, list[str]]:
    activity = kb.gene_phenotypes()["CYP2D6"].allele_activity
    total = 0.0
    at_least = False
    notes = []
    for allele in diplotype.split("/"):
        name, _, copies = allele.partition("x")
        value = activity.get(name)
        if value is None:
            return None, [f"CYP2D6 allele {name} has no CPIC activity value"]
        if copies in ("", "1"):
            total += value
        elif copies == "N":
            total += value * 2
            at_least = True
            notes.append(f"{name} duplicated, copy number not given: score is a minimum")
        else:
            total += value * int(copies)
    text = f"{total:.2f}".rstrip("0").rstrip(".")
    text = text if "." in text else f"{text}.0"
    return ("≥" + text if at_least else text), notes


def outside_call_result(gene: str, outside: OutsideCall, *, vcf_call: GeneCall | None) -> GeneCall:
    from results.engine import pgx  # not at the top: pgx imports this module (a cycle)

    call = pgx.GeneCall(gene, [], None, None, [], [])
    call.status = pgx.Status.OUTSIDE_CALL
    call.source = "outside_call"
    call.outside_call_tool = outside.tool
    call.diplotypes = [outside.diplotype] if outside.diplotype else []
    call.notes.append(
        f"reported from an outside call{' (' + outside.tool + ')' if outside.tool else ''}, "
        "not from the VCF"
    )
    if vcf_call is not None and vcf_call.reportable and vcf_call.diplotypes != call.diplotypes:
        call.notes.append(
            "the VCF alone gave " + " or ".join(vcf_call.diplotypes) + "; the outside call wins"
        )
    if gene in HLA_ALLELES_OF_INTEREST:
        _hla(call, outside)
    elif gene == "MT-RNR1":
        _mito(call, outside)
    elif gene == "CYP2D6":
        _cyp2d6(call, outside)
    else:
        _defined_gene(call, outside)
    if call.phenotype is None and not call.allele_status and call.reportable:
        call.not_determined(
            "outside_call_unreadable", "the outside call could not be turned into a phenotype"
        )
    return call


def _hla(call: GeneCall, outside: OutsideCall) -> None:
    interest = HLA_ALLELES_OF_INTEREST[call.gene]
    carried = set(outside.diplotype.split("/")) if outside.diplotype else set()
    if carried:
        call.allele_status = {a: "positive" if a in carried else "negative" for a in interest}
    elif outside.phenotype:
        match = re.match(r"^(\*\d{2}:\d{2})\s+(positive|negative)$", outside.phenotype.strip())
        if match and match.group(1) in interest:
            call.allele_status = {match.group(1): match.group(2)}
    if call.allele_status:
        call.phenotype = "; ".join(f"{a} {s}" for a, s in call.allele_status.items())


def _mito(call: GeneCall, outside: OutsideCall) -> None:
    by_name = {v.name: v for v in mitochondrial.variants()}
    if outside.diplotype:
        names = [n for n in outside.diplotype.split("+") if n]
        risks = [by_name[n].risk for n in names if n in by_name]
        if outside.diplotype == "Reference":
            call.phenotype = mitochondrial.NORMAL
        elif len(risks) == len(names):
            call.phenotype = (
                mitochondrial.INCREASED
                if mitochondrial.INCREASED in risks
                else mitochondrial.UNCERTAIN
                if mitochondrial.UNCERTAIN in risks
                else mitochondrial.NORMAL
            )
    if call.phenotype is None and outside.phenotype:
        value = outside.phenotype.lower()
        if value in (mitochondrial.INCREASED, mitochondrial.UNCERTAIN, mitochondrial.NORMAL):
            call.phenotype = value


def _cyp2d6(call: GeneCall, outside: OutsideCall) -> None:
    score = outside.activity_score
    if score is None and outside.diplotype:
        score, notes = _cyp2d6_score(outside.diplotype)
        call.notes.extend(notes)
    if score is not None:
        call.activity_score = score
        value = float(score.lstrip("≥"))
        call.phenotype = _cyp2d6_phenotype(value)
        if outside.phenotype and outside.phenotype != call.phenotype:
            call.notes.append(
                f"the stated phenotype ({outside.phenotype}) disagrees with the activity score "
                f"{score}; the score wins (CPIC)"
            )
    elif outside.phenotype:
        call.phenotype = outside.phenotype


def _defined_gene(call: GeneCall, outside: OutsideCall) -> None:
    from results.engine import pgx  # not at the top: pgx imports this module (a cycle)

    gene = call.gene
    phenotype = activity = None
    if outside.diplotype:
        names = tuple(outside.diplotype.split("/"))
        phenotype, activity = pgx._phenotype_for(gene, names)
    if gene in pgx.ACTIVITY_SCORE_GENES:
        activity = outside.activity_score or activity
        call.activity_score = activity
        call.phenotype = phenotype or outside.phenotype
    else:
        call.phenotype = outside.phenotype or phenotype
        if outside.phenotype and phenotype and outside.phenotype != phenotype:
            call.notes.append(
                f"the stated phenotype ({outside.phenotype}) differs from the diplotype's "
                f"({phenotype}); the stated phenotype wins (PharmCAT)"
            )


def as_mapping(calls: Mapping[str, OutsideCall] | None) -> dict[str, OutsideCall]:
    return dict(calls or {})
