"""The management commands are thin wrappers: JSON out, one-line CommandError on bad input."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.django_db
def test_interpret_vcf_prints_json(tmp_path: Path) -> None:
    path = tmp_path / "t.vcf"
    path.write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP1\n"
        "chr10\t94761900\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n"
    )
    out = StringIO()
    call_command("interpret_vcf", str(path), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert {"sample", "build", "knowledge_base", "pgx", "disease_risk", "traits"} <= set(result)
    assert {"qc", "callability", "disease_risk_scope"} <= set(result)
    # no ClinVar release loaded: disease risk says "not determined", never an empty negative
    assert result["disease_risk_scope"]["status"] == "not_determined"
    assert "ClinVar" in result["disease_risk_scope"]["reason"]


@pytest.mark.django_db
def test_interpret_vcf_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "t.vcf"
    path.write_text("not a vcf\n")
    with pytest.raises(CommandError, match="not a VCF"):
        call_command("interpret_vcf", str(path))


def test_load_clinvar_bad_release(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("load_clinvar", str(tmp_path / "x"), "--release", "nov")
