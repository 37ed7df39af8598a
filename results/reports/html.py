"""HTML rendering of reports: the page fragment and the PDF documents' HTML."""

from __future__ import annotations

import re
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .charts import status_chart_svg

BODY_TEMPLATE = "results/report/report_body.html"
PDF_TEMPLATE = "results/report/report_pdf.html"
PARTS = ("all", "participant", "guidance", "reference", "frame")


def css_string(text: str) -> str:
    """A CSS string literal; every character that could end it or the <style> is escaped."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;-_()/*+" else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'


def page_css(language: str) -> SafeString:
    """``@page`` rules whose words depend on the language: "Page X of Y"."""
    with translation.override(language):
        # Translators: {page} and {pages} are replaced by numbers; keep both.
        label = _("Page {page} of {pages}")
    tokens = []
    for piece in re.split(r"(\{page\}|\{pages\})", label):
        if piece == "{page}":
            tokens.append("counter(page)")
        elif piece == "{pages}":
            tokens.append("counter(pages)")
        elif piece:
            tokens.append(css_string(piece))
    content = " ".join(tokens)
    return mark_safe(  # noqa: S308 - only css_string() literals and counter() calls
        f"@page {{ @bottom-center {{ content: {content}; font-size: 9pt; color: #333; }} }}"
    )


def template_context(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "report": report,
        "reference": report["reference"],
        "chart_svg": status_chart_svg(report["chart"]),
        "language": report["language"],
    }


def render_report_html(context: dict[str, Any]) -> str:
    """The participant-facing report as an HTML fragment (no <html>), for base.html pages."""
    with translation.override(context["language"]):
        return render_to_string(BODY_TEMPLATE, template_context(context))


def render_pdf_html(
    context: dict[str, Any],
    *,
    part: str = "all",
    inline_css: str = "",
    section: dict[str, Any] | None = None,
    frame_pages: int = 0,
) -> str:
    """A standalone HTML document for WeasyPrint.

    ``part``: "all" is the whole report in one document (the simple path); "participant",
    "guidance" (one ``section``) and "reference" are the pieces pdf.py lays out separately
    (the participant part keeps only its header margin box, the shared parts none); "frame" is
    ``frame_pages`` blank pages whose only use is their "Page X of Y" margin boxes.
    """
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}")
    language = context["language"]
    values: dict[str, Any] = {
        "part": part,
        "document_title": context.get("title", ""),
        "inline_css": mark_safe(inline_css),  # noqa: S308 - our own stylesheet file
        # Only documents whose own margin boxes are kept count pages: a counter(pages)
        # anywhere makes WeasyPrint lay the document out a second time.
        "page_css": page_css(language) if part in ("all", "frame") else "",
        "language": language,
        "report": {},
    }
    if part in ("all", "participant"):
        values.update(template_context(context))
    elif part == "reference":
        # Only participant-independent data may reach a layout that is shared.
        values["reference"] = context["reference"]
    elif part == "guidance":
        values["section"] = section
        values["show_original_english"] = context["show_original_english"]
    else:
        values["frame_pages"] = range(frame_pages)
    with translation.override(language):
        return render_to_string(PDF_TEMPLATE, values)
