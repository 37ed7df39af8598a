"""VCF intake: every bad input raises VcfIntakeError with a one-line message, never a crash."""

import gzip
from pathlib import Path

import pysam
import pytest

from results.interpretation import interpret_vcf
from results.vcf_intake import GRCH37_LENGTHS, GRCH38_LENGTHS, VcfIntakeError, open_vcf

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


def _assert_one_line(error: pytest.ExceptionInfo[VcfIntakeError]) -> None:
    message = str(error.value)
    assert message and "\n" not in message


def test_plain_vcf_is_compressed_and_indexed(tmp_path: Path) -> None:
    path = _write(tmp_path / "ok.vcf", HEADER + COLUMNS.format(samples="S1") + GOOD_LINES)
    result = interpret_vcf(path)
    assert result["sample"] == "S1" and result["build"] == "GRCh38"
    assert "*17" in result["pgx"]["CYP2C19"]["diplotypes"][0] or result["pgx"]["CYP2C19"]["notes"]


def test_bgzipped_without_index_in_read_only_folder(tmp_path: Path, monkeypatch) -> None:
    plain = _write(tmp_path / "x.vcf", HEADER + COLUMNS.format(samples="S1") + GOOD_LINES)
    folder = tmp_path / "ro"
    folder.mkdir()
    compressed = folder / "x.vcf.gz"
    pysam.tabix_compress(str(plain), str(compressed))
    # root can write anywhere, so say the folder is read-only the way the code asks
    monkeypatch.setattr("results.vcf_intake.os.access", lambda path, mode: False)
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


def test_grch37_header_is_refused(tmp_path: Path) -> None:
    text = HEADER + _contigs(GRCH37_LENGTHS) + COLUMNS.format(samples="S1") + GOOD_LINES
    with pytest.raises(VcfIntakeError, match="GRCh37") as error:
        interpret_vcf(_write(tmp_path / "b37.vcf", text))
    _assert_one_line(error)


def test_grch37_by_reference_letters_is_refused(tmp_path: Path) -> None:
    # no contig lengths: the REF letters at definition sites give the build away
    lines = "".join(
        f"chr10\t{pos}\t.\t{ref}\tA\t.\tPASS\t.\tGT\t0/1\n"
        for pos, ref in ((94761900, "G"), (94781859, "T"), (94842866, "C"), (94852738, "T"))
    )
    with pytest.raises(VcfIntakeError, match="GRCh37") as error:
        interpret_vcf(_write(tmp_path / "b37.vcf", HEADER + COLUMNS.format(samples="S1") + lines))
    _assert_one_line(error)


def test_grch38_header_is_accepted(tmp_path: Path) -> None:
    text = HEADER + _contigs(GRCH38_LENGTHS) + COLUMNS.format(samples="S1") + GOOD_LINES
    with open_vcf(_write(tmp_path / "b38.vcf", text)) as source:
        assert source.header_build == "GRCh38"


def test_truncated_bgzip(tmp_path: Path) -> None:
    plain = _write(tmp_path / "x.vcf", HEADER + COLUMNS.format(samples="S1") + GOOD_LINES * 50)
    compressed = tmp_path / "x.vcf.gz"
    pysam.tabix_compress(str(plain), str(compressed))
    data = compressed.read_bytes()
    compressed.write_bytes(data[: len(data) // 2])
    with pytest.raises(VcfIntakeError, match="truncated") as error:
        open_vcf(compressed)
    _assert_one_line(error)


def test_not_a_vcf(tmp_path: Path) -> None:
    with pytest.raises(VcfIntakeError, match="not a VCF") as error:
        open_vcf(_write(tmp_path / "x.vcf", "hello,world\n1,2\n"))
    _assert_one_line(error)


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "x.vcf"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(VcfIntakeError):
        open_vcf(path)


def test_missing_chrom_header_line(tmp_path: Path) -> None:
    with pytest.raises(VcfIntakeError, match="#CHROM") as error:
        open_vcf(_write(tmp_path / "x.vcf", HEADER + GOOD_LINES))
    _assert_one_line(error)


@pytest.mark.parametrize("pos", ["-5", "0", "99999999999", "notanumber", "300000000"])
def test_bad_positions(tmp_path: Path, pos: str) -> None:
    line = f"chr10\t{pos}\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n"
    with pytest.raises(VcfIntakeError, match="POS") as error:
        open_vcf(_write(tmp_path / "x.vcf", HEADER + COLUMNS.format(samples="S1") + line))
    _assert_one_line(error)


def test_ref_mismatch_at_definition_position(tmp_path: Path) -> None:
    line = "chr10\t94761900\trs12248560\tG\tT\t.\tPASS\t.\tGT\t0/1\n"
    with pytest.raises(VcfIntakeError, match="REF mismatch") as error:
        interpret_vcf(_write(tmp_path / "x.vcf", HEADER + COLUMNS.format(samples="S1") + line))
    _assert_one_line(error)


def test_multi_sample_without_sample(tmp_path: Path) -> None:
    lines = GOOD_LINES.replace("\t0/1\n", "\t0/1\t1/1\n").replace("\t0/0\n", "\t0/0\t0/0\n")
    path = _write(tmp_path / "x.vcf", HEADER + COLUMNS.format(samples="A\tB") + lines)
    with pytest.raises(VcfIntakeError, match="2 samples") as error:
        interpret_vcf(path)
    _assert_one_line(error)
    assert interpret_vcf(path, sample="B")["sample"] == "B"
    with pytest.raises(VcfIntakeError, match="not in the VCF"):
        interpret_vcf(path, sample="C")


def test_gzip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.vcf.gz"
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write((HEADER + COLUMNS.format(samples="S1")).encode())
        block = b"\0" * (1 << 20)
        for _ in range(64):
            handle.write(block)
    with pytest.raises(VcfIntakeError, match="bomb") as error:
        open_vcf(path)
    _assert_one_line(error)


def test_4gb_upload_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.vcf.gz"
    with path.open("wb") as handle:
        handle.truncate(4 * 1024**3)  # sparse: no disk used, nothing read
    with pytest.raises(VcfIntakeError, match="limit") as error:
        open_vcf(path)
    _assert_one_line(error)


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(VcfIntakeError, match="no such file"):
        open_vcf(tmp_path / "absent.vcf")
    with pytest.raises(VcfIntakeError, match="empty"):
        open_vcf(_write(tmp_path / "empty.vcf", ""))


def test_sites_only_vcf(tmp_path: Path) -> None:
    text = HEADER + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    with pytest.raises(VcfIntakeError, match="no sample"):
        open_vcf(_write(tmp_path / "x.vcf", text))


def test_reads_only_target_regions(tmp_path: Path) -> None:
    text = HEADER + COLUMNS.format(samples="S1") + GOOD_LINES
    with open_vcf(_write(tmp_path / "x.vcf", text)) as source:
        sites = source.read_sites([("chr10", 94761900)])
    assert list(sites) == [("chr10", 94761900)]
