"""VCF intake: validate an uploaded VCF and read only the target positions through its index.

Every problem with the input raises :class:`VcfIntakeError` with a one-line message a person can
act on; nothing else escapes from here for bad input. A whole-genome VCF is never scanned: the
engine asks for a few hundred small regions and htslib seeks to them through the tabix/CSI index.
"""

from __future__ import annotations

import bisect
import gzip
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pysam

# GRCh38 and GRCh37 primary contig lengths, to recognise a build from the header.
GRCH38_LENGTHS: dict[str, int] = {
    "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
    "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
    "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
    "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
    "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415,
}  # fmt: skip
GRCH37_LENGTHS: dict[str, int] = {
    "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
    "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
    "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
    "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
    "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
}  # fmt: skip

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
# htslib stores positions as signed 32-bit; nothing on GRCh38 is past 2^31 - 2.
MAX_POSITION = 2**31 - 2
# Regions closer than this are read with one index query.
REGION_MERGE_GAP = 20_000


# A refusal is stored and shown to staff: it echoes at most this much of any one value
# from the file, and is at most this long.
MAX_ECHO = 40
MAX_MESSAGE = 300


class VcfIntakeError(Exception):
    """The uploaded file cannot be interpreted; the message says why, in one line.

    Values quoted from the file are cut to MAX_ECHO characters and control characters are
    written as escapes (a NUL could not even be stored in PostgreSQL).
    """

    def __init__(self, message: str) -> None:
        super().__init__(_readable(message))


def _readable(message: str) -> str:
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(message))
    words = [w if len(w) <= MAX_ECHO else w[: MAX_ECHO - 1] + "…" for w in text.split(" ")]
    text = " ".join(words)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


@dataclass(frozen=True, slots=True)
class IntakeLimits:
    # A 30x single-sample VCF is ~0.1-0.5 GB bgzipped; a 4 GB upload is refused before reading.
    max_file_bytes: int = 2 * 1024**3
    # Plain (uncompressed) VCFs are for small files: they are sorted and compressed in memory.
    max_plain_bytes: int = 256 * 1024**2
    # Ceiling for anything we decompress ourselves (plain gzip that is not BGZF).
    max_decompressed_bytes: int = 1024**3
    # Text VCF compresses 4-20x; a ratio far beyond that is a decompression bomb.
    max_compression_ratio: int = 200
    max_header_bytes: int = 64 * 1024**2


DEFAULT_LIMITS = IntakeLimits()


# A symbolic ALT meaning "any other allele" (GATK/DRAGEN gVCF): it documents no allele.
SYMBOLIC_OTHER = frozenset({"<NON_REF>", "<*>", "*"})


@dataclass(frozen=True, slots=True)
class Genotype:
    """One sample's call at one record: allele strings per haplotype (None where '.').

    ``gq``, ``dp`` and ``ft`` are FORMAT/GQ, FORMAT/DP (MIN_DP for a reference block, which is
    the block's minimum) and FORMAT/FT, or None where the file does not give them.
    """

    alleles: tuple[str | None, ...]
    phased: bool
    phase_set: int | None
    gq: int | None = None
    dp: int | None = None
    ft: str | None = None


@dataclass(frozen=True, slots=True)
class SiteRecord:
    chrom: str
    pos: int
    ref: str
    alts: tuple[str, ...]
    filter: str
    genotypes: tuple[Genotype, ...]

    @property
    def passed(self) -> bool:
        return self.filter in ("PASS", ".", "")


@dataclass(frozen=True, slots=True)
class RefBlock:
    """A gVCF reference block (``<NON_REF>`` ALT with INFO/END): hom-ref confidence over a span."""

    chrom: str
    start: int
    end: int
    filter: str
    genotypes: tuple[Genotype, ...]


class SiteReadout(dict[tuple[str, int], list[SiteRecord]]):
    """Records starting at each target ('chrN', pos), plus the gVCF blocks covering targets."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: dict[tuple[str, int], RefBlock] = {}
        self.gvcf = False
        self.contigs: set[str] = set()
        # values derived from the records once and shared by every sample of a batch
        self.derived: dict[object, object] = {}


def _canonical_contig(name: str) -> str:
    bare = name.removeprefix("chr")
    return "chrM" if bare in ("M", "MT") else f"chr{bare}"


@dataclass
class VcfSource:
    """An opened, validated, indexed VCF. Use as a context manager to clean temp files."""

    original_path: Path
    path: Path
    index_path: Path
    samples: tuple[str, ...]
    selected: tuple[int, ...]
    uses_chr_prefix: bool
    header_build: str | None
    _tempdir: Path | None = None
    _tabix: pysam.TabixFile | None = field(default=None, repr=False)

    def __enter__(self) -> VcfSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._tabix is not None:
            self._tabix.close()
            self._tabix = None
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    @property
    def selected_samples(self) -> tuple[str, ...]:
        return tuple(self.samples[i] for i in self.selected)

    def _open_tabix(self) -> pysam.TabixFile:
        if self._tabix is None:
            try:
                self._tabix = pysam.TabixFile(str(self.path), index=str(self.index_path))
            except (OSError, ValueError) as error:
                raise VcfIntakeError(f"cannot open the VCF index: {error}") from error
        return self._tabix

    def vcf_contig(self, chrom: str) -> str:
        bare = chrom.removeprefix("chr")
        return f"chr{bare}" if self.uses_chr_prefix else bare

    def read_sites(self, targets: Iterable[tuple[str, int]]) -> SiteReadout:
        """Records starting at the target positions, keyed by ('chrN', pos); indexed reads only.

        gVCF reference blocks (``<NON_REF>`` with INFO/END) that span a target are kept apart in
        ``readout.blocks``: they say "reference here, with this confidence", not "a call here".
        tabix indexes a block by its END, so a region query finds blocks that start before it.
        """
        by_chrom: dict[str, set[int]] = {}
        for chrom, pos in targets:
            by_chrom.setdefault("chr" + chrom.removeprefix("chr"), set()).add(pos)
        tabix = self._open_tabix()
        known_contigs = set(tabix.contigs)
        found = SiteReadout()
        found.contigs = {_canonical_contig(c) for c in known_contigs}
        for chrom, positions in by_chrom.items():
            contig = self.vcf_contig(chrom)
            if contig not in known_contigs and chrom == "chrM":
                contig = next((c for c in ("chrM", "chrMT", "MT", "M") if c in known_contigs), "")
            if contig not in known_contigs:
                continue
            ordered = sorted(positions)
            for start, end in _merge_regions(ordered):
                try:
                    lines = tabix.fetch(contig, start - 1, end)
                    for line in lines:
                        self._parse_line(line, chrom, positions, ordered, found)
                except (OSError, ValueError) as error:
                    raise VcfIntakeError(
                        f"the VCF could not be read near {contig}:{start} ({error}); "
                        "it may be truncated or corrupt"
                    ) from error
        return found

    def _parse_line(
        self,
        line: str,
        chrom: str,
        positions: set[int],
        ordered: list[int],
        found: SiteReadout,
    ) -> None:
        fields = line.split("\t", 9)
        if len(fields) < 10:
            raise VcfIntakeError(f"malformed VCF line (fewer than 10 columns) at {fields[0]}")
        pos = _parse_position(fields[1], fields[0])
        alt_field = fields[4]
        if "END=" in fields[7] and all(
            a in SYMBOLIC_OTHER or a in (".", "") for a in alt_field.split(",")
        ):
            found.gvcf = True
            block = self._parse_block(fields, chrom, pos)
            if block is not None:
                lo = bisect.bisect_left(ordered, block.start)
                hi = bisect.bisect_right(ordered, block.end)
                for covered in ordered[lo:hi]:
                    found.blocks[(chrom, covered)] = block
            return
        if pos not in positions:
            return
        if "<NON_REF>" in alt_field:
            found.gvcf = True
        record = self._parse_record(line.split("\t"), chrom, pos)
        found.setdefault((chrom, record.pos), []).append(record)

    def _parse_block(self, fields: list[str], chrom: str, pos: int) -> RefBlock | None:
        end = _info_end(fields[7])
        if end is None or end < pos:
            return None
        columns = fields[9].split("\t") if len(fields) > 9 else []
        keys = fields[8].split(":")
        ref = fields[3].upper()
        genotypes = tuple(
            _parse_genotype(columns[i], (ref,), keys, fields[0], pos, block=True)
            if i < len(columns)
            else Genotype((None, None), False, None)
            for i in self.selected
        )
        return RefBlock(chrom, pos, end, fields[6], genotypes)

    def _parse_record(self, fields: list[str], chrom: str, pos: int) -> SiteRecord:
        ref = fields[3].upper()
        alts = tuple(a.upper() if a not in SYMBOLIC_OTHER else a for a in fields[4].split(","))
        alts = tuple(a for a in alts if a not in (".", ""))
        format_keys = fields[8].split(":")
        if not format_keys or format_keys[0] != "GT":
            raise VcfIntakeError(f"no GT field at {fields[0]}:{pos} (FORMAT must start with GT)")
        alleles = (ref, *alts)
        if len(fields) < 9 + max(self.selected, default=0) + 1:
            raise VcfIntakeError(
                f"malformed VCF line (missing sample columns) at {fields[0]}:{pos}"
            )
        genotypes = tuple(
            _parse_genotype(fields[9 + i], alleles, format_keys, fields[0], pos)
            for i in self.selected
        )
        return SiteRecord(
            chrom, pos, ref, tuple(a for a in alts if a not in SYMBOLIC_OTHER), fields[6], genotypes
        )


def _parse_position(text: str, contig: str) -> int:
    try:
        pos = int(text)
    except ValueError:
        raise VcfIntakeError(f"POS {text!r} on {contig} is not a number") from None
    if pos < 1 or pos > MAX_POSITION:
        raise VcfIntakeError(f"POS {pos} on {contig} is out of range (1..{MAX_POSITION})")
    limit = GRCH38_LENGTHS.get(contig.removeprefix("chr"))
    if limit is not None and pos > limit:
        raise VcfIntakeError(f"POS {pos} is beyond the end of {contig} on GRCh38 ({limit})")
    return pos


def _info_end(info: str) -> int | None:
    for item in info.split(";"):
        if item.startswith("END="):
            value = item[4:]
            if value.isascii() and value.isdigit() and len(value) < 11:
                return int(value)
            return None
    return None


def _format_int(parts: list[str], keys: list[str], name: str) -> int | None:
    if name not in keys:
        return None
    index = keys.index(name)
    if index >= len(parts):
        return None
    value = parts[index]
    if value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    return None


def _parse_genotype(
    column: str,
    alleles: tuple[str, ...],
    keys: list[str],
    contig: str,
    pos: int,
    *,
    block: bool = False,
) -> Genotype:
    parts = column.split(":")
    gt = parts[0]
    ps_index = keys.index("PS") if "PS" in keys else None
    gq = _format_int(parts, keys, "GQ")
    dp = _format_int(parts, keys, "MIN_DP") if block else None
    if dp is None:
        dp = _format_int(parts, keys, "DP")
    ft = None
    if "FT" in keys and keys.index("FT") < len(parts):
        ft = parts[keys.index("FT")] or None
    phased = "|" in gt
    calls: list[str | None] = []
    for token in gt.replace("|", "/").split("/"):
        if token in (".", ""):
            calls.append(None)
            continue
        # Plain ASCII digits only: int() would also take "-1" (Python's last allele), "+1",
        # "1_0", other scripts' digits, or spend its time on a thousand-digit number.
        plain = token.isascii() and token.isdigit() and len(token) < 7
        if not plain or int(token) >= len(alleles):
            raise VcfIntakeError(f"invalid genotype {gt!r} at {contig}:{pos}")
        if block:
            # a reference block's genotype can only be reference (or a no-call)
            if int(token) != 0:
                raise VcfIntakeError(
                    f"invalid genotype {gt!r} in a reference block at {contig}:{pos}"
                )
            calls.append(alleles[0])
            continue
        calls.append(alleles[int(token)])
    phase_set = None
    if ps_index is not None and ps_index < len(parts) and parts[ps_index] not in (".", ""):
        try:
            phase_set = int(parts[ps_index])
        except ValueError:
            phase_set = None
    return Genotype(tuple(calls), phased and len(calls) > 1, phase_set, gq, dp, ft)


def _merge_regions(positions: list[int]) -> Iterator[tuple[int, int]]:
    start = end = positions[0]
    for pos in positions[1:]:
        if pos - end > REGION_MERGE_GAP:
            yield start, end
            start = pos
        end = pos
    yield start, end


# --------------------------------------------------------------------------- opening


def open_vcf(
    path: str | os.PathLike[str],
    *,
    sample: str | None = None,
    all_samples: bool = False,
    limits: IntakeLimits = DEFAULT_LIMITS,
    cache_dir: str | os.PathLike[str] | None = None,
) -> VcfSource:
    """Validate ``path`` and return an indexed source ready for region reads.

    ``sample`` picks one column of a multi-sample file; ``all_samples`` selects every column
    (batch calling). A single-sample file needs neither.
    """
    source_path = Path(path)
    try:
        size = source_path.stat().st_size
    except OSError:
        raise VcfIntakeError(f"no such file: {source_path.name}") from None
    if not source_path.is_file():
        raise VcfIntakeError(f"not a regular file: {source_path.name}")
    if size > limits.max_file_bytes:
        raise VcfIntakeError(
            f"file is {size / 1024**3:.1f} GiB, over the {limits.max_file_bytes / 1024**3:.1f} GiB "
            "limit; upload a bgzipped VCF restricted to the genome (no gVCF blocks)"
        )
    if size == 0:
        raise VcfIntakeError("file is empty")
    with source_path.open("rb") as handle:
        magic = handle.read(18)
    tempdir = Path(tempfile.mkdtemp(prefix="vcf-intake-", dir=cache_dir))
    try:
        if magic[:2] == b"\x1f\x8b":
            if _is_bgzf(magic):
                _check_bgzf_eof(source_path, size)
                header = _read_header_gzip(source_path, limits)
                data_path = source_path
                index_path = _find_or_build_index(source_path, tempdir)
            else:
                header, data_path = _recompress_gzip(source_path, tempdir, limits, size)
                index_path = _index(data_path, None)
        else:
            if size > limits.max_plain_bytes:
                raise VcfIntakeError(
                    f"plain-text VCF of {size / 1024**2:.0f} MiB is over the "
                    f"{limits.max_plain_bytes / 1024**2:.0f} MiB limit; bgzip and index it"
                )
            with source_path.open("rb") as handle:
                header, data_path = _sort_and_compress(handle.read(), tempdir)
            index_path = _index(data_path, None)
        samples, uses_chr, build = _check_header(header)
        selected = _select_samples(samples, sample=sample, all_samples=all_samples)
        source = VcfSource(
            original_path=source_path,
            path=data_path,
            index_path=index_path,
            samples=samples,
            selected=selected,
            uses_chr_prefix=uses_chr,
            header_build=build,
            _tempdir=tempdir,
        )
        contigs = source._open_tabix().contigs
        if not contigs:
            # Every call would come out "not determined": a report of nothing.
            source.close()
            raise VcfIntakeError("the VCF has no records (header only); nothing to interpret")
        # The records' own contig names decide the naming: a file with no ##contig lines that
        # names its contigs "1" must not be read as "chr1" (and so as empty).
        prefixed = sum(1 for c in contigs if c.startswith("chr"))
        source.uses_chr_prefix = prefixed * 2 >= len(contigs)
        return source
    except VcfIntakeError:
        shutil.rmtree(tempdir, ignore_errors=True)
        raise
    except (OSError, ValueError, EOFError, zlib.error, UnicodeDecodeError) as error:
        shutil.rmtree(tempdir, ignore_errors=True)
        raise VcfIntakeError(f"unreadable VCF: {_one_line(error)}") from error


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _is_bgzf(magic: bytes) -> bool:
    # gzip with FEXTRA whose subfield is 'BC' (the BGZF block size)
    return len(magic) >= 14 and magic[3] & 4 != 0 and magic[12:14] == b"BC"


def _check_bgzf_eof(path: Path, size: int) -> None:
    with path.open("rb") as handle:
        handle.seek(max(0, size - len(BGZF_EOF)))
        tail = handle.read()
    if tail != BGZF_EOF:
        raise VcfIntakeError("the bgzipped file is truncated (no BGZF end-of-file block)")


def _read_header_gzip(path: Path, limits: IntakeLimits) -> list[str]:
    header: list[str] = []
    read = 0
    with gzip.open(path, "rt", encoding="utf-8", errors="strict") as handle:
        # readline with a limit: one endless "line" must not be read whole into memory.
        while line := handle.readline(limits.max_header_bytes - read + 1):
            read += len(line)
            if read > limits.max_header_bytes:
                raise VcfIntakeError("VCF header is larger than the header limit")
            if not line.startswith("#"):
                break
            header.append(line.rstrip("\r\n"))
            if line.startswith("#CHROM"):
                break
    return header


def _find_or_build_index(path: Path, tempdir: Path) -> Path:
    for candidate in (Path(f"{path}.tbi"), Path(f"{path}.csi")):
        if candidate.exists() and candidate.stat().st_mtime >= path.stat().st_mtime - 1:
            return candidate
    if os.access(path.parent, os.W_OK):
        return _index(path, None)
    # Read-only upload folder: index a symlink in our temp dir instead.
    link = tempdir / "input.vcf.gz"
    link.symlink_to(path.resolve())
    return _index(link, None)


def _index(path: Path, index: Path | None) -> Path:
    try:
        built = pysam.tabix_index(
            str(path),
            preset="vcf",
            force=True,
            keep_original=True,
            index=str(index) if index else None,
        )
    except (OSError, ValueError) as error:
        raise VcfIntakeError(
            f"cannot index the VCF (unsorted, truncated or corrupt?): {_one_line(error)}"
        ) from error
    built_path = Path(built)
    if built_path.suffix in (".tbi", ".csi"):
        return built_path
    for suffix in (".tbi", ".csi"):
        candidate = Path(f"{built}{suffix}")
        if candidate.exists():
            return candidate
    raise VcfIntakeError("indexing produced no index file")


def _recompress_gzip(
    path: Path, tempdir: Path, limits: IntakeLimits, size: int
) -> tuple[list[str], Path]:
    """Plain gzip (not BGZF): decompress with a ceiling, then sort, bgzip and index."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    chunks: list[bytes] = []
    total = 0
    consumed = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 16):
            consumed += len(block)
            data = block
            while data:
                out = decompressor.decompress(data, 1 << 20)
                total += len(out)
                chunks.append(out)
                _check_bomb(total, consumed, limits)
                data = decompressor.unconsumed_tail
                if decompressor.eof and decompressor.unused_data:
                    # concatenated gzip members
                    data = decompressor.unused_data
                    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    if not decompressor.eof:
        raise VcfIntakeError("the gzip file is truncated")
    if total > limits.max_plain_bytes:
        raise VcfIntakeError(
            "plain-gzip VCF is too large to re-compress; upload it bgzipped and indexed"
        )
    return _sort_and_compress(b"".join(chunks), tempdir)


def _check_bomb(total: int, consumed: int, limits: IntakeLimits) -> None:
    if total > limits.max_decompressed_bytes:
        raise VcfIntakeError("decompressed size exceeds the limit (possible decompression bomb)")
    if total > 8 * 1024**2 and total > limits.max_compression_ratio * consumed:
        raise VcfIntakeError(
            f"compression ratio over {limits.max_compression_ratio}:1 (decompression bomb refused)"
        )


def _sort_and_compress(raw: bytes, tempdir: Path) -> tuple[list[str], Path]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise VcfIntakeError("not a VCF: the file is neither text nor gzip") from None
    header: list[str] = []
    records: list[tuple[int, int, str]] = []
    contig_order: dict[str, int] = {}
    seen_chrom_line = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line:
            continue
        if line.startswith("#"):
            if seen_chrom_line:
                raise VcfIntakeError(f"header line after #CHROM at line {number}")
            header.append(line)
            if line.startswith("#CHROM"):
                seen_chrom_line = True
            continue
        if not seen_chrom_line:
            _check_header(header)  # raises the precise reason
        fields = line.split("\t")
        if len(fields) < 8:
            raise VcfIntakeError(f"line {number} has {len(fields)} columns; a VCF record needs 8+")
        pos = _parse_position(fields[1], fields[0])
        if fields[2] == "":
            fields[2] = "."  # htslib rejects an empty ID column; '.' is what it means
        order = contig_order.setdefault(fields[0], len(contig_order))
        records.append((order, pos, "\t".join(fields)))
    _check_header(header)
    records.sort(key=lambda item: (item[0], item[1]))
    plain = tempdir / "input.vcf"
    with plain.open("w", encoding="utf-8") as handle:
        handle.write("\n".join(header))
        handle.write("\n")
        for _, _, line in records:
            handle.write(line)
            handle.write("\n")
    compressed = tempdir / "input.vcf.gz"
    pysam.tabix_compress(str(plain), str(compressed), force=True)
    plain.unlink()
    return header, compressed


def _check_header(header: list[str]) -> tuple[tuple[str, ...], bool, str | None]:
    if not header or not header[0].startswith("##fileformat=VCF"):
        raise VcfIntakeError("not a VCF: the first line must be ##fileformat=VCFv4.x")
    chrom_lines = [line for line in header if line.startswith("#CHROM")]
    if not chrom_lines:
        raise VcfIntakeError("the VCF has no #CHROM header line")
    columns = chrom_lines[0].split("\t")
    if columns[:8] != ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]:
        raise VcfIntakeError("the #CHROM header line is malformed (expected tab-separated columns)")
    samples = tuple(columns[9:]) if len(columns) > 9 else ()
    if not samples:
        raise VcfIntakeError(
            "the VCF has no sample column (a sites-only VCF cannot be interpreted)"
        )
    build = _build_from_header(header)
    if build == "GRCh37":
        raise VcfIntakeError(
            "the VCF is on GRCh37/hg19; only GRCh38 is supported (lift over or re-call on GRCh38)"
        )
    contigs = [_contig_id(line) for line in header if line.startswith("##contig=")]
    uses_chr = any(c.startswith("chr") for c in contigs) if contigs else True
    return samples, uses_chr, build


def _contig_id(line: str) -> str:
    inner = line[len("##contig=<") :].rstrip(">")
    for part in inner.split(","):
        key, _, value = part.partition("=")
        if key == "ID":
            return value
    return ""


def _build_from_header(header: list[str]) -> str | None:
    votes38 = votes37 = 0
    for line in header:
        if line.startswith("##contig="):
            inner = line[len("##contig=<") :].rstrip(">")
            items = dict(part.partition("=")[::2] for part in inner.split(","))
            name = items.get("ID", "").removeprefix("chr")
            length = items.get("length")
            if name in GRCH38_LENGTHS and length and length.isdigit():
                if int(length) == GRCH38_LENGTHS[name]:
                    votes38 += 1
                elif int(length) == GRCH37_LENGTHS[name]:
                    votes37 += 1
            assembly = items.get("assembly", "").lower()
            if assembly in ("grch37", "hg19", "b37"):
                votes37 += 1
        elif line.startswith("##reference="):
            value = line.lower()
            if any(tag in value for tag in ("grch37", "hg19", "hs37", "b37", "human_g1k_v37")):
                votes37 += 1
            elif any(tag in value for tag in ("grch38", "hg38")):
                votes38 += 1
    if votes37 > votes38:
        return "GRCh37"
    if votes38:
        return "GRCh38"
    return None


def _select_samples(
    samples: tuple[str, ...], *, sample: str | None, all_samples: bool
) -> tuple[int, ...]:
    if all_samples:
        return tuple(range(len(samples)))
    if sample is not None:
        if sample not in samples:
            shown = ", ".join(samples[:5]) + (" ..." if len(samples) > 5 else "")
            raise VcfIntakeError(f"sample {sample!r} is not in the VCF (samples: {shown})")
        return (samples.index(sample),)
    if len(samples) > 1:
        raise VcfIntakeError(
            f"the VCF has {len(samples)} samples; say which one to interpret (sample=...)"
        )
    return (0,)


def check_reference_agreement(
    records: dict[tuple[str, int], list[SiteRecord]],
    expected_refs: dict[tuple[str, int], str],
) -> None:
    """Refuse a file whose REF letters disagree with GRCh38 at known definition sites.

    Many disagreements mean the file is on another build (positions from GRCh37 land on other
    bases); a single one means this record is wrong, and either way no call can be trusted.
    """
    checked = 0
    mismatches: list[str] = []
    for key, ref in expected_refs.items():
        for record in records.get(key, ()):
            checked += 1
            shared = min(len(record.ref), len(ref))
            if record.ref[:shared] != ref[:shared]:
                mismatches.append(f"{key[0]}:{key[1]} REF {record.ref} (GRCh38 has {ref})")
    if not mismatches:
        return
    if checked >= 3 and len(mismatches) * 2 > checked:
        raise VcfIntakeError(
            f"REF disagrees with GRCh38 at {len(mismatches)} of {checked} known sites: "
            "the file looks like GRCh37/hg19, only GRCh38 is supported"
        )
    raise VcfIntakeError(f"REF mismatch with GRCh38 at {mismatches[0]}; the file cannot be trusted")
