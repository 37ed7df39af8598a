"""PharmCAT's static VCF cases: the full diplotype list its matcher tests expect."""

import json
from pathlib import Path
from typing import Any

import pytest

from results.engine import pgx, vcf_intake

DATA = Path(__file__).resolve().parents[1] / "data" / "pharmcat"
CASES = json.loads((DATA / "static_vcf_cases.json").read_text())["cases"]


def test_all_18_cases_present() -> None:
    assert len(CASES) == 18


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["vcf"])
def test_static_case(case: dict[str, Any], pgx_targets: list[tuple[str, int]]) -> None:
    with vcf_intake.open_vcf(DATA / "static_vcfs" / case["vcf"]) as source:
        records = source.read_sites(pgx_targets)
    # PharmCAT's NamedAlleleMatcher tests run with topCandidateOnly = false: every viable pair
    call = pgx.call_gene(case["gene"], records, top_candidate_only=False)
    assert sorted(call.diplotypes) == sorted(case["expected_diplotypes"])


def test_ties_are_reported_in_full_in_top_candidate_mode(
    pgx_targets: list[tuple[str, int]],
) -> None:
    with vcf_intake.open_vcf(DATA / "static_vcfs/cyp2c19/s4bs17rs28399504missing.vcf") as source:
        records = source.read_sites(pgx_targets)
    call = pgx.call_gene("CYP2C19", records)
    assert sorted(call.diplotypes) == ["*17/*17", "*4/*17", "*4/*4"]
    assert call.phenotype == "Indeterminate"
    assert any("rs3758581" in m or "94842866" in m for m in call.missing_positions)
