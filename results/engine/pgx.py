"""Pharmacogenomics: named-allele matching with PharmCAT's semantics, phenotypes, CPIC guidance.

The matcher follows PharmCAT's NamedAlleleMatcher (non-research mode):

* positions missing from the sample are removed from every definition, definitions left with no
  defined position are dropped, and a definition's score is its number of defined positions that
  remain (the reference allele defines them all);
* blank cells of non-reference definitions default to the reference allele;
* the sample's strands are every permutation its phasing allows (each unphased heterozygous
  position, and each phase set, can go either way);
* a diplotype is a pair of definitions matching two complementary strands, scored by the sum of
  the two scores (an IUPAC "wobble" position scores only if a strand is non-reference there);
* the call is the full set of top-scoring diplotypes (a tie lists every member), or nothing —
  a genotype no pair of definitions explains is flagged as a possible novel/partial allele.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from results.engine import core_alleles as core
from results.engine import knowledge_base as kb
from results.engine.callability import STATE_WORDS, PositionState, position_state
from results.engine.representation import (
    INDEL_WINDOW,
    NORMALISE_HINT,
    is_indel,
    respell_shifted,
    to_locus_spelling,
)
from results.engine.vcf_intake import Genotype, SiteRecord

# Beyond this many independent unphased heterozygous units the strand permutations explode
# (2^n); PharmCAT has the same limit in practice, we state it instead of stalling.
MAX_UNPHASED_UNITS = 16

ACTIVITY_SCORE_GENES = frozenset({"CYP2C9", "DPYD", "CYP2D6"})


@dataclass(frozen=True, slots=True)
class SampleAllele:
    """A sample's two alleles at one definition locus, in the definition's allele spelling."""

    allele1: str
    allele2: str | None  # None: haploid call
    phased: bool
    phase_set: int | None

    @property
    def homozygous(self) -> bool:
        return self.allele2 is None or self.allele1 == self.allele2


class Status:
    CALLED = "called"
    NOT_DETERMINED = "not_determined"
    OUTSIDE_CALL = "outside_call"


@dataclass(slots=True)
class GeneCall:
    """One gene's result.

    ``diplotypes`` is the matcher's answer with PharmCAT's semantics (ties listed in full); it
    is kept for the clinician's appendix even when the gene is not determined. What a report may
    state is ``status``: only a "called" or "outside_call" gene has a reportable diplotype,
    phenotype and recommendations (``as_dict`` blanks them otherwise).
    """

    gene: str
    diplotypes: list[str]
    phenotype: str | None
    activity_score: str | None
    missing_positions: list[str]
    notes: list[str] = field(default_factory=list)
    match_score: int | None = None
    haplotypes: list[list[str]] = field(default_factory=list)
    recommendations: list[dict[str, object]] = field(default_factory=list)
    status: str = Status.CALLED
    reason: str | None = None
    reason_code: str | None = None
    tested_alleles: list[str] = field(default_factory=list)
    untested_alleles: list[str] = field(default_factory=list)
    core_alleles: list[str] = field(default_factory=list)
    unassessed_positions: dict[str, str] = field(default_factory=dict)
    source: str = "vcf"
    outside_call_tool: str | None = None
    allele_status: dict[str, str] = field(default_factory=dict)
    ambiguous: bool = False

    def not_determined(self, code: str, reason: str) -> None:
        if self.status == Status.NOT_DETERMINED:
            return  # the first reason found is the one that decides
        self.status = Status.NOT_DETERMINED
        self.reason_code = code
        self.reason = reason

    @property
    def reportable(self) -> bool:
        return self.status in (Status.CALLED, Status.OUTSIDE_CALL)

    def as_dict(self) -> dict[str, object]:
        reportable = self.reportable
        return {
            "diplotypes": self.diplotypes if reportable else [],
            "phenotype": self.phenotype if reportable else None,
            "activity_score": self.activity_score if reportable else None,
            "missing_positions": self.missing_positions,
            "notes": self.notes,
            "match_score": self.match_score,
            "recommendations": self.recommendations if reportable else [],
            "status": self.status,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "tested_alleles": self.tested_alleles,
            "untested_alleles": self.untested_alleles,
            "core_alleles": self.core_alleles,
            "unassessed_positions": self.unassessed_positions,
            "matcher_diplotypes": self.diplotypes,
            "matcher_phenotype": self.phenotype,
            "source": self.source,
            "outside_call_tool": self.outside_call_tool,
            "allele_status": self.allele_status,
        }


# ----------------------------------------------------------------------------- naming


def _name_key(name: str) -> tuple[object, ...]:
    parts = re.split(r"(\d+)", name)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def diplotype_name(first: str, second: str | None) -> str:
    if second is None:
        return first
    low, high = sorted((first, second), key=_name_key)
    return f"{low}/{high}"


# ----------------------------------------------------------------------- sample alleles


def sample_allele_at(
    locus: kb.Locus,
    records: list[SiteRecord],
    sample_index: int,
    *,
    haploid: bool = False,
) -> SampleAllele | None:
    """Merge the records at a locus (split multi-allelics included) into one call, or None."""
    if not records:
        return None
    merged: list[str | None] | None = None
    phased = True
    phase_set: int | None = None
    for record in records:
        genotype: Genotype = record.genotypes[sample_index]
        spelled = [
            None if a is None else to_locus_spelling(record.ref, a, locus.ref)
            for a in genotype.alleles
        ]
        phased = phased and genotype.phased
        phase_set = genotype.phase_set if genotype.phase_set is not None else phase_set
        if merged is None:
            merged = spelled
            continue
        for index, allele in enumerate(spelled[: len(merged)]):
            if allele is not None and (merged[index] is None or merged[index] == locus.ref):
                merged[index] = allele
    if not merged or any(a is None for a in merged):
        return None
    if len(merged) == 1:
        return SampleAllele(merged[0], None, False, None)
    if haploid and merged[0] == merged[1]:
        return SampleAllele(merged[0], None, False, None)
    return SampleAllele(merged[0], merged[1], phased, phase_set)


# ---------------------------------------------------------------------------- matching


@dataclass(frozen=True, slots=True)
class _Haplotype:
    name: str
    reference: bool
    score: int
    expected: tuple[str | None, ...]  # reference-defaulted, over the available positions
    wobbles: tuple[int, ...]  # indexes (into available positions) defined by an IUPAC code


@dataclass(frozen=True)
class _Candidates:
    haplotypes: tuple[_Haplotype, ...]
    positions: tuple[int, ...]  # indexes into the gene's loci
    refs: tuple[str, ...]  # locus REF per available position
    # per position: observed allele -> bitmask of compatible haplotypes (filled on demand)
    compatible: list[dict[str, int]] = field(hash=False, compare=False)

    def mask_for(self, position: int, observed: str) -> int:
        cache = self.compatible[position]
        mask = cache.get(observed)
        if mask is None:
            mask = 0
            for bit, haplotype in enumerate(self.haplotypes):
                if _allele_matches(haplotype.expected[position], observed):
                    mask |= 1 << bit
            cache[observed] = mask
        return mask


@functools.cache
def _candidates(gene: str, available: tuple[int, ...]) -> _Candidates:
    definition = kb.gene_definitions()[gene]
    reference = definition.reference_allele
    complete = len(available) == len(definition.loci)
    haplotypes = []
    for allele in definition.named_alleles:
        if allele.name in definition.ignored_alleles:
            continue
        raw = tuple(allele.alleles[i] for i in available)
        count = sum(1 for a in raw if a is not None)
        if count == 0 and not complete:
            continue
        expected = []
        for position, value in zip(available, raw, strict=True):
            if value is None and not allele.reference:
                ref_value = reference.alleles[position]
                if kb.is_wobble(ref_value):
                    ref_value = definition.loci[position].ref
                value = ref_value
            expected.append(value)
        wobbles = tuple(i for i, a in enumerate(raw) if kb.is_wobble(a))
        haplotypes.append(
            _Haplotype(
                name=allele.name,
                reference=allele.reference,
                score=allele.score if complete else count,
                expected=tuple(expected),
                wobbles=wobbles,
            )
        )
    refs = tuple(definition.loci[i].ref for i in available)
    return _Candidates(tuple(haplotypes), available, refs, [{} for _ in available])


def _allele_matches(expected: str | None, observed: str) -> bool:
    if expected is None:
        return True
    if kb.is_wobble(expected):
        # a wobble on a reference base still matches; it just does not score (see _score)
        return observed in kb.IUPAC_CODES[expected]
    return expected == observed


def _strand_permutations(alleles: list[SampleAllele]) -> list[tuple[str, ...]] | None:
    """Every strand the phasing allows. Each unphased het and each phase set flips as one unit."""
    units: dict[object, list[int]] = {}
    for index, allele in enumerate(alleles):
        if allele.homozygous:
            continue
        key: object = ("ps", allele.phase_set) if allele.phased else ("pos", index)
        units.setdefault(key, []).append(index)
    if len(units) > MAX_UNPHASED_UNITS:
        return None
    base = [a.allele1 for a in alleles]
    permutations = set()
    for flips in itertools.product((False, True), repeat=len(units)):
        strand = list(base)
        for flip, members in zip(flips, units.values(), strict=True):
            if flip:
                for index in members:
                    strand[index] = alleles[index].allele2  # type: ignore[assignment]
        permutations.add(tuple(strand))
    return sorted(permutations)


def _complement(strand: tuple[str, ...], alleles: list[SampleAllele]) -> tuple[str, ...]:
    out = []
    for value, allele in zip(strand, alleles, strict=True):
        if allele.homozygous:
            out.append(value)
        else:
            out.append(allele.allele2 if value == allele.allele1 else allele.allele1)  # type: ignore[arg-type]
    return tuple(out)


@dataclass(frozen=True, slots=True)
class DiplotypeMatch:
    first: str
    second: str | None
    score: int

    @property
    def name(self) -> str:
        return diplotype_name(self.first, self.second)


def match_diplotypes(
    gene: str,
    sample: Mapping[int, SampleAllele],
    *,
    top_candidate_only: bool = True,
) -> tuple[list[DiplotypeMatch], list[str]]:
    """Diplotypes explaining ``sample`` (locus index -> call); returns (matches, notes)."""
    definition = kb.gene_definitions()[gene]
    available = tuple(i for i in range(len(definition.loci)) if i in sample)
    if not available:
        return [], ["no definition position of this gene is in the VCF"]
    return _match_cached(gene, available, tuple(sample[i] for i in available), top_candidate_only)


@functools.lru_cache(maxsize=65536)
def _match_cached(
    gene: str,
    available: tuple[int, ...],
    calls: tuple[SampleAllele, ...],
    top_candidate_only: bool,
) -> tuple[list[DiplotypeMatch], list[str]]:
    candidates = _candidates(gene, available)
    refs = candidates.refs
    alleles = list(calls)
    haploid = all(a.allele2 is None for a in alleles)
    strands = _strand_permutations(alleles)
    if strands is None:
        return [], [f"more than {MAX_UNPHASED_UNITS} unphased heterozygous positions: not called"]
    matched: dict[str, tuple[_Haplotype, set[tuple[str, ...]]]] = {}
    everything = (1 << len(candidates.haplotypes)) - 1
    for strand in strands:
        mask = everything
        for position, observed in enumerate(strand):
            mask &= candidates.mask_for(position, observed)
            if not mask:
                break
        while mask:
            low = mask & -mask
            haplotype = candidates.haplotypes[low.bit_length() - 1]
            matched.setdefault(haplotype.name, (haplotype, set()))[1].add(strand)
            mask ^= low
    names = sorted(matched, key=_name_key)
    pairs: list[DiplotypeMatch] = []
    if len(strands) == 1:
        strand = strands[0]
        if len(names) == 1:
            hap = matched[names[0]][0]
            if haploid:
                pairs.append(DiplotypeMatch(hap.name, None, _score(hap, [strand], refs)))
            else:
                score = 2 * _score(hap, [strand], refs)
                pairs.append(DiplotypeMatch(hap.name, hap.name, score))
        else:
            for i, first in enumerate(names):
                for second in names[i:]:
                    h1, h2 = matched[first][0], matched[second][0]
                    score = _score(h1, [strand], refs) + _score(h2, [strand], refs)
                    pairs.append(DiplotypeMatch(first, second, score))
    else:
        for i, first in enumerate(names):
            h1, seqs1 = matched[first]
            for second in names[i:]:
                h2, seqs2 = matched[second]
                if first == second and len(seqs1) == 1:
                    continue
                best: int | None = None
                for s1 in seqs1:
                    s2 = _complement(s1, alleles)
                    if s2 not in seqs2:
                        continue
                    if first == second:
                        score = _score(h1, [s1], refs) + _score(h2, [s2], refs)
                    else:
                        score = _score(h1, sorted(seqs1 & {s1, s2}), refs) + _score(
                            h2, sorted(seqs2 & {s1, s2}), refs
                        )
                    best = score if best is None else max(best, score)
                if best is not None:
                    pairs.append(DiplotypeMatch(first, second, best))
    pairs.sort(key=lambda m: (-m.score, _name_key(m.first), _name_key(m.second or "")))
    if top_candidate_only and pairs:
        top = pairs[0].score
        pairs = [p for p in pairs if p.score == top]
    notes = []
    if not pairs:
        notes.append(
            "no pair of named alleles explains this genotype (possible novel or partial allele): "
            "not called rather than forced"
        )
    return pairs, notes


def _score(haplotype: _Haplotype, strands: list[tuple[str, ...]], refs: tuple[str, ...]) -> int:
    """A wobble position scores only when some strand is non-reference there (PharmCAT)."""
    score = haplotype.score
    for index in haplotype.wobbles:
        if strands and all(strand[index] == refs[index] for strand in strands):
            score -= 1
    return score


# ---------------------------------------------------------------------------- phenotype


def cpic_term(gene: str, label: str | None) -> str | None:
    """The phenotype in CPIC's own words, which is what CPIC's lookup keys use.

    pypgx prefixes G6PD phenotypes ("G6PD Deficient"); CPIC says "Deficient".
    """
    if label is None:
        return None
    if gene == "G6PD":
        label = label.removeprefix("G6PD ").strip()
    return label


def _phenotype_for(gene: str, names: tuple[str, ...]) -> tuple[str | None, str | None]:
    if gene in ("RYR1", "CACNA1S"):
        # CPIC: any MHS-associated allele -> susceptible; otherwise "uncertain" (never "normal")
        if any(core.mhs_associated(gene, name) for name in names):
            return "Malignant Hyperthermia Susceptibility", None
        return "Uncertain Susceptibility", None
    phenotype, activity = _table_phenotype(gene, names)
    return cpic_term(gene, phenotype), activity


def _table_phenotype(gene: str, names: tuple[str, ...]) -> tuple[str | None, str | None]:
    table = kb.gene_phenotypes()[gene]
    key = tuple(sorted(names))
    if key in table.diplotypes:
        phenotype, activity = table.diplotypes[key]
        return phenotype, activity
    if gene in ("CYP2D6", "DPYD") or table.source == "pypgx":
        values = [table.allele_activity.get(name) for name in names]
        if gene == "CYP2D6" and all(v is not None for v in values):
            score = sum(v for v in values if v is not None)
            return _phenotype_from_equation(gene, score), _format_score(score)
    if gene == "IFNL3":
        functions = {table.allele_function.get(name, "") for name in names}
        if functions == {"Favorable response allele"}:
            return "Favorable response genotype", None
        if functions:
            return "Unfavorable response genotype", None
    return None, None


def _format_score(score: float) -> str:
    return f"{score:.2f}".rstrip("0").rstrip(".") if score % 0.5 else f"{score:.1f}"


def _phenotype_from_equation(gene: str, score: float) -> str | None:
    for phenotype, equation in kb.activity_equations().get(gene, []):
        expression = equation.replace("score", repr(score))
        if re.fullmatch(r"[\d.\s<>=]+", expression) and _safe_compare(expression):
            return phenotype
    return None


def _safe_compare(expression: str) -> bool:
    """Evaluate 'a <= b < c' style chains of numbers without eval()."""
    tokens = re.findall(r"\d+(?:\.\d+)?|<=|>=|==|<|>", expression)
    values = [float(t) for t in tokens[0::2]]
    operators = tokens[1::2]
    checks = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "==": lambda a, b: a == b,
    }
    return all(checks[op](values[i], values[i + 1]) for i, op in enumerate(operators))


def _summarise(gene: str, matches: list[DiplotypeMatch], call: GeneCall) -> None:
    results = [
        _phenotype_for(gene, (m.first,) if m.second is None else (m.first, m.second))
        for m in matches
    ]
    phenotypes = {p for p, _ in results}
    activities = {a for _, a in results}
    if len(phenotypes) == 1:
        call.phenotype = next(iter(phenotypes)) or "Indeterminate"
    elif results:
        call.phenotype = "Indeterminate"
        call.ambiguous = True
        call.notes.append(
            "ambiguous call; phenotype per diplotype: "
            + "; ".join(
                f"{m.name}: {p or 'n/a'}" for m, (p, _) in zip(matches, results, strict=True)
            )
        )
    if len(activities) == 1 and gene in ACTIVITY_SCORE_GENES:
        value = next(iter(activities))
        call.activity_score = None if value in (None, "n/a") else value


# ------------------------------------------------------------------------------- DPYD


def _dpyd_activity(name: str) -> float:
    value = kb.gene_phenotypes()["DPYD"].allele_activity.get(name)
    return 1.0 if value is None else value


def _dpyd_phenotype(score: float) -> str:
    # CPIC DPYD activity score bins: 2 normal, 1-1.5 intermediate, 0-0.5 poor
    if score >= 2:
        return "Normal Metabolizer"
    if score >= 1:
        return "Intermediate Metabolizer"
    return "Poor Metabolizer"


def _dpyd_alleles_on(strand: dict[int, str]) -> list[str]:
    """Non-reference DPYD alleles whose every defining position this strand carries."""
    definition = kb.gene_definitions()["DPYD"]
    found = []
    for allele in definition.named_alleles:
        if allele.reference:
            continue
        defined = [(i, a) for i, a in enumerate(allele.alleles) if a is not None]
        if defined and all(i in strand and strand[i] == a for i, a in defined):
            found.append(allele.name)
    # an allele whose positions are a subset of another found allele's is part of it (HapB3)
    return [
        name
        for name in found
        if not any(other != name and _dpyd_contains(other, name) for other in found)
    ]


def _dpyd_contains(big: str, small: str) -> bool:
    definition = kb.gene_definitions()["DPYD"]
    alleles = {a.name: a for a in definition.named_alleles}
    b = {i for i, v in enumerate(alleles[big].alleles) if v is not None}
    s = {i for i, v in enumerate(alleles[small].alleles) if v is not None}
    return s < b


def _call_dpyd(sample: dict[int, SampleAllele], call: GeneCall, top_candidate_only: bool) -> None:
    """DPYD as CPIC and PharmCAT call it.

    Phased (or effectively phased: at most one heterozygous position, or every heterozygous
    position in one phase set) -> the variants found on each strand; a strand's value is its
    lowest-function variant, and the score adds the two strands. Two variants in cis therefore
    leave one intact copy (score 1, intermediate), not two broken ones.
    Unphased with several heterozygous variants -> the two lowest-function variants found, as
    CPIC says when phase is unknown (it may overstate the effect; the note says so).
    """
    matches, notes = match_diplotypes("DPYD", sample, top_candidate_only=top_candidate_only)
    ordered = sorted(sample)
    hets = [i for i in ordered if not sample[i].homozygous]
    phase_sets = {sample[i].phase_set for i in hets}
    effectively_phased = len(hets) <= 1 or (
        all(sample[i].phased for i in hets) and len(phase_sets) == 1
    )
    if effectively_phased:
        first = {i: sample[i].allele1 for i in ordered}
        second = {
            i: (sample[i].allele2 if sample[i].allele2 is not None else sample[i].allele1)
            for i in ordered
        }
        strands = [_dpyd_alleles_on(first), _dpyd_alleles_on(second)]
        values = [min((_dpyd_activity(n) for n in strand), default=1.0) for strand in strands]
        names = [" + ".join(strand) if strand else "Reference" for strand in strands]
        score = sum(values)
        call.diplotypes = [diplotype_name(names[0], names[1])]
        call.match_score = matches[0].score if matches else None
        call.activity_score = _format_score(score)
        call.phenotype = _dpyd_phenotype(score)
        if any(len(strand) > 1 for strand in strands):
            call.notes.append(
                "more than one DPYD variant on one strand (in cis): that strand counts once, "
                "at its lowest-function variant"
            )
        return
    table = kb.gene_phenotypes()["DPYD"]
    definition = kb.gene_definitions()["DPYD"]
    found: list[str] = []
    for allele in definition.named_alleles:
        if allele.reference:
            continue
        defined = [(i, a) for i, a in enumerate(allele.alleles) if a is not None]
        if any(i not in sample for i, _ in defined):
            continue
        copies = min(
            sum(1 for x in (sample[i].allele1, sample[i].allele2) if x == a) for i, a in defined
        )
        found.extend([allele.name] * copies)
    if not found and not matches:
        call.notes.extend(notes)
        return
    found.sort(key=lambda n: (table.allele_activity.get(n) or 0.0, _name_key(n)))
    lowest = [*found, "Reference", "Reference"][:2]
    score = sum(_dpyd_activity(n) if n != "Reference" else 1.0 for n in lowest)
    call.diplotypes = [diplotype_name(lowest[0], lowest[1])]
    call.activity_score = _format_score(score)
    call.phenotype = _dpyd_phenotype(score)
    call.notes.append(
        "unphased DPYD variants: alleles found "
        + ", ".join(found)
        + "; the two lowest-function alleles give the activity score (CPIC). If they are on the "
        "same strand the true effect is milder; phased data would tell."
    )


# ----------------------------------------------------------------------------- driver


def _label(locus: kb.Locus) -> str:
    return f"{locus.chrom}:{locus.position}" + (f" ({locus.rsid})" if locus.rsid else "")


@functools.cache
def _indel_flags(gene: str) -> tuple[bool, ...]:
    return tuple(is_indel(locus.ref, locus.alts) for locus in kb.gene_definitions()[gene].loci)


def _nearby_indel_records(
    gene: str, records: Mapping[tuple[str, int], list[SiteRecord]]
) -> dict[int, list[SiteRecord]]:
    """Per defined indel (locus index): the indel records within INDEL_WINDOW of it, at other
    positions. Computed once per readout and gene (a batch shares one readout)."""
    cache = getattr(records, "derived", None)
    if cache is not None and ("nearby", gene) in cache:
        return cache[("nearby", gene)]
    out: dict[int, list[SiteRecord]] = {}
    for index, locus in enumerate(kb.gene_definitions()[gene].loci):
        if not _indel_flags(gene)[index]:
            continue
        end = locus.position + len(locus.ref) - 1
        found = [
            record
            for pos in range(locus.position - INDEL_WINDOW, end + INDEL_WINDOW + 1)
            if pos != locus.position
            for record in records.get((locus.chrom, pos), ())
            if is_indel(record.ref, record.alts)
        ]
        if found:
            out[index] = found
    if cache is not None:
        cache[("nearby", gene)] = out
    return out


def _shifted_indel_records(
    locus: kb.Locus, nearby: list[SiteRecord], sample_index: int
) -> tuple[list[SiteRecord], bool]:
    """Indel records near a defined indel, rewritten at the definition's position.

    Returns (rewritten records, undecidable): undecidable is True when an indel the sample
    carries nearby cannot be placed without the reference genome.
    """
    rewritten: list[SiteRecord] = []
    undecidable = False
    for record in nearby:
        genotype = record.genotypes[sample_index]
        if not any(a is not None and a != record.ref for a in genotype.alleles):
            continue  # the sample does not carry this indel
        respelled = respell_shifted(
            locus_pos=locus.position,
            locus_ref=locus.ref,
            record_pos=record.pos,
            record_ref=record.ref,
            alleles=(record.ref, *record.alts),
        )
        if respelled is None:
            undecidable = True
            continue
        mapping = respelled.alleles
        alleles = tuple(None if a is None else mapping.get(a, a + "?") for a in genotype.alleles)
        rewritten.append(
            SiteRecord(
                chrom=locus.chrom,
                pos=locus.position,
                ref=locus.ref,
                alts=tuple(mapping[a] for a in record.alts),
                filter=record.filter,
                genotypes=tuple(
                    Genotype(alleles, g.phased, g.phase_set, g.gq, g.dp, g.ft)
                    if i == sample_index
                    else g
                    for i, g in enumerate(record.genotypes)
                ),
            )
        )
    return rewritten, undecidable


def call_gene(
    gene: str,
    records: Mapping[tuple[str, int], list[SiteRecord]],
    *,
    sample_index: int = 0,
    sex: str | None = None,
    absent_is_reference: bool = False,
    top_candidate_only: bool = True,
) -> GeneCall:
    """Call one gene from a readout (see callability.py for when a position counts as read).

    ``absent_is_reference`` is the lab's attestation that positions absent from the file are
    reference for its validated pipeline; without it an absent position is missing.
    """
    definition = kb.gene_definitions()[gene]
    haploid = sex == "male" and definition.chromosome == "chrX"
    blocks = getattr(records, "blocks", {})
    sample: dict[int, SampleAllele] = {}
    missing: list[str] = []
    notes: list[str] = []
    unassessed: dict[int, PositionState] = {}
    half_called: list[str] = []
    unnormalised: list[str] = []
    sex_conflict: list[str] = []
    reference_calls = _reference_calls(gene, haploid)
    indels = _indel_flags(gene)
    nearby = _nearby_indel_records(gene, records)
    for index, locus in enumerate(definition.loci):
        key = (locus.chrom, locus.position)
        present = records.get(key)
        if not present and index not in nearby and (not blocks or key not in blocks):
            # the common case, decided without the general machinery: nothing in the file
            if absent_is_reference:
                sample[index] = reference_calls[index]
            else:
                unassessed[index] = PositionState.ABSENT
                missing.append(_label(locus))
            continue
        found = list(present or ())
        indel = indels[index]
        if indel and nearby.get(index):
            shifted, undecidable = _shifted_indel_records(locus, nearby[index], sample_index)
            found += shifted
            if undecidable:
                unnormalised.append(_label(locus))
        state = position_state(
            found or None,
            blocks.get(key),
            sample_index,
            indel=indel,
            lab_attested=absent_is_reference,
        )
        if state is PositionState.REFERENCE:
            sample[index] = reference_calls[index]
            continue
        allele = sample_allele_at(locus, found, sample_index, haploid=haploid) if found else None
        if state is not PositionState.CALLED or allele is None:
            state = PositionState.NO_CALL if state is PositionState.CALLED else state
            unassessed[index] = state
            missing.append(_label(locus))
            if state is PositionState.HALF_CALL:
                half_called.append(_label(locus))
            continue
        if haploid and allele.allele2 is not None and allele.allele1 != allele.allele2:
            sex_conflict.append(_label(locus))
        documented = {locus.ref, *locus.alts}
        for value in (allele.allele1, allele.allele2):
            if value is not None and value not in documented:
                if gene in kb.UNDOCUMENTED_AS_REFERENCE_GENES:
                    notes.append(
                        f"undocumented allele {value} at {locus.chrom}:{locus.position} "
                        "treated as reference"
                    )
                else:
                    notes.append(
                        f"undocumented allele {value} at {locus.chrom}:{locus.position}: "
                        "no named allele can match it"
                    )
        if gene in kb.UNDOCUMENTED_AS_REFERENCE_GENES:
            allele = SampleAllele(
                allele.allele1 if allele.allele1 in documented else locus.ref,
                None
                if allele.allele2 is None
                else (allele.allele2 if allele.allele2 in documented else locus.ref),
                allele.phased,
                allele.phase_set,
            )
        sample[index] = allele
    call = GeneCall(gene, [], None, None, missing, notes)
    call.unassessed_positions = {
        _label(definition.loci[i]): STATE_WORDS[state] for i, state in unassessed.items()
    }
    _tested_sets(gene, call, unassessed)
    if gene == "DPYD":
        if sample:
            _call_dpyd(sample, call, top_candidate_only)
    else:
        matches, match_notes = match_diplotypes(gene, sample, top_candidate_only=top_candidate_only)
        call.notes.extend(match_notes)
        call.diplotypes = [m.name for m in matches]
        call.match_score = matches[0].score if matches else None
        if matches:
            _summarise(gene, matches, call)
    if missing:
        call.notes.append(
            f"{len(missing)} of {len(definition.loci)} definition positions could not be read; "
            "alleles defined there are untested"
        )
    _decide_status(gene, call, sample, half_called, unnormalised, sex_conflict)
    return call


@functools.cache
def _allele_positions(gene: str) -> tuple[tuple[str, frozenset[int]], ...]:
    """(name, defining position indexes) of each reportable non-reference allele of a gene."""
    definition = kb.gene_definitions()[gene]
    return tuple(
        (allele.name, frozenset(i for i, a in enumerate(allele.alleles) if a is not None))
        for allele in definition.named_alleles
        if not allele.reference and allele.name not in definition.ignored_alleles
    )


def reportable_alleles(gene: str) -> list[str]:
    """The named alleles a gene's test looks for (the same for every sample).

    A sample's ``tested_alleles`` are these minus its ``untested_alleles`` (positions not read).
    """
    if gene == "MT-RNR1":
        return [v.name for v in mitochondrial.variants()]
    if gene not in kb.gene_definitions():
        return []
    return [name for name, _ in _allele_positions(gene)]


@functools.lru_cache(maxsize=8192)
def _tested_split(gene: str, unassessed: frozenset[int]) -> tuple[list[str], list[str]]:
    tested, untested = [], []
    for name, positions in _allele_positions(gene):
        (untested if positions & unassessed else tested).append(name)
    return tested, untested


def _tested_sets(gene: str, call: GeneCall, unassessed: Mapping[int, PositionState]) -> None:
    tested, untested = _tested_split(gene, frozenset(unassessed))
    call.tested_alleles = list(tested)
    call.untested_alleles = list(untested)
    call.core_alleles = list(core.core_alleles(gene))


def _decide_status(
    gene: str,
    call: GeneCall,
    sample: Mapping[int, SampleAllele],
    half_called: list[str],
    unnormalised: list[str],
    sex_conflict: list[str],
) -> None:
    definition = kb.gene_definitions()[gene]
    required = {int(p) for p in kb.gene_exemptions().get(gene, {}).get("requiredPositions", [])}
    missing_required = [
        _label(locus)
        for index, locus in enumerate(definition.loci)
        if locus.position in required and index not in sample
    ]
    untested_core = [name for name in call.core_alleles if name in call.untested_alleles]
    if gene in kb.OUTSIDE_CALL_GENES:
        call.not_determined(
            "needs_outside_call",
            f"{gene} needs a dedicated caller (copy number, gene deletions and hybrids are "
            "invisible in a VCF); it is reported only from an outside call",
        )
    if not sample:
        call.not_determined("no_data", "none of this gene's positions could be read")
    if sex_conflict:
        call.not_determined(
            "sex_conflict",
            "a heterozygous call on chrX in a participant recorded as male ("
            + ", ".join(sex_conflict[:3])
            + "): the sample or the recorded sex needs checking",
        )
    if half_called:
        call.not_determined(
            "half_call",
            "a variant was seen on one strand while the other could not be read ("
            + ", ".join(half_called[:3])
            + ")",
        )
    if unnormalised:
        call.not_determined(
            "unnormalised_indel",
            "an insertion or deletion is written at another position than the definition's and "
            "cannot be placed without the reference genome ("
            + ", ".join(unnormalised[:3])
            + "); "
            + NORMALISE_HINT,
        )
    if untested_core or missing_required:
        what = untested_core[:6] + missing_required[:3]
        call.not_determined(
            "missing_core_positions",
            "key variants could not be read, so common "
            + ("alleles" if untested_core else "positions")
            + " that change the result could be missed: "
            + ", ".join(what)
            + ("…" if len(untested_core) > 6 else ""),
        )
    if not call.diplotypes:
        call.not_determined(
            "novel_allele",
            "no combination of known alleles explains the genotype (a rare or new allele)",
        )
    elif call.ambiguous:
        call.not_determined(
            "ambiguous_phenotype",
            "more than one combination of alleles fits, and they differ in effect",
        )


@functools.cache
def _reference_calls(gene: str, haploid: bool) -> tuple[SampleAllele, ...]:
    return tuple(
        SampleAllele(locus.ref, None if haploid else locus.ref, False, None)
        for locus in kb.gene_definitions()[gene].loci
    )


GENE_LIMITS: dict[str, tuple[str, ...]] = {
    "G6PD": (
        "phenotype from pypgx tables in CPIC's terms; the Mediterranean haplotype and Villeurbanne "
        "are not told apart (as in PharmCAT)",
    ),
    "RYR1": (
        "susceptibility from CPIC's list of malignant-hyperthermia-associated variants; other "
        "variants give 'Uncertain Susceptibility'",
    ),
}

WARFARIN_NOTE: dict[str, object] = {
    "drugs": ["warfarin"],
    "genes": ["CYP2C9", "CYP4F2", "VKORC1"],
    "lookup": {},
    "population": "general",
    "classification": None,
    "kind": "algorithm",
    "recommendation": (
        "CPIC's warfarin guideline gives no lookup-table advice: it doses warfarin with a "
        "published algorithm that combines the CYP2C9 and VKORC1 results (and, for some "
        "ancestries, CYP4F2 and rs12777823) with age, weight and other clinical factors. "
        "Prescribers enter these results into that algorithm."
    ),
    "implications": [],
    "guideline": "CPIC Guideline for Pharmacogenetics-Guided Warfarin Dosing",
    "url": "https://cpicpgx.org/guidelines/guideline-for-warfarin-and-cyp2c9-and-vkorc1/",
}


def lookup_values(call: GeneCall) -> frozenset[str]:
    """The CPIC lookup values this call answers to; "No Result" for a gene not determined."""
    if not call.reportable:
        return frozenset({"No Result"})
    if call.allele_status:
        return frozenset(f"{allele} {status}" for allele, status in call.allele_status.items())
    if call.gene in ACTIVITY_SCORE_GENES:
        return frozenset({call.activity_score or "n/a"})
    return frozenset({call.phenotype}) if call.phenotype else frozenset({"No Result"})


def recommendations_for(calls: Mapping[str, GeneCall]) -> dict[str, list[dict[str, object]]]:
    """CPIC recommendations for the determined genes, keyed by gene.

    Every lookup gene of a CPIC row must match; a gene that was not determined matches only the
    row's "No Result" (CPIC's multi-gene tables have such rows, e.g. phenytoin with HLA-B
    untyped), and a row is used only when at least one of its genes was determined.
    Tied diplotypes that share a phenotype are determined (see _decide_status), so they get
    advice too.
    """
    values = {gene: lookup_values(call) for gene, call in calls.items()}
    key = tuple(sorted((gene, tuple(sorted(v))) for gene, v in values.items()))
    out = {gene: list(entries) for gene, entries in _recommendations_cached(key).items()}
    for gene in WARFARIN_NOTE["genes"]:  # type: ignore[union-attr]
        if gene in calls and calls[gene].reportable:
            out.setdefault(gene, []).append(WARFARIN_NOTE)
    return out


@functools.lru_cache(maxsize=4096)
def _recommendations_cached(
    lookup_items: tuple[tuple[str, tuple[str, ...]], ...],
) -> dict[str, list[dict[str, object]]]:
    values = {gene: set(v) for gene, v in lookup_items}
    out: dict[str, list[dict[str, object]]] = {}
    for rec in kb.cpic_recommendations():
        if not all(
            any(_lookup_equal(ours, theirs) for ours in values.get(gene, {"No Result"}))
            for gene, theirs in rec.lookup.items()
        ):
            continue
        determined = [g for g, v in rec.lookup.items() if v != "No Result"]
        if not determined:
            continue
        entry = {
            "drugs": list(rec.drugs),
            "genes": sorted(rec.lookup),
            "lookup": rec.lookup,
            "population": rec.population,
            "classification": rec.classification,
            "recommendation": rec.text,
            "implications": list(rec.implications),
            "guideline": rec.guideline,
            "url": rec.url,
            "kind": "lookup",
        }
        for gene in determined:
            out.setdefault(gene, []).append(entry)
    return out


def _lookup_equal(ours: str, theirs: str) -> bool:
    if ours == theirs:
        return True
    if theirs.startswith(("≥", ">")) or ours.startswith(("≥", ">")):
        return False  # "≥3.0" is its own key (a duplication of unknown copy number)
    try:
        return float(ours) == float(theirs)
    except ValueError:
        return False


def call_all(
    records: Mapping[tuple[str, int], list[SiteRecord]],
    *,
    sample_index: int = 0,
    sex: str | None = None,
    absent_is_reference: bool = False,
    genes: Iterable[str] = kb.PGX_GENES,
    with_recommendations: bool = True,
    outside_calls: Mapping[str, OutsideCall] | None = None,
) -> dict[str, GeneCall]:
    calls = {
        gene: call_gene(
            gene,
            records,
            sample_index=sample_index,
            sex=sex,
            absent_is_reference=absent_is_reference,
        )
        for gene in genes
    }
    calls["MT-RNR1"] = mitochondrial.call_mt_rnr1(
        records, sample_index=sample_index, absent_is_reference=absent_is_reference
    )
    for gene in ("HLA-A", "HLA-B"):
        calls[gene] = GeneCall(gene, [], None, None, [], [])
        calls[gene].not_determined(
            "needs_outside_call",
            f"{gene} typing needs a dedicated tool (for example OptiType); it is reported only "
            "from an outside call",
        )
    for gene, outside in (outside_calls or {}).items():
        calls[gene] = outside_call_result(gene, outside, vcf_call=calls.get(gene))
    for gene, call in calls.items():
        call.notes.extend(GENE_LIMITS.get(gene, ()))
    if with_recommendations:
        for gene, entries in recommendations_for(calls).items():
            if gene in calls:
                calls[gene].recommendations = list(entries)
    return dict(sorted(calls.items()))


def target_loci() -> list[kb.Locus]:
    return [locus for d in kb.gene_definitions().values() for locus in (*d.loci, *d.extra_loci)]


def target_positions() -> list[tuple[str, int]]:
    """Every position the PGx callers read: definitions, windows around defined indels, chrM."""
    positions = [(locus.chrom, locus.position) for locus in target_loci()]
    for definition in kb.gene_definitions().values():
        for locus in definition.loci:
            if is_indel(locus.ref, locus.alts):
                end = locus.position + len(locus.ref) - 1
                positions += [
                    (locus.chrom, p)
                    for p in range(locus.position - INDEL_WINDOW, end + INDEL_WINDOW + 1)
                ]
    positions += mitochondrial.target_positions()
    return positions


from results.engine import mitochondrial  # noqa: E402  (it builds on GeneCall, defined above)
from results.engine.outside_calls import OutsideCall, outside_call_result  # noqa: E402
