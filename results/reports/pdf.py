"""Report PDFs with WeasyPrint (tagged PDF/UA-1), fast enough for a whole cohort.

80% of WeasyPrint's time is HTML parsing and layout, so the saving has to come from laying
out less. A report is two parts: the participant's own pages, and reference pages (limits,
methods, gene catalogue, glossary, sources) that are identical for everyone with the same
report type, knowledge-base release and language. The reference pages are laid out once per
process and per starting page number, and their laid-out ``Page`` objects are joined to the
participant's freshly laid-out pages into one ``Document``; a single ``write_pdf`` then
writes fonts, tags and metadata for the whole, so the result is still one tagged PDF/UA file.

Writing is the other half of the time, so shared pages are also *drawn* once: a shared
page's content stream (its operators, marked-content ids, glyphs and alpha states) is kept
with its layout, and each report appends it to the page and draws only its own header and
page number (``_SharedPage``). The file is the same as a page drawn whole: same structure
tree, same text at the same places, same font subsets (a test compares them).

"Page X of Y" needs the total before either part is laid out. The page numbers come from a
blank frame of the same length (see ``render_report_document``). See docs/reports.md for
figures.
"""

from __future__ import annotations

import copy
import functools
import threading
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydyf
from weasyprint import CSS, HTML
from weasyprint.document import Document, Page
from weasyprint.draw import draw_page, draw_stacking_context
from weasyprint.formatting_structure.boxes import MarginBox
from weasyprint.pdf.stream import Stream
from weasyprint.stacking import StackingContext
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


def _page_box_with(content: Page, margins: list[MarginBox]):
    """The page's box with its own margin boxes (if any) replaced by ``margins``."""
    box = content._page_box
    kept = [child for child in box.children if not isinstance(child, MarginBox)]
    return box.copy_with_children([*kept, *margins])


def _with_margins(content: Page, margins: list[MarginBox]) -> Page:
    return Page(_page_box_with(content, margins))


class _Drawn:
    """A shared page's content as drawn once: the operators, and what they used.

    ``ops`` is the content stream of the page without its margin boxes (page background,
    then the root element), joined into one chunk. ``tags`` maps each box to its marked-
    content id (0..n-1, the order it was drawn in); ``fonts`` holds the glyphs each font
    drew (for subsetting, widths and ToUnicode); ``states`` the alpha graphics states.
    """

    __slots__ = ("deflated", "fonts", "ops", "states", "tags")

    def __init__(self, ops: bytes, tags: dict | None, fonts: dict, states: dict) -> None:
        self.ops, self.tags, self.fonts, self.states = ops, tags, fonts, states
        self.deflated = _deflate(ops, zlib.Z_SYNC_FLUSH)


def _deflate(data: bytes, flush: int) -> bytes:
    """Raw deflate blocks of ``data`` (level 9, as pydyf), ending byte-aligned on a sync
    flush so that more blocks can follow, or final."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(flush)


def _splice(stream: Stream, drawn: _Drawn, index: int) -> None:
    """Compress the page stream around a cached drawing's already-deflated operators.

    pydyf would compress the whole page again. A zlib stream may be made of deflate blocks
    from separate compressors, as long as each part but the last ends on a sync flush (byte
    aligned) and no part refers back into another; the checksum covers all the bytes. The
    result decompresses to exactly what pydyf would have written, and is marked as such.
    """
    before = b"\n".join(pydyf._to_bytes(item) for item in stream.stream[:index]) + b"\n"
    after = b"\n" + b"\n".join(pydyf._to_bytes(item) for item in stream.stream[index + 1 :])
    checksum = zlib.adler32(after, zlib.adler32(drawn.ops, zlib.adler32(before)))
    stream.stream = [
        b"".join(
            (
                b"\x78\xda",  # zlib header: deflate, 32 KB window, maximum compression
                _deflate(before, zlib.Z_SYNC_FLUSH),
                drawn.deflated,
                _deflate(after, zlib.Z_FINISH),
                checksum.to_bytes(4, "big"),
            )
        )
    ]
    stream.compress = False  # already compressed, but still FlateDecode:
    stream.extra["Filter"] = "/FlateDecode"


# Content page -> {(scale, tagged): _Drawn, or None where the page can't be reused drawn}.
_drawn_pages: weakref.WeakKeyDictionary[Page, dict] = weakref.WeakKeyDictionary()
_drawn_lock = threading.Lock()


def _draw_content(content: Page, scale: float, tagged: bool) -> _Drawn | None:
    """Draw a shared page's content alone, or None when what it draws isn't reusable.

    Reusable means the operators refer to nothing numbered per document: no images,
    groups, patterns, shadings or numbered graphics states, and no glyph missing from a
    font (those get per-document glyph ids).
    """
    fonts: dict = {}
    resources = pydyf.Dictionary(
        {"ExtGState": {}, "XObject": {}, "Pattern": {}, "Shading": {}, "ColorSpace": None}
    )
    images: dict = {}
    tags: dict | None = {} if tagged else None
    stream = Stream(
        fonts,
        (0, 0, content.width, content.height),
        resources,
        images,
        tags,
        {},
        None,
        compress=True,
    )
    with stream.stacked():
        stream.transform(a=scale, d=scale)
        draw_page(_page_box_with(content, []), stream)
    states = resources["ExtGState"]
    reusable = (
        not images
        and not any(resources[kind] for kind in ("XObject", "Pattern", "Shading"))
        and all(key[:1] in ("a", "A") for key in states)
        and not any(font.missing or font.used_in_forms for font in fonts.values())
    )
    if not reusable:
        return None
    ops = b"\n".join(pydyf._to_bytes(item) for item in stream.stream)
    return _Drawn(ops, tags, fonts, dict(states))


def _merge_fonts(target: dict, drawn: dict) -> None:
    """Add the glyphs a cached drawing used to this document's fonts."""
    for key, font in drawn.items():
        mine = target.get(key)
        if mine is None:
            mine = copy.copy(font)  # clean() replaces file_content on the copy only
            mine.widths, mine.to_unicode = dict(font.widths), dict(font.to_unicode)
            mine.missing, mine.variations = {}, dict(font.variations)
            target[key] = mine
            continue
        for glyph, width in font.widths.items():
            mine.widths.setdefault(glyph, width)
        for glyph, text in font.to_unicode.items():
            mine.to_unicode.setdefault(glyph, text)


class _SharedPage(Page):
    """A shared page with this report's margin boxes, painted from its cached drawing.

    The content (everything but the margin boxes) is drawn once per process and scale;
    each report appends those operators to its page stream, then draws only its own header
    and page number. The marked-content ids of the margin boxes follow the cached ones, so
    the structure tree is built exactly as for a page drawn whole.
    """

    def __init__(self, content: Page, margins: list[MarginBox]) -> None:
        super().__init__(_page_box_with(content, margins))
        self._content = content
        self._margins = margins

    def paint(self, stream: Stream, scale: float = 1) -> None:
        key = (scale, stream._tags is not None)
        with _drawn_lock:
            drawn_by_key = _drawn_pages.setdefault(self._content, {})
        if key not in drawn_by_key:
            drawn_by_key[key] = _draw_content(self._content, scale, key[1])
        drawn = drawn_by_key[key]
        if drawn is None or stream._tags:  # ids already used on this page: draw it whole
            super().paint(stream, scale)
            return
        index = len(stream.stream)
        stream.stream.append(drawn.ops)  # q, scale, page background, content, Q
        _merge_fonts(stream._fonts, drawn.fonts)
        for name, state in drawn.states.items():
            stream._resources["ExtGState"].setdefault(name, state)
        if drawn.tags is not None:
            stream._tags.update(drawn.tags)
        margins = self._page_box.copy_with_children(self._margins)
        with stream.stacked():
            stream.transform(a=scale, d=scale)
            draw_stacking_context(stream, StackingContext.from_page(margins))
        if stream.compress:  # nothing is drawn on a page after paint()
            _splice(stream, drawn, index)


def render_report_document(context: dict[str, Any], reuse_drawings: bool = True) -> Document:
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
    shared_page = _SharedPage if reuse_drawings else _with_margins
    return own.copy(
        [
            (_with_margins if index < len(own.pages) else shared_page)(
                page, [*header, *_margin_boxes(numbers, "@bottom-center")]
            )
            for index, (page, numbers) in enumerate(zip(pages, frame, strict=True))
        ]
    )


def render_report_pdf(context: dict[str, Any], reuse_drawings: bool = True) -> bytes:
    """The report as a tagged PDF/UA-1 document, in the context's language.

    ``reuse_drawings=False`` draws every page whole (for tests comparing the two).
    """
    return _write(render_report_document(context, reuse_drawings))


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
