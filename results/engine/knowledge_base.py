"""The versioned knowledge base the interpretation engine reads at run time.

Everything under ``results/engine/knowledge/`` is copied reference data (see each folder's
PROVENANCE.md); this module reads it into immutable in-memory structures once per process
and computes the knowledge-base identity that every finding is stamped with.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"

# Genes with PharmCAT allele definitions. G6PD/RYR1/CYP2D6 phenotypes come from pypgx because
# PharmCAT ships no phenotype file for them. CYP2D6 is matched from the VCF for the clinician's
# appendix only: it is reported from an outside call (see OUTSIDE_CALL_GENES).
PGX_GENES: tuple[str, ...] = (
    "ABCG2",
    "CACNA1S",
    "CYP2B6",
    "CYP2C19",
    "CYP2C9",
    "CYP2D6",
    "CYP3A4",
    "CYP3A5",
    "CYP4F2",
    "DPYD",
    "G6PD",
    "IFNL3",
    "NUDT15",
    "RYR1",
    "SLCO1B1",
    "TPMT",
    "UGT1A1",
    "VKORC1",
    "NAT2",
    "CFTR",
)

# Genes the VCF cannot call (copy number, hybrids, HLA typing, mitochondrial heteroplasmy need
# dedicated tools): only an outside call (PharmCAT's format) reports them. MT-RNR1 is also read
# from chrM when the file has it.
OUTSIDE_CALL_GENES: tuple[str, ...] = ("CYP2D6", "HLA-A", "HLA-B", "MT-RNR1")
# Every gene a report may show, in the order the engine returns them.
ALL_PGX_GENES: tuple[str, ...] = tuple(sorted({*PGX_GENES, *OUTSIDE_CALL_GENES}))

# PharmCAT's NamedAlleleMatcher.TREAT_UNDOCUMENTED_VARIATIONS_AS_REFERENCE.
UNDOCUMENTED_AS_REFERENCE_GENES = frozenset({"CACNA1S", "DPYD", "G6PD", "NUDT15", "RYR1", "TPMT"})

IUPAC_CODES: dict[str, frozenset[str]] = {
    "A": frozenset("A"),
    "C": frozenset("C"),
    "G": frozenset("G"),
    "T": frozenset("T"),
    "R": frozenset("AG"),
    "Y": frozenset("CT"),
    "S": frozenset("GC"),
    "W": frozenset("AT"),
    "K": frozenset("GT"),
    "M": frozenset("AC"),
    "B": frozenset("CGT"),
    "D": frozenset("AGT"),
    "H": frozenset("ACT"),
    "V": frozenset("ACG"),
    "N": frozenset("ACGT"),
}


def is_wobble(allele: str | None) -> bool:
    return (
        allele is not None and len(allele) == 1 and allele in IUPAC_CODES and allele not in "ACGT"
    )


@dataclass(frozen=True, slots=True)
class Locus:
    """One definition position, in VCF coordinates (1-based, left-aligned as PharmCAT ships it)."""

    chrom: str
    position: int
    rsid: str | None
    ref: str
    alts: tuple[str, ...]
    cpic_alleles: tuple[str, ...]
    cpic_to_vcf: dict[str, str] = field(hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class NamedAllele:
    name: str
    alleles: tuple[str | None, ...]
    reference: bool
    score: int


@dataclass(frozen=True, slots=True)
class GeneDefinition:
    gene: str
    chromosome: str
    version: str
    loci: tuple[Locus, ...]
    named_alleles: tuple[NamedAllele, ...]
    ignored_alleles: frozenset[str]
    extra_loci: tuple[Locus, ...]

    @property
    def reference_allele(self) -> NamedAllele:
        return next(allele for allele in self.named_alleles if allele.reference)


@dataclass(frozen=True, slots=True)
class GenePhenotypes:
    """Diplotype -> phenotype (and activity score) for one gene, whatever the source."""

    gene: str
    source: str
    # key: sorted tuple of the two allele names (one name for a haploid call)
    diplotypes: dict[tuple[str, ...], tuple[str, str | None]]
    allele_function: dict[str, str]
    allele_activity: dict[str, float | None]


@dataclass(frozen=True, slots=True)
class CpicRecommendation:
    guideline: str
    drugs: tuple[str, ...]
    lookup: dict[str, str]
    population: str | None
    classification: str | None
    text: str
    implications: tuple[str, ...]
    url: str | None


@dataclass(frozen=True, slots=True)
class AcmgGene:
    gene: str
    disease: str
    inheritance: str
    variants_to_report: str
    list_version: str


@dataclass(frozen=True, slots=True)
class TraitSite:
    rsid: str
    gene: str
    chrom: str
    position: int
    plus_strand_alleles: tuple[str, str]
    # None when the table marks the reference allele as unverified or ambiguous
    verified_ref: str | None
    stated_ref: str | None
    effect_allele: str
    genotype_to_trait: str


def _load_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _locus_from_json(variant: dict[str, Any]) -> Locus:
    return Locus(
        chrom=variant["chromosome"],
        position=int(variant["position"]),
        rsid=variant.get("rsid"),
        ref=variant["ref"],
        alts=tuple(variant.get("alts") or ()),
        cpic_alleles=tuple(variant.get("cpicAlleles") or ()),
        cpic_to_vcf=dict(variant.get("cpicToVcfAlleleMap") or {}),
    )


@functools.cache
def gene_definitions() -> dict[str, GeneDefinition]:
    allele_dir = KNOWLEDGE_DIR / "pharmcat" / "definition" / "alleles"
    exemptions = _load_json(allele_dir / "exemptions.json")
    definitions: dict[str, GeneDefinition] = {}
    for gene in PGX_GENES:
        raw = _load_json(allele_dir / f"{gene}_translation.json")
        exemption = exemptions.get(gene, {})
        ignored_positions = {int(p["position"]) for p in exemption.get("ignoredPositions", [])}
        keep = [
            index
            for index, variant in enumerate(raw["variants"])
            if int(variant["position"]) not in ignored_positions
        ]
        loci = tuple(_locus_from_json(raw["variants"][index]) for index in keep)
        named = []
        for allele in raw["namedAlleles"]:
            alleles = tuple(allele["alleles"][index] for index in keep)
            count = sum(1 for value in alleles if value is not None)
            # PharmCAT scores a full-data match with the file's score (ignored positions included)
            score = allele.get("score", count)
            named.append(
                NamedAllele(
                    name=allele["name"],
                    alleles=alleles,
                    reference=bool(allele.get("reference")),
                    score=int(score),
                )
            )
        definitions[gene] = GeneDefinition(
            gene=gene,
            chromosome=raw["chromosome"],
            version=raw.get("version", ""),
            loci=loci,
            named_alleles=tuple(named),
            ignored_alleles=frozenset(exemption.get("ignoredAlleles", [])),
            extra_loci=tuple(_locus_from_json(v) for v in exemption.get("extraPositions", [])),
        )
    return definitions


@functools.cache
def gene_exemptions() -> dict[str, dict[str, Any]]:
    """PharmCAT's per-gene matcher exceptions (amp1Alleles, requiredPositions, priorities...)."""
    return _load_json(KNOWLEDGE_DIR / "pharmcat" / "definition" / "alleles" / "exemptions.json")


def _pharmcat_phenotypes(gene: str) -> GenePhenotypes:
    raw = _load_json(KNOWLEDGE_DIR / "pharmcat" / "phenotype" / f"{gene}.json")
    diplotypes: dict[tuple[str, ...], tuple[str, str | None]] = {}
    for row in raw.get("diplotypes", []):
        key_counts: dict[str, int] = row["diplotypekey"]
        key = tuple(sorted(name for name, count in key_counts.items() for _ in range(count)))
        diplotypes[key] = (row["generesult"], row.get("activityScore"))
    function: dict[str, str] = {}
    activity: dict[str, float | None] = {}
    for allele in raw.get("namedAlleles", []):
        function[allele["name"]] = allele.get("functionValue") or ""
        value = allele.get("activityValue")
        activity[allele["name"]] = _to_float(value)
    return GenePhenotypes(gene, "PharmCAT", diplotypes, function, activity)


def _to_float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "", "n/a", "N/A") else None
    except ValueError:
        return None


def _pypgx_phenotypes(gene: str) -> GenePhenotypes:
    diplotypes: dict[tuple[str, ...], tuple[str, str | None]] = {}
    with (KNOWLEDGE_DIR / "pypgx" / "diplotype-table.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Gene"] != gene:
                continue
            names = [name for name in row["Diplotype"].split("/") if name != "MALE"]
            diplotypes[tuple(sorted(names))] = (row["Phenotype"], None)
    function: dict[str, str] = {}
    activity: dict[str, float | None] = {}
    with (KNOWLEDGE_DIR / "pypgx" / "allele-table.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Gene"] == gene:
                function[row["StarAllele"]] = row["Function"]
                activity[row["StarAllele"]] = _to_float(row["ActivityScore"])
    return GenePhenotypes(gene, "pypgx", diplotypes, function, activity)


@functools.cache
def gene_phenotypes() -> dict[str, GenePhenotypes]:
    tables: dict[str, GenePhenotypes] = {}
    for gene in PGX_GENES:
        path = KNOWLEDGE_DIR / "pharmcat" / "phenotype" / f"{gene}.json"
        tables[gene] = _pharmcat_phenotypes(gene) if path.exists() else _pypgx_phenotypes(gene)
    return tables


@functools.cache
def activity_equations() -> dict[str, list[tuple[str, str]]]:
    """pypgx activity-score equations: gene -> [(phenotype, equation such as '1 <= score < 2')]."""
    equations: dict[str, list[tuple[str, str]]] = {}
    with (KNOWLEDGE_DIR / "pypgx" / "equation-table.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            equations.setdefault(row["Gene"], []).append((row["Phenotype"], row["Equation"]))
    return equations


def _strip_html(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


@functools.cache
def cpic_recommendations() -> tuple[CpicRecommendation, ...]:
    recommendations: list[CpicRecommendation] = []
    for path in sorted((KNOWLEDGE_DIR / "cpic_guidelines").glob("CPIC_*.json")):
        raw = _load_json(path)
        guideline = raw["guideline"]
        for rec in raw.get("recommendations", []):
            lookup = rec.get("lookupKey") or {}
            if not lookup:
                continue
            recommendations.append(
                CpicRecommendation(
                    guideline=guideline["name"],
                    drugs=tuple(chem["name"] for chem in rec.get("relatedChemicals", [])),
                    lookup={gene: str(value) for gene, value in lookup.items()},
                    population=rec.get("population"),
                    classification=(rec.get("classification") or {}).get("term"),
                    text=_strip_html((rec.get("text") or {}).get("html", "")),
                    implications=tuple(_strip_html(str(i)) for i in rec.get("implications", [])),
                    url=guideline.get("url"),
                )
            )
    return tuple(recommendations)


@functools.cache
def acmg_genes(version: str = "3.2") -> dict[str, AcmgGene]:
    path = KNOWLEDGE_DIR / "acmg" / f"acmg_sf_{version}.tsv"
    if not path.exists():
        raise ValueError(f"ACMG SF list version {version} is not in the knowledge base")
    genes: dict[str, AcmgGene] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            symbol = row["gene_symbol"].strip()
            existing = genes.get(symbol)
            disease = row["disease_phenotype"].strip()
            if existing is not None:
                # A gene listed for several diseases keeps one rule; the diseases are joined.
                disease = f"{existing.disease}; {disease}"
            inheritance = row["inheritance"].strip()
            rule = row["variants_to_report"].strip()
            if inheritance == "AR" and rule == "All P and LP":
                # ACMG SF policy: a recessive gene is reported only with two P/LP variants (one is
                # carrier status). The v3.2 table lists TRDN as "All P and LP" although AR.
                rule = "P and LP (2 variants)"
            genes[symbol] = AcmgGene(
                gene=symbol,
                disease=disease,
                inheritance=inheritance,
                variants_to_report=rule,
                list_version=version,
            )
    return genes


@functools.cache
def trait_sites() -> tuple[TraitSite, ...]:
    sites: list[TraitSite] = []
    with (KNOWLEDGE_DIR / "traits" / "traits_grch38.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            first, second = row["plus_strand_alleles"].split("/")
            stated = row["grch38_ref"].strip()
            letter = stated[:1] if stated[:1] in "ACGT" and stated else None
            verified = letter if letter and "unverified" not in stated.lower() else None
            sites.append(
                TraitSite(
                    rsid=row["rsid"],
                    gene=row["gene"],
                    chrom=row["chrom"],
                    position=int(row["pos_grch38"]),
                    plus_strand_alleles=(first.strip(), second.strip()),
                    verified_ref=verified,
                    stated_ref=letter,
                    effect_allele=row["effect_allele_plus"].strip(),
                    genotype_to_trait=row["genotype_to_trait_plus_strand"],
                )
            )
    return tuple(sites)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _folder_checksum(folder: Path) -> str:
    """One sha256 over every file of a source folder (name and content), in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(_sha256(path).encode())
    return digest.hexdigest()


@functools.cache
def knowledge_base_identity(clinvar_release: str | None = None) -> dict[str, Any]:
    """Name, date and per-source version + sha256: the stamp a finding carries.

    ``clinvar_release`` is the release label of the ClinVar records in use (loaded separately,
    by an operator, each month), or None when no ClinVar records were supplied.
    """
    release = _load_json(KNOWLEDGE_DIR / "release.json")
    sources = []
    for source in release["sources"]:
        sources.append({**source, "sha256": _folder_checksum(KNOWLEDGE_DIR / source["folder"])})
    if clinvar_release is not None:
        sources.append({"name": "ClinVar", "folder": None, "version": clinvar_release})
    combined = hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).hexdigest()
    return {
        "name": release["name"],
        "date": release["date"],
        "release": f"{release['name']}@{release['date']}+{combined[:12]}",
        "sources": sources,
    }
