"""Report PDFs with WeasyPrint (tagged PDF/UA-1), fast enough for a whole cohort.

80% of WeasyPrint's time is HTML parsing and layout, so the saving has to come from laying
out less. A report is two parts: the participant's own pages, and reference pages (limits,
methods, gene catalogue, glossary, sources) that are identical for everyone with the same
report type, knowledge-base release and language. The reference pages are laid out once per
process and per starting page number, and their laid-out ``Page`` objects are joined to the
participant's freshly laid-out pages into one ``Document``; a single ``write_pdf`` then
writes fonts, tags and metadata for the whole, so the result is still one tagged PDF/UA file.

"Page X of Y" needs the total before either part is laid out. Each part is therefore laid
out with blank "phantom" pages standing in for the other part (they only move the page
counters) and the phantoms are dropped before writing. See docs/reports.md for figures.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.document import Document, Page
from weasyprint.formatting_structure.boxes import MarginBox
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from .html import render_pdf_html

CSS_PATH = Path(__file__).with_name("report_pdf.css")
PDF_VARIANT = "pdf/ua-1"
_BASE_URL = str(Path(__file__).resolve().parent)
# Distinct shared sections kept laid out per process (one is ~50-300 KB of boxes).
_SHARED_CACHE_SIZE = 512


@functools.cache
def font_config() -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def url_fetcher() -> URLFetcher:
    """Reports fetch nothing from the network or the disk: only inline ``data:`` URLs.

    One instance per process: WeasyPrint's default builds a fresh fetcher (and TLS context,
    ~60 ms) for every document.
    """
    return URLFetcher(allowed_protocols=("data",), fail_on_errors=False)


@functools.cache
def stylesheet() -> CSS:
    return CSS(
        string=CSS_PATH.read_text(encoding="utf-8"),
        font_config=font_config(),
        url_fetcher=url_fetcher(),
    )


def _layout(html: str) -> Document:
    return HTML(string=html, base_url=_BASE_URL, url_fetcher=url_fetcher()).render(
        stylesheets=[stylesheet()], font_config=font_config(), pdf_variant=PDF_VARIANT
    )


def _write(document: Document) -> bytes:
    return document.write_pdf(pdf_variant=PDF_VARIANT)


class _LayoutCache:
    """Laid-out pages of shared parts, by content key (least recently used dropped first).

    ``write_pdf`` only reads laid-out boxes, so one layout can serve any number of reports;
    the lock only guards the dictionary for threaded workers.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, list[Page]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def pages(self, key: str, make_html: Callable[[], str]) -> list[Page]:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1
        pages = _layout(make_html()).pages
        with self._lock:
            self._entries[key] = pages
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return pages


shared_layouts = _LayoutCache(_SHARED_CACHE_SIZE)


def _margin_boxes(page: Page, at_keyword: str) -> list[MarginBox]:
    children = page._page_box.children
    return [c for c in children if isinstance(c, MarginBox) and c.at_keyword == at_keyword]


def _with_margins(content: Page, margins: list[MarginBox]) -> Page:
    box = content._page_box
    kept = [child for child in box.children if not isinstance(child, MarginBox)]
    return Page(box.copy_with_children([*kept, *margins]))


def render_report_document(context: dict[str, Any]) -> Document:
    """The whole report laid out: the participant's own pages, then shared sections.

    Shared sections (CPIC texts per phenotype, reference pages) come from the layout cache.
    Every page then gets the participant's header (laid out with their own pages) and the
    "Page X of Y" box of a blank frame of the right length, itself cached per (language,
    page count): so page numbers are right wherever a shared section lands.
    """
    reference = context["reference"]
    language = context["language"]
    own = _layout(render_pdf_html(context, part="participant"))
    pages = list(own.pages)
    for section in context.get("guidance") or []:
        pages += shared_layouts.pages(
            f"guidance:{section['key']}",
            lambda section=section: render_pdf_html(context, part="guidance", section=section),
        )
    pages += shared_layouts.pages(
        f"reference:{reference['key']}",
        lambda: render_pdf_html(context, part="reference"),
    )
    frame = shared_layouts.pages(
        f"frame:{language}:{len(pages)}",
        lambda: render_pdf_html(context, part="frame", frame_pages=len(pages)),
    )
    if len(frame) != len(pages):  # pragma: no cover - a layout bug, not a data error
        raise RuntimeError("report frame and content page counts differ")
    header = _margin_boxes(own.pages[0], "@top-left")
    return own.copy(
        [
            _with_margins(page, [*header, *_margin_boxes(numbers, "@bottom-center")])
            for page, numbers in zip(pages, frame, strict=True)
        ]
    )


def render_report_pdf(context: dict[str, Any]) -> bytes:
    """The report as a tagged PDF/UA-1 document, in the context's language."""
    return _write(render_report_document(context))


def render_report_pdf_simple(context: dict[str, Any]) -> bytes:
    """The baseline: one HTML document with its CSS inline, parsed and laid out each time.

    Kept for the benchmark and for tests that check both paths print the same text.
    """
    html = render_pdf_html(context, part="all", inline_css=CSS_PATH.read_text(encoding="utf-8"))
    # Same no-network fetcher as ours, so the comparison measures layout reuse only.
    return HTML(string=html, base_url=_BASE_URL, url_fetcher=url_fetcher()).write_pdf(
        pdf_variant=PDF_VARIANT
    )


def render_html_pdf(html: str) -> bytes:
    """Any of our standalone documents (the letters) with the shared stylesheet."""
    return _write(_layout(html))
