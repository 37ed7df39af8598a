"""The core tested set per gene: the alleles that must be assessable before a gene is called.

* Where the AMP/CAP PGx Working Group published Tier 1 alleles, the core set is that list, as
  PharmCAT's definitions carry it (``exemptions.json`` → ``amp1Alleles``): CYP2C19, CYP2C9,
  CYP2D6, CYP3A4, CYP3A5, DPYD, NUDT15, TPMT and VKORC1 (warfarin).
* RYR1 and CACNA1S: every malignant-hyperthermia-associated allele. Saying "no MHS variant found"
  is the whole point of testing these genes, so each one must have been read (our decision).
* Every other gene: the CPIC alleles of non-normal function whose frequency is at least 1% in
  any 1000 Genomes superpopulation, computed here from the shipped 3,202-sample VCF
  (``knowledge/1kgp/``). An allele's frequency is bounded by the rarest of its defining variants,
  and that bound is what is compared (so a multi-variant allele is never left out by mistake).
"""

from __future__ import annotations

import functools
import gzip

from results.engine import knowledge_base as kb
from results.engine.representation import to_locus_spelling

CORE_FREQUENCY = 0.01
SUPERPOPULATIONS = ("AFR", "AMR", "EAS", "EUR", "SAS")
KGP_VCF = kb.KNOWLEDGE_DIR / "1kgp" / "1kgp3202_at_pharmcat_positions.vcf.gz"

NOT_NON_NORMAL = frozenset(
    {
        "",
        "normal function",
        "uncertain function",
        "unknown function",
        "favorable response allele",
        "n/a",
    }
)


@functools.cache
def superpopulation_frequencies() -> dict[tuple[str, int], list[tuple[str, str, float]]]:
    """(chrom, pos) -> [(ref, alt, highest frequency over the five superpopulations)]."""
    out: dict[tuple[str, int], list[tuple[str, str, float]]] = {}
    with gzip.open(KGP_VCF, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            chrom, pos, _id, ref, alt, _qual, _filter, info = line.split("\t", 8)[:8]
            values = dict(item.partition("=")[::2] for item in info.split(";"))
            alts = alt.split(",")
            for index, allele in enumerate(alts):
                best = 0.0
                for population in SUPERPOPULATIONS:
                    raw = values.get(f"AF_{population}")
                    if raw is None:
                        continue
                    parts = raw.split(",")
                    if index < len(parts) and parts[index] not in (".", ""):
                        best = max(best, float(parts[index]))
                key = (chrom if chrom.startswith("chr") else f"chr{chrom}", int(pos))
                out.setdefault(key, []).append((ref, allele, best))
    return out


def allele_frequency_bound(gene: str, name: str) -> float:
    """Highest superpopulation frequency of the allele's rarest defining variant (0 if unseen)."""
    definition = kb.gene_definitions()[gene]
    allele = next(a for a in definition.named_alleles if a.name == name)
    frequencies = superpopulation_frequencies()
    bound = 1.0
    defined = False
    for locus, value in zip(definition.loci, allele.alleles, strict=True):
        if value is None or value == locus.ref or kb.is_wobble(value):
            continue
        defined = True
        seen = 0.0
        for ref, alt, frequency in frequencies.get((locus.chrom, locus.position), ()):
            # the 1000 Genomes file may trim an indel differently (C>CAT for CAT>CATAT)
            if to_locus_spelling(ref, alt, locus.ref) == value:
                seen = max(seen, frequency)
        bound = min(bound, seen)
    return bound if defined else 0.0


def _non_normal(gene: str, name: str) -> bool:
    function = kb.gene_phenotypes()[gene].allele_function.get(name, "")
    return function.strip().lower() not in NOT_NON_NORMAL


def mhs_associated(gene: str, name: str) -> bool:
    function = kb.gene_phenotypes()[gene].allele_function.get(name, "")
    return "malignant hyperthermia" in function.lower()


@functools.cache
def core_alleles(gene: str) -> tuple[str, ...]:
    definition = kb.gene_definitions()[gene]
    known = {a.name for a in definition.named_alleles}
    amp = kb.gene_exemptions().get(gene, {}).get("amp1Alleles") or []
    if amp:
        return tuple(name for name in amp if name in known)
    if gene in ("RYR1", "CACNA1S"):
        return tuple(
            a.name
            for a in definition.named_alleles
            if not a.reference and mhs_associated(gene, a.name)
        )
    return tuple(
        a.name
        for a in definition.named_alleles
        if not a.reference
        and a.name not in definition.ignored_alleles
        and _non_normal(gene, a.name)
        and allele_frequency_bound(gene, a.name) >= CORE_FREQUENCY
    )


def core_rule(gene: str) -> str:
    """How the core set was chosen, in one line (for the docs table and the report appendix)."""
    if kb.gene_exemptions().get(gene, {}).get("amp1Alleles"):
        return "AMP/CAP Tier 1"
    if gene in ("RYR1", "CACNA1S"):
        return "every MHS-associated allele"
    return "non-normal function, ≥1% in a 1000 Genomes superpopulation"
