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


def _structure(data: bytes) -> list[tuple]:
    """The structure tree in reading order: (depth, role, page, MCID or object reference)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    found: list[tuple] = []

    def walk(node, depth):
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid, depth)
        elif isinstance(node, int):
            found.append((depth, "MCID", int(node)))
        elif node.get("/Type") in ("/MCR", "/OBJR"):
            found.append((depth, str(node["/Type"]), node.get("/MCID")))
        else:
            page = reader.get_page_number(node["/Pg"]) if "/Pg" in node else None
            found.append((depth, str(node["/S"]), page))
            if "/K" in node:
                walk(node["/K"], depth + 1)

    walk(root["/K"], 0)
    return found


def _placed_text(data: bytes) -> list[list[tuple]]:
    """Every piece of text on every page, with where it is drawn (to 0.01 pt)."""
    pages = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        pieces: list[tuple] = []

        def visit(text, cm, tm, font, size, pieces=pieces):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                pieces.append((text, round(x, 2), round(y, 2)))

        page.extract_text(visitor_text=visit)
        pages.append(pieces)
    return pages


def _fonts(data: bytes) -> dict:
    """Each embedded font: its glyph widths, Unicode map and subset font file."""
    fonts = {}
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            cid = font["/DescendantFonts"][0].get_object()
            descriptor = cid["/FontDescriptor"].get_object()
            file = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            fonts[str(font["/BaseFont"])] = (
                repr(cid.get("/W")),
                font["/ToUnicode"].get_object().get_data(),
                file.get_object().get_data(),
            )
    return fonts


def test_shared_pages_drawn_once_give_the_same_file_as_pages_drawn_whole(
    make_context, interpretation
):
    """A reused drawing must be indistinguishable from drawing the page for this report:
    same tags (roles, order, pages, marked-content ids), same text at the same places, and
    the same fonts (so every glyph a shared page shows is embedded)."""
    context = make_context("pgx", interpretation, "es", participant_id="P-CCCC-0003")
    report_pdf.shared_layouts.clear()
    report_pdf.render_report_pdf(make_context("pgx", interpretation, "es"))  # draws, keeps
    drawings = [d for by_key in report_pdf._drawn_pages.values() for d in by_key.values()]
    assert drawings and all(drawing is not None for drawing in drawings)

    reused = report_pdf.render_report_pdf(context)
    whole = report_pdf.render_report_pdf(context, reuse_drawings=False)
    assert len(pypdf.PdfReader(io.BytesIO(reused)).pages) > 10
    assert _structure(reused) == _structure(whole)
    assert _placed_text(reused) == _placed_text(whole)
    assert _fonts(reused) == _fonts(whole)
    pages = pdf_text(reused)
    for number, page in enumerate(pages, start=1):
        assert "P-CCCC-0003" in page and "P-AAAA-0001" not in page
        assert f"Página {number} de {len(pages)}" in page


def test_a_page_whose_drawing_is_not_reusable_is_drawn_whole():
    """Opacity draws through a group numbered per document: such a page is never reused
    drawn, and still prints."""
    html = (
        '<html lang="en"><head><title>t</title></head><body>'
        '<p style="opacity: .5">Half seen</p></body></html>'
    )
    page = report_pdf._layout(html).pages[0]
    assert report_pdf._draw_content(page, 0.75, tagged=True) is None
    plain = report_pdf._layout(html.replace(' style="opacity: .5"', "")).pages[0]
    drawing = report_pdf._draw_content(plain, 0.75, tagged=True)
    assert drawing is not None and b"BT" in drawing.ops
    assert sorted(item["mcid"] for item in drawing.tags.values()) == [0]

    document = report_pdf._layout(html)
    shared = document.copy([report_pdf._SharedPage(p, []) for p in document.pages])
    assert "Half seen" in pdf_text(report_pdf._write(shared))[0]


def test_spliced_page_stream_decompresses_to_what_pydyf_would_write():
    """The cached drawing is kept deflated; the page stream around it is compressed apart
    and joined: one valid zlib stream holding exactly the page's operators."""
    import zlib

    from weasyprint.pdf.stream import Stream

    html = '<html lang="es"><head><title>t</title></head><body><p>Día a día</p></body></html>'
    drawing = report_pdf._draw_content(report_pdf._layout(html).pages[0], 0.75, tagged=True)
    stream = Stream({}, (0, 0, 1, 1), {}, {}, {}, {}, None, compress=True)
    stream.stream = [b"1 0 0 -1 0 841.89 cm", drawing.ops, b"q", b"/Span <</MCID 1>> BDC", b"Q"]
    expected = b"\n".join(stream.stream)
    report_pdf._splice(stream, drawing, 1)
    assert stream.compress is False and stream.extra["Filter"] == "/FlateDecode"
    assert zlib.decompress(stream.stream[0]) == expected


def test_fonts_are_subset_with_harfbuzz():
    """Debian's libharfbuzz-subset0 (installed by .ci/system-libs.sh): without it WeasyPrint
    falls back to fontTools, about 0.18 s more CPU per report PDF."""
    from weasyprint.text.ffi import harfbuzz_subset

    assert harfbuzz_subset is not None, "apt-get install libharfbuzz-subset0"
