"""MT-RNR1 (aminoglycoside-induced hearing loss) from chrM calls, with CPIC's terms.

Variants come from PharmCAT's MT-RNR1 phenotype file ("m.1555A>G" names carry the position).
Any CPIC "increased risk" variant present (at any heteroplasmy) gives increased risk; otherwise an
"uncertain risk" variant gives uncertain risk; "normal risk" needs every increased-risk position
read. A file without chrM calls gives "not determined".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from results.engine import knowledge_base as kb
from results.engine.callability import STATE_WORDS, PositionState, position_state

NAME = re.compile(r"^m\.(\d+)([ACGT])>([ACGT])$")
INCREASED = "increased risk of aminoglycoside-induced hearing loss"
UNCERTAIN = "uncertain risk of aminoglycoside-induced hearing loss"
NORMAL = "normal risk of aminoglycoside-induced hearing loss"


@dataclass(frozen=True, slots=True)
class MitoVariant:
    name: str
    position: int
    ref: str
    alt: str
    risk: str  # one of INCREASED / UNCERTAIN / NORMAL


@functools.cache
def variants() -> tuple[MitoVariant, ...]:
    raw = kb._load_json(kb.KNOWLEDGE_DIR / "pharmcat" / "phenotype" / "MT_RNR1.json")
    risk_by_name = {
        row["diplotype"]: row["generesult"] for row in raw["diplotypes"] if row.get("diplotype")
    }
    out = []
    for allele in raw["namedAlleles"]:
        match = NAME.match(allele["name"])
        if not match:
            continue  # deletions and repeat alleles (m.961T>del+Cn) need a dedicated caller
        out.append(
            MitoVariant(
                name=allele["name"],
                position=int(match.group(1)),
                ref=match.group(2),
                alt=match.group(3),
                risk=risk_by_name.get(allele["name"], str(allele.get("functionValue", "")).lower()),
            )
        )
    return tuple(out)


def target_positions() -> list[tuple[str, int]]:
    return [("chrM", v.position) for v in variants()]


def call_mt_rnr1(records: Any, *, sample_index: int, absent_is_reference: bool) -> Any:
    # Not at the top: pgx imports this module (a cycle); GeneCall lives with the other genes.
    from results.engine.pgx import GeneCall

    call = GeneCall("MT-RNR1", [], None, None, [], [])
    call.core_alleles = [v.name for v in variants() if v.risk == INCREASED]
    contigs = getattr(records, "contigs", None)
    if contigs is not None and "chrM" not in contigs:
        call.untested_alleles = [v.name for v in variants()]
        call.not_determined(
            "no_data", "the file has no mitochondrial (chrM) calls; MT-RNR1 was not read"
        )
        return call
    blocks = getattr(records, "blocks", {})
    present: list[MitoVariant] = []
    for variant in variants():
        key = ("chrM", variant.position)
        found = records.get(key)
        state = position_state(
            found or None,
            blocks.get(key),
            sample_index,
            indel=False,
            lab_attested=absent_is_reference,
        )
        if not state.assessed:
            call.untested_alleles.append(variant.name)
            call.missing_positions.append(f"chrM:{variant.position}")
            call.unassessed_positions[f"chrM:{variant.position}"] = STATE_WORDS[state]
            continue
        call.tested_alleles.append(variant.name)
        if state is PositionState.CALLED:
            alleles = {a for r in found for a in r.genotypes[sample_index].alleles if a}
            if variant.alt in alleles:
                present.append(variant)
    if any(v.risk == INCREASED for v in present):
        call.phenotype = INCREASED
    elif any(v.name in call.untested_alleles for v in variants() if v.risk == INCREASED):
        call.not_determined(
            "missing_core_positions",
            "variants that raise the risk could not be read: "
            + ", ".join(n for n in call.core_alleles if n in call.untested_alleles),
        )
    elif any(v.risk == UNCERTAIN for v in present):
        call.phenotype = UNCERTAIN
    else:
        call.phenotype = NORMAL
    call.diplotypes = [" + ".join(v.name for v in present) or "Reference"]
    return call
