"""Survey definitions: one versioned survey, loaded from JSON data.

A definition is checked twice: against ``schema.json`` for structure, then here for what a
schema cannot say (codes unique, conditions that look only backwards at real items, every
declared language present). ``load_definition`` reports every problem at once, each naming
its place in the document, so an administrator can fix an upload in one go.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).with_name("schema.json")
DEFINITIONS_DIR = Path(__file__).with_name("definitions")
CORE_SURVEY_CODES = ("the_basics", "overall_health", "lifestyle", "personal_family_history")

DEFAULT_LANGUAGES = ("en", "es")
PREFER_NOT_TO_ANSWER = "PNA"
DONT_KNOW = "DK"
RESERVED_OPTION_CODES = frozenset({PREFER_NOT_TO_ANSWER, DONT_KNOW})

CHOICE_TYPES = frozenset({"single_choice", "multiple_choice"})
NUMBER_TYPES = frozenset({"integer", "decimal", "year", "scale"})
# Types whose answers sort meaningfully (dates as ISO strings), so lt/le/gt/ge make sense.
ORDERED_TYPES = NUMBER_TYPES | {"date"}
# Descriptive items show text only; computed items are filled by the engine or an import,
# never by what a participant posts.
NON_INPUT_TYPES = frozenset({"descriptive", "computed"})

type Condition = Mapping[str, Any]
type Texts = Mapping[str, str]


class DefinitionError(ValueError):
    """A survey definition is malformed. ``problems`` lists each one with its path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid survey definition:\n  " + "\n  ".join(problems))


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    label: Texts
    exclusive: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    type: str
    page_code: str
    text: Texts
    help: Texts | None = None
    required: bool = False
    options: tuple[Option, ...] = ()
    show_if: Condition | None = None
    unit: Mapping[str, Any] | None = None
    validation: Mapping[str, Any] = field(default_factory=dict)
    scale: Mapping[str, Any] | None = None
    formula: Mapping[str, str] | None = None
    multiline: bool = False
    identifier: bool = False
    matrix_group: str | None = None

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)

    @property
    def takes_input(self) -> bool:
        return self.type not in NON_INPUT_TYPES

    def option(self, code: str) -> Option | None:
        return next((option for option in self.options if option.code == code), None)


@dataclass(frozen=True, slots=True)
class Page:
    code: str
    title: Texts
    items: tuple[Item, ...]
    show_if: Condition | None = None


@dataclass(frozen=True, slots=True)
class SurveyDefinition:
    code: str
    version: str
    languages: tuple[str, ...]
    title: Texts
    pages: tuple[Page, ...]
    description: Texts | None = None
    # The validated document, kept so callers can store or re-export exactly what was loaded.
    data: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for page in self.pages for item in page.items)

    def item(self, code: str) -> Item:
        for page in self.pages:
            for item in page.items:
                if item.code == code:
                    return item
        raise KeyError(code)

    def page(self, code: str) -> Page:
        for page in self.pages:
            if page.code == code:
                return page
        raise KeyError(code)

    def text(self, texts: Texts | None, language: str) -> str:
        """The text in ``language``, else in the survey's first language (imported surveys)."""
        if not texts:
            return ""
        return texts.get(language) or texts.get(self.languages[0]) or next(iter(texts.values()))

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self.data))


@cache
def definition_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def load_definition(data: Mapping[str, Any]) -> SurveyDefinition:
    """Validate ``data`` (structure, then meaning) and build a ``SurveyDefinition``.

    Raises ``DefinitionError`` listing every problem found, each prefixed by its JSON path.
    """
    document = copy.deepcopy(dict(data))
    structural = _schema_problems(document)
    if structural:
        raise DefinitionError(structural)
    semantic = _semantic_problems(document)
    if semantic:
        raise DefinitionError(semantic)
    return _build(document)


def load_definition_file(path: Path) -> SurveyDefinition:
    return load_definition(json.loads(path.read_text(encoding="utf-8")))


def load_core_definitions() -> dict[str, SurveyDefinition]:
    """The four core modules shipped in ``definitions/``, keyed by survey code."""
    return {
        code: load_definition_file(DEFINITIONS_DIR / f"{code}.json") for code in CORE_SURVEY_CODES
    }


def _json_path(parts: Iterator[Any] | Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _schema_problems(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(definition_schema())
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        for detail in _explained(error):
            problems.append(f"{_json_path(detail.absolute_path)}: {detail.message}")
    return problems


_CONDITION_BRANCHES = {"all": 0, "any": 1, "not": 2}


def _explained(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """Replace a failed condition ``oneOf`` by the errors of the branch its keys point to.

    Without this a typo deep inside ``{"all": [...]}`` is reported as "'any' is a required
    property" at the top of the condition, which sends the reader the wrong way.
    """
    if error.validator != "oneOf" or not error.context or not isinstance(error.instance, dict):
        return [error]
    branch = next((index for key, index in _CONDITION_BRANCHES.items() if key in error.instance), 3)
    chosen = [e for e in error.context if e.relative_schema_path[0] == branch]
    if not chosen:
        return [jsonschema.exceptions.best_match(error.context)]
    return [detail for e in chosen for detail in _explained(e)]


def _semantic_problems(document: dict[str, Any]) -> list[str]:
    checker = _SemanticChecker(document)
    checker.check()
    return checker.problems


class _SemanticChecker:
    """Walks a structurally valid document in order, so 'earlier' means document order."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.languages: tuple[str, ...] = tuple(document.get("languages", DEFAULT_LANGUAGES))
        self.problems: list[str] = []
        self.earlier_items: dict[str, dict[str, Any]] = {}
        self.all_item_codes = {item["code"] for page in document["pages"] for item in page["items"]}

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def check(self) -> None:
        self.check_texts("$.title", self.document["title"])
        if "description" in self.document:
            self.check_texts("$.description", self.document["description"])
        page_codes: set[str] = set()
        for page_index, page in enumerate(self.document["pages"]):
            path = f"$.pages[{page_index}]"
            if page["code"] in page_codes:
                self.add(f"{path}.code", f"page code '{page['code']}' is used twice")
            page_codes.add(page["code"])
            self.check_texts(f"{path}.title", page["title"])
            if "show_if" in page:
                # A page's condition may only look at items on earlier pages.
                self.check_condition(f"{path}.show_if", page["show_if"])
            for item_index, item in enumerate(page["items"]):
                self.check_item(f"{path}.items[{item_index}]", item)
                self.earlier_items.setdefault(item["code"], item)

    def check_texts(self, path: str, texts: Mapping[str, str]) -> None:
        missing = [language for language in self.languages if language not in texts]
        extra = [language for language in texts if language not in self.languages]
        if missing:
            self.add(path, f"missing language(s) {', '.join(missing)}")
        if extra:
            self.add(path, f"language(s) {', '.join(extra)} not declared in 'languages'")

    def check_item(self, path: str, item: dict[str, Any]) -> None:
        code, item_type = item["code"], item["type"]
        if code in self.earlier_items:
            self.add(f"{path}.code", f"item code '{code}' is used twice")
        self.check_texts(f"{path}.text", item["text"])
        if "help" in item:
            self.check_texts(f"{path}.help", item["help"])
        if "show_if" in item:
            self.check_condition(f"{path}.show_if", item["show_if"])
        self.check_options(path, item)
        self.check_type_specific(path, item)
        if item_type in NON_INPUT_TYPES and item.get("required"):
            self.add(f"{path}.required", f"a {item_type} item cannot be required")

    def check_options(self, path: str, item: dict[str, Any]) -> None:
        item_type, options = item["type"], item.get("options", [])
        if item_type in CHOICE_TYPES and not options:
            self.add(f"{path}.options", f"a {item_type} item needs at least one option")
        if item_type in NON_INPUT_TYPES and options:
            self.add(f"{path}.options", f"a {item_type} item takes no options")
        seen: set[str] = set()
        for index, option in enumerate(options):
            option_path = f"{path}.options[{index}]"
            if option["code"] in seen:
                self.add(f"{option_path}.code", f"option code '{option['code']}' is used twice")
            seen.add(option["code"])
            self.check_texts(f"{option_path}.label", option["label"])
            if item_type not in CHOICE_TYPES and option["code"] not in RESERVED_OPTION_CODES:
                self.add(
                    f"{option_path}.code",
                    f"a {item_type} item may only offer the reserved options "
                    f"{', '.join(sorted(RESERVED_OPTION_CODES))}",
                )
            if option.get("exclusive") and item_type != "multiple_choice":
                self.add(f"{option_path}.exclusive", "only multiple_choice options are exclusive")
            if (
                item_type == "multiple_choice"
                and option["code"] in RESERVED_OPTION_CODES
                and not option.get("exclusive")
            ):
                self.add(
                    f"{option_path}.exclusive",
                    f"'{option['code']}' cannot be combined with other answers: mark it exclusive",
                )

    def check_type_specific(self, path: str, item: dict[str, Any]) -> None:
        item_type = item["type"]
        validation = item.get("validation", {})
        allowed_rules = {
            "integer": {"min", "max"},
            "decimal": {"min", "max"},
            "free_text": {"max_length", "pattern"},
            "date": {"min_date", "max_date"},
            "year": {"min_year", "max_year"},
        }.get(item_type, set())
        for rule in validation:
            if rule not in allowed_rules:
                self.add(f"{path}.validation.{rule}", f"does not apply to a {item_type} item")
        for low, high in (("min", "max"), ("min_date", "max_date"), ("min_year", "max_year")):
            lo, hi = validation.get(low), validation.get(high)
            if (
                lo is not None
                and hi is not None
                and type(lo) is type(hi)
                and lo not in ("today", "current")
                and hi not in ("today", "current")
                and lo > hi
            ):
                self.add(f"{path}.validation", f"{low} ({lo}) is greater than {high} ({hi})")
        if "pattern" in validation:
            try:
                re.compile(validation["pattern"])
            except re.error as error:
                self.add(f"{path}.validation.pattern", f"not a valid regular expression: {error}")
        if item_type == "scale":
            scale = item.get("scale")
            if scale is None:
                self.add(path, "a scale item needs 'scale' with min and max")
            else:
                if scale["min"] >= scale["max"]:
                    self.add(f"{path}.scale", "min must be below max")
                for key in ("min_label", "mid_label", "max_label"):
                    if key in scale:
                        self.check_texts(f"{path}.scale.{key}", scale[key])
        elif "scale" in item:
            self.add(f"{path}.scale", f"does not apply to a {item_type} item")
        if "unit" in item:
            if item_type not in {"integer", "decimal"}:
                self.add(f"{path}.unit", f"does not apply to a {item_type} item")
            else:
                self.check_texts(f"{path}.unit.label", item["unit"]["label"])
        if item_type == "computed" and "formula" not in item:
            self.add(path, "a computed item needs a 'formula'")
        if item_type != "computed" and "formula" in item:
            self.add(f"{path}.formula", "only computed items have a formula")
        if item.get("multiline") and item_type != "free_text":
            self.add(f"{path}.multiline", "only free_text items are multiline")

    def check_condition(self, path: str, condition: Condition) -> None:
        if "all" in condition or "any" in condition:
            key = "all" if "all" in condition else "any"
            for index, part in enumerate(condition[key]):
                self.check_condition(f"{path}.{key}[{index}]", part)
            return
        if "not" in condition:
            self.check_condition(f"{path}.not", condition["not"])
            return
        code, op = condition["item"], condition["op"]
        target = self.earlier_items.get(code)
        if target is None:
            where = "appears later" if code in self.all_item_codes else "does not exist"
            self.add(
                f"{path}.item",
                f"refers to item '{code}', which {where}: conditions may only use earlier items",
            )
            return
        target_type = target["type"]
        if target_type == "descriptive":
            self.add(f"{path}.item", f"'{code}' is descriptive text and never has an answer")
            return
        has_value = "value" in condition
        if op in {"answered", "not_answered"}:
            if has_value:
                self.add(f"{path}.value", f"'{op}' takes no value")
            return
        if not has_value:
            self.add(path, f"'{op}' needs a value")
            return
        value = condition["value"]
        if op == "in":
            if not isinstance(value, list) or not value:
                self.add(f"{path}.value", "'in' needs a non-empty list")
                return
            values = value
        else:
            if isinstance(value, list):
                self.add(f"{path}.value", f"'{op}' compares with one value, not a list")
                return
            values = [value]
        if op == "contains" and target_type != "multiple_choice":
            self.add(
                f"{path}.op", f"'contains' applies to multiple_choice items, not {target_type}"
            )
        if target_type == "multiple_choice" and op not in {"contains", "in"}:
            self.add(
                f"{path}.op",
                f"'{code}' allows several answers: use 'contains' or 'in', not '{op}'",
            )
        if op in {"lt", "le", "gt", "ge"} and target_type not in ORDERED_TYPES:
            self.add(f"{path}.op", f"'{op}' needs a number or date item; '{code}' is {target_type}")
        option_codes = {option["code"] for option in target.get("options", [])}
        for one in values:
            self.check_condition_value(f"{path}.value", target, one, option_codes)

    def check_condition_value(
        self, path: str, target: dict[str, Any], value: Any, option_codes: set[str]
    ) -> None:
        target_type, code = target["type"], target["code"]
        if target_type in CHOICE_TYPES or value in option_codes:
            if value not in option_codes:
                self.add(path, f"'{value}' is not an option code of '{code}'")
        elif target_type in NUMBER_TYPES:
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.add(path, f"'{code}' is a {target_type} item: compare it with a number")
        elif target_type == "date" and (
            not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
        ):
            self.add(path, f"'{code}' is a date item: compare it with 'YYYY-MM-DD'")


def _texts(data: Mapping[str, str] | None) -> Texts | None:
    return dict(data) if data is not None else None


def _build(document: dict[str, Any]) -> SurveyDefinition:
    pages = []
    for page in document["pages"]:
        items = tuple(
            Item(
                code=item["code"],
                type=item["type"],
                page_code=page["code"],
                text=dict(item["text"]),
                help=_texts(item.get("help")),
                required=item.get("required", False),
                options=tuple(
                    Option(
                        code=option["code"],
                        label=dict(option["label"]),
                        exclusive=option.get("exclusive", False),
                    )
                    for option in item.get("options", [])
                ),
                show_if=item.get("show_if"),
                unit=item.get("unit"),
                validation=dict(item.get("validation", {})),
                scale=item.get("scale"),
                formula=item.get("formula"),
                multiline=item.get("multiline", False),
                identifier=item.get("identifier", False),
                matrix_group=item.get("matrix_group"),
            )
            for item in page["items"]
        )
        pages.append(
            Page(
                code=page["code"],
                title=dict(page["title"]),
                items=items,
                show_if=page.get("show_if"),
            )
        )
    return SurveyDefinition(
        code=document["code"],
        version=document["version"],
        languages=tuple(document.get("languages", DEFAULT_LANGUAGES)),
        title=dict(document["title"]),
        description=_texts(document.get("description")),
        pages=tuple(pages),
        data=document,
    )
