"""Branching: which pages and items a participant sees, given the answers so far.

Answers are a mapping of item code to a JSON value: an option code (single choice), a list of
option codes (multiple choice), an int (integer, year, scale), a float (decimal), an ISO date
string, free text, or a reserved code (PNA, DK) for a non-choice item that offers one.

An answer to an item that is itself hidden does not count when deciding what else is shown:
if "ever smoked" is hidden, a stale "yes" to it must not reveal "cigarettes per day".
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from participants.surveys.definition import Condition, Item, Page, SurveyDefinition

type Answers = Mapping[str, Any]

_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


def is_answered(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(answer: Any, value: Any) -> bool:
    # Strict about kinds: the code "3" is not the number 3, so a typo in a definition
    # cannot make a condition quietly match the wrong answers.
    if _is_number(answer) and _is_number(value):
        return answer == value
    if isinstance(answer, str) and isinstance(value, str):
        return answer == value
    return False


def _ordered(answer: Any, value: Any, op: str) -> bool:
    comparable = (_is_number(answer) and _is_number(value)) or (
        isinstance(answer, str) and isinstance(value, str)
    )
    return comparable and _ORDERINGS[op](answer, value)


def condition_holds(condition: Condition, answers: Answers) -> bool:
    """Evaluate a condition (see docs/surveys.md) against ``answers``.

    An unanswered item satisfies only ``ne`` and ``not_answered``, so ``ne`` is exactly
    ``not eq``; a reserved answer such as PNA is neither below nor above any number.
    """
    if "all" in condition:
        return all(condition_holds(part, answers) for part in condition["all"])
    if "any" in condition:
        return any(condition_holds(part, answers) for part in condition["any"])
    if "not" in condition:
        return not condition_holds(condition["not"], answers)

    op = condition["op"]
    answer = answers.get(condition["item"])
    answered = is_answered(answer)
    if op == "answered":
        return answered
    if op == "not_answered":
        return not answered
    value = condition.get("value")
    if op == "ne":
        return not condition_holds({**condition, "op": "eq"}, answers)
    if not answered:
        return False
    chosen = answer if isinstance(answer, list) else [answer]
    if op in {"eq", "contains"}:
        return any(_same(one, value) for one in chosen)
    if op == "in":
        wanted = value if isinstance(value, list) else [value]
        return any(_same(one, candidate) for one in chosen for candidate in wanted)
    if op in _ORDERINGS:
        return not isinstance(answer, list) and _ordered(answer, value, op)
    raise ValueError(f"unknown condition operator {op!r}")


@dataclass(frozen=True, slots=True)
class Visibility:
    pages: tuple[Page, ...]
    items: tuple[Item, ...]
    # The answers that count: only those to visible items.
    effective_answers: dict[str, Any]


def visibility(definition: SurveyDefinition, answers: Answers) -> Visibility:
    """Walk the survey in order; conditions only look backwards, so one pass is exact."""
    effective: dict[str, Any] = {}
    pages: list[Page] = []
    items: list[Item] = []
    for page in definition.pages:
        page_shown = page.show_if is None or condition_holds(page.show_if, effective)
        shown_here = []
        for item in page.items:
            if page_shown and (item.show_if is None or condition_holds(item.show_if, effective)):
                shown_here.append(item)
                if is_answered(answers.get(item.code)):
                    effective[item.code] = answers[item.code]
        # A page whose every item is hidden has nothing to ask: navigation skips it.
        if shown_here:
            pages.append(page)
            items.extend(shown_here)
    return Visibility(pages=tuple(pages), items=tuple(items), effective_answers=effective)


def visible_pages(definition: SurveyDefinition, answers: Answers) -> list[Page]:
    return list(visibility(definition, answers).pages)


def visible_items(
    definition: SurveyDefinition, answers: Answers, *, page_code: str | None = None
) -> list[Item]:
    """Visible items in survey order, optionally only those on ``page_code``."""
    return [
        item
        for item in visibility(definition, answers).items
        if page_code is None or item.page_code == page_code
    ]


def prune_hidden_answers(definition: SurveyDefinition, answers: Answers) -> dict[str, Any]:
    """Keep only answers to visible items (and drop empty values and unknown codes).

    Hiding one item can hide another that depended on it, so this repeats until nothing
    changes. With backward-looking conditions the ordered walk in ``visibility`` settles it
    in one round; the loop is the guarantee, not the mechanism.
    """
    current = {code: value for code, value in answers.items() if is_answered(value)}
    while True:
        shown = {item.code for item in visible_items(definition, current)}
        pruned = {code: value for code, value in current.items() if code in shown}
        if pruned == current:
            return pruned
        current = pruned


def next_page(
    definition: SurveyDefinition, answers: Answers, *, after: str | None = None
) -> Page | None:
    """The first visible page after page ``after`` (the first page when None); None at the end."""
    order = [page.code for page in definition.pages]
    start = -1 if after is None else order.index(after)
    for page in visible_pages(definition, answers):
        if order.index(page.code) > start:
            return page
    return None


def previous_page(definition: SurveyDefinition, answers: Answers, *, before: str) -> Page | None:
    order = [page.code for page in definition.pages]
    end = order.index(before)
    earlier = [page for page in visible_pages(definition, answers) if order.index(page.code) < end]
    return earlier[-1] if earlier else None


def missing_required(definition: SurveyDefinition, answers: Answers) -> list[Item]:
    """Visible required items without an answer: empty means the survey can be completed."""
    shown = visibility(definition, answers)
    return [
        item
        for item in shown.items
        if item.required and item.takes_input and item.code not in shown.effective_answers
    ]
