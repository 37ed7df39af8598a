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

from results.engine import knowledge_base as kb
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


@dataclass(slots=True)
class GeneCall:
    gene: str
    diplotypes: list[str]
    phenotype: str | None
    activity_score: str | None
    missing_positions: list[str]
    notes: list[str] = field(default_factory=list)
    match_score: int | None = None
    haplotypes: list[list[str]] = field(default_factory=list)
    recommendations: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "diplotypes": self.diplotypes,
            "phenotype": self.phenotype,
            "activity_score": self.activity_score,
            "missing_positions": self.missing_positions,
            "notes": self.notes,
            "match_score": self.match_score,
            "recommendations": self.recommendations,
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


def to_locus_spelling(record_ref: str, allele: str, locus_ref: str) -> str:
    """Spell a VCF allele over the definition's REF span (the two may trim indels differently)."""
    if len(record_ref) == len(locus_ref):
        return allele
    if len(record_ref) < len(locus_ref):
        return allele + locus_ref[len(record_ref) :]
    suffix = record_ref[len(locus_ref) :]
    if allele.endswith(suffix) and len(allele) > len(suffix):
        return allele[: len(allele) - len(suffix)]
    return allele + "?"  # cannot be expressed over the definition span: undocumented


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
                            h2, sorted(seqs2 & {s1, s2}), alleles
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


def _phenotype_for(gene: str, names: tuple[str, ...]) -> tuple[str | None, str | None]:
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


def _call_dpyd(sample: dict[int, SampleAllele], call: GeneCall, top_candidate_only: bool) -> None:
    """DPYD as CPIC/PharmCAT call it: an exact diplotype when phased, else the two lowest-function
    alleles found (unphased variants cannot be assigned to strands)."""
    definition = kb.gene_definitions()["DPYD"]
    matches, notes = match_diplotypes("DPYD", sample, top_candidate_only=top_candidate_only)
    strands = _strand_permutations([sample[i] for i in sorted(sample)])
    effectively_phased = strands is not None and len(strands) <= 2
    if effectively_phased and len(matches) == 1:
        call.diplotypes = [m.name for m in matches]
        call.match_score = matches[0].score
        _summarise("DPYD", matches, call)
        return
    table = kb.gene_phenotypes()["DPYD"]
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
    score = sum(table.allele_activity.get(n) or 0.0 for n in lowest)
    call.diplotypes = [diplotype_name(lowest[0], lowest[1])]
    call.activity_score = _format_score(score)
    phenotype_by_score = {a: p for (p, a) in table.diplotypes.values() if a is not None}
    call.phenotype = phenotype_by_score.get(call.activity_score, "Indeterminate")
    if len(found) > 2 or not effectively_phased:
        call.notes.append(
            "unphased DPYD variants: alleles found "
            + ", ".join(found)
            + "; the two lowest-function alleles give the activity score (CPIC)"
        )


# ----------------------------------------------------------------------------- driver


def call_gene(
    gene: str,
    records: Mapping[tuple[str, int], list[SiteRecord]],
    *,
    sample_index: int = 0,
    sex: str | None = None,
    absent_is_reference: bool = False,
    top_candidate_only: bool = True,
) -> GeneCall:
    definition = kb.gene_definitions()[gene]
    haploid = sex == "male" and definition.chromosome == "chrX"
    sample: dict[int, SampleAllele] = {}
    missing: list[str] = []
    notes: list[str] = []
    reference_calls = _reference_calls(gene, haploid)
    for index, locus in enumerate(definition.loci):
        found = records.get((locus.chrom, locus.position))
        if not found:
            if absent_is_reference:
                sample[index] = reference_calls[index]
            else:
                missing.append(
                    f"{locus.chrom}:{locus.position}" + (f" ({locus.rsid})" if locus.rsid else "")
                )
            continue
        allele = sample_allele_at(locus, found, sample_index, haploid=haploid)
        if allele is None:
            missing.append(
                f"{locus.chrom}:{locus.position}" + (f" ({locus.rsid})" if locus.rsid else "")
            )
            continue
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
    if gene == "DPYD":
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
            f"{len(missing)} of {len(definition.loci)} definition positions missing from the VCF; "
            "alleles defined only there cannot be called"
        )
    call.notes.extend(GENE_LIMITS.get(gene, ()))
    return call


@functools.cache
def _reference_calls(gene: str, haploid: bool) -> tuple[SampleAllele, ...]:
    return tuple(
        SampleAllele(locus.ref, None if haploid else locus.ref, False, None)
        for locus in kb.gene_definitions()[gene].loci
    )


GENE_LIMITS: dict[str, tuple[str, ...]] = {
    "CYP2D6": (
        "called from SNVs and small indels only: gene deletion (*5), duplications and CYP2D6/2D7 "
        "hybrids are not detected, so *1/*5 reads as *1/*1 and copy-number gains are missed; "
        "phenotype from pypgx activity values",
    ),
    "G6PD": (
        "phenotype from pypgx tables; pass sex='male' for a hemizygous call (a diploid call on "
        "chrX is treated as two copies)",
    ),
    "RYR1": ("phenotype from pypgx tables (PharmCAT ships none for RYR1)",),
}


def recommendations_for(calls: Mapping[str, GeneCall]) -> dict[str, list[dict[str, object]]]:
    """CPIC recommendations whose every lookup gene is called unambiguously; keyed by gene."""
    lookup_values: dict[str, str] = {}
    for gene, call in calls.items():
        if len(call.diplotypes) != 1:
            continue
        if gene in ACTIVITY_SCORE_GENES and call.activity_score is not None:
            lookup_values[gene] = call.activity_score
        elif call.phenotype:
            lookup_values[gene] = call.phenotype
    return _recommendations_cached(tuple(sorted(lookup_values.items())))


@functools.lru_cache(maxsize=4096)
def _recommendations_cached(
    lookup_items: tuple[tuple[str, str], ...],
) -> dict[str, list[dict[str, object]]]:
    lookup_values = dict(lookup_items)
    out: dict[str, list[dict[str, object]]] = {}
    for rec in kb.cpic_recommendations():
        if not all(_lookup_equal(lookup_values.get(g), v) for g, v in rec.lookup.items()):
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
        }
        for gene in rec.lookup:
            out.setdefault(gene, []).append(entry)
    return out


def _lookup_equal(ours: str | None, theirs: str) -> bool:
    if ours is None:
        return False
    if ours == theirs:
        return True
    try:
        return float(ours) == float(theirs.lstrip("≥>"))
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
    if with_recommendations:
        for gene, entries in recommendations_for(calls).items():
            if gene in calls:
                calls[gene].recommendations = list(entries)
    return calls


def target_loci() -> list[kb.Locus]:
    return [locus for d in kb.gene_definitions().values() for locus in (*d.loci, *d.extra_loci)]
