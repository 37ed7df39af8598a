"""Malformed VCFs (R21): each is refused with a one-line reason a person can act on.

The engine (`results.engine.vcf_intake`) is fed truncated BGZF, GRCh37, gzip bombs, header-only
files, binary junk and overflowing fields; none may crash, run away with memory or echo
an unbounded or unprintable value. The same files then go through the staff upload page:
each bad file becomes a failed sample with its reason shown (escaped), the good file of the
same manifest still goes through, and nothing is reported to the participant.
"""

import gzip
import io
import tracemalloc
from pathlib import Path

import pysam
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from results.engine.interpretation import interpret_vcf
from results.engine.vcf_intake import (
    GRCH37_LENGTHS,
    IntakeLimits,
    VcfIntakeError,
    open_vcf,
)

HEADER = "##fileformat=VCFv4.2\n"
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{samples}\n"
# CYP2C19 rs12248560 (C>T) and rs4244285 (G>A) at their GRCh38 positions
GOOD_LINES = (
    "chr10\t94761900\trs12248560\tC\tT\t.\tPASS\t.\tGT\t0/1\n"
    "chr10\t94781859\trs4244285\tG\tA\t.\tPASS\t.\tGT\t0/0\n"
)
S1 = COLUMNS.format(samples="S1")
# A refusal names the problem; it never echoes more than this much of the input.
MAX_MESSAGE = 300


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _bgzip(path: Path) -> Path:
    compressed = path.with_name(path.name + ".gz")
    pysam.tabix_compress(str(path), str(compressed), force=True)
    return compressed


def _contigs(lengths: dict[str, int]) -> str:
    return "".join(f"##contig=<ID=chr{c},length={n}>\n" for c, n in lengths.items())


def _assert_clear(error: pytest.ExceptionInfo[VcfIntakeError]) -> str:
    """One printable line, short enough to read and to store."""
    message = str(error.value)
    assert message and message.isprintable(), repr(message)
    assert len(message) <= MAX_MESSAGE, message[:400]
    return message


# ------------------------------------------------------------------ build and junk
def test_grch37_header_is_refused(tmp_path: Path) -> None:
    text = HEADER + _contigs(GRCH37_LENGTHS) + S1 + GOOD_LINES
    with pytest.raises(VcfIntakeError, match="GRCh37") as error:
        interpret_vcf(_write(tmp_path / "b37.vcf", text))
    _assert_clear(error)


def test_grch37_by_reference_letters_is_refused(tmp_path: Path) -> None:
    # no contig lengths: the REF letters at definition sites give the build away
    lines = "".join(
        f"chr10\t{pos}\t.\t{ref}\tA\t.\tPASS\t.\tGT\t0/1\n"
        for pos, ref in ((94761900, "G"), (94781859, "T"), (94842866, "C"), (94852738, "T"))
    )
    with pytest.raises(VcfIntakeError, match="GRCh37") as error:
        interpret_vcf(_write(tmp_path / "b37.vcf", HEADER + S1 + lines))
    _assert_clear(error)


def test_truncated_bgzip(tmp_path: Path) -> None:
    compressed = _bgzip(_write(tmp_path / "x.vcf", HEADER + S1 + GOOD_LINES * 50))
    data = compressed.read_bytes()
    compressed.write_bytes(data[: len(data) // 2])
    with pytest.raises(VcfIntakeError, match="truncated") as error:
        open_vcf(compressed)
    _assert_clear(error)


def test_truncated_plain_gzip(tmp_path: Path) -> None:
    path = tmp_path / "x.vcf.gz"
    data = gzip.compress((HEADER + S1 + GOOD_LINES * 200).encode())
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(VcfIntakeError, match="truncated") as error:
        open_vcf(path)
    _assert_clear(error)


def test_not_a_vcf(tmp_path: Path) -> None:
    with pytest.raises(VcfIntakeError, match="not a VCF") as error:
        open_vcf(_write(tmp_path / "x.vcf", "hello,world\n1,2\n"))
    _assert_clear(error)


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"\x1f\x8b" + bytes(range(256)) * 4,  # gzip magic, then junk
        (HEADER + S1).encode("utf-16"),
        (HEADER + "##source=caf\xe9\n" + S1).encode("latin-1"),
        b"%PDF-1.7\n" + bytes(200),
    ],
    ids=["binary", "gzip-magic-junk", "utf16", "latin1", "pdf"],
)
def test_binary_junk_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "x.vcf"
    path.write_bytes(data)
    with pytest.raises(VcfIntakeError) as error:
        open_vcf(path)
    _assert_clear(error)


def test_non_utf8_header_inside_bgzf_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "x.vcf"
    plain.write_bytes((HEADER + "##source=caf\xe9\n" + S1 + GOOD_LINES).encode("latin-1"))
    with pytest.raises(VcfIntakeError) as error:
        open_vcf(_bgzip(plain))
    _assert_clear(error)


def test_missing_chrom_header_line(tmp_path: Path) -> None:
    with pytest.raises(VcfIntakeError, match="#CHROM") as error:
        open_vcf(_write(tmp_path / "x.vcf", HEADER + GOOD_LINES))
    _assert_clear(error)


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(VcfIntakeError, match="no such file"):
        open_vcf(tmp_path / "absent.vcf")
    with pytest.raises(VcfIntakeError, match="empty"):
        open_vcf(_write(tmp_path / "empty.vcf", ""))


def test_sites_only_vcf(tmp_path: Path) -> None:
    text = HEADER + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    with pytest.raises(VcfIntakeError, match="no sample"):
        open_vcf(_write(tmp_path / "x.vcf", text))


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "bgzip"])
def test_header_only_vcf_is_refused_not_reported_as_all_unknown(
    tmp_path: Path, compressed: bool
) -> None:
    """Without a single record every gene would come out 'not determined': a report of
    nothing. The file is refused instead, so the lab sends the right one."""
    path = _write(tmp_path / "x.vcf", HEADER + _contigs({"10": 133797422}) + S1)
    if compressed:
        path = _bgzip(path)
    with pytest.raises(VcfIntakeError, match="no records") as error:
        interpret_vcf(path)
    _assert_clear(error)


# ------------------------------------------------------------------ size and bombs
def test_gzip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.vcf.gz"
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write((HEADER + S1).encode())
        block = b"\0" * (1 << 20)
        for _ in range(64):
            handle.write(block)
    with pytest.raises(VcfIntakeError, match="bomb") as error:
        open_vcf(path)
    _assert_clear(error)


def test_4gb_upload_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.vcf.gz"
    with path.open("wb") as handle:
        handle.truncate(4 * 1024**3)  # sparse: no disk used, nothing read
    with pytest.raises(VcfIntakeError, match="limit") as error:
        open_vcf(path)
    _assert_clear(error)


def test_plain_vcf_over_the_plain_limit_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.vcf", HEADER + S1 + GOOD_LINES * 100)
    with pytest.raises(VcfIntakeError, match="bgzip and index it") as error:
        open_vcf(path, limits=IntakeLimits(max_plain_bytes=1000))
    _assert_clear(error)


def test_endless_header_line_in_bgzf_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    """A BGZF 'header' of one 64 MiB line (a few hundred KiB compressed) must be refused
    after reading about the limit, not after holding the whole line in memory."""
    plain = tmp_path / "x.vcf"
    with plain.open("w") as handle:
        handle.write(HEADER + "##x=")
        chunk = "A" * (1 << 20)
        for _ in range(64):
            handle.write(chunk)
        handle.write("\n" + S1 + GOOD_LINES)
    compressed = _bgzip(plain)
    plain.unlink()
    limits = IntakeLimits(max_header_bytes=1024**2)
    tracemalloc.start()
    try:
        with pytest.raises(VcfIntakeError, match="header limit") as error:
            open_vcf(compressed, limits=limits)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    _assert_clear(error)
    assert peak < 16 * 1024**2, f"peak {peak / 1024**2:.0f} MiB while refusing the header"


# ------------------------------------------------------------------ overflowing fields
@pytest.mark.parametrize("pos", ["-5", "0", "99999999999", "notanumber", "300000000", "9" * 5000])
def test_bad_positions(tmp_path: Path, pos: str) -> None:
    line = f"chr10\t{pos}\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n"
    with pytest.raises(VcfIntakeError, match="POS") as error:
        open_vcf(_write(tmp_path / "x.vcf", HEADER + S1 + line))
    _assert_clear(error)


@pytest.mark.parametrize("genotype", ["0/7", "0/-1", "0/" + "9" * 5000, "A/B"])
def test_genotype_out_of_range(tmp_path: Path, genotype: str) -> None:
    line = f"chr10\t94761900\trs12248560\tC\tT\t.\tPASS\t.\tGT\t{genotype}\n"
    with pytest.raises(VcfIntakeError, match="invalid genotype") as error:
        interpret_vcf(_write(tmp_path / "x.vcf", HEADER + S1 + line))
    _assert_clear(error)


def test_ref_mismatch_at_definition_position(tmp_path: Path) -> None:
    line = "chr10\t94761900\trs12248560\tG\tT\t.\tPASS\t.\tGT\t0/1\n"
    with pytest.raises(VcfIntakeError, match="REF mismatch") as error:
        interpret_vcf(_write(tmp_path / "x.vcf", HEADER + S1 + line))
    _assert_clear(error)


@pytest.mark.parametrize(
    "line",
    [
        # 5 MB INFO, 1 MB REF, 100,000 ALT alleles, a 10,000-digit phase set, a 100 kB contig
        "chr10\t94761900\trs12248560\tC\tT\t.\tPASS\tX=" + "x" * 5_000_000 + "\tGT\t0/1\n",
        "chr10\t94761900\trs12248560\t" + "C" * 1_000_000 + "\tT\t.\tPASS\t.\tGT\t0/1\n",
        "chr10\t94761900\trs12248560\tC\t" + ",".join(["T"] * 100_000) + "\t.\tPASS\t.\tGT\t0/1\n",
        "chr10\t94761900\trs12248560\tC\tT\t.\tPASS\t.\tGT:PS\t0|1:" + "9" * 10_000 + "\n",
        "chr" + "1" * 100_000 + "\t5\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n",
    ],
    ids=["info", "ref", "alts", "phase-set", "contig"],
)
def test_overflowing_fields_do_not_crash(tmp_path: Path, line: str) -> None:
    """Each is either read (the oversized part ignored) or refused clearly; never a crash."""
    path = _write(tmp_path / "x.vcf", HEADER + S1 + line + GOOD_LINES.splitlines(True)[1])
    try:
        result = interpret_vcf(path)
    except VcfIntakeError as error:
        assert str(error).isprintable() and len(str(error)) <= MAX_MESSAGE
    else:
        assert result["sample"] == "S1" and set(result) >= {"pgx", "disease_risk", "traits"}


def test_many_samples_without_a_choice_is_refused(tmp_path: Path) -> None:
    samples = "\t".join(f"S{i}" for i in range(20_000))
    path = _write(tmp_path / "x.vcf", HEADER + COLUMNS.format(samples=samples))
    with pytest.raises(VcfIntakeError, match="20000 samples") as error:
        interpret_vcf(path)
    _assert_clear(error)
    with pytest.raises(VcfIntakeError, match="not in the VCF") as error:
        interpret_vcf(path, sample="NOBODY")
    assert "..." in _assert_clear(error)  # the sample list is cut, not dumped


def test_multi_sample_without_sample(tmp_path: Path) -> None:
    lines = GOOD_LINES.replace("\t0/1\n", "\t0/1\t1/1\n").replace("\t0/0\n", "\t0/0\t0/0\n")
    path = _write(tmp_path / "x.vcf", HEADER + COLUMNS.format(samples="A\tB") + lines)
    with pytest.raises(VcfIntakeError, match="2 samples") as error:
        interpret_vcf(path)
    _assert_clear(error)
    assert interpret_vcf(path, sample="B")["sample"] == "B"
    with pytest.raises(VcfIntakeError, match="not in the VCF"):
        interpret_vcf(path, sample="C")


@pytest.mark.parametrize("name", ["S\x001", "S\x1b[31m1", '<script>alert(1)</script>"', "S\u202e1"])
def test_unprintable_sample_names_are_not_echoed_raw(tmp_path: Path, name: str) -> None:
    """The refusal is stored and shown to staff: control characters (NUL cannot even be
    stored in PostgreSQL) are written as escapes."""
    path = _write(tmp_path / "x.vcf", HEADER + COLUMNS.format(samples=name) + GOOD_LINES)
    with pytest.raises(VcfIntakeError, match="not in the VCF") as error:
        interpret_vcf(path, sample="EXPECTED-1")
    message = _assert_clear(error)
    assert "\x00" not in message and "\x1b" not in message


# ------------------------------------------------------------------ through the upload page
KGP_GOOD = "NA12878"


def _bad_files(tmp_path: Path) -> dict[str, bytes]:
    """Sample id → the bytes uploaded as <sample id>.vcf(.gz)."""
    from tests.results.workflow.helpers import renamed_vcf

    def text(sample: str, body: str, header: str = HEADER) -> bytes:
        return (header + COLUMNS.format(samples=sample) + body).encode()

    truncated = renamed_vcf(KGP_GOOD, "BAD-TRUNC", tmp_path / "src").read_bytes()
    bomb = io.BytesIO()
    with gzip.GzipFile(fileobj=bomb, mode="wb", compresslevel=9) as handle:
        handle.write(text("BAD-BOMB", ""))
        for _ in range(24):
            handle.write(b"\0" * (1 << 20))
    return {
        "BAD-TRUNC": truncated[: len(truncated) // 2],
        "BAD-B37": text("BAD-B37", GOOD_LINES, HEADER + _contigs(GRCH37_LENGTHS)),
        "BAD-BOMB": bomb.getvalue(),
        "BAD-EMPTY": text("BAD-EMPTY", ""),
        "BAD-JUNK": b"##fileformat=VCF" + bytes(range(256)) * 8,
        "BAD-POS": text("BAD-POS", "chr10\t" + "9" * 5000 + "\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n"),
        "BAD-NAME": text('<script>alert("x")</script>\x00', GOOD_LINES),
    }


@pytest.mark.django_db
# ------------------------------------------------------------ gVCF blocks and outside calls


@pytest.mark.parametrize(
    ("block", "why"),
    [
        # a reference block whose genotype is not reference
        ("chr10\t94761800\t.\tC\t<NON_REF>\t.\tPASS\tEND=94762000\tGT:GQ\t0/1:50\n", "genotype"),
        # END that is not a number, or runs before POS, or is absurdly long: no block, not reference
        ("chr10\t94761800\t.\tC\t<NON_REF>\t.\tPASS\tEND=9x\tGT:GQ\t0/0:50\n", None),
        ("chr10\t94761800\t.\tC\t<NON_REF>\t.\tPASS\tEND=5\tGT:GQ\t0/0:50\n", None),
        # htslib cannot index an END past 2^31: refused with the indexing reason
        (
            "chr10\t94761800\t.\tC\t<NON_REF>\t.\tPASS\tEND=" + "9" * 40 + "\tGT:GQ\t0/0:50\n",
            "index",
        ),
        # GQ that is not a number counts as absent quality (and the block is not confident)
        ("chr10\t94761800\t.\tC\t<NON_REF>\t.\tPASS\tEND=94762000\tGT:GQ\t0/0:high\n", None),
    ],
)
def test_hostile_gvcf_blocks(tmp_path: Path, block: str, why: str | None) -> None:
    path = _write(tmp_path / "g.vcf", HEADER + S1 + block)
    if why is not None:
        with pytest.raises(VcfIntakeError) as error:
            interpret_vcf(path)
        assert why in _assert_clear(error)
        return
    result = interpret_vcf(path)
    # nothing was read as reference from a broken block
    assert result["pgx"]["CYP2C19"]["status"] == "not_determined"
    assert result["callability"]["mode"] != "lab_attested"


@pytest.mark.parametrize(
    "text",
    [
        "CYP2D6\t*1/*2\x00\n",
        "CYP2D6\t" + "*1" * 5000 + "\n",
        "<script>alert(1)</script>\t*1/*1\n",
        "HLA-B\t*57:01/*57:01/*57:01\n",
        "CYP2D6\t*1/*2\t\t" + "9" * 50 + "\n",
        "\ufeffCYP2D6\t*1/*2\n",
    ],
)
def test_hostile_outside_call_files(tmp_path: Path, text: str) -> None:
    from results.engine.outside_calls import OutsideCallError

    calls = tmp_path / "outside.tsv"
    calls.write_text(text, encoding="utf-8")
    vcf = _write(tmp_path / "v.vcf", HEADER + S1 + GOOD_LINES)
    with pytest.raises(OutsideCallError) as error:
        interpret_vcf(vcf, outside_calls=calls)
    message = str(error.value)
    assert message.isprintable() and len(message) <= MAX_MESSAGE
    assert "<script>" not in message


def test_outside_call_file_over_the_size_limit(tmp_path: Path) -> None:
    from results.engine.outside_calls import OutsideCallError

    calls = tmp_path / "big.tsv"
    calls.write_text("# padding\n" * 20_000)
    vcf = _write(tmp_path / "v.vcf", HEADER + S1 + GOOD_LINES)
    with pytest.raises(OutsideCallError, match="64 KiB"):
        interpret_vcf(vcf, outside_calls=calls)


def test_bad_vcfs_uploaded_by_staff_fail_one_by_one_with_their_reason(
    client, participant, kb, data_manager, tmp_path, django_capture_on_commit_callbacks
):
    from participants.consent.models import ConsentRecord
    from results.models import Interpretation, Report, Sample
    from tests.factories import ParticipantFactory
    from tests.results.workflow.helpers import manifest_csv, renamed_vcf
    from tests.staff.conftest import staff_client

    bad = _bad_files(tmp_path)
    good = renamed_vcf(KGP_GOOD, "GOOD-1", tmp_path / "src")
    people = {sample_id: ParticipantFactory() for sample_id in bad}
    rows = [(participant.research_id, "GOOD-1", good.name, "")]
    uploads = [SimpleUploadedFile(good.name, good.read_bytes())]
    for sample_id, data in bad.items():
        name = f"{sample_id}.vcf.gz" if data[:2] == b"\x1f\x8b" else f"{sample_id}.vcf"
        rows.append((people[sample_id].research_id, sample_id, name, ""))
        uploads.append(SimpleUploadedFile(name, data))
    client = staff_client(data_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_results:manifests"),
            {"manifest": SimpleUploadedFile("run.csv", manifest_csv(rows)), "files": uploads},
        )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()

    states = dict(Sample.objects.values_list("sample_id", "state"))
    assert states == {"GOOD-1": "interpreted", **dict.fromkeys(bad, "failed")}
    reasons = dict(Sample.objects.values_list("sample_id", "failure_reason"))
    assert "truncated" in reasons["BAD-TRUNC"]
    assert "GRCh37" in reasons["BAD-B37"]
    assert "bomb" in reasons["BAD-BOMB"]
    assert "no records" in reasons["BAD-EMPTY"]
    assert "POS" in reasons["BAD-POS"]
    assert "does not match the manifest's sample id" in reasons["BAD-NAME"]
    for sample_id, reason in reasons.items():
        if sample_id != "GOOD-1":
            assert reason.isprintable() and len(reason) <= MAX_MESSAGE, (sample_id, reason)
            assert sample_id in body
    # The staff page shows each reason, escaped.
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert Interpretation.objects.filter(state="failed").count() == len(bad)
    # Nothing is reported for a failed sample; the good one goes on.
    assert set(Report.objects.values_list("participant", flat=True)) <= {participant.pk}
    assert ConsentRecord.objects.count() == 0  # untouched
