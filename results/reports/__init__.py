"""Genetic results reports: content, HTML, PDF, letters, charts (no database access)."""

from .content import REPORT_TYPES, build_report_context
from .html import render_report_html
from .letters import render_clinician_letter_pdf, render_family_letter_pdf
from .pdf import render_report_pdf

__all__ = [
    "REPORT_TYPES",
    "build_report_context",
    "render_clinician_letter_pdf",
    "render_family_letter_pdf",
    "render_report_html",
    "render_report_pdf",
]
