"""Small-cell suppression (no published count from 1 to 19) and spreadsheet-safe CSV.

Primary suppression hides every count from 1 to 19. Complementary suppression
then makes sure no hidden count can be recovered by subtraction: in every row
and column (each of which may carry a shown total), a line with hidden cells
hides at least two, adding the next-smallest count when only one was hidden.
"""

from collections.abc import Sequence

from django.conf import settings

SUPPRESSED = None  # a hidden cell
SUPPRESSED_TEXT = "<20"
# Cells a spreadsheet would treat as a formula (R22). defusedcsv misses TAB followed by =.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_small(n: int) -> bool:
    return 1 <= n <= settings.STAFF_SMALL_CELL_MAX


def shown(n: int | None) -> str:
    """A count as it may be published."""
    if n is None or is_small(n):
        return SUPPRESSED_TEXT
    return f"{n:,}"


def _complement(line: list[int | None], original: list[int]) -> bool:
    """Hides one more cell of `line` if exactly one is hidden. True when it changed."""
    hidden = [i for i, v in enumerate(line) if v is None]
    if len(hidden) != 1 or len(line) < 2:
        return False
    candidates = [i for i, v in enumerate(line) if v is not None]
    # The smallest count loses the least information; a 0 only when nothing else is left.
    positive = [i for i in candidates if original[i] > 0]
    pick = min(positive or candidates, key=lambda i: original[i])
    line[pick] = None
    return True


def suppress_matrix(matrix: Sequence[Sequence[int]]) -> list[list[int | None]]:
    """Suppresses a table of counts whose row and column totals may be published.

    Returns the same shape with hidden cells as None. Every row and every column
    has either no hidden cell or at least two (unless it has a single cell, in
    which case its total is that cell and is itself hidden by the caller's
    `shown()` of the total).
    """
    original = [list(row) for row in matrix]
    out: list[list[int | None]] = [[None if is_small(v) else v for v in row] for row in original]
    changed = True
    while changed:
        changed = False
        for r, row in enumerate(out):
            changed |= _complement(row, original[r])
        if out and out[0]:
            for c in range(len(out[0])):
                column = [row[c] for row in out]
                col_original = [row[c] for row in original]
                if _complement(column, col_original):
                    for r, value in enumerate(column):
                        out[r][c] = value
                    changed = True
    return out


def suppress_line(values: Sequence[int]) -> list[int | None]:
    """One row (e.g. a breakdown that adds up to a shown total)."""
    return suppress_matrix([list(values)])[0]


def row_total(row: Sequence[int | None], original: Sequence[int]) -> int | None:
    """A row total, hidden when it is itself small."""
    total = sum(original)
    return None if is_small(total) else total


def csv_safe(value: object) -> object:
    """Prefixes a quote to text a spreadsheet would run as a formula."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_TRIGGERS) or value.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
