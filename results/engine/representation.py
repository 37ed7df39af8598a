"""Allele representation: spell a VCF allele over a definition's REF span, and recognise the same
indel written elsewhere (shifted within its repeat, trimmed differently, split or multi-allelic).

Without the reference genome we only know the bases the definition's own REF spells. An indel
record that lies inside that span can be rewritten over it and compared with the defined alleles.
One that reaches outside it cannot be decided here: the caller must say so and ask for
``bcftools norm -m- -f GRCh38.fa`` (left-align and split against the reference).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# How far from a defined indel we look for the same event written at another position.
INDEL_WINDOW = 30

NORMALISE_HINT = (
    "normalise the VCF with `bcftools norm -m- -f GRCh38.fa` (left-align and split indels) "
    "and upload it again"
)


def to_locus_spelling(record_ref: str, allele: str, locus_ref: str) -> str:
    """Spell a VCF allele over the definition's REF span (the two may trim indels differently)."""
    if len(record_ref) == len(locus_ref):
        return allele
    if len(record_ref) < len(locus_ref):
        if locus_ref.startswith(record_ref):
            return allele + locus_ref[len(record_ref) :]
        return allele + "?"
    suffix = record_ref[len(locus_ref) :]
    if allele.endswith(suffix) and len(allele) > len(suffix):
        return allele[: len(allele) - len(suffix)]
    return allele + "?"  # cannot be expressed over the definition span: undocumented


def is_indel(ref: str, alts: Iterable[str]) -> bool:
    return any(len(a) != len(ref) for a in alts)


@dataclass(frozen=True, slots=True)
class Respelled:
    """A record rewritten over a definition span: None where it cannot be decided."""

    alleles: dict[str, str | None]  # record allele -> allele over the definition span


def respell_shifted(
    *, locus_pos: int, locus_ref: str, record_pos: int, record_ref: str, alleles: Iterable[str]
) -> Respelled | None:
    """Rewrite a record that starts inside the definition's REF span over that span.

    Returns None when the record reaches outside the known bases (undecidable without the
    reference genome) or its REF disagrees with the definition's bases.
    """
    offset = record_pos - locus_pos
    if offset < 0 or offset + len(record_ref) > len(locus_ref):
        return None
    if locus_ref[offset : offset + len(record_ref)] != record_ref:
        return None
    head = locus_ref[:offset]
    tail = locus_ref[offset + len(record_ref) :]
    return Respelled({a: head + a + tail for a in alleles})
