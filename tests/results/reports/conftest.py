"""Inputs for the report tests: a real 1000 Genomes interpretation and a positive finding."""

import copy
import io
from datetime import date
from pathlib import Path

import pypdf
import pytest

SAMPLE_VCF = Path("/work/shared/data/genetics/1kgp/samples/NA12878.pgx_genes.vcf.gz")
PARTICIPANT_ID = "P-4417-2093"

BRCA2_FINDING = {
    "gene": "BRCA2",
    "hgvs": "NC_000013.11:g.32340300G>A",
    "variant": "chr13:32340300:G>A",
    "zygosity": "heterozygous",
    "classification": "Pathogenic",
    "review_status": "reviewed by expert panel",
    "stars": 3,
    "condition": "Hereditary breast ovarian cancer syndrome",
    "clinvar_id": "51000",
    "rule": "All P and LP",
    "knowledge_base_release": "cohort-genomics-kb@2025-11-22+319e0da86df1",
}


@pytest.fixture(scope="session")
def interpretation() -> dict:
    """NA12878 (CYP2C19 *1/*2, CYP2D6 *3/*4...), interpreted by the real engine.

    CYP2D6 comes from an outside call (GeT-RM consensus *3/*4), as it would from a CYP2D6
    caller: the VCF alone never reports CYP2D6.
    """
    if not SAMPLE_VCF.exists():
        pytest.skip("1000 Genomes sample VCF not available")
    from results.engine.interpretation import interpret_vcf
    from results.engine.outside_calls import parse_outside_text

    return interpret_vcf(
        SAMPLE_VCF,
        absent_is_reference=True,
        outside_calls=parse_outside_text("#tool=GeT-RM consensus\nCYP2D6\t*3/*4\n"),
        # a loaded ClinVar release (empty at these positions): the negative report can be issued
        clinvar=("2025-11", []),
    )


@pytest.fixture
def positive_interpretation(interpretation) -> dict:
    data = copy.deepcopy(interpretation)
    data["disease_risk"] = [dict(BRCA2_FINDING)]
    return data


@pytest.fixture
def make_context():
    from results.reports import build_report_context

    def make(report_type, interpretation, language="en", participant_id=PARTICIPANT_ID):
        return build_report_context(
            report_type=report_type,
            interpretation=interpretation,
            language=language,
            participant_id=participant_id,
            released_on=date(2026, 11, 2),
            report_version=2,
        )

    return make


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
