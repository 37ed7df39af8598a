"""Sample QC: is this file the genome it claims to be, of the person it claims to be?

Each check has a status: "pass", "review" (a person must look before anything is released),
"fail" (nothing is released), or "not_run" (the data or the manifest cannot support it). A wrong
build is not a QC status: the file is refused outright (VcfIntakeError).

Whole-genome plausibility samples two 100 kb windows per autosome (at 20% and 70% of its length,
away from the centromeres and the acrocentric short arms) for the record density per autosome,
Ti/Tv and het/hom, and five chrX windows outside the pseudo-autosomal regions for
heterozygosity: a few thousand records through the index, never the whole file. (Walking the
index for htslib's per-contig counts took longer than the whole interpretation.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from results.engine.vcf_intake import GRCH38_LENGTHS, SiteRecord, VcfIntakeError, VcfSource

AUTOSOMES = tuple(str(n) for n in range(1, 23))
WINDOW = 100_000
WINDOW_FRACTIONS = (0.2, 0.7)
# chrX outside the pseudo-autosomal regions (GRCh38 PAR1 ends 2,781,479; PAR2 starts 155,701,383)
X_WINDOWS = tuple(range(10_000_000, 150_000_000, 20_000_000))
TRANSITIONS = frozenset({("A", "G"), ("G", "A"), ("C", "T"), ("T", "C")})
MIN_WGS_RECORDS = 1_000_000


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: str
    value: Any
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "value": self.value,
            "detail": self.detail,
        }


def overall(checks: Sequence[Check]) -> str:
    statuses = {c.status for c in checks}
    if "fail" in statuses:
        return "fail"
    if "review" in statuses:
        return "review"
    return "pass"


# ------------------------------------------------------------------------------- sampling


@dataclass
class SampledCalls:
    transitions: int = 0
    transversions: int = 0
    het: int = 0
    hom_alt: int = 0
    x_het: int = 0
    x_hom_alt: int = 0
    y_calls: int = 0
    # autosome -> records in its sampled windows
    window_records: dict[str, int] = field(default_factory=dict)


def _sample_windows(source: VcfSource) -> list[tuple[str, int, int]]:
    windows = []
    for chrom in AUTOSOMES:
        for fraction in WINDOW_FRACTIONS:
            start = int(GRCH38_LENGTHS[chrom] * fraction)
            windows.append((chrom, start, start + WINDOW))
    windows += [("X", start, start + WINDOW) for start in X_WINDOWS]
    windows += [("Y", 3_000_000, 20_000_000)]
    return windows


def sample_calls(
    source: VcfSource, sample_index: int, *, max_records: int = 40_000
) -> SampledCalls:
    tabix = source._open_tabix()
    contigs = set(tabix.contigs)
    column = 9 + source.selected[sample_index]
    out = SampledCalls()
    seen = 0
    for chrom, start, end in _sample_windows(source):
        contig = source.vcf_contig(chrom)
        if contig not in contigs:
            continue
        try:
            lines = tabix.fetch(contig, start, end)
            for line in lines:
                seen += 1
                if seen > max_records:
                    return out
                if chrom in GRCH38_LENGTHS and chrom not in ("X", "Y"):
                    out.window_records[chrom] = out.window_records.get(chrom, 0) + 1
                _count(line, column, chrom, out)
        except (OSError, ValueError) as error:
            raise VcfIntakeError(f"the VCF could not be read near {contig}:{start}") from error
    return out


def _count(line: str, column: int, chrom: str, out: SampledCalls) -> None:
    fields = line.split("\t")
    if len(fields) <= column:
        return
    ref, alt = fields[3].upper(), fields[4].upper()
    gt = fields[column].split(":", 1)[0].replace("|", "/")
    alleles = gt.split("/")
    if any(a in (".", "") for a in alleles) or "END=" in fields[7]:
        return
    if chrom == "Y":
        if any(a != "0" for a in alleles):
            out.y_calls += 1
        return
    alts = [a for a in alt.split(",") if a not in ("<NON_REF>", "<*>")]
    if not (len(ref) == 1 and len(alts) == 1 and len(alts[0]) == 1 and alts[0] in "ACGT"):
        return
    non_ref = [a for a in alleles if a != "0"]
    if not non_ref:
        return
    het = len(set(alleles)) > 1
    if chrom == "X":
        if het:
            out.x_het += 1
        else:
            out.x_hom_alt += 1
        return
    if (ref, alts[0]) in TRANSITIONS:
        out.transitions += 1
    else:
        out.transversions += 1
    if het:
        out.het += 1
    else:
        out.hom_alt += 1


# --------------------------------------------------------------------------------- checks


def build_check(checked: int, grch37_hits: int, grch38_hits: int) -> Check:
    """Known PGx sites: REF agreement on GRCh38 (a disagreement was refused before this point),
    and whether the file's variants sit at the GRCh37 or the GRCh38 positions of known variants."""
    if grch37_hits >= 2 and grch37_hits > grch38_hits:
        raise VcfIntakeError(
            f"the variants sit at GRCh37 positions ({grch37_hits} known PGx variants at their "
            f"GRCh37 places, {grch38_hits} at their GRCh38 places): only GRCh38 is supported"
        )
    if checked == 0:
        return Check(
            "build",
            "review",
            0,
            "no record at a known GRCh38 site, so the build could not be confirmed",
        )
    return Check("build", "pass", checked, f"REF agrees with GRCh38 at {checked} known sites")


def plausibility_check(
    source: VcfSource, sampled: SampledCalls, *, declared_wgs: bool, gvcf: bool
) -> Check:
    if not declared_wgs:
        return Check("genome_plausibility", "not_run", None, "not declared a whole genome")
    per = {c: sampled.window_records.get(c, 0) for c in AUTOSOMES}
    missing = [c for c in AUTOSOMES if per[c] == 0]
    span = WINDOW * len(WINDOW_FRACTIONS)
    total = int(sum(per[c] / span * GRCH38_LENGTHS[c] for c in AUTOSOMES))
    if missing:
        return Check(
            "genome_plausibility",
            "fail",
            total,
            "declared a whole genome, but no records sampled on chromosome "
            + ", ".join(missing[:5]),
        )
    if total < MIN_WGS_RECORDS:
        return Check(
            "genome_plausibility",
            "fail",
            total,
            f"declared a whole genome, but only about {total:,} records on the autosomes",
        )
    density = sorted(per[c] / GRCH38_LENGTHS[c] for c in AUTOSOMES)
    median = density[len(density) // 2]
    sparse = [c for c in AUTOSOMES if per[c] / GRCH38_LENGTHS[c] < 0.3 * median]
    titv = sampled.transitions / sampled.transversions if sampled.transversions else None
    hethom = sampled.het / sampled.hom_alt if sampled.hom_alt else None
    problems = []
    status = "pass"
    if sparse:
        status = "review"
        problems.append("few records on chromosome " + ", ".join(sparse[:5]))
    if titv is None or sampled.transitions + sampled.transversions < 500:
        problems.append("too few SNVs sampled for Ti/Tv")
        status = "review"
    elif not 1.6 <= titv <= 2.6:
        status = "fail" if not 1.2 <= titv <= 3.5 else "review"
        problems.append(f"Ti/Tv {titv:.2f} (whole genomes are about 2.0-2.1)")
    if hethom is not None and not 0.8 <= hethom <= 3.5:
        status = "fail" if not 0.4 <= hethom <= 6 else max(status, "review", key=_rank)
        problems.append(f"het/hom {hethom:.2f} is outside what genomes show")
    value = {
        "autosome_records_estimate": total,
        "ti_tv": round(titv, 3) if titv else None,
        "het_hom": round(hethom, 3) if hethom else None,
    }
    return Check(
        "genome_plausibility",
        status,
        value,
        "; ".join(problems) or "record counts, Ti/Tv and het/hom are those of a whole genome",
    )


def _rank(status: str) -> int:
    return {"pass": 0, "not_run": 0, "review": 1, "fail": 2}[status]


def sex_check(sampled: SampledCalls, *, sex: str | None, g6pd_conflict: bool) -> Check:
    calls = sampled.x_het + sampled.x_hom_alt
    if g6pd_conflict and sex == "male":
        return Check(
            "sex",
            "review",
            None,
            "heterozygous chrX call in a participant recorded as male (sex/genotype conflict)",
        )
    if calls < 30:
        return Check("sex", "not_run", calls, "too few chrX calls to infer sex")
    fraction = sampled.x_het / calls
    inferred = "male" if fraction < 0.1 else "female" if fraction > 0.3 else None
    value = {"x_het_fraction": round(fraction, 3), "y_calls": sampled.y_calls}
    if inferred is None:
        return Check("sex", "review", value, "chrX heterozygosity is between male and female")
    if sex is None:
        return Check("sex", "pass", value, f"looks {inferred}; no sex at birth recorded")
    if inferred != sex:
        return Check(
            "sex",
            "review",
            value,
            f"the genome looks {inferred} but the recorded sex at birth is {sex}",
        )
    return Check("sex", "pass", value, f"chrX heterozygosity agrees with recorded sex ({sex})")


def site_quality_check(
    problems: Sequence[str], *, quality_fields: bool, lab_attested: bool
) -> Check:
    if problems:
        return Check(
            "site_quality",
            "review",
            len(problems),
            "low quality or filtered at reported positions: " + ", ".join(problems[:5]),
        )
    detail = "FILTER, GQ and DP pass at every reported position"
    if not quality_fields:
        detail = "FILTER passes at every reported position; the file gives no GQ/DP" + (
            " (lab-attested pipeline)" if lab_attested else ""
        )
    return Check("site_quality", "pass", 0, detail)


def identity_check(
    array: Mapping[tuple[str, int], tuple[str, ...]] | None,
    records: Mapping[tuple[str, int], list[SiteRecord]],
    sample_index: int,
) -> Check:
    """Concordance with an array genotype of the same participant (sample-swap detection)."""
    if array is None:
        return Check("identity", "not_run", None, "no array genotype supplied")
    compared = agree = 0
    for key, expected in array.items():
        found = records.get(key)
        if not found:
            continue
        alleles = found[0].genotypes[sample_index].alleles
        if any(a is None for a in alleles):
            continue
        compared += 1
        if sorted(alleles) == sorted(expected):
            agree += 1
    if compared < 20:
        return Check("identity", "review", compared, "fewer than 20 array sites to compare")
    rate = agree / compared
    status = "pass" if rate >= 0.95 else "fail"
    return Check(
        "identity",
        status,
        round(rate, 4),
        f"{agree} of {compared} array genotypes agree"
        + ("" if status == "pass" else ": possible sample swap"),
    )
