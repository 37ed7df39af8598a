"""Disease risk: genotypes at knowledge-base variants -> findings under the ACMG SF rules.

Rules per gene come from the ACMG list's ``variants_to_report`` column:
``All P and LP`` (dominant: one copy is enough), ``P and LP (2 variants)`` (recessive: homozygous,
or two different variants — "phase unknown" unless phased on opposite strands), ``All hemi, het,
homozygous P and LP`` (X-linked: hemizygous in a male), ``p.C282Y homozygotes only`` (HFE) and
``P and LP (truncating variants only)`` (TTN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from results.engine import core_alleles as core
from results.engine import knowledge_base as kb
from results.engine.callability import PositionState, record_state
from results.engine.clinvar import ClinVarRecord
from results.engine.vcf_intake import SiteRecord

TRUNCATING_CONSEQUENCES = frozenset(
    {
        "nonsense",
        "frameshift_variant",
        "stop_gained",
        "splice_donor_variant",
        "splice_acceptor_variant",
    }
)
MH_CONDITION = "Malignant hyperthermia susceptibility"
CPIC_MHS_SOURCE = "CPIC RYR1/CACNA1S allele functionality table"


@dataclass(frozen=True, slots=True)
class _Carried:
    record: ClinVarRecord
    copies: int
    haploid: bool
    strands: frozenset[int] | None  # strand indexes carrying ALT when phased, else None
    phase_set: int | None
    qc: str  # "pass", "filtered" (FILTER/FT), "review" (low GQ/DP, half call, sex conflict)
    sex_conflict: bool  # a heterozygous chrX call in a participant recorded as male


def pharmcat_mh_records() -> list[ClinVarRecord]:
    """RYR1/CACNA1S alleles CPIC lists as malignant-hyperthermia-associated, as disease-risk
    variants (the PGx half reads the same list, so the two halves agree).

    Only those alleles: the other RYR1 definition alleles are of uncertain function and give
    "Uncertain Susceptibility", never a finding. They did not come from ClinVar and carry no
    ClinVar review status; ``source`` says where they came from.
    """
    out: list[ClinVarRecord] = []
    for gene in ("RYR1", "CACNA1S"):
        definition = kb.gene_definitions()[gene]
        for allele in definition.named_alleles:
            if allele.reference or not core.mhs_associated(gene, allele.name):
                continue
            for index, value in enumerate(allele.alleles):
                if value is None:
                    continue
                locus = definition.loci[index]
                out.append(
                    ClinVarRecord(
                        chrom=locus.chrom,
                        pos=locus.position,
                        ref=locus.ref,
                        alt=value,
                        gene=gene,
                        clinvar_id="",
                        allele_id="",
                        hgvs=f"{gene}:{allele.name}",
                        condition=MH_CONDITION,
                        classification="Malignant hyperthermia associated (CPIC allele function)",
                        review_status=CPIC_MHS_SOURCE,
                        stars=0,
                        molecular_consequence=(),
                    )
                )
    return out


def knowledge_records(clinvar: Sequence[ClinVarRecord] | None) -> list[ClinVarRecord]:
    """ClinVar records plus the PharmCAT MH variants not already present in ClinVar."""
    records = list(clinvar or ())
    seen = {(r.chrom, r.pos, r.ref, r.alt) for r in records}
    records += [r for r in pharmcat_mh_records() if (r.chrom, r.pos, r.ref, r.alt) not in seen]
    return records


def _trimmed(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Trim shared trailing then leading bases (keeping one): the minimal representation."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref, alt


def _carried(
    record: ClinVarRecord, sites: list[SiteRecord], sample_index: int, male: bool
) -> _Carried | None:
    wanted = _trimmed(record.pos, record.ref, record.alt)
    for site in sites:
        genotype = site.genotypes[sample_index]
        # exact comparison of normalised alleles: an in-frame ACTG>A is not a frameshift AC>A
        strands = [
            i
            for i, a in enumerate(genotype.alleles)
            if a is not None and a != site.ref and _trimmed(site.pos, site.ref, a) == wanted
        ]
        if not strands:
            continue
        haploid = len(genotype.alleles) == 1 or (
            male and record.chrom == "chrX" and len(set(genotype.alleles)) == 1
        )
        copies = 1 if haploid else len(strands)
        return _Carried(
            record,
            copies,
            haploid,
            frozenset(strands) if genotype.phased else None,
            genotype.phase_set,
            _site_qc(sites, sample_index),
            male and record.chrom == "chrX" and not haploid and len(set(genotype.alleles)) > 1,
        )
    return None


def _site_qc(sites: list[SiteRecord], sample_index: int) -> str:
    state = record_state(sites, sample_index)
    if state is PositionState.FILTERED:
        return "filtered"
    if state is PositionState.CALLED:
        return "pass"
    return "review"  # low quality, or a half call


def _finding(carried: _Carried, zygosity: str, release: str, rule: str) -> dict[str, object]:
    r = carried.record
    if carried.sex_conflict:
        zygosity = "heterozygous (conflicts with recorded sex: male)"
    return {
        "gene": r.gene,
        "hgvs": r.hgvs,
        "variant": f"{r.chrom}:{r.pos}:{r.ref}>{r.alt}",
        "zygosity": zygosity,
        "classification": r.classification,
        "review_status": r.review_status,
        "condition": r.condition,
        "clinvar_id": r.clinvar_id or None,
        "rule": rule,
        "knowledge_base_release": release,
        "source": "cpic_mhs" if r.review_status == CPIC_MHS_SOURCE else "clinvar",
        "stars": None if r.review_status == CPIC_MHS_SOURCE else r.stars,
        "qc": "review" if carried.sex_conflict and carried.qc == "pass" else carried.qc,
    }


def find_disease_risk(
    records: Mapping[tuple[str, int], list[SiteRecord]],
    knowledge: Sequence[ClinVarRecord],
    *,
    sample_index: int = 0,
    sex: str | None = None,
    release: str,
    acmg_version: str = "3.2",
) -> list[dict[str, object]]:
    male = sex == "male"
    genes = kb.acmg_genes(acmg_version)
    carried_by_gene: dict[str, list[_Carried]] = {}
    for record in knowledge:
        carried = _carried(record, records.get((record.chrom, record.pos), []), sample_index, male)
        if carried is not None:
            carried_by_gene.setdefault(record.gene, []).append(carried)
    findings: list[dict[str, object]] = []
    for gene, carried_list in sorted(carried_by_gene.items()):
        acmg = genes.get(gene)
        rule = acmg.variants_to_report if acmg else "All P and LP"
        for item in carried_list:
            if rule == "p.C282Y homozygotes only":
                if _is_c282y(item.record) and item.copies >= 2:
                    findings.append(_finding(item, "homozygous", release, rule))
            elif rule == "P and LP (truncating variants only)":
                if TRUNCATING_CONSEQUENCES & set(item.record.molecular_consequence):
                    findings.append(_finding(item, _zygosity(item), release, rule))
            elif rule == "All hemi, het, homozygous P and LP":
                findings.append(_finding(item, _zygosity(item, male=male), release, rule))
            elif rule == "P and LP (2 variants)":
                continue  # handled per gene below
            else:
                findings.append(_finding(item, _zygosity(item), release, rule))
        if rule == "P and LP (2 variants)":
            findings.extend(_recessive(carried_list, release, rule))
    return findings


def _is_c282y(record: ClinVarRecord) -> bool:
    text = f"{record.hgvs} {record.condition}"
    return (
        "C282Y" in text
        or "Cys282Tyr" in text
        or (record.chrom == "chr6" and record.pos == 26092913)
    )


def _zygosity(item: _Carried, *, male: bool = False) -> str:
    if item.haploid or (male and item.record.chrom == "chrX"):
        return "hemizygous"
    return "homozygous" if item.copies >= 2 else "heterozygous"


def _recessive(carried: list[_Carried], release: str, rule: str) -> list[dict[str, object]]:
    homozygous = [c for c in carried if c.copies >= 2]
    findings = [_finding(c, "homozygous", release, rule) for c in homozygous]
    hets = [c for c in carried if c.copies == 1]
    if len(hets) < 2:
        return findings
    phased = [c for c in hets if c.strands is not None]
    if len(phased) == len(hets) and len({c.phase_set for c in hets}) == 1:
        strands = {next(iter(c.strands)) for c in hets if c.strands}
        if len(strands) == 1:
            return findings  # all on one strand (in cis): one functional copy remains
        zygosity = "compound heterozygous (in trans)"
    else:
        zygosity = "compound heterozygous (phase unknown)"
    findings.extend(_finding(c, zygosity, release, rule) for c in hets)
    return findings


def target_positions(knowledge: Sequence[ClinVarRecord]) -> list[tuple[str, int]]:
    return [(r.chrom, r.pos) for r in knowledge]
