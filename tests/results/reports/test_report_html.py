"""The HTML fragment: no document wrapper, translated, and data always escaped."""

import copy

from results.reports import render_report_html


def test_fragment_is_not_a_document(make_context, interpretation):
    html = render_report_html(make_context("pgx", interpretation))
    assert "<html" not in html and "<body" not in html
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    assert 'lang="en"' in html
    assert "*1/*2" in html
    assert "<svg" in html and 'role="img"' in html


def test_spanish_fragment(make_context, interpretation):
    html = render_report_html(make_context("pgx", interpretation, "es"))
    for heading in ("Lo que encontramos", "Qué significa", "Qué no significa", "Qué hacer ahora"):
        assert heading in html
    assert "Texto original de la guía (en inglés)" in html
    assert 'lang="en"' in html  # CPIC text is marked as English inside a Spanish page


def test_text_from_data_is_escaped(make_context, interpretation):
    data = copy.deepcopy(interpretation)
    data["pgx"]["CYP2C19"]["notes"] = ['<script>alert("x")</script>']
    data["pgx"]["CYP2C19"]["diplotypes"] = ["*1/<b>2</b>"]
    html = render_report_html(make_context("pgx", data))
    assert "<script>" not in html and "<b>2</b>" not in html
    assert "&lt;script&gt;" in html


def test_every_report_type_renders_in_both_languages(
    make_context, interpretation, positive_interpretation
):
    for report_type, data in (
        ("traits", interpretation),
        ("disease_risk", interpretation),
        ("disease_risk", positive_interpretation),
    ):
        for language in ("en", "es"):
            html = render_report_html(make_context(report_type, data, language))
            assert "INVALID_TEMPLATE_VARIABLE" not in html
