"""Side-by-side comparison of two consent texts, paragraph by paragraph."""

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    old: str
    new: str
    change: str  # "same", "changed", "removed", "added"


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def side_by_side(old_text: str, new_text: str) -> list[Row]:
    old, new = _paragraphs(old_text), _paragraphs(new_text)
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [Row(p, p, "same") for p in old[i1:i2]]
        elif tag == "delete":
            rows += [Row(p, "", "removed") for p in old[i1:i2]]
        elif tag == "insert":
            rows += [Row("", p, "added") for p in new[j1:j2]]
        else:
            left, right = old[i1:i2], new[j1:j2]
            for k in range(max(len(left), len(right))):
                rows.append(Row(left[k] if k < len(left) else "",
                                right[k] if k < len(right) else "", "changed"))  # fmt: skip
    return rows
