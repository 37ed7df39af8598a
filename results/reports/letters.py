"""Letters a participant with a positive disease-risk result can share (PDF, EN/ES)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from .html import page_css
from .pdf import render_html_pdf

FAMILY_TEMPLATE = "results/report/family_letter_pdf.html"
CLINICIAN_TEMPLATE = "results/report/clinician_letter_pdf.html"


def _letter(context: dict[str, Any], template: str) -> bytes:
    if context.get("report_type") != "disease_risk" or not context.get("findings"):
        raise ValueError("letters are written only for a positive disease-risk report")
    language = context["language"]
    with translation.override(language):
        html = render_to_string(
            template,
            {"report": context, "reference": context["reference"], "page_css": page_css(language)},
        )
    return render_html_pdf(html)


def render_family_letter_pdf(context: dict[str, Any]) -> bytes:
    """For blood relatives: the variant found, why they may want testing, where to ask."""
    return _letter(context, FAMILY_TEMPLATE)


def render_clinician_letter_pdf(context: dict[str, Any]) -> bytes:
    """For a clinician: the finding in full, the method and limits, and the need to confirm."""
    return _letter(context, CLINICIAN_TEMPLATE)
