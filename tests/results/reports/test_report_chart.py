"""The status chart: inline SVG, readable without colour, labelled for screen readers."""

import re

from results.reports.charts import status_chart_svg

CHART = {
    "title": "Genes we checked",
    "description": "circle typical, triangle changed, square not determined",
    "rows": [
        {"label": "CYP2C19", "status": "changed", "status_label": "changed"},
        {"label": "TPMT", "status": "typical", "status_label": "typical"},
        {"label": "RYR1", "status": "not_determined", "status_label": "not determined"},
    ],
}


def test_svg_is_labelled_for_assistive_technology():
    svg = str(status_chart_svg(CHART))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-label="Genes we checked"' in svg
    assert "<title" in svg and "<desc" in svg
    assert "<script" not in svg


def test_each_status_has_its_own_shape_and_a_word():
    svg = str(status_chart_svg(CHART))
    assert "<polygon" in svg and "<circle" in svg and "stroke-dasharray" in svg
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert {"CYP2C19", "TPMT", "RYR1", "changed", "typical", "? not determined"} <= set(texts)


def test_labels_are_escaped():
    chart = {**CHART, "title": '"><script>', "rows": [{"label": "<b>x</b>", "status": "typical"}]}
    svg = str(status_chart_svg(chart))
    assert "<script>" not in svg and "<b>" not in svg


def test_spanish_chart_in_the_report(make_context, interpretation):
    from results.reports.html import template_context

    svg = str(template_context(make_context("pgx", interpretation, "es"))["chart_svg"])
    assert "Genes que revisamos" in svg and "con cambio" in svg and "típico" in svg
