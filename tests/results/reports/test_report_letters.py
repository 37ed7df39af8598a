"""Family and clinician letters for a positive disease-risk finding, both languages."""

import pytest

from results.reports import render_clinician_letter_pdf, render_family_letter_pdf

from .conftest import BRCA2_FINDING, PARTICIPANT_ID, pdf_text


def _text(data: bytes) -> str:
    return " ".join(" ".join(pdf_text(data)).split())


@pytest.mark.parametrize("language", ["en", "es"])
def test_family_letter(make_context, positive_interpretation, language):
    text = _text(
        render_family_letter_pdf(make_context("disease_risk", positive_interpretation, language))
    )
    assert "BRCA2" in text and BRCA2_FINDING["hgvs"] in text
    assert PARTICIPANT_ID in text
    if language == "es":
        assert "Una carta para su familia" in text and "prueba en cascada" in text
    else:
        assert "cascade testing" in text and "genetic counselor" in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_clinician_letter(make_context, positive_interpretation, language):
    context = make_context("disease_risk", positive_interpretation, language)
    text = _text(render_clinician_letter_pdf(context))
    assert BRCA2_FINDING["hgvs"] in text and "51000" in text
    assert "CLIA" in text and context["knowledge_base"]["release"] in text
    assert ("heterozygous" if language == "en" else "heterocigota") in text
    assert "NA12878" not in text


def test_letters_need_a_positive_result(make_context, interpretation):
    context = make_context("disease_risk", interpretation)
    with pytest.raises(ValueError):
        render_family_letter_pdf(context)
    with pytest.raises(ValueError):
        render_clinician_letter_pdf(make_context("pgx", interpretation))
