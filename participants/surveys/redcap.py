"""Import a REDCap data dictionary (CSV) into survey definitions, one survey per form.

The promise to the administrator who uploads a file: nothing is lost without a word. Every
data row becomes either an item of a survey or an entry in ``unconverted`` naming its CSV
line, field and reason. A row that converts but loses something on the way (branching we
cannot express, a validation we do not enforce, an action tag) is kept and reported in
``warnings``, also by line. Nothing in a file, however mangled, raises.

REDCap branching logic is parsed by a small tokenizer and recursive-descent parser into our
condition AST; what it cannot express exactly (functions such as ``datediff``, arithmetic,
smart variables, event-prefixed fields) is reported, never guessed.

See docs/surveys.md for the mapping table.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from participants.surveys.definition import (
    RESERVED_OPTION_CODES,
    DefinitionError,
    SurveyDefinition,
    load_definition,
)

CANONICAL_COLUMNS: dict[str, str] = {
    # Export headers (what the Data Dictionary page downloads) ...
    "variable / field name": "field_name",
    "form name": "form_name",
    "section header": "section_header",
    "field type": "field_type",
    "field label": "field_label",
    "choices, calculations, or slider labels": "choices",
    "field note": "field_note",
    "text validation type or show slider number": "validation",
    "text validation min": "validation_min",
    "text validation max": "validation_max",
    "identifier?": "identifier",
    "branching logic (show field only if...)": "branching_logic",
    "required field?": "required",
    "custom alignment": "custom_alignment",
    "question number (surveys only)": "question_number",
    "matrix group name": "matrix_group",
    "matrix ranking?": "matrix_ranking",
    "field annotation": "field_annotation",
    # ... and the API's names for the same columns.
    "field_name": "field_name",
    "form_name": "form_name",
    "section_header": "section_header",
    "field_type": "field_type",
    "field_label": "field_label",
    "select_choices_or_calculations": "choices",
    "field_note": "field_note",
    "text_validation_type_or_show_slider_number": "validation",
    "text_validation_min": "validation_min",
    "text_validation_max": "validation_max",
    "identifier": "identifier",
    "branching_logic": "branching_logic",
    "required_field": "required",
    "custom_alignment": "custom_alignment",
    "question_number": "question_number",
    "matrix_group_name": "matrix_group",
    "matrix_ranking": "matrix_ranking",
    "field_annotation": "field_annotation",
}
REQUIRED_COLUMNS = ("field_name", "form_name", "field_type", "field_label")
# Free-text cells where R's NA is a word someone may really have typed.
_TEXT_COLUMNS = frozenset({"field_label", "section_header", "field_note"})

_CODE = re.compile(r"[a-z][a-z0-9_]{0,99}")
_OPTION_CODE = re.compile(r"-?[A-Za-z0-9][A-Za-z0-9_.-]{0,49}")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\t"), " ")
# A UTF-8 byte-order mark that went through a Latin-1 editor and back.
_MANGLED_BOM = "ï»¿"

# Text validations without a typed equivalent, enforced as a pattern on free text.
TEXT_PATTERNS: dict[str, str] = {
    "email": r"[^@\s]+@[^@\s]+\.[^@\s]+",
    "phone": r"\(?[2-9][0-9]{2}\)?[ .-]?[2-9][0-9]{2}[ .-]?[0-9]{4}",
    "zipcode": r"[0-9]{5}(-[0-9]{4})?",
    "time": r"([01]?[0-9]|2[0-3]):[0-5][0-9]",
    "time_hh_mm_ss": r"([01]?[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]",
    "time_mm_ss": r"[0-5][0-9]:[0-5][0-9]",
    "alpha_only": r"[A-Za-z]+",
    "mrn_10d": r"[0-9]{10}",
    "ssn": r"[0-9]{3}-?[0-9]{2}-?[0-9]{4}",
    "postalcode_canada": r"[A-Za-z][0-9][A-Za-z] ?[0-9][A-Za-z][0-9]",
    "postalcode_australia": r"[0-9]{4}",
    "postalcode_french": r"[0-9]{5}",
    "postalcode_germany": r"[0-9]{5}",
    "phone_australia": r"\(?0[0-9]\)?[ -]?[0-9]{4}[ -]?[0-9]{4}",
}
_NUMBER_VALIDATION = re.compile(r"number(_[1-4]dp)?(_comma_decimal)?")
_DATE_VALIDATION = re.compile(r"date_(ymd|mdy|dmy)")
_DATETIME_VALIDATION = re.compile(r"datetime_(seconds_)?(ymd|mdy|dmy)")
_HIDDEN_TAG = re.compile(r"@HIDDEN(?:-SURVEY)?(?![-\w])")
_ACTION_TAG = re.compile(r"@[A-Z][A-Z0-9_-]*")
_CALC_TAG = re.compile(r"@CALC(?:TEXT|DATE)\s*\((.*)\)", re.DOTALL)
_CHARLIMIT_TAG = re.compile(r"@CHARLIMIT\s*=\s*['\"]?([0-9]+)")
_NONE_OF_THE_ABOVE_TAG = re.compile(r"@NONEOFTHEABOVE\s*=\s*(?:'([^']*)'|\"([^\"]*)\"|(\S+))")
_PIPING = re.compile(r"\[[a-z][a-z0-9_]*(?:\([^)]*\))?(?::[a-z-]+)?\]")
PAGE_TITLE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ImportResult:
    surveys: list[SurveyDefinition]
    # One entry per data row that did not become an item: {"line", "field", "reason"}.
    unconverted: list[dict[str, Any]]
    # Rows that became items but lost something on the way, same shape.
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # Data rows read (blank lines excluded): items + unconverted always add up to this.
    rows: int = 0


def import_summary(result: ImportResult) -> dict[str, Any]:
    """What an upload page shows: per survey its size, then everything not carried over."""
    return {
        "surveys": [
            {"code": survey.code, "items": len(survey.items), "pages": len(survey.pages)}
            for survey in result.surveys
        ],
        "rows": result.rows,
        "unconverted": list(result.unconverted),
        "warnings": list(result.warnings),
    }


def import_redcap_file(path: Path, *, version: str = "1") -> ImportResult:
    return import_redcap_dictionary(path.read_bytes(), version=version, source_name=path.name)


class _Unconvertible(Exception):
    """Why a row, or a piece of branching logic, cannot be carried over."""


# --- cells --------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
    _SKIPPED = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self.skipping += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def plain_text(value: str) -> str:
    """Rich-text REDCap labels as plain text: tags dropped, entities decoded, spaces tidied.

    Labels are shown escaped in our templates, so markup would appear literally otherwise;
    and HTML from an uploaded file is not something to render as-is.
    """
    value = value.translate(_INVISIBLE).translate(_SPACES)
    if "<" in value or "&" in value:
        extractor = _TextExtractor()
        extractor.feed(value)
        extractor.close()
        value = html.unescape("".join(extractor.parts)).translate(_INVISIBLE).translate(_SPACES)
    lines = [" ".join(line.split()) for line in value.replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


def _cell(row: Mapping[str, str], column: str) -> str:
    value = row.get(column, "").translate(_INVISIBLE).translate(_SPACES).strip()
    if value == "NA" and column not in _TEXT_COLUMNS:
        return ""
    return value


def _header_key(cell: str) -> str:
    text = cell.replace(_MANGLED_BOM, "").translate(_INVISIBLE).translate(_SPACES)
    return " ".join(text.strip().strip("\"'").strip().lower().split())


# --- branching logic ----------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<ref>\[[^\[\]]*\])
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<number>[0-9]+(?:\.[0-9]+)?)
  | (?P<op><>|!=|<=|>=|==|=|<|>)
  | (?P<and>&&)
  | (?P<or>\|\|)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<paren>[()])
  | (?P<comma>,)
  | (?P<arith>[-+*/^%])
    """,
    re.VERBOSE,
)

_COMPARISONS = {"=": "eq", "==": "eq", "<>": "ne", "!=": "ne"}
_COMPARISONS |= {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_FLIPPED = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}
_NUMERIC_ITEM_TYPES = frozenset({"integer", "decimal", "year", "scale"})


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str


def tokenize_logic(logic: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(logic):
        match = _TOKEN.match(logic, position)
        if match is None:
            raise _Unconvertible(f"unexpected character {logic[position]!r} in branching logic")
        kind = match.lastgroup or ""
        text = match.group()
        position = match.end()
        if kind == "space":
            continue
        if kind == "word" and text.lower() in {"and", "or"}:
            kind = text.lower()
        tokens.append(_Token(kind, text))
    return tokens


@dataclass(frozen=True, slots=True)
class _Reference:
    field: str
    choice: str | None


class _LogicParser:
    """expression := disjunction
    disjunction := conjunction (("or" | "||") conjunction)*
    conjunction := primary (("and" | "&&") primary)*
    primary := "(" expression ")" | operand comparison-operator operand
    operand := [field] | [field(code)] | 'string' | "string" | number | - number
    """

    def __init__(self, tokens: list[_Token], items: Mapping[str, dict[str, Any]]) -> None:
        self.tokens = tokens
        self.position = 0
        self.items = items

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise _Unconvertible("branching logic ends too early")
        self.position += 1
        return token

    def parse(self) -> dict[str, Any]:
        if not self.tokens:
            raise _Unconvertible("branching logic is empty")
        condition = self.disjunction()
        leftover = self.peek()
        if leftover is not None:
            raise _Unconvertible(f"unexpected {leftover.text!r} in branching logic")
        return condition

    def disjunction(self) -> dict[str, Any]:
        parts = [self.conjunction()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else {"any": _flatten("any", parts)}

    def conjunction(self) -> dict[str, Any]:
        parts = [self.primary()]
        while (token := self.peek()) is not None and token.kind == "and":
            self.take()
            parts.append(self.primary())
        return parts[0] if len(parts) == 1 else {"all": _flatten("all", parts)}

    def primary(self) -> dict[str, Any]:
        token = self.peek()
        if token is not None and token.text == "(":
            self.take()
            inner = self.disjunction()
            closing = self.take()
            if closing.text != ")":
                raise _Unconvertible(f"expected ')' but found {closing.text!r}")
            return inner
        left = self.operand()
        operator_token = self.take()
        if operator_token.kind == "arith":
            raise _Unconvertible("arithmetic in branching logic is not supported")
        if operator_token.kind != "op":
            raise _Unconvertible(f"expected a comparison but found {operator_token.text!r}")
        right = self.operand()
        following = self.peek()
        if following is not None and following.kind == "arith":
            raise _Unconvertible("arithmetic in branching logic is not supported")
        return self.comparison(left, _COMPARISONS[operator_token.text], right)

    def operand(self) -> _Reference | str | float:
        token = self.take()
        if token.kind == "ref":
            following = self.peek()
            if following is not None and following.kind == "ref":
                raise _Unconvertible(
                    f"{token.text}{following.text}: event or instance prefixes "
                    "(longitudinal projects, repeating instruments) are not supported"
                )
            return _reference(token.text)
        if token.kind == "string":
            return token.text[1:-1]
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "arith" and token.text == "-":
            number = self.take()
            if number.kind == "number":
                return -(float(number.text) if "." in number.text else int(number.text))
            raise _Unconvertible("arithmetic in branching logic is not supported")
        if token.kind == "word":
            following = self.peek()
            if following is not None and following.text == "(":
                raise _Unconvertible(f"function {token.text}() is not supported")
            raise _Unconvertible(f"unknown word {token.text!r} in branching logic")
        raise _Unconvertible(f"unexpected {token.text!r} in branching logic")

    def comparison(
        self, left: _Reference | str | float, op: str, right: _Reference | str | float
    ) -> dict[str, Any]:
        if not isinstance(left, _Reference):
            if not isinstance(right, _Reference):
                raise _Unconvertible("a comparison of two constants is not supported")
            left, right, op = right, left, _FLIPPED[op]
        if isinstance(right, _Reference):
            raise _Unconvertible(
                f"comparing two fields ([{left.field}] and [{right.field}]) is not supported"
            )
        item = self.items.get(left.field)
        if item is None:
            raise _Unconvertible(f"[{left.field}] is not an earlier field of this form")
        return _convert_comparison(item, left, op, right)


def _flatten(key: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat = []
    for part in parts:
        flat.extend(part[key] if set(part) == {key} else [part])
    return flat


def _reference(text: str) -> _Reference:
    inner = text[1:-1].strip()
    match = re.fullmatch(r"([a-z][a-z0-9_]*)(?:\(([^()]*)\))?", inner)
    if match is None:
        raise _Unconvertible(f"{text} is a smart variable or unknown reference, not supported")
    return _Reference(field=match.group(1), choice=match.group(2))


def _number_text(value: str | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_number(value: str | float, field_name: str) -> float:
    if isinstance(value, int | float):
        return value
    try:
        number = float(value)
    except ValueError:
        raise _Unconvertible(f"[{field_name}] is a number; {value!r} is not") from None
    return int(number) if number.is_integer() else number


def _convert_comparison(
    item: dict[str, Any], ref: _Reference, op: str, value: str | float
) -> dict[str, Any]:
    code, item_type = item["code"], item["type"]
    options = [option["code"] for option in item.get("options", [])]
    if item_type == "computed":
        raise _Unconvertible(f"[{code}] is a calculated field, which the portal does not compute")
    if item_type == "descriptive":
        raise _Unconvertible(f"[{code}] is descriptive text and has no value")

    if ref.choice is not None:
        if item_type != "multiple_choice":
            raise _Unconvertible(f"[{code}({ref.choice})]: [{code}] is not a checkbox field")
        if ref.choice not in options:
            raise _Unconvertible(f"[{code}({ref.choice})]: no choice {ref.choice!r} in [{code}]")
        checked = _number_text(value)
        if op not in {"eq", "ne"} or checked not in {"0", "1"}:
            raise _Unconvertible(f"[{code}({ref.choice})] can only be compared with '1' or '0'")
        contains = {"item": code, "op": "contains", "value": ref.choice}
        return contains if (op == "eq") == (checked == "1") else {"not": contains}

    if value == "":
        if op == "eq":
            return {"item": code, "op": "not_answered"}
        if op == "ne":
            return {"item": code, "op": "answered"}
        raise _Unconvertible(f"[{code}] compared with '' using an ordering")

    if item_type == "multiple_choice":
        raise _Unconvertible(f"checkbox [{code}] compared without a choice, as in [{code}(1)]")
    if item_type == "single_choice":
        wanted = _number_text(value)
        if op in {"eq", "ne"}:
            if wanted not in options:
                raise _Unconvertible(f"{wanted!r} is not one of the choice codes of [{code}]")
            return {"item": code, "op": op, "value": wanted}
        # "[pain] > 3" on numeric choice codes: exactly the codes that satisfy it.
        try:
            numbers = {option: float(option) for option in options}
            bound = float(value)
        except ValueError:
            raise _Unconvertible(
                f"[{code}] has non-numeric choice codes: cannot use {op}"
            ) from None
        keep = [o for o, n in numbers.items() if _ORDER_TEST[op](n, bound)]
        return {"item": code, "op": "in", "value": keep} if keep else {"any": []}
    if item_type in _NUMERIC_ITEM_TYPES:
        if isinstance(value, str) and value in options:
            if op not in {"eq", "ne"}:
                raise _Unconvertible(f"{value!r} cannot be ordered")
            return {"item": code, "op": op, "value": value}
        return {"item": code, "op": op, "value": _as_number(value, code)}
    if item_type == "date":
        text = str(value)
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise _Unconvertible(f"[{code}] is a date; compare it with 'YYYY-MM-DD', not {text!r}")
        return {"item": code, "op": op, "value": text}
    if op not in {"eq", "ne"}:
        raise _Unconvertible(f"text field [{code}] cannot be compared with {op}")
    return {"item": code, "op": op, "value": _number_text(value)}


_ORDER_TEST = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def convert_branching(logic: str, earlier_items: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """REDCap branching logic as a condition over ``earlier_items`` (code -> item dict).

    Raises ValueError with the reason when it cannot be converted exactly.
    """
    try:
        return _LogicParser(tokenize_logic(logic), earlier_items).parse()
    except _Unconvertible as reason:
        raise ValueError(str(reason)) from None


# --- rows -----------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return _cell(self.cells, column)


@dataclass
class _FormBuilder:
    code: str
    pages: list[dict[str, Any]] = field(default_factory=list)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: list[tuple[int, str]] = field(default_factory=list)

    def new_page(self, title: str) -> None:
        self.pages.append(
            {"code": f"page_{len(self.pages) + 1}", "title": {"en": title}, "items": []}
        )


class _Importer:
    def __init__(self, *, version: str, source_name: str) -> None:
        self.version = version
        self.source_name = source_name
        self.unconverted: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []
        self.forms: dict[str, _FormBuilder] = {}
        self.seen_fields: dict[str, int] = {}
        self.rows = 0

    def skip(self, line: int, field_name: str, reason: str) -> None:
        self.unconverted.append({"line": line, "field": field_name, "reason": reason})

    def warn(self, line: int, field_name: str, reason: str) -> None:
        self.warnings.append({"line": line, "field": field_name, "reason": reason})

    def run(self, text: str) -> ImportResult:
        records = _records(text)
        try:
            header_line, header = next(records)
        except StopIteration:
            self.skip(1, "", "the file is empty")
            return self.result([])
        except csv.Error as error:
            self.skip(1, "", f"unreadable CSV: {error}")
            return self.result([])
        columns = [CANONICAL_COLUMNS.get(_header_key(cell)) for cell in header]
        if columns and columns[0] is None and "field_name" not in columns:
            # A mangled first header cell (BOM debris, a stray quote) is still the field name.
            columns[0] = "field_name"
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            self.skip(header_line, "", f"header lacks the column(s) {', '.join(missing)}")
            return self.result([])
        first_row = True
        line = header_line
        while True:
            try:
                line, cells = next(records)
            except StopIteration:
                break
            except csv.Error as error:
                self.skip(line + 1, "", f"unreadable CSV from here on: {error}")
                break
            if not any(cell.strip() for cell in cells):
                continue
            self.rows += 1
            row = _Row(line=line, cells=dict(zip((c or "" for c in columns), cells, strict=False)))
            row.cells.pop("", None)
            extra = cells[len(columns) :]
            try:
                if any(cell.strip() for cell in extra):
                    raise _Unconvertible(
                        f"row has {len(cells)} cells but the header has {len(columns)}"
                    )
                self.convert_row(row, first_row=first_row)
            except _Unconvertible as reason:
                self.skip(row.line, row.get("field_name"), str(reason))
            except Exception as error:  # noqa: BLE001 - one odd row must not sink the upload
                self.skip(row.line, row.get("field_name"), f"could not be read ({error!r})")
            first_row = False
        return self.result(self.finish())

    def result(self, surveys: list[SurveyDefinition]) -> ImportResult:
        return ImportResult(
            surveys=surveys,
            unconverted=sorted(self.unconverted, key=lambda e: e["line"]),
            warnings=sorted(self.warnings, key=lambda e: e["line"]),
            rows=self.rows,
        )

    def convert_row(self, row: _Row, *, first_row: bool) -> None:
        name = row.get("field_name")
        form_name = row.get("form_name")
        field_type = row.get("field_type").lower()
        if not _CODE.fullmatch(name):
            raise _Unconvertible(f"field name {name!r} is not a valid REDCap variable name")
        if name in self.seen_fields:
            raise _Unconvertible(f"field name already used on line {self.seen_fields[name]}")
        self.seen_fields[name] = row.line
        if not _CODE.fullmatch(form_name):
            raise _Unconvertible(f"form name {form_name!r} is not a valid REDCap form name")
        form = self.forms.setdefault(form_name, _FormBuilder(code=form_name))
        header = plain_text(row.get("section_header"))
        if header:
            title = " ".join(header.split())
            if len(title) > PAGE_TITLE_LIMIT:
                self.warn(row.line, name, "section header shortened to make a page title")
                title = title[: PAGE_TITLE_LIMIT - 1].rstrip() + "…"
            form.new_page(title)
        if first_row and field_type == "text":
            raise _Unconvertible(
                "the first field is the REDCap record identifier; the portal assigns its own"
            )
        annotation = row.get("field_annotation")
        if _HIDDEN_TAG.search(annotation):
            raise _Unconvertible(
                f"hidden from participants by action tag {_HIDDEN_TAG.search(annotation).group()}"
            )
        item = self.build_item(row, name, field_type, annotation)
        self.add_branching(row, name, item, form)
        if not form.pages:
            form.new_page(_humanized(form_name))
        item["source"] = {"redcap_line": row.line}
        form.pages[-1]["items"].append(item)
        form.items[name] = item
        form.lines.append((row.line, name))

    def build_item(self, row: _Row, name: str, field_type: str, annotation: str) -> dict[str, Any]:
        label = plain_text(row.get("field_label"))
        if not label:
            label = name
            self.warn(row.line, name, "empty label: the field name is shown instead")
        if _PIPING.search(label):
            self.warn(row.line, name, "piping ([field] in the label) is shown literally")
        item: dict[str, Any] = {"code": name, "type": "", "text": {"en": label}}
        note = plain_text(row.get("field_note"))
        if note:
            item["help"] = {"en": note}
        validation = row.get("validation").lower()
        calc = _CALC_TAG.search(annotation)
        if calc and field_type == "text":
            item["type"] = "computed"
            item["formula"] = {"language": "redcap", "expression": calc.group(1).strip()}
        elif field_type in {"text", "notes"}:
            self.text_item(row, name, item, validation, multiline=field_type == "notes")
        elif field_type in {"radio", "dropdown", "checkbox"}:
            item["type"] = "multiple_choice" if field_type == "checkbox" else "single_choice"
            item["options"] = _choices(row.get("choices"))
            if field_type == "checkbox":
                self.mark_exclusive(row, name, item, annotation)
        elif field_type in {"yesno", "truefalse"}:
            yes, no = ("Yes", "No") if field_type == "yesno" else ("True", "False")
            item["type"] = "single_choice"
            item["options"] = [
                {"code": "1", "label": {"en": yes}},
                {"code": "0", "label": {"en": no}},
            ]
        elif field_type == "slider":
            item["type"] = "scale"
            item["scale"] = _slider(row)
        elif field_type == "descriptive":
            item["type"] = "descriptive"
        elif field_type == "calc":
            expression = row.get("choices")
            if not expression:
                raise _Unconvertible("calculated field without a formula")
            item["type"] = "computed"
            item["formula"] = {"language": "redcap", "expression": expression}
        elif field_type == "file":
            kind = "signature" if validation == "signature" else "file upload"
            raise _Unconvertible(f"{kind} fields are not supported in participant surveys")
        elif field_type == "sql":
            raise _Unconvertible("dynamic SQL fields are not supported")
        elif not field_type:
            raise _Unconvertible("no field type")
        else:
            raise _Unconvertible(f"unknown field type {field_type!r}")

        if row.get("required").lower() in {"y", "yes", "1"} and item["type"] not in {
            "descriptive",
            "computed",
        }:
            item["required"] = True
        if row.get("identifier").lower() in {"y", "yes", "1"}:
            item["identifier"] = True
        matrix = row.get("matrix_group")
        if matrix:
            if _CODE.fullmatch(matrix):
                item["matrix_group"] = matrix
            else:
                self.warn(row.line, name, f"matrix group name {matrix!r} dropped (not a code)")
        if row.get("matrix_ranking").lower() == "y":
            self.warn(row.line, name, "matrix ranking (one answer per column) is not enforced")
        limit = _CHARLIMIT_TAG.search(annotation)
        if limit and item["type"] == "free_text":
            item.setdefault("validation", {})["max_length"] = max(1, int(limit.group(1)))
        handled = {"@HIDDEN-FORM", "@HIDDEN-APP", "@HIDDEN-PDF", "@CHARLIMIT", "@NONEOFTHEABOVE"}
        handled |= {"@CALCTEXT", "@CALCDATE"} if calc else set()
        ignored = sorted(set(_ACTION_TAG.findall(annotation)) - handled)
        if ignored:
            self.warn(row.line, name, f"action tag(s) not applied: {', '.join(ignored)}")
        return item

    def text_item(
        self, row: _Row, name: str, item: dict[str, Any], validation: str, *, multiline: bool
    ) -> None:
        low, high = row.get("validation_min"), row.get("validation_max")
        if multiline or not validation:
            item["type"] = "free_text"
            if multiline:
                item["multiline"] = True
            return
        if validation == "integer" or _NUMBER_VALIDATION.fullmatch(validation):
            item["type"] = "integer" if validation == "integer" else "decimal"
            bounds = {}
            for key, raw in (("min", low), ("max", high)):
                if raw:
                    try:
                        number = float(raw.replace(",", ".") if "comma" in validation else raw)
                    except ValueError:
                        self.warn(row.line, name, f"validation {key} {raw!r} is not a number")
                        continue
                    bounds[key] = int(number) if number.is_integer() else number
            self.set_bounds(row, name, item, bounds)
            return
        if match := _DATE_VALIDATION.fullmatch(validation):
            item["type"] = "date"
            bounds = {}
            for key, raw in (("min_date", low), ("max_date", high)):
                if raw:
                    bound = _date_bound(raw, match.group(1))
                    if bound is None:
                        self.warn(row.line, name, f"validation {key} {raw!r} is not a date")
                    else:
                        bounds[key] = bound
            self.set_bounds(row, name, item, bounds)
            return
        if _DATETIME_VALIDATION.fullmatch(validation):
            raise _Unconvertible(f"{validation}: date-time fields have no equivalent item type")
        item["type"] = "free_text"
        pattern = TEXT_PATTERNS.get(validation)
        if pattern:
            item["validation"] = {"pattern": pattern}
        else:
            self.warn(row.line, name, f"text validation {validation!r} is not enforced")

    def set_bounds(
        self, row: _Row, name: str, item: dict[str, Any], bounds: dict[str, Any]
    ) -> None:
        low = bounds.get("min", bounds.get("min_date"))
        high = bounds.get("max", bounds.get("max_date"))
        if low is not None and high is not None and "today" not in (low, high) and low > high:
            self.warn(row.line, name, f"validation minimum {low} is above maximum {high}: dropped")
            return
        if bounds:
            item["validation"] = bounds

    def mark_exclusive(self, row: _Row, name: str, item: dict[str, Any], annotation: str) -> None:
        match = _NONE_OF_THE_ABOVE_TAG.search(annotation)
        codes = set()
        if match:
            raw = next(group for group in match.groups() if group is not None)
            codes = {code.strip() for code in raw.split(",") if code.strip()}
        for option in item["options"]:
            if option["code"] in codes or option["code"] in RESERVED_OPTION_CODES:
                option["exclusive"] = True
                codes.discard(option["code"])
        if codes:
            self.warn(row.line, name, f"@NONEOFTHEABOVE names unknown choice(s) {sorted(codes)}")

    def add_branching(self, row: _Row, name: str, item: dict[str, Any], form: _FormBuilder) -> None:
        logic = row.get("branching_logic")
        if not logic:
            return
        try:
            item["show_if"] = _LogicParser(tokenize_logic(logic), form.items).parse()
        except _Unconvertible as reason:
            where = self.locate_missing(str(reason), form)
            self.warn(
                row.line,
                name,
                f"branching logic not converted, the item is always shown: {reason}{where}",
            )

    def locate_missing(self, reason: str, form: _FormBuilder) -> str:
        match = re.match(r"\[([a-z0-9_]+)\] is not an earlier field", reason)
        if not match:
            return ""
        target = match.group(1)
        if target in self.seen_fields and target not in form.items:
            return f" ([{target}] is on line {self.seen_fields[target]}, not an item of this form)"
        return ""

    def finish(self) -> list[SurveyDefinition]:
        surveys = []
        for form in self.forms.values():
            pages = [page for page in form.pages if page["items"]]
            if not pages:
                continue
            document = {
                "code": form.code,
                "version": self.version,
                "languages": ["en"],
                "title": {"en": _humanized(form.code)},
                "source": {"format": "redcap-data-dictionary", "form": form.code},
                "pages": pages,
            }
            if self.source_name:
                document["source"]["file"] = self.source_name
            try:
                surveys.append(load_definition(document))
            except DefinitionError as error:
                # Should not happen; if it does, say so per row rather than lose the form.
                for line, name in form.lines:
                    self.skip(line, name, f"form {form.code} failed validation: {error.problems}")
        return surveys


def _humanized(code: str) -> str:
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else code


def _choices(raw: str) -> list[dict[str, Any]]:
    # "1, Yes | 2, No"; older exports and hand edits use line breaks instead of bars.
    parts = raw.split("|") if "|" in raw else raw.splitlines()
    options: list[dict[str, Any]] = []
    seen: set[str] = set()
    for part in parts:
        part = part.translate(_INVISIBLE).translate(_SPACES).strip()
        if not part:
            continue
        code, comma, label = part.partition(",")
        code = code.strip()
        if not comma:
            raise _Unconvertible(f"choice {part!r} has no code (expected 'code, label')")
        if not _OPTION_CODE.fullmatch(code):
            raise _Unconvertible(f"choice code {code!r} cannot be used as an answer code")
        if code in seen:
            raise _Unconvertible(f"choice code {code!r} appears twice")
        seen.add(code)
        options.append({"code": code, "label": {"en": plain_text(label) or code}})
    if not options:
        raise _Unconvertible("no choices")
    return options


def _slider(row: _Row) -> dict[str, Any]:
    scale: dict[str, Any] = {"min": 0, "max": 100}
    for key, raw in (("min", row.get("validation_min")), ("max", row.get("validation_max"))):
        if raw:
            try:
                scale[key] = int(raw)
            except ValueError:
                raise _Unconvertible(f"slider {key} {raw!r} is not a whole number") from None
    if scale["min"] >= scale["max"]:
        raise _Unconvertible("slider minimum is not below its maximum")
    labels = [plain_text(part) for part in row.get("choices").split("|")]
    keys = {1: ["min_label"], 2: ["min_label", "max_label"]}.get(
        len(labels), ["min_label", "mid_label", "max_label"]
    )
    for key, text in zip(keys, labels, strict=False):
        if text:
            scale[key] = {"en": text}
    return scale


def _date_bound(raw: str, order: str) -> str | None:
    text = raw.strip().lower()
    if text in {"today", "now"}:
        return "today"
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return text
    match = re.fullmatch(r"([0-9]{1,2})[-/]([0-9]{1,2})[-/]([0-9]{4})", text)
    if match:
        first, second, year = match.groups()
        month, day = (first, second) if order == "mdy" else (second, first)
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return None


def _decode(data: str | bytes) -> str:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Excel on Windows saves CSV as Windows-1252 unless told otherwise.
            text = data.decode("cp1252", errors="replace")
    else:
        text = data
    text = text.removeprefix("\ufeff").removeprefix(_MANGLED_BOM)
    return text.replace("\x00", "")


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line each starts on (a cell may hold line breaks)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        yield start, cells


def import_redcap_dictionary(
    data: str | bytes, *, version: str = "1", source_name: str = ""
) -> ImportResult:
    """Convert a REDCap data dictionary (export or API headers; UTF-8 with or without BOM)."""
    return _Importer(version=version, source_name=source_name).run(_decode(data))
