"""One entry point: a VCF in, the interpretation dict out (QC, PGx, disease risk, traits).

Pure Python and database-free; the Django task layer stores what this returns.
"""

from __future__ import annotations

import csv
import functools
import gzip
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from results.engine import clinvar as clinvar_module
from results.engine import disease_risk, pgx, qc, traits
from results.engine import knowledge_base as kb
from results.engine.callability import PositionState, position_state
from results.engine.clinvar import ClinVarRecord
from results.engine.outside_calls import OutsideCall, parse_outside_calls
from results.engine.vcf_intake import (
    DEFAULT_LIMITS,
    IntakeLimits,
    SiteReadout,
    VcfIntakeError,
    VcfSource,
    check_reference_agreement,
    open_vcf,
)

ClinVarInput = (
    Sequence[ClinVarRecord] | tuple[str, Sequence[ClinVarRecord]] | str | os.PathLike[str] | None
)
OutsideInput = Mapping[str, OutsideCall] | str | os.PathLike[str] | None
MAX_ARRAY_SITES = 200_000


def _resolve_clinvar(clinvar: ClinVarInput) -> tuple[str | None, list[ClinVarRecord]]:
    """Accepts a release file path, (release, records), or bare records (release 'unlabelled')."""
    if clinvar is None:
        return None, []
    if isinstance(clinvar, (str, os.PathLike)):
        release, records = clinvar_module.read_release(Path(clinvar))
        return release, records
    if isinstance(clinvar, tuple) and len(clinvar) == 2 and isinstance(clinvar[0], str):
        return clinvar[0], list(clinvar[1])
    return "unlabelled", list(clinvar)  # type: ignore[arg-type]


def _resolve_outside(outside: OutsideInput) -> dict[str, OutsideCall]:
    if outside is None:
        return {}
    if isinstance(outside, (str, os.PathLike)):
        return parse_outside_calls(outside)
    return dict(outside)


def _expected_refs(knowledge: Sequence[ClinVarRecord]) -> dict[tuple[str, int], str]:
    refs = {(locus.chrom, locus.position): locus.ref for locus in pgx.target_loci()}
    for record in knowledge:
        refs.setdefault((record.chrom, record.pos), record.ref)
    for site in kb.trait_sites():
        if site.verified_ref:
            refs.setdefault((site.chrom, site.position), site.verified_ref)
    return refs


@functools.cache
def _grch37_probes() -> dict[tuple[str, int], tuple[str, str, int]]:
    """Known PGx variants at their GRCh37 positions -> (ref, alt, GRCh38 position), from pypgx."""
    probes: dict[tuple[str, int], tuple[str, str, int]] = {}
    with (kb.KNOWLEDGE_DIR / "pypgx" / "variant-table.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            pos37, pos38 = row["GRCh37Position"], row["GRCh38Position"]
            ref, alt = row["GRCh37Allele"], row["Variant"]
            if not (pos37.isdigit() and pos38.isdigit()) or pos37 == pos38:
                continue
            if len(ref) != 1 or len(alt) != 1 or ref == alt:
                continue
            probes[(f"chr{row['Chromosome']}", int(pos37))] = (ref, alt, int(pos38))
    return probes


def _targets(knowledge: Sequence[ClinVarRecord]) -> list[tuple[str, int]]:
    return (
        pgx.target_positions()
        + disease_risk.target_positions(knowledge)
        + traits.target_positions()
        + list(_grch37_probes())
    )


def _read(source: VcfSource, knowledge: Sequence[ClinVarRecord]) -> tuple[SiteReadout, qc.Check]:
    records = source.read_sites(_targets(knowledge))
    expected = _expected_refs(knowledge)
    check_reference_agreement(records, expected)
    checked = sum(len(records.get(key, ())) for key in expected)
    hits37 = hits38 = 0
    for key, (ref, alt, pos38) in _grch37_probes().items():
        if any(r.ref == ref and alt in r.alts for r in records.get(key, ())):
            hits37 += 1
        if any(r.ref == ref and alt in r.alts for r in records.get((key[0], pos38), ())):
            hits38 += 1
    return records, qc.build_check(checked, hits37, hits38)


def _read_array(path: str | os.PathLike[str]) -> dict[tuple[str, int], tuple[str, ...]]:
    """An array genotype of the same participant: (chrom, pos) -> the two called alleles.

    Either a single-sample VCF, or a text table as genotyping arrays export it: tab- or
    comma-separated ``chrom, pos, genotype`` or ``rsid, chrom, pos, genotype`` (23andMe and
    AncestryDNA-style), genotype as ``AG``, ``A/G`` or ``A|G``; ``#`` lines are comments.
    """
    source = Path(path)
    with source.open("rb") as handle:
        head = handle.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    with opener(source, "rt", encoding="utf-8", errors="replace") as handle:  # type: ignore[operator]
        first = handle.readline()
        if first.startswith("##fileformat=VCF"):
            return _read_array_vcf(source)
        out: dict[tuple[str, int], tuple[str, ...]] = {}
        for line in [first, *handle]:
            if line.startswith("#") or not line.strip() or len(out) >= MAX_ARRAY_SITES:
                continue
            fields = [f.strip() for f in line.replace(",", "\t").split("\t") if f.strip()]
            if len(fields) >= 4 and fields[2].isdigit():
                fields = fields[1:]  # rsid, chromosome, position, genotype
            if len(fields) < 3 or not fields[1].isdigit():
                continue  # a header row, or a line that is not a site
            genotype = fields[2].replace("/", "").replace("|", "").upper()
            if len(genotype) != 2 or any(base not in "ACGT" for base in genotype):
                continue  # no-calls ("--"), indels ("DI") are not compared
            chrom = "chr" + fields[0].removeprefix("chr")
            out[(chrom, int(fields[1]))] = (genotype[0], genotype[1])
        return out


def _read_array_vcf(path: Path) -> dict[tuple[str, int], tuple[str, ...]]:
    out: dict[tuple[str, int], tuple[str, ...]] = {}
    with open_vcf(path) as source:
        tabix = source._open_tabix()
        for contig in tabix.contigs:
            chrom = "chr" + contig.removeprefix("chr")
            for line in tabix.fetch(contig):
                fields = line.split("\t")
                if len(fields) < 10 or len(out) >= MAX_ARRAY_SITES:
                    continue
                alleles = (fields[3], *fields[4].split(","))
                gt = fields[9].split(":", 1)[0].replace("|", "/").split("/")
                if any(not g.isdigit() or int(g) >= len(alleles) for g in gt):
                    continue
                out[(chrom, int(fields[1]))] = tuple(alleles[int(g)] for g in gt)
    return out


def _callability(records: SiteReadout, lab_attested: bool) -> dict[str, Any]:
    if lab_attested:
        mode = "lab_attested"
        detail = (
            "the lab attested that positions absent from the file are reference for its "
            "validated pipeline"
        )
    elif records.gvcf:
        mode = "gvcf"
        detail = "reference established from gVCF reference blocks (GQ and depth checked)"
    else:
        mode = "records"
        detail = (
            "only positions with a record in the file were read; absent positions are "
            "not assumed reference"
        )
    return {"mode": mode, "lab_attested": lab_attested, "detail": detail}


def _disease_risk_scope(
    release: str | None, callability: dict[str, Any], acmg_version: str = "3.2"
) -> dict[str, Any]:
    genes = sorted(kb.acmg_genes(acmg_version))
    if release is None:
        status, reason = "not_determined", "no ClinVar release was loaded"
    elif callability["mode"] == "records":
        status, reason = (
            "not_determined",
            "the file lists only variant sites and the lab did not attest that absent positions "
            "are reference, so a negative result cannot be stated",
        )
    else:
        status, reason = "determined", None
    return {
        "status": status,
        "reason": reason,
        "clinvar_release": release,
        "genes_examined": genes if status == "determined" else [],
        "acmg_version": acmg_version,
    }


def _site_problems(
    records: SiteReadout,
    calls: Mapping[str, pgx.GeneCall],
    findings: list[dict[str, Any]],
) -> list[str]:
    problems = [f"{f['gene']} {f['variant']}" for f in findings if f.get("qc") != "pass"]
    for gene, call in calls.items():
        for position, words in call.unassessed_positions.items():
            if "quality" in words or "filter" in words:
                problems.append(f"{gene} {position}")
    return problems


def _quality_fields(records: SiteReadout, sample_index: int) -> bool:
    for found in records.values():
        for record in found:
            genotype = record.genotypes[sample_index]
            if genotype.gq is not None or genotype.dp is not None:
                return True
    return False


def _interpret_sample(
    records: SiteReadout,
    *,
    source: VcfSource,
    sample_name: str,
    sample_index: int,
    sex: str | None,
    knowledge: Sequence[ClinVarRecord],
    identity: dict[str, Any],
    clinvar_release: str | None,
    absent_is_reference: bool,
    build: qc.Check,
    outside_calls: Mapping[str, OutsideCall],
    declared_wgs: bool,
    array: Mapping[tuple[str, int], tuple[str, ...]] | None,
    with_recommendations: bool = True,
    sample_qc: bool = True,
) -> dict[str, Any]:
    calls = pgx.call_all(
        records,
        sample_index=sample_index,
        sex=sex,
        absent_is_reference=absent_is_reference,
        with_recommendations=with_recommendations,
        outside_calls=outside_calls,
    )
    callability = _callability(records, absent_is_reference)
    findings = disease_risk.find_disease_risk(
        records, knowledge, sample_index=sample_index, sex=sex, release=identity["release"]
    )
    scope = _disease_risk_scope(clinvar_release, callability)
    g6pd_conflict = calls["G6PD"].reason_code == "sex_conflict" or any(
        "conflicts with recorded sex" in str(f.get("zygosity")) for f in findings
    )
    if sample_qc:
        sampled = qc.sample_calls(source, sample_index)
        checks = [
            build,
            qc.plausibility_check(source, sampled, declared_wgs=declared_wgs, gvcf=records.gvcf),
            qc.sex_check(sampled, sex=sex, g6pd_conflict=g6pd_conflict),
            qc.site_quality_check(
                _site_problems(records, calls, findings),
                quality_fields=_quality_fields(records, sample_index),
                lab_attested=absent_is_reference,
            ),
            qc.identity_check(array, records, sample_index),
        ]
    else:
        checks = [build]
    return {
        "sample": sample_name,
        "build": "GRCh38",
        "knowledge_base": {**identity, "clinvar_release": clinvar_release},
        "callability": callability,
        "qc": {"status": qc.overall(checks), "checks": [c.as_dict() for c in checks]},
        "pgx": {gene: call.as_dict() for gene, call in calls.items()},
        "disease_risk": findings,
        "disease_risk_scope": scope,
        "traits": traits.call_traits(
            records, sample_index=sample_index, absent_is_reference=absent_is_reference
        ),
    }


def interpret_vcf(
    path: str | os.PathLike[str],
    *,
    sample: str | None = None,
    sex: str | None = None,
    clinvar: ClinVarInput = None,
    absent_is_reference: bool = False,
    outside_calls: OutsideInput = None,
    declared_wgs: bool = False,
    array_genotypes: str | os.PathLike[str] | None = None,
    limits: IntakeLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Interpret one sample. ``sex`` is 'male', 'female' or None (unknown).

    ``absent_is_reference`` is the lab's attestation for a variant-only VCF from its validated
    pipeline: a position with no record is then read as homozygous reference. Without it, only
    records and gVCF reference blocks establish reference.
    ``outside_calls`` is a PharmCAT outside-call TSV (path) or parsed calls; ``declared_wgs``
    turns on the whole-genome plausibility check; ``array_genotypes`` is a VCF from a genotyping
    array of the same participant, for the identity check.
    Raises VcfIntakeError (or OutsideCallError, a ValueError) for any bad input.
    """
    release, clinvar_records = _resolve_clinvar(clinvar)
    knowledge = disease_risk.knowledge_records(clinvar_records)
    identity = kb.knowledge_base_identity(release)
    outside = _resolve_outside(outside_calls)
    array = _read_array(array_genotypes) if array_genotypes is not None else None
    with open_vcf(path, sample=sample, limits=limits) as source:
        records, build = _read(source, knowledge)
        if array:
            records.update(
                {k: v for k, v in source.read_sites(list(array)).items() if k not in records}
            )
        index = source.selected[0]
        return _interpret_sample(
            records,
            source=source,
            sample_name=source.samples[index],
            sample_index=0,
            sex=sex,
            knowledge=knowledge,
            identity=identity,
            clinvar_release=release,
            absent_is_reference=absent_is_reference,
            build=build,
            outside_calls=outside,
            declared_wgs=declared_wgs,
            array=array,
        )


def interpret_vcf_batch(
    path: str | os.PathLike[str],
    *,
    sexes: dict[str, str] | None = None,
    clinvar: ClinVarInput = None,
    absent_is_reference: bool = False,
    with_recommendations: bool = True,
    limits: IntakeLimits = DEFAULT_LIMITS,
) -> dict[str, dict[str, Any]]:
    """Interpret every sample of a multi-sample VCF, reading the target regions once.

    Per-sample QC sampling is skipped (a cohort file is not one genome); the build check runs.
    """
    release, clinvar_records = _resolve_clinvar(clinvar)
    knowledge = disease_risk.knowledge_records(clinvar_records)
    identity = kb.knowledge_base_identity(release)
    with open_vcf(path, all_samples=True, limits=limits) as source:
        records, build = _read(source, knowledge)
        return {
            name: _interpret_sample(
                records,
                source=source,
                sample_name=name,
                sample_index=position,
                sex=(sexes or {}).get(name),
                knowledge=knowledge,
                identity=identity,
                clinvar_release=release,
                absent_is_reference=absent_is_reference,
                build=build,
                outside_calls={},
                declared_wgs=False,
                array=None,
                with_recommendations=with_recommendations,
                sample_qc=False,
            )
            for position, name in enumerate(source.samples)
        }


__all__ = [
    "PositionState",
    "VcfIntakeError",
    "interpret_vcf",
    "interpret_vcf_batch",
    "position_state",
]
