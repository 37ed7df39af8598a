"""Traits: a few well-known SNPs, called by allele letters, refusing a REF the table disputes."""

from __future__ import annotations

import re
from collections.abc import Mapping

from results.engine import knowledge_base as kb
from results.engine.vcf_intake import SiteRecord


def _interpretation(site: kb.TraitSite, genotype: str) -> str | None:
    # table text is either "AA,AG: text; GG: text" (per genotype) or "G = text, A = text"
    for part in re.split(r";\s*(?=[ACGT]{2}(?:,[ACGT]{2})*:)", site.genotype_to_trait):
        head, sep, text = part.partition(":")
        if sep and genotype in {g.strip() for g in head.split(",")}:
            return text.strip()
    return site.genotype_to_trait if "=" in site.genotype_to_trait else None


def call_traits(
    records: Mapping[tuple[str, int], list[SiteRecord]],
    *,
    sample_index: int = 0,
    absent_is_reference: bool = False,
) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for site in kb.trait_sites():
        result: dict[str, object] = {
            "gene": site.gene,
            "position": f"{site.chrom}:{site.position}",
            "effect_allele": site.effect_allele,
            "genotype": None,
            "effect_allele_count": None,
            "interpretation": None,
            "status": "no_call",
            "reason": None,
        }
        out[site.rsid] = result
        found = records.get((site.chrom, site.position), [])
        snvs = [r for r in found if len(r.ref) == 1]
        if not snvs:
            if absent_is_reference and site.verified_ref:
                letters = [site.verified_ref, site.verified_ref]
            else:
                result["reason"] = "position not in the VCF"
                continue
        else:
            record = snvs[0]
            expected_ref = site.verified_ref or site.stated_ref
            if record.ref not in site.plus_strand_alleles or (
                site.verified_ref is not None and record.ref != site.verified_ref
            ):
                result["status"] = "refused"
                result["reason"] = (
                    f"VCF REF {record.ref} disagrees with the trait table "
                    f"({expected_ref or '/'.join(site.plus_strand_alleles)})"
                )
                continue
            alleles = record.genotypes[sample_index].alleles
            if any(a is None for a in alleles):
                result["reason"] = "missing genotype"
                continue
            letters = [a for a in alleles if a is not None]
            if any(a not in site.plus_strand_alleles for a in letters):
                result["status"] = "refused"
                result["reason"] = f"allele not among {'/'.join(site.plus_strand_alleles)}"
                continue
        genotype = "".join(sorted(letters, key=site.plus_strand_alleles.index))
        result["genotype"] = genotype
        result["effect_allele_count"] = letters.count(site.effect_allele)
        result["interpretation"] = _interpretation(site, genotype) or _interpretation(
            site, genotype[::-1]
        )
        result["status"] = "called"
    return out


def target_positions() -> list[tuple[str, int]]:
    return [(s.chrom, s.position) for s in kb.trait_sites()]
