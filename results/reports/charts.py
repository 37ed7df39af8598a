"""Inline SVG charts for reports: no script, readable without colour.

Each status has its own shape (circle = typical, triangle = changed, dashed square = not
determined) and its word is written next to it, so the chart survives greyscale printing,
colour blindness and screen readers (``role="img"`` with a title and description).
"""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .labels import CHANGED, NOT_DETERMINED, TYPICAL

ROW_HEIGHT = 26
_INK = "#1b1b1b"
_CHANGED = "#8a4b00"  # warm brown, 6.4:1 on white
_TYPICAL = "#1e6b34"  # green, 6.5:1 on white
_UNKNOWN = "#4a4a4a"


def _shape(status: str, cx: float, cy: float) -> str:
    # Few SVG nodes per row: WeasyPrint draws SVG node by node, and every row costs.
    if status == CHANGED:
        return (
            f'<polygon points="{cx},{cy - 8} {cx + 8.5},{cy + 7} {cx - 8.5},{cy + 7}" '
            f'fill="{_CHANGED}" stroke="{_INK}"/>'
        )
    if status == NOT_DETERMINED:
        return (
            f'<rect x="{cx - 7}" y="{cy - 7}" width="14" height="14" fill="#ffffff" '
            f'stroke="{_UNKNOWN}" stroke-width="2" stroke-dasharray="3 2"/>'
        )
    return f'<circle cx="{cx}" cy="{cy}" r="7" fill="{_TYPICAL}" stroke="{_INK}"/>'


def status_chart_svg(chart: dict[str, Any], *, chart_id: str = "report-chart") -> SafeString:
    """The gene/trait status chart; every text from ``chart`` is escaped here.

    Sized to be drawn at 1:1 on a 360 px phone: short labels (genes) share a line with
    their status, long ones (traits) get the status on a second line.
    """
    rows = chart.get("rows") or []
    longest = max((len(str(row.get("label") or "")) for row in rows), default=0)
    two_lines = longest > 16
    label_width = 0 if two_lines else int(longest * 9 + 16)
    row_height = ROW_HEIGHT * 2 - 6 if two_lines else ROW_HEIGHT
    width = max(330, int(longest * 8 + 16)) if two_lines else label_width + 150
    height = row_height * len(rows) + 8
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    title = escape(chart.get("title") or "")
    description = escape(chart.get("description") or "")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="status-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{title_id} {desc_id}" aria-label="{title}">',
        f'<title id="{title_id}">{title}</title>',
        f'<desc id="{desc_id}">{description}</desc>',
        f'<g font-size="14" fill="{_INK}">',
    ]
    for index, row in enumerate(rows):
        top = 4 + index * row_height
        label_y = top + ROW_HEIGHT / 2 + 5
        cy = top + (row_height - ROW_HEIGHT / 2 if two_lines else ROW_HEIGHT / 2)
        status = row.get("status")
        if status not in (TYPICAL, CHANGED):
            status = NOT_DETERMINED
        weight = ' font-weight="bold"' if status == CHANGED else ""
        marker = "? " if status == NOT_DETERMINED else ""
        shape_x = (24 if two_lines else label_width) + 14
        parts.append(
            f'<text x="8" y="{label_y}">{escape(row.get("label") or "")}</text>'
            f"{_shape(status, shape_x, cy)}"
            f'<text x="{shape_x + 18}" y="{cy + 5}"{weight}>'
            f"{marker}{escape(row.get('status_label') or '')}</text>"
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from escaped pieces only
