"""Callability: may a position be read as reference, as a call, or not at all?

A position with no record is *not* reference. It counts as reference only when

* a passing record at the position calls it reference (a 0/0 call), or
* a gVCF reference block (``<NON_REF>`` with INFO/END, as GATK ``-ERC GVCF`` and DRAGEN
  ``--vc-emit-ref-confidence GVCF`` write) spans it with GQ and MIN_DP at or above the lab
  thresholds — and the position is a single-base one: a hom-ref block says nothing about an
  insertion or deletion starting there, so indel-defined positions need an explicit
  (force-genotyped) record, or
* the lab attested, for its validated pipeline, that absent positions are reference (an explicit
  flag per sample, recorded on the result and the report).

A call whose FILTER or FORMAT/FT is not PASS, or whose GQ/DP (when the file gives them) is under
the threshold, is not used: the position is "low quality", never reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from results.engine.vcf_intake import Genotype, RefBlock, SiteRecord

# Lab thresholds for a usable call or reference block (GATK/DRAGEN default GQ bands start at 20;
# 10 reads is the common minimum depth for a germline call).
MIN_GQ = 20
MIN_DP = 10


class PositionState(StrEnum):
    CALLED = "called"  # a passing record gives the genotype
    REFERENCE = "reference"  # a passing block, or the lab's attestation
    ABSENT = "absent"  # nothing in the file
    NO_CALL = "no_call"  # ./.
    HALF_CALL = "half_call"  # ./1: one strand unknown, the other not reference
    FILTERED = "filtered"  # FILTER or FT not PASS
    LOW_QUALITY = "low_quality"  # GQ or DP under the threshold (record or block)
    INDEL_UNCONFIRMED = "indel_unconfirmed"  # only a hom-ref block covers an indel position

    @property
    def assessed(self) -> bool:
        return self in (PositionState.CALLED, PositionState.REFERENCE)


# Plain words for a clinician's appendix, per state.
STATE_WORDS: dict[PositionState, str] = {
    PositionState.ABSENT: "not in the file",
    PositionState.NO_CALL: "no call (./.)",
    PositionState.HALF_CALL: "half call (one strand unknown)",
    PositionState.FILTERED: "failed the lab's filter",
    PositionState.LOW_QUALITY: f"below quality thresholds (GQ < {MIN_GQ} or depth < {MIN_DP})",
    PositionState.INDEL_UNCONFIRMED: "indel position covered only by a reference block",
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    min_gq: int = MIN_GQ
    min_dp: int = MIN_DP


DEFAULT_THRESHOLDS = Thresholds()


def genotype_quality_ok(genotype: Genotype, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    if genotype.gq is not None and genotype.gq < thresholds.min_gq:
        return False
    return genotype.dp is None or genotype.dp >= thresholds.min_dp


def ft_passed(genotype: Genotype) -> bool:
    return genotype.ft in (None, "", ".", "PASS")


def record_state(
    records: list[SiteRecord],
    sample_index: int,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> PositionState:
    """The state of the sample at a position that has records (split multi-allelics merged)."""
    reference = records[0].ref
    for record in records:
        genotype = record.genotypes[sample_index]
        if not record.passed or not ft_passed(genotype):
            return PositionState.FILTERED
        if all(a is None for a in genotype.alleles):
            return PositionState.NO_CALL
        if not genotype_quality_ok(genotype, thresholds):
            return PositionState.LOW_QUALITY
    merged = merged_alleles(records, sample_index)
    if any(a is None for a in merged):
        if any(a is not None and a != reference for a in merged):
            return PositionState.HALF_CALL
        return PositionState.NO_CALL
    return PositionState.CALLED


def merged_alleles(records: list[SiteRecord], sample_index: int) -> list[str | None]:
    """Strand-wise alleles over split records: a non-reference allele on a strand wins."""
    merged: list[str | None] | None = None
    for record in records:
        alleles = list(record.genotypes[sample_index].alleles)
        if merged is None:
            merged = alleles
            continue
        for index, allele in enumerate(alleles[: len(merged)]):
            if allele is not None and (merged[index] is None or merged[index] == record.ref):
                merged[index] = allele
    return merged or []


def block_state(
    block: RefBlock | None,
    sample_index: int,
    *,
    indel: bool,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> PositionState | None:
    """The state a reference block gives a position, or None when no block covers it."""
    if block is None:
        return None
    genotype = block.genotypes[sample_index]
    if block.filter not in ("PASS", ".", "") or not ft_passed(genotype):
        return PositionState.FILTERED
    if any(a is None for a in genotype.alleles):
        return PositionState.NO_CALL
    if genotype.gq is None or genotype.gq < thresholds.min_gq:
        return PositionState.LOW_QUALITY
    if genotype.dp is not None and genotype.dp < thresholds.min_dp:
        return PositionState.LOW_QUALITY
    if indel:
        return PositionState.INDEL_UNCONFIRMED
    return PositionState.REFERENCE


def position_state(
    found: list[SiteRecord] | None,
    block: RefBlock | None,
    sample_index: int,
    *,
    indel: bool,
    lab_attested: bool,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> PositionState:
    if found:
        return record_state(found, sample_index, thresholds)
    state = block_state(block, sample_index, indel=indel, thresholds=thresholds)
    if state is not None:
        # a block present in the file outranks the attestation, which is about absent positions
        return state
    return PositionState.REFERENCE if lab_attested else PositionState.ABSENT
