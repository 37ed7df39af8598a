"""Report PDFs: tagged PDF/UA, page numbers, language, identifiers, shared layouts."""

import io

import pypdf

from results.reports import pdf as report_pdf
from results.reports import render_report_pdf

from .conftest import PARTICIPANT_ID, pdf_text


def _render(make_context, interpretation, report_type="pgx", language="en", **kwargs):
    return render_report_pdf(make_context(report_type, interpretation, language, **kwargs))


def test_pgx_pdf_english(make_context, interpretation):
    data = _render(make_context, interpretation)
    pages = pdf_text(data)
    text = "\n".join(pages)
    assert len(pages) >= 4
    assert "*1/*2" in text and "*3/*4" in text  # CYP2C19, CYP2D6 diplotypes
    assert "What we found" in text and "Intermediate Metabolizer" in text
    assert "Avoid standard dose (75 mg) clopidogrel" in text  # CPIC text
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert f"Participant ID: {PARTICIPANT_ID}" in page


def test_pgx_pdf_spanish(make_context, interpretation):
    pages = pdf_text(_render(make_context, interpretation, language="es"))
    text = "\n".join(pages)
    assert "*1/*2" in text
    for heading in ("Lo que encontramos", "Qué significa", "Qué no significa", "Con quién hablar"):
        assert heading in text
    assert "Metabolizador intermedio" in text
    assert "Texto original de la guía (en inglés)" in text
    assert "Limitaciones" in text and "CYP2D6 se leyó solo" in text
    assert f"Página 1 de {len(pages)}" in pages[0]
    assert f"Página {len(pages)} de {len(pages)}" in pages[-1]


def test_pdf_ua_metadata_and_tags(make_context, interpretation):
    data = _render(make_context, interpretation, language="es")
    reader = pypdf.PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "es"
    assert reader.metadata["/Title"] == "Los medicamentos y su ADN"
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert "pdfuaid" in xmp and 'pdfuaid:part="1"' in xmp
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]


def test_no_identifier_but_the_participant_id(make_context, interpretation):
    data = _render(make_context, interpretation)
    text = "\n".join(pdf_text(data))
    assert PARTICIPANT_ID in text
    assert "NA12878" not in text and b"NA12878" not in data  # the sample id
    metadata = pypdf.PdfReader(io.BytesIO(data)).metadata
    assert set(metadata) <= {"/Producer", "/Title", "/CreationDate", "/ModDate"}


def test_negative_disease_risk_pdf_states_limits(make_context, interpretation):
    text = " ".join(
        " ".join(pdf_text(_render(make_context, interpretation, "disease_risk"))).split()
    )
    assert "We found no harmful change in the 81 genes" in text
    assert "BRCA1" in text and "TTN" in text  # the genes examined, by name
    assert "not at all genes" in text
    assert "does not mean that you have no risk" in text
    assert "family history still matters" in text


def test_traits_pdf(make_context, interpretation):
    text = "\n".join(pdf_text(_render(make_context, interpretation, "traits", "es")))
    assert "Su ADN y los rasgos cotidianos" in text and "rs4988235" in text


def test_shared_layouts_are_reused_without_leaking_participants(make_context, interpretation):
    report_pdf.shared_layouts.clear()
    first = pdf_text(_render(make_context, interpretation, participant_id="P-AAAA-0001"))
    misses = report_pdf.shared_layouts.misses
    second = pdf_text(_render(make_context, interpretation, participant_id="P-BBBB-0002"))
    assert report_pdf.shared_layouts.misses == misses  # nothing laid out again
    assert report_pdf.shared_layouts.hits >= misses - 1
    assert len(first) == len(second)
    for number, page in enumerate(second, start=1):
        assert "P-AAAA-0001" not in page
        assert "P-BBBB-0002" in page and f"Page {number} of {len(second)}" in page


def test_simple_path_prints_the_same_report(make_context, interpretation):
    context = make_context("pgx", interpretation)
    ours = " ".join(" ".join(pdf_text(render_report_pdf(context))).split())
    simple = " ".join(" ".join(pdf_text(report_pdf.render_report_pdf_simple(context))).split())
    for needle in ("*1/*2", "Guidance for your CYP2D6 result", "Reference information"):
        assert needle in ours and needle in simple
