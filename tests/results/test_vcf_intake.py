"""VCF intake of good files: compressed, indexed, read by region only.

Every bad input (truncated, GRCh37, bombs, junk, overflowing fields) is in
tests/hostile/test_vcf_hostile.py.
"""

from pathlib import Path

import pysam

from results.engine.interpretation import interpret_vcf
from results.engine.vcf_intake import GRCH38_LENGTHS, open_vcf

HEADER = "##fileformat=VCFv4.2\n"
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{samples}\n"
# CYP2C19 rs12248560 (C>T) and rs4244285 (G>A) at their GRCh38 positions
GOOD_LINES = (
    "chr10\t94761900\trs12248560\tC\tT\t.\tPASS\t.\tGT\t0/1\n"
    "chr10\t94781859\trs4244285\tG\tA\t.\tPASS\t.\tGT\t0/0\n"
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _contigs(lengths: dict[str, int]) -> str:
    return "".join(f"##contig=<ID=chr{c},length={n}>\n" for c, n in lengths.items())


def test_plain_vcf_is_compressed_and_indexed(tmp_path: Path) -> None:
    path = _write(tmp_path / "ok.vcf", HEADER + COLUMNS.format(samples="S1") + GOOD_LINES)
    result = interpret_vcf(path)
    assert result["sample"] == "S1" and result["build"] == "GRCh38"
    # a variant-only file without the lab's attestation: CYP2C19 is read, but its other core
    # positions are not, so it is "not determined" and the matcher's answer stays in the appendix
    cyp2c19 = result["pgx"]["CYP2C19"]
    assert cyp2c19["status"] == "not_determined"
    assert cyp2c19["reason_code"] == "missing_core_positions"
    assert cyp2c19["diplotypes"] == [] and cyp2c19["phenotype"] is None


def test_bgzipped_without_index_in_read_only_folder(tmp_path: Path, monkeypatch) -> None:
    plain = _write(tmp_path / "x.vcf", HEADER + COLUMNS.format(samples="S1") + GOOD_LINES)
    folder = tmp_path / "ro"
    folder.mkdir()
    compressed = folder / "x.vcf.gz"
    pysam.tabix_compress(str(plain), str(compressed))
    # root can write anywhere, so say the folder is read-only the way the code asks
    monkeypatch.setattr("results.engine.vcf_intake.os.access", lambda path, mode: False)
    with open_vcf(compressed) as source:
        assert source.index_path.parent != folder
        assert source.read_sites([("chr10", 94761900)])
    assert list(folder.iterdir()) == [compressed]


def test_csi_index_is_accepted(tmp_path: Path) -> None:
    plain = _write(tmp_path / "x.vcf", HEADER + COLUMNS.format(samples="S1") + GOOD_LINES)
    compressed = tmp_path / "x.vcf.gz"
    pysam.tabix_compress(str(plain), str(compressed))
    pysam.tabix_index(str(compressed), preset="vcf", csi=True)
    with open_vcf(compressed) as source:
        assert source.index_path.suffix == ".csi"
        assert source.read_sites([("chr10", 94761900)])


def test_grch38_header_is_accepted(tmp_path: Path) -> None:
    text = HEADER + _contigs(GRCH38_LENGTHS) + COLUMNS.format(samples="S1") + GOOD_LINES
    with open_vcf(_write(tmp_path / "b38.vcf", text)) as source:
        assert source.header_build == "GRCh38"


def test_reads_only_target_regions(tmp_path: Path) -> None:
    text = HEADER + COLUMNS.format(samples="S1") + GOOD_LINES
    with open_vcf(_write(tmp_path / "x.vcf", text)) as source:
        sites = source.read_sites([("chr10", 94761900)])
    assert list(sites) == [("chr10", 94761900)]
