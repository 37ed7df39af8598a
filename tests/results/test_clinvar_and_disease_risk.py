"""ClinVar loading (ClinVar's own VCF format) and the ACMG SF reporting rules."""

import gzip
from pathlib import Path

import pytest

from results.engine import clinvar
from results.engine.interpretation import interpret_vcf

CLINVAR_HEADER = (
    "##fileformat=VCFv4.1\n##fileDate=2025-11-02\n##source=ClinVar\n##reference=GRCh38\n"
    '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Aggregate germline classification">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)


def _clinvar_line(chrom: str, pos: int, vid: str, ref: str, alt: str, **info: str) -> str:
    text = ";".join(f"{k}={v}" for k, v in info.items())
    return f"{chrom}\t{pos}\t{vid}\t{ref}\t{alt}\t.\t.\t{text}\n"


def _info(
    gene: str, sig: str, stat: str, hgvs: str, mc: str = "SO:0001583|missense_variant"
) -> dict[str, str]:
    return {
        "ALLELEID": "1000" + gene[:2],
        "CLNDN": f"{gene}-related_disorder",
        "CLNHGVS": hgvs,
        "CLNREVSTAT": stat,
        "CLNSIG": sig,
        "GENEINFO": f"{gene}:1",
        "MC": mc,
    }


TWO_STAR = "criteria_provided,_multiple_submitters,_no_conflicts"
# (chrom, pos, id, ref, alt, info)
ENTRIES = [
    (
        "13",
        32340300,
        "51000",
        "G",
        "A",
        _info("BRCA2", "Pathogenic", TWO_STAR, "NC_000013.11:g.32340300G>A"),
    ),
    (
        "13",
        32340400,
        "51001",
        "C",
        "T",
        _info("BRCA2", "Likely_pathogenic", "no_assertion_criteria_provided", "x"),
    ),
    (
        "13",
        32340500,
        "51002",
        "A",
        "G",
        _info(
            "BRCA2",
            "Conflicting_classifications_of_pathogenicity",
            "criteria_provided,_conflicting_classifications",
            "y",
        ),
    ),
    ("13", 32340600, "51003", "T", "C", _info("BRCA2", "Benign", TWO_STAR, "z")),
    ("7", 117559590, "51004", "A", "G", _info("CFTR", "Pathogenic", TWO_STAR, "w")),
    (
        "6",
        26092913,
        "9",
        "G",
        "A",
        _info("HFE", "Pathogenic", TWO_STAR, "NC_000006.12:g.26092913G>A_(p.Cys282Tyr)"),
    ),
    ("13", 51944145, "52000", "C", "T", _info("ATP7B", "Pathogenic", TWO_STAR, "atp7b_1")),
    ("13", 51944150, "52001", "G", "A", _info("ATP7B", "Pathogenic", TWO_STAR, "atp7b_2")),
    ("2", 178527000, "53000", "G", "A", _info("TTN", "Pathogenic", TWO_STAR, "ttn_missense")),
    (
        "2",
        178527100,
        "53001",
        "C",
        "T",
        _info("TTN", "Pathogenic", TWO_STAR, "ttn_stop", "SO:0001587|nonsense"),
    ),
    ("X", 101398000, "54000", "C", "T", _info("GLA", "Pathogenic", TWO_STAR, "gla_1")),
]


@pytest.fixture
def clinvar_file(tmp_path: Path) -> Path:
    path = tmp_path / "clinvar.vcf.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(CLINVAR_HEADER)
        for chrom, pos, vid, ref, alt, info in ENTRIES:
            handle.write(_clinvar_line(chrom, pos, vid, ref, alt, **info))
    return path


def test_load_clinvar_filters(clinvar_file: Path, tmp_path: Path) -> None:
    records = clinvar.load_clinvar(clinvar_file)
    ids = {r.clinvar_id for r in records}
    assert ids == {"51000", "9", "52000", "52001", "53000", "53001", "54000"}  # CFTR not in ACMG SF
    brca2 = next(r for r in records if r.clinvar_id == "51000")
    assert brca2.chrom == "chr13" and brca2.stars == 2 and brca2.classification == "Pathogenic"
    loose = clinvar.load_clinvar(clinvar_file, min_stars=0, allow_conflicts=True)
    assert {"51001", "51002"} <= {r.clinvar_id for r in loose}
    path = clinvar.write_release(records, directory=tmp_path / "rel", release="2025-11")
    release, again = clinvar.read_release(path)
    assert release == "2025-11" and again == records


def test_load_clinvar_rejects_non_vcf(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("a\tb\n")
    with pytest.raises(clinvar.ClinVarFormatError):
        clinvar.load_clinvar(path)


def _sample_vcf(tmp_path: Path, genotypes: dict[tuple[str, int], str]) -> Path:
    lines = [
        "##fileformat=VCFv4.2\n",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP1\n",
    ]
    for chrom, pos, _vid, ref, alt, _details in ENTRIES:
        gt = genotypes.get((chrom, pos))
        if gt:
            lines.append(f"chr{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t{gt}\n")
    path = tmp_path / "p1.vcf"
    path.write_text("".join(lines))
    return path


def _findings(
    tmp_path: Path,
    clinvar_file: Path,
    genotypes: dict[tuple[str, int], str],
    sex: str | None = None,
):
    records = clinvar.load_clinvar(clinvar_file)
    result = interpret_vcf(_sample_vcf(tmp_path, genotypes), sex=sex, clinvar=("2025-11", records))
    return result["disease_risk"], result


def test_dominant_het_is_reported(tmp_path: Path, clinvar_file: Path) -> None:
    findings, result = _findings(tmp_path, clinvar_file, {("13", 32340300): "0/1"})
    assert [(f["gene"], f["zygosity"], f["clinvar_id"]) for f in findings] == [
        ("BRCA2", "heterozygous", "51000")
    ]
    assert findings[0]["hgvs"] == "NC_000013.11:g.32340300G>A"
    assert findings[0]["knowledge_base_release"] == result["knowledge_base"]["release"]
    assert any(
        s["name"] == "ClinVar" and s["version"] == "2025-11"
        for s in result["knowledge_base"]["sources"]
    )


def test_hfe_only_c282y_homozygous(tmp_path: Path, clinvar_file: Path) -> None:
    het, _ = _findings(tmp_path, clinvar_file, {("6", 26092913): "0/1"})
    assert het == []
    hom, _ = _findings(tmp_path, clinvar_file, {("6", 26092913): "1/1"})
    assert [(f["gene"], f["zygosity"]) for f in hom] == [("HFE", "homozygous")]


def test_recessive_needs_two_variants(tmp_path: Path, clinvar_file: Path) -> None:
    one, _ = _findings(tmp_path, clinvar_file, {("13", 51944145): "0/1"})
    assert one == []
    two, _ = _findings(tmp_path, clinvar_file, {("13", 51944145): "0/1", ("13", 51944150): "0/1"})
    assert {f["zygosity"] for f in two} == {"compound heterozygous (phase unknown)"}
    trans, _ = _findings(tmp_path, clinvar_file, {("13", 51944145): "0|1", ("13", 51944150): "1|0"})
    assert {f["zygosity"] for f in trans} == {"compound heterozygous (in trans)"}
    cis, _ = _findings(tmp_path, clinvar_file, {("13", 51944145): "0|1", ("13", 51944150): "0|1"})
    assert cis == []
    hom, _ = _findings(tmp_path, clinvar_file, {("13", 51944145): "1/1"})
    assert [f["zygosity"] for f in hom] == ["homozygous"]


def test_ttn_truncating_only(tmp_path: Path, clinvar_file: Path) -> None:
    findings, _ = _findings(
        tmp_path, clinvar_file, {("2", 178527000): "0/1", ("2", 178527100): "0/1"}
    )
    assert [f["clinvar_id"] for f in findings] == ["53001"]


def test_x_linked_by_sex(tmp_path: Path, clinvar_file: Path) -> None:
    male, _ = _findings(tmp_path, clinvar_file, {("X", 101398000): "1"}, sex="male")
    assert [f["zygosity"] for f in male] == ["hemizygous"]
    female, _ = _findings(tmp_path, clinvar_file, {("X", 101398000): "0/1"}, sex="female")
    assert [f["zygosity"] for f in female] == ["heterozygous"]


def test_ryr1_pharmcat_variant_is_disease_risk(tmp_path: Path) -> None:
    from results.engine import core_alleles
    from results.engine import knowledge_base as kb

    definition = kb.gene_definitions()["RYR1"]
    allele = next(
        a
        for a in definition.named_alleles
        if not a.reference and core_alleles.mhs_associated("RYR1", a.name)
    )
    index = next(i for i, v in enumerate(allele.alleles) if v is not None)
    locus = definition.loci[index]
    path = tmp_path / "ryr1.vcf"
    path.write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP1\n"
        f"{locus.chrom}\t{locus.position}\t.\t{locus.ref}\t{allele.alleles[index]}\t.\tPASS\t.\tGT\t0/1\n"
    )
    result = interpret_vcf(path)
    assert [(f["gene"], f["zygosity"]) for f in result["disease_risk"]] == [
        ("RYR1", "heterozygous")
    ]
    assert allele.name in result["disease_risk"][0]["hgvs"]
