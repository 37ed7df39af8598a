"""PharmCAT's full example (a reference sample) against its expected report."""

import csv
from pathlib import Path

from results.engine.interpretation import interpret_vcf

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "pharmcat" / "examples"
# CYP2D6 in the example report is an outside call (*1/*3), not derived from the VCF.
OUTSIDE_CALLS = {"CYP2D6"}
# Our G6PD phenotype comes from pypgx (PharmCAT ships no G6PD phenotype file): same meaning,
# different wording. Documented in docs/interpretation.md.
PHENOTYPE_WORDING = {("G6PD", "Normal"): "G6PD Normal"}


def test_example_matches_pharmcat_report() -> None:
    result = interpret_vcf(EXAMPLE / "pharmcat.example.vcf")
    with (EXAMPLE / "pharmcat.example.report.tsv").open() as handle:
        rows = list(csv.reader(handle, delimiter="\t"))[2:]
    compared = 0
    for row in rows:
        gene, diplotype, phenotype, score = row[0], row[1], row[2].strip(), row[11]
        if gene not in result["pgx"] or gene in OUTSIDE_CALLS:
            continue
        ours = result["pgx"][gene]
        assert ours["diplotypes"] == [diplotype], gene
        assert ours["match_score"] == int(score), gene
        if phenotype:
            assert ours["phenotype"] == PHENOTYPE_WORDING.get((gene, phenotype), phenotype), gene
        compared += 1
    assert compared >= 16
    assert result["pgx"]["CYP2D6"]["diplotypes"] == ["*1/*1"]  # VCF is reference there
