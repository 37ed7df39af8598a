"""Server-side validation of one submitted survey page.

The browser is never trusted: whatever a form posts, only visible items of the page are read,
each answer is checked against its item's type, options and limits, and free text is kept
exactly as typed (escaping is the template's job, at output) apart from NUL characters,
which PostgreSQL cannot store.

Error messages live here in both languages rather than in the .po catalogue: survey wording
is data in the definition, and these messages belong with it so that a survey page reads in
one language from top to bottom even before anyone runs makemessages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from participants.surveys.branching import (
    Answers,
    condition_holds,
    is_answered,
    visibility,
)
from participants.surveys.definition import Item, SurveyDefinition, Texts

type TextOf = Callable[[Texts | None, str], str]

# Applies when a free-text item sets no max_length: enough for a long story, not for abuse.
DEFAULT_MAX_TEXT_LENGTH = 5000

MESSAGES: dict[str, dict[str, str]] = {
    "required": {
        "en": "Please answer this question.",
        "es": "Por favor, responda esta pregunta.",
    },
    "choose_one": {
        "en": "Please choose only one answer.",
        "es": "Por favor, elija una sola respuesta.",
    },
    "unknown_option": {
        "en": "Please choose one of the answers shown.",
        "es": "Por favor, elija una de las respuestas que aparecen.",
    },
    "exclusive_option": {
        "en": "“{option}” cannot be combined with other answers.",
        "es": "«{option}» no se puede combinar con otras respuestas.",
    },
    "value_and_special": {
        "en": "Please either type an answer or choose “{option}”, not both.",
        "es": "Por favor, escriba una respuesta o elija «{option}», pero no las dos cosas.",
    },
    "not_integer": {
        "en": "Please enter a whole number, for example 42.",
        "es": "Por favor, escriba un número entero; por ejemplo, 42.",
    },
    "not_decimal": {
        "en": "Please enter a number, for example 72.5.",
        "es": "Por favor, escriba un número; por ejemplo, 72,5.",
    },
    "below_min": {
        "en": "Please enter a number of at least {min}.",
        "es": "Por favor, escriba un número igual o mayor que {min}.",
    },
    "above_max": {
        "en": "Please enter a number no greater than {max}.",
        "es": "Por favor, escriba un número igual o menor que {max}.",
    },
    "scale_out_of_range": {
        "en": "Please choose a number from {min} to {max}.",
        "es": "Por favor, elija un número del {min} al {max}.",
    },
    "not_date": {
        "en": "Please enter the date as year, month and day.",
        "es": "Por favor, escriba la fecha con año, mes y día.",
    },
    "impossible_date": {
        "en": "This date does not exist. Please check the day and the month.",
        "es": "Esta fecha no existe. Por favor, revise el día y el mes.",
    },
    "date_too_early": {
        "en": "Please enter a date on or after {min_date}.",
        "es": "Por favor, escriba una fecha a partir del {min_date}.",
    },
    "date_too_late": {
        "en": "Please enter a date on or before {max_date}.",
        "es": "Por favor, escriba una fecha que no sea posterior al {max_date}.",
    },
    "not_year": {
        "en": "Please enter a year with four digits, for example 1958.",
        "es": "Por favor, escriba el año con cuatro dígitos; por ejemplo, 1958.",
    },
    "year_too_early": {
        "en": "Please enter a year from {min_year} on.",
        "es": "Por favor, escriba un año a partir de {min_year}.",
    },
    "year_too_late": {
        "en": "Please enter a year no later than {max_year}.",
        "es": "Por favor, escriba un año que no sea posterior a {max_year}.",
    },
    "too_long": {
        "en": "Please shorten your answer to {max_length} characters or fewer (it has {length}).",
        "es": "Por favor, acorte su respuesta a {max_length} caracteres o menos (tiene {length}).",
    },
    "bad_format": {
        "en": "Please check how your answer is written.",
        "es": "Por favor, revise cómo escribió su respuesta.",
    },
}

_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}

_INTEGER = re.compile(r"[+-]?[0-9]{1,15}", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,15}(?:[.,][0-9]{1,10})?|[.,][0-9]{1,10})", re.ASCII)
_YEAR = re.compile(r"[0-9]{4}", re.ASCII)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", re.ASCII)
_DATE_PART = re.compile(r"[0-9]{1,4}", re.ASCII)
DATE_PART_SUFFIXES = ("__year", "__month", "__day")


def _format_date(value: date, language: str) -> str:
    months = _MONTHS.get(language, _MONTHS["en"])
    if language == "es":
        return f"{value.day} de {months[value.month - 1]} de {value.year}"
    return f"{months[value.month - 1]} {value.day}, {value.year}"


def _format_number(value: float | int, language: str) -> str:
    text = str(int(value)) if float(value).is_integer() else repr(float(value))
    return text.replace(".", ",") if language == "es" else text


def error_message(key: str, language: str, **params: Any) -> str:
    """The message for ``key`` in ``language`` (English when the language has none)."""
    templates = MESSAGES[key]
    rendered = {}
    for name, value in params.items():
        if isinstance(value, date):
            rendered[name] = _format_date(value, language)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            rendered[name] = _format_number(value, language)
        else:
            rendered[name] = value
    return templates.get(language, templates["en"]).format(**rendered)


@dataclass(frozen=True, slots=True)
class PageError:
    item_code: str
    key: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


class _Invalid(Exception):
    """Raised by the cleaners; becomes a PageError. Never leaves this module."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def _resolve_date(bound: str, today: date) -> date:
    return today if bound == "today" else date.fromisoformat(bound)


def _resolve_year(bound: int | str, today: date) -> int:
    return today.year if bound == "current" else int(bound)


def _posted_values(raw_post: Mapping[str, Sequence[str] | str], name: str) -> list[str]:
    values = raw_post.get(name, [])
    if isinstance(values, str):
        values = [values]
    return [value.replace("\x00", "") for value in values if isinstance(value, str)]


def _normalised(value: str) -> str:
    # NFKC turns full-width digits from some phone keyboards into ASCII ones.
    return unicodedata.normalize("NFKC", value).strip()


def _check_range(item: Item, number: float | int) -> None:
    low, high = item.validation.get("min"), item.validation.get("max")
    if low is not None and number < low:
        raise _Invalid("below_min", min=low)
    if high is not None and number > high:
        raise _Invalid("above_max", max=high)


def _clean_integer(item: Item, text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise _Invalid("not_integer")
    number = int(text)
    _check_range(item, number)
    return number


def _clean_decimal(item: Item, text: str) -> float:
    if not _DECIMAL.fullmatch(text):
        raise _Invalid("not_decimal")
    # Spanish speakers write 72,5; with no thousands separators accepted, a comma is decimal.
    number = float(text.replace(",", "."))
    _check_range(item, number)
    return number


def _clean_scale(item: Item, text: str) -> int:
    assert item.scale is not None  # noqa: S101 - guaranteed by load_definition
    low, high = item.scale["min"], item.scale["max"]
    if not _INTEGER.fullmatch(text) or not low <= int(text) <= high:
        raise _Invalid("scale_out_of_range", min=low, max=high)
    return int(text)


def _clean_year(item: Item, text: str, today: date) -> int:
    if not _YEAR.fullmatch(text):
        raise _Invalid("not_year")
    year = int(text)
    if "min_year" in item.validation:
        low = _resolve_year(item.validation["min_year"], today)
        if year < low:
            raise _Invalid("year_too_early", min_year=str(low))
    if "max_year" in item.validation:
        high = _resolve_year(item.validation["max_year"], today)
        if year > high:
            raise _Invalid("year_too_late", max_year=str(high))
    return year


def _parse_date(year: str, month: str, day: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise _Invalid("impossible_date") from None


def _clean_date(item: Item, text: str, today: date) -> str:
    match = _ISO_DATE.fullmatch(text)
    if not match:
        raise _Invalid("not_date")
    value = _parse_date(*match.groups())
    if "min_date" in item.validation:
        low = _resolve_date(item.validation["min_date"], today)
        if value < low:
            raise _Invalid("date_too_early", min_date=low)
    if "max_date" in item.validation:
        high = _resolve_date(item.validation["max_date"], today)
        if value > high:
            raise _Invalid("date_too_late", max_date=high)
    return value.isoformat()


def _date_text(item: Item, raw_post: Mapping[str, Sequence[str] | str]) -> list[str]:
    """A date arrives either as one ISO field or as three fields (year, month, day)."""
    whole = [_normalised(v) for v in _posted_values(raw_post, item.code) if _normalised(v)]
    if whole:
        return whole
    parts = []
    for suffix in DATE_PART_SUFFIXES:
        values = [_normalised(v) for v in _posted_values(raw_post, item.code + suffix)]
        parts.append(next((v for v in values if v), ""))
    if not any(parts):
        return []
    if not all(_DATE_PART.fullmatch(part) for part in parts):
        raise _Invalid("not_date")
    year, month, day = parts
    if len(year) != 4:
        raise _Invalid("not_date")
    return [f"{year}-{int(month):02d}-{int(day):02d}"]


def _clean_free_text(item: Item, text: str) -> str:
    cleaned = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    max_length = item.validation.get("max_length", DEFAULT_MAX_TEXT_LENGTH)
    if len(cleaned) > max_length:
        raise _Invalid("too_long", max_length=max_length, length=len(cleaned))
    pattern = item.validation.get("pattern")
    if pattern and not re.fullmatch(pattern, cleaned):
        raise _Invalid("bad_format")
    return cleaned


def _clean_choices(item: Item, values: list[str], language: str, text_of: TextOf) -> Any:
    chosen = list(dict.fromkeys(_normalised(v) for v in values if _normalised(v)))
    if not chosen:
        return None
    if any(code not in item.option_codes for code in chosen):
        raise _Invalid("unknown_option")
    if item.type == "single_choice":
        if len(chosen) > 1:
            raise _Invalid("choose_one")
        return chosen[0]
    for option in item.options:
        if option.exclusive and option.code in chosen and len(chosen) > 1:
            raise _Invalid("exclusive_option", option=text_of(option.label, language))
    return [code for code in item.option_codes if code in chosen]


def _clean_item(
    item: Item,
    raw_post: Mapping[str, Sequence[str] | str],
    language: str,
    today: date,
    text_of: TextOf,
) -> Any:
    """The cleaned answer, None when blank; raises _Invalid."""
    if item.type in {"single_choice", "multiple_choice"}:
        return _clean_choices(item, _posted_values(raw_post, item.code), language, text_of)

    if item.type == "date":
        posted = _date_text(item, raw_post)
    elif item.type == "free_text":
        posted = [v for v in _posted_values(raw_post, item.code) if v.strip()]
    else:
        posted = [_normalised(v) for v in _posted_values(raw_post, item.code) if _normalised(v)]

    # Reserved options (PNA, DK) beside a typed input post under the same field name.
    special = list(dict.fromkeys(v.strip() for v in posted if v.strip() in item.option_codes))
    typed = [v for v in posted if v.strip() not in item.option_codes]
    if special and typed:
        option = item.option(special[0])
        label = text_of(option.label, language) if option else special[0]
        raise _Invalid("value_and_special", option=label)
    if len(special) > 1 or len(typed) > 1:
        raise _Invalid("choose_one")
    if special:
        return special[0]
    if not typed:
        return None
    text = typed[0]
    match item.type:
        case "free_text":
            return _clean_free_text(item, text) or None
        case "integer":
            return _clean_integer(item, text)
        case "decimal":
            return _clean_decimal(item, text)
        case "scale":
            return _clean_scale(item, text)
        case "year":
            return _clean_year(item, text, today)
        case "date":
            return _clean_date(item, text, today)
    raise ValueError(f"no validation for item type {item.type!r}")


def validate_page(
    definition: SurveyDefinition,
    page_code: str,
    raw_post: Mapping[str, Sequence[str] | str],
    language: str,
    *,
    previous_answers: Answers | None = None,
    today: date | None = None,
) -> tuple[dict[str, Any], dict[str, PageError]]:
    """Validate one submitted page.

    ``raw_post`` maps field names to the posted values (``dict(request.POST.lists())``): a
    field is named by its item code; dates may instead use ``<code>__year``, ``__month`` and
    ``__day``; a reserved option (PNA, DK) of a non-choice item posts its code under the item's
    own name. ``previous_answers`` are the stored answers, which decide what the page shows;
    ``today`` bounds "today"-relative dates (pass ``timezone.localdate()``).

    Returns ``(cleaned, errors)``. ``cleaned`` is the page's whole answer set: store it in
    place of what the page held before (``merge_page_answers``). Items hidden by branching are
    skipped whatever was posted; ``errors`` maps item code to one ``PageError`` whose message
    is in ``language``. Raises KeyError for an unknown page code.
    """
    page = definition.page(page_code)
    today = today or datetime.now(UTC).date()
    page_item_codes = {item.code for item in page.items}
    earlier = {
        code: value
        for code, value in (previous_answers or {}).items()
        if code not in page_item_codes
    }
    effective = dict(visibility(definition, earlier).effective_answers)
    cleaned: dict[str, Any] = {}
    errors: dict[str, PageError] = {}
    if page.show_if is not None and not condition_holds(page.show_if, effective):
        return cleaned, errors
    for item in page.items:
        if item.show_if is not None and not condition_holds(item.show_if, effective):
            continue
        if not item.takes_input:
            continue
        try:
            value = _clean_item(item, raw_post, language, today, definition.text)
        except _Invalid as invalid:
            errors[item.code] = PageError(
                item_code=item.code,
                key=invalid.key,
                message=error_message(invalid.key, language, **invalid.params),
                params=invalid.params,
            )
            continue
        if is_answered(value):
            cleaned[item.code] = value
            effective[item.code] = value
        elif item.required:
            errors[item.code] = PageError(
                item_code=item.code, key="required", message=error_message("required", language)
            )
    return cleaned, errors


def merge_page_answers(
    definition: SurveyDefinition, page_code: str, stored: Answers, cleaned: Answers
) -> dict[str, Any]:
    """Replace page ``page_code``'s answers in ``stored`` with ``cleaned``.

    Answers that a change has hidden are kept until completion (``prune_hidden_answers``):
    a participant who goes back, changes an answer and changes it back loses nothing.
    """
    page_item_codes = {item.code for item in definition.page(page_code).items}
    merged = {code: value for code, value in stored.items() if code not in page_item_codes}
    merged.update(cleaned)
    return merged
