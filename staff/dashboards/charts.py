"""Inline SVG geometry for the dashboard charts (no JavaScript, no colour-only meaning).

Each chart is also printed as a table next to it; hidden counts are drawn as a
short hatched bar labelled "<20", never at a height that would reveal them.
"""

from dataclasses import dataclass

from portal.disclosure import SUPPRESSED_TEXT
from staff.dashboards.figures import Cell

TILES = {
    "AK": (0, 0), "ME": (0, 10), "WI": (1, 5), "VT": (1, 9), "NH": (1, 10),
    "WA": (2, 0), "ID": (2, 1), "MT": (2, 2), "ND": (2, 3), "MN": (2, 4), "IL": (2, 5),
    "MI": (2, 6), "NY": (2, 8), "MA": (2, 9), "OR": (3, 0), "NV": (3, 1), "WY": (3, 2),
    "SD": (3, 3), "IA": (3, 4), "IN": (3, 5), "OH": (3, 6), "PA": (3, 7), "NJ": (3, 8),
    "CT": (3, 9), "RI": (3, 10), "CA": (4, 0), "UT": (4, 1), "CO": (4, 2), "NE": (4, 3),
    "MO": (4, 4), "KY": (4, 5), "WV": (4, 6), "VA": (4, 7), "MD": (4, 8), "DE": (4, 9),
    "AZ": (5, 1), "NM": (5, 2), "KS": (5, 3), "AR": (5, 4), "TN": (5, 5), "NC": (5, 6),
    "SC": (5, 7), "DC": (5, 8), "OK": (6, 3), "LA": (6, 4), "MS": (6, 5), "AL": (6, 6),
    "GA": (6, 7), "HI": (7, 0), "TX": (7, 3), "FL": (7, 8), "GU": (8, 0), "MP": (8, 1),
    "AS": (8, 2), "PR": (8, 8), "VI": (8, 9),
}  # fmt: skip
# Light fills (dark text stays readable, WCAG 1.4.11 boundaries drawn with a stroke);
# the count printed on each tile carries the meaning, the shade only repeats it.
SHADES = ["#f4f4f4", "#dbe9f6", "#b7d4ea", "#8fbfe0", "#6aaed6"]
TILE = 44


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    text: str
    hidden: bool


def _fmt(value: int | None) -> str:
    return SUPPRESSED_TEXT if value is None else f"{value:,}"


FUNNEL_ROW = 44  # px between bars in the funnel's own units (see the template's viewBox)


def funnel_bars(cells: list[Cell], width: int = 520) -> list[Bar]:
    """Bars sized for a desktop-wide chart; each says its count and its step-on-step share."""
    top = max((c.value or 0 for c in cells), default=0) or 1
    bars = []
    for i, cell in enumerate(cells):
        w = 10 if cell.value is None else max(2, width * (cell.value / top))
        text = _fmt(cell.value)
        if cell.percent is not None:
            text += f"  ({cell.percent}% of the step before)"
        bars.append(
            Bar(
                x=0,
                y=i * FUNNEL_ROW,
                width=round(w, 1),
                height=32,
                label=cell.label,
                text=text,
                hidden=cell.value is None,
            )
        )
    return bars


def week_bars(weeks: list, height: int = 160, bar: int = 18) -> dict:
    top = max((max(v or 0, a or 0) for _w, v, a in weeks), default=0) or 1
    bars, points = [], []
    for i, (week, value, average) in enumerate(weeks):
        h = 8 if value is None else height * value / top
        x = i * (bar + 4)
        bars.append(
            Bar(
                x=x,
                y=round(height - h, 1),
                width=bar,
                height=round(h, 1),
                label=week.strftime("%b %d"),
                text=_fmt(value),
                hidden=value is None,
            )
        )
        if average is not None:
            points.append(f"{x + bar / 2:.1f},{height - height * average / top:.1f}")
    return {
        "bars": bars,
        "line": " ".join(points),
        "width": len(weeks) * (bar + 4),
        "height": height,
        "label_every": 4,
    }


def state_tiles(cells: list[Cell]) -> list[dict]:
    by_code = {c.code: c for c in cells}
    values = sorted(c.value for c in cells if c.value)
    tiles = []
    for code, (row, col) in TILES.items():
        cell = by_code.get(code)
        value = cell.value if cell else 0
        if cell is None or value == 0:
            shade, text = SHADES[0], "0"
        elif value is None:
            shade, text = SHADES[1], SUPPRESSED_TEXT
        else:
            rank = sum(1 for v in values if v <= value) / len(values)
            shade, text = SHADES[min(4, 1 + int(rank * 3.999))], f"{value:,}"
        tiles.append(
            {
                "code": code,
                "x": col * (TILE + 4),
                "y": row * (TILE + 4),
                "size": TILE,
                "fill": shade,
                "text": text,
            }
        )
    return tiles
