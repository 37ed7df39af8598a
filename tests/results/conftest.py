"""Shared fixtures for the genetic-results engine tests (pure Python, no database)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Until the project's pytest config puts the repo root on sys.path, make `import results` work.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PHARMCAT_TEST_DATA = ROOT / "tests" / "data" / "pharmcat"
SHARED_GENETICS = Path("/work/shared/data/genetics")


@pytest.fixture(scope="session")
def pgx_targets() -> list[tuple[str, int]]:
    from results.engine import pgx

    return [(locus.chrom, locus.position) for locus in pgx.target_loci()]


# ---------------------------------------------------------------- PharmCAT peer-case VCFs
# Built as peer_cases.json's `semantics` field says: every position of each named gene's
# definition; unlisted positions hom-ref; listed rsids (or chrom/position) get the two CPIC
# alleles mapped through cpicToVcfAlleleMap; 'missing' positions left out.

from typing import Any  # noqa: E402

from results.engine import knowledge_base as kb  # noqa: E402

HEADER = (
    "##fileformat=VCFv4.2\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSAMPLE\n"
)


def case_genes(case: dict[str, Any]) -> list[str]:
    genes = [v["gene"] for v in case["variants"]] + list(case["genes_reference"])
    genes += [e["gene"] for e in case["expect"] if e.get("gene")]
    genes += [g for e in case["expect"] for g in e["values"] if g in kb.gene_definitions()]
    return sorted({g for g in genes if g in kb.gene_definitions()})


def _all_loci(gene: str) -> list[kb.Locus]:
    # the raw definition, ignored positions included: the VCF carries what PharmCAT's would
    import json

    raw = json.loads(
        (kb.KNOWLEDGE_DIR / "pharmcat/definition/alleles" / f"{gene}_translation.json").read_text()
    )
    return [kb._locus_from_json(v) for v in raw["variants"]]


def build_case_vcf(case: dict[str, Any], directory: Path) -> Path:
    phased = case["phased"]
    missing = {rsid for m in case["missing"] for rsid in m["ids"]}
    lines = []
    for gene in case_genes(case):
        for locus in _all_loci(gene):
            if locus.rsid in missing or f"{locus.chrom}:{locus.position}" in missing:
                continue
            given = [
                v
                for v in case["variants"]
                if v["gene"] == gene
                and (
                    (v.get("rsid") and v.get("rsid") == locus.rsid)
                    or (v.get("position") == locus.position and v.get("chrom") == locus.chrom)
                )
            ]
            alleles = [locus.ref, *locus.alts]
            if given:
                cpic = given[0]["cpic_alleles"]
                vcf_alleles = [locus.cpic_to_vcf.get(a, a) for a in cpic]
                for allele in vcf_alleles:
                    if allele not in alleles:
                        alleles.append(allele)
                indexes = [str(alleles.index(a)) for a in vcf_alleles]
                separator = "|" if (phased or given[0]["phased"]) else "/"
                genotype = separator.join(indexes)
            else:
                genotype = "0|0" if phased else "0/0"
            alt = ",".join(alleles[1:]) or "."
            rsid = locus.rsid or "."
            lines.append(
                (
                    locus.chrom,
                    locus.position,
                    f"{locus.chrom}\t{locus.position}\t{rsid}\t"
                    f"{alleles[0]}\t{alt}\t.\tPASS\t.\tGT\t{genotype}\n",
                )
            )
    lines.sort(key=lambda item: (item[0], item[1]))
    path = directory / "case.vcf"
    path.write_text(HEADER + "".join(line for _, _, line in lines))
    return path


@pytest.fixture(scope="session")
def peer_case_tools():
    """(build_case_vcf, case_genes): test modules cannot import conftest by name."""
    return build_case_vcf, case_genes
