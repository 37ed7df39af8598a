"""One entry point: a VCF in, the interpretation dict out (PGx, disease risk, traits).

Pure Python and database-free; the Django task layer stores what this returns.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from results.engine import clinvar as clinvar_module
from results.engine import disease_risk, pgx, traits
from results.engine import knowledge_base as kb
from results.engine.clinvar import ClinVarRecord
from results.engine.vcf_intake import (
    DEFAULT_LIMITS,
    IntakeLimits,
    SiteRecord,
    VcfSource,
    check_reference_agreement,
    open_vcf,
)

ClinVarInput = (
    Sequence[ClinVarRecord] | tuple[str, Sequence[ClinVarRecord]] | str | os.PathLike[str] | None
)


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


def _expected_refs(knowledge: Sequence[ClinVarRecord]) -> dict[tuple[str, int], str]:
    refs = {(locus.chrom, locus.position): locus.ref for locus in pgx.target_loci()}
    for record in knowledge:
        refs.setdefault((record.chrom, record.pos), record.ref)
    for site in kb.trait_sites():
        if site.verified_ref:
            refs.setdefault((site.chrom, site.position), site.verified_ref)
    return refs


def _targets(knowledge: Sequence[ClinVarRecord]) -> list[tuple[str, int]]:
    return (
        [(locus.chrom, locus.position) for locus in pgx.target_loci()]
        + disease_risk.target_positions(knowledge)
        + traits.target_positions()
    )


def _read(
    source: VcfSource, knowledge: Sequence[ClinVarRecord]
) -> dict[tuple[str, int], list[SiteRecord]]:
    records = source.read_sites(_targets(knowledge))
    check_reference_agreement(records, _expected_refs(knowledge))
    return records


def _interpret_sample(
    records: dict[tuple[str, int], list[SiteRecord]],
    *,
    sample_name: str,
    sample_index: int,
    sex: str | None,
    knowledge: Sequence[ClinVarRecord],
    identity: dict[str, Any],
    absent_is_reference: bool,
    with_recommendations: bool = True,
) -> dict[str, Any]:
    calls = pgx.call_all(
        records,
        sample_index=sample_index,
        sex=sex,
        absent_is_reference=absent_is_reference,
        with_recommendations=with_recommendations,
    )
    return {
        "sample": sample_name,
        "build": "GRCh38",
        "knowledge_base": identity,
        "pgx": {gene: call.as_dict() for gene, call in calls.items()},
        "disease_risk": disease_risk.find_disease_risk(
            records, knowledge, sample_index=sample_index, sex=sex, release=identity["release"]
        ),
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
    limits: IntakeLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Interpret one sample. ``sex`` is 'male', 'female' or None (unknown).

    ``absent_is_reference`` is for variant-only VCFs (no reference calls): a definition position
    with no record is then read as homozygous reference instead of missing.
    Raises VcfIntakeError for any bad input.
    """
    release, clinvar_records = _resolve_clinvar(clinvar)
    knowledge = disease_risk.knowledge_records(clinvar_records)
    identity = kb.knowledge_base_identity(release)
    with open_vcf(path, sample=sample, limits=limits) as source:
        records = _read(source, knowledge)
        index = source.selected[0]
        return _interpret_sample(
            records,
            sample_name=source.samples[index],
            sample_index=0,
            sex=sex,
            knowledge=knowledge,
            identity=identity,
            absent_is_reference=absent_is_reference,
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
    """Interpret every sample of a multi-sample VCF, reading the target regions once."""
    release, clinvar_records = _resolve_clinvar(clinvar)
    knowledge = disease_risk.knowledge_records(clinvar_records)
    identity = kb.knowledge_base_identity(release)
    with open_vcf(path, all_samples=True, limits=limits) as source:
        records = _read(source, knowledge)
        return {
            name: _interpret_sample(
                records,
                sample_name=name,
                sample_index=position,
                sex=(sexes or {}).get(name),
                knowledge=knowledge,
                identity=identity,
                absent_is_reference=absent_is_reference,
                with_recommendations=with_recommendations,
            )
            for position, name in enumerate(source.samples)
        }
