"""Small VCFs built from the allele definitions, for the clinical-safety tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from results.engine import knowledge_base as kb
from results.engine.vcf_intake import GRCH38_LENGTHS

FORMAT_HEADER = (
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    '##FORMAT=<ID=MIN_DP,Number=1,Type=Integer,Description="Minimum depth">\n'
    '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">\n'
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End">\n'
)


def allele_sites(gene: str, name: str) -> list[tuple[str, int, str, str]]:
    """(chrom, pos, ref, alt) of the positions defining a named allele (non-reference values)."""
    definition = kb.gene_definitions()[gene]
    allele = next(a for a in definition.named_alleles if a.name == name)
    out = []
    for locus, value in zip(definition.loci, allele.alleles, strict=True):
        if value is None or value == locus.ref:
            continue
        if kb.is_wobble(value):
            continue
        out.append((locus.chrom, locus.position, locus.ref, value))
    return out


def write_vcf(
    path: Path,
    lines: Iterable[str],
    *,
    contigs: bool = True,
    chr_prefix: bool = True,
    sample: str = "S1",
) -> Path:
    records = sorted(
        lines, key=lambda line: (_order(line.split("\t")[0]), int(line.split("\t")[1]))
    )
    header = "##fileformat=VCFv4.2\n" + FORMAT_HEADER
    if contigs:
        used = sorted({r.split("\t")[0] for r in records}, key=_order)
        for chrom in used:
            bare = chrom.removeprefix("chr")
            length = GRCH38_LENGTHS.get(bare, 16569)
            header += f"##contig=<ID={chrom},length={length}>\n"
    header += f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n"
    body = "".join(line if line.endswith("\n") else line + "\n" for line in records)
    if not chr_prefix:
        body = "\n".join(line.removeprefix("chr") for line in body.split("\n"))
        header = header.replace("ID=chr", "ID=")
    path.write_text(header + body)
    return path


def _order(chrom: str) -> tuple[int, str]:
    bare = chrom.removeprefix("chr")
    return (int(bare), "") if bare.isdigit() else (100, bare)


def gene_lines(
    genes: Iterable[str],
    calls: Mapping[tuple[str, int], tuple[str, str]] | None = None,
    *,
    drop: Iterable[tuple[str, int]] = (),
    fmt: str = "GT",
    extra: str = "",
    filters: Mapping[tuple[str, int], str] | None = None,
) -> list[str]:
    """A record at every definition position of ``genes``: 0/0 unless ``calls`` gives
    (alt, genotype) for it; positions in ``drop`` are left out."""
    calls = dict(calls or {})
    dropped = set(drop)
    filters = dict(filters or {})
    lines = []
    seen = set()
    for gene in genes:
        for locus in kb.gene_definitions()[gene].loci:
            key = (locus.chrom, locus.position)
            if key in dropped or key in seen:
                continue
            seen.add(key)
            alt, gt = calls.pop(key, (locus.alts[0] if locus.alts else "A", "0/0"))
            value = gt + (f":{extra}" if extra else "")
            lines.append(
                f"{locus.chrom}\t{locus.position}\t.\t{locus.ref}\t{alt}\t.\t"
                f"{filters.get(key, 'PASS')}\t.\t{fmt}\t{value}"
            )
    if calls:
        raise ValueError(f"not definition positions of {list(genes)}: {sorted(calls)}")
    return lines
