"""PDFs read back: the participant's diplotypes, in English and in Spanish."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from results.engine.interpretation import interpret_vcf
from results.engine.outside_calls import parse_outside_text
from results.models import ReportDocument, ReportState, ReportView
from results.services.preferences import results_preference_set
from results.services.report_states import report_transition
from tests.results.workflow.helpers import NEGATIVE, POSITIVE, give_gror, kgp_vcf, make_report

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


@pytest.fixture
def pgx_report(participant, kb, django_capture_on_commit_callbacks):
    give_gror(participant)
    results_preference_set(
        participant=participant, actor=participant.user, pgx="yes", disease_risk="yes", traits="yes"
    )
    report = make_report(
        participant,
        kb,
        state=ReportState.READY,
        report_type="pgx",
        # CYP2D6 from an outside call (GeT-RM consensus for NA12878), as a CYP2D6 caller gives it
        result=interpret_vcf(
            kgp_vcf(NEGATIVE),
            absent_is_reference=True,
            outside_calls=parse_outside_text("CYP2D6\t*3/*4\n"),
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        report_transition(report=report, to_state=ReportState.RELEASED)
    return report


@pytest.mark.parametrize(
    ("prefix", "language", "phenotype"),
    [
        ("", "en", "Intermediate Metabolizer"),
        ("/es", "es", "Metabolizador intermedio"),
    ],
)
def test_pdf_shows_the_diplotypes_in_both_languages(
    participant_client, pgx_report, prefix, language, phenotype
):
    response = participant_client.get(
        prefix + reverse("results:report_pdf", args=[pgx_report.pk]).removeprefix("/es")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = _text(response.content)
    assert "CYP2C19" in text and "*1/*2" in text  # NA12878
    assert "*3/*4" in text  # CYP2D6
    assert phenotype in text
    assert pgx_report.participant.participant_id in text
    assert (
        ReportDocument.objects.filter(report=pgx_report, kind="report", language=language).count()
        == 1
    )
    assert ReportView.objects.filter(report=pgx_report, format="pdf", language=language).exists()


def test_letters_only_for_a_positive_disease_risk_report(
    participant_client,
    participant,
    kb,
    pgx_report,
    counsellor,
    second_counsellor,
    django_capture_on_commit_callbacks,
):
    assert (
        participant_client.get(reverse("results:family_letter", args=[pgx_report.pk])).status_code
        == 404
    )
    report = make_report(
        participant,
        kb,
        state=ReportState.REVIEWED,
        report_type="disease_risk",
        positive=True,
        result=interpret_vcf(kgp_vcf(POSITIVE), absent_is_reference=True),
    )
    report.reviewed_by = counsellor
    report.save()
    with django_capture_on_commit_callbacks(execute=True):
        report_transition(report=report, to_state=ReportState.RELEASED, actor=second_counsellor)
    kinds = set(ReportDocument.objects.filter(report=report).values_list("kind", flat=True))
    assert kinds == {"report", "family_letter", "clinician_letter"}
    for name in ("results:family_letter", "results:clinician_letter", "results:report_pdf"):
        response = participant_client.get(reverse(name, args=[report.pk]))
        assert response.status_code == 200
        assert "RYR1" in _text(response.content)
