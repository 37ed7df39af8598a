"""Trait SNPs: called on allele letters; a REF that disagrees with the table is refused."""

from pathlib import Path

from results.engine.interpretation import interpret_vcf

HEAD = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP1\n"


def test_lactase_persistence(tmp_path: Path) -> None:
    path = tmp_path / "t.vcf"
    path.write_text(HEAD + "chr2\t135851076\trs4988235\tG\tA\t.\tPASS\t.\tGT\t0/1\n")
    trait = interpret_vcf(path)["traits"]["rs4988235"]
    assert trait["status"] == "called" and trait["genotype"] == "GA"
    assert trait["effect_allele_count"] == 1
    assert "lactase persistence likely" in trait["interpretation"]


def test_earwax_recessive(tmp_path: Path) -> None:
    path = tmp_path / "t.vcf"
    path.write_text(HEAD + "chr16\t48224287\trs17822931\tC\tT\t.\tPASS\t.\tGT\t1/1\n")
    trait = interpret_vcf(path)["traits"]["rs17822931"]
    assert trait["genotype"] == "TT" and "dry earwax" in trait["interpretation"]


def test_ref_disagreeing_with_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.vcf"
    path.write_text(HEAD + "chr16\t48224287\trs17822931\tA\tG\t.\tPASS\t.\tGT\t0/1\n")
    trait = interpret_vcf(path)["traits"]["rs17822931"]
    assert trait["status"] == "refused" and "disagrees" in trait["reason"]


def test_absent_position_is_no_call(tmp_path: Path) -> None:
    path = tmp_path / "t.vcf"
    path.write_text(HEAD + "chr2\t135851076\trs4988235\tG\tA\t.\tPASS\t.\tGT\t0/0\n")
    assert interpret_vcf(path)["traits"]["rs713598"]["status"] == "no_call"
