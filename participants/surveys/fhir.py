"""FHIR R4 export: a survey definition as a Questionnaire, answers as a QuestionnaireResponse.

Both are plain dicts (JSON-ready); tests validate them with ``fhir.resources.R4B``, which is
structurally R4 for these two resources. Pages become ``group`` items (linkId ``page-<code>``,
which cannot collide with an item code); answer codes are Codings in one code system per item,
``<questionnaire url>/<item code>``, so PNA and DK stay distinguishable across items.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import IO, Any

from participants.surveys.branching import Answers, prune_hidden_answers
from participants.surveys.definition import (
    CHOICE_TYPES,
    Condition,
    Item,
    SurveyDefinition,
)

DEFAULT_CANONICAL_BASE = "https://portal.example.org/fhir/Questionnaire"
EXTENSION_BASE = "https://portal.example.org/fhir/StructureDefinition"
SHOW_IF_EXTENSION = f"{EXTENSION_BASE}/survey-show-if"
SPECIAL_ANSWER_EXTENSION = f"{EXTENSION_BASE}/survey-special-answer"
FORMULA_EXTENSION = f"{EXTENSION_BASE}/survey-formula"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
UCUM = "http://unitsofmeasure.org"
RESPONSE_STATUSES = frozenset(
    {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
)

_FHIR_TYPES = {
    "single_choice": "choice",
    "multiple_choice": "choice",
    "integer": "integer",
    "decimal": "decimal",
    "date": "date",
    "year": "integer",
    "scale": "integer",
    "descriptive": "display",
    "computed": "decimal",
}
_OPERATORS = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
# Only these negations keep their meaning for an unanswered question: not(lt) holds when
# nothing is answered, but ">=" does not.
_NEGATED = {"eq": "ne", "ne": "eq", "answered": "not_answered", "not_answered": "answered"}


def questionnaire_url(definition: SurveyDefinition, *, canonical_base: str) -> str:
    return f"{canonical_base.rstrip('/')}/{definition.code}"


def _page_link_id(page_code: str) -> str:
    return f"page-{page_code}"


def _system(definition: SurveyDefinition, item: Item, canonical_base: str) -> str:
    return f"{questionnaire_url(definition, canonical_base=canonical_base)}/{item.code}"


def _coding(
    definition: SurveyDefinition, item: Item, code: str, language: str, canonical_base: str
) -> dict[str, str]:
    coding = {"system": _system(definition, item, canonical_base), "code": code}
    option = item.option(code)
    if option is not None:
        coding["display"] = definition.text(option.label, language)
    return coding


class _Inexpressible(Exception):
    """The condition has no exact enableWhen form: export it as an extension instead."""


class _QuestionnaireBuilder:
    def __init__(self, definition: SurveyDefinition, language: str, canonical_base: str) -> None:
        self.definition = definition
        self.language = language
        self.canonical_base = canonical_base

    def text(self, texts: Mapping[str, str] | None) -> str:
        return self.definition.text(texts, self.language)

    def build(self) -> dict[str, Any]:
        definition = self.definition
        resource: dict[str, Any] = {
            "resourceType": "Questionnaire",
            "id": f"{definition.code}-{definition.version}".replace("_", "-")[:64],
            "url": questionnaire_url(definition, canonical_base=self.canonical_base),
            "version": definition.version,
            "name": "".join(part.capitalize() for part in definition.code.split("_")),
            "title": self.text(definition.title),
            "status": "active",
            "language": self.language,
        }
        if definition.description:
            resource["description"] = self.text(definition.description)
        resource["item"] = [self.page(page) for page in definition.pages]
        return resource

    def page(self, page: Any) -> dict[str, Any]:
        group: dict[str, Any] = {
            "linkId": _page_link_id(page.code),
            "text": self.text(page.title),
            "type": "group",
        }
        self.add_condition(group, page.show_if)
        group["item"] = [self.item(item) for item in page.items]
        return group

    def item(self, item: Item) -> dict[str, Any]:
        if item.type == "free_text":
            fhir_type = "text" if item.multiline else "string"
        else:
            fhir_type = _FHIR_TYPES[item.type]
        entry: dict[str, Any] = {
            "linkId": item.code,
            "text": self.text(item.text),
            "type": fhir_type,
        }
        extensions: list[dict[str, Any]] = []
        if item.required:
            entry["required"] = True
        if item.type == "multiple_choice":
            entry["repeats"] = True
        if item.type == "computed":
            entry["readOnly"] = True
            if item.formula:
                extensions.append(
                    {"url": FORMULA_EXTENSION, "valueString": item.formula["expression"]}
                )
        if item.type in CHOICE_TYPES:
            entry["answerOption"] = [self.answer_option(item, option) for option in item.options]
        else:
            for option in item.options:
                extensions.append(
                    {
                        "url": SPECIAL_ANSWER_EXTENSION,
                        "valueCoding": _coding(
                            self.definition, item, option.code, self.language, self.canonical_base
                        ),
                    }
                )
        if "max_length" in item.validation:
            entry["maxLength"] = item.validation["max_length"]
        extensions.extend(self.bounds(item))
        if item.unit:
            extensions.append(
                {
                    "url": UNIT,
                    "valueCoding": {
                        "system": UCUM,
                        "code": item.unit["code"],
                        "display": self.text(item.unit["label"]),
                    },
                }
            )
        if item.type == "scale":
            extensions.append(_item_control("slider"))
        if extensions:
            entry["extension"] = extensions
        self.add_condition(entry, item.show_if)
        if item.help:
            entry["item"] = [
                {
                    "linkId": f"{item.code}-help",
                    "text": self.text(item.help),
                    "type": "display",
                    "extension": [_item_control("help")],
                }
            ]
        return entry

    def answer_option(self, item: Item, option: Any) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "valueCoding": _coding(
                self.definition, item, option.code, self.language, self.canonical_base
            )
        }
        if option.exclusive:
            answer["extension"] = [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}]
        return answer

    def bounds(self, item: Item) -> list[dict[str, Any]]:
        rules = item.validation
        pairs: list[tuple[str, str, Any]] = []
        if item.type == "integer":
            pairs = [(MIN_VALUE, "valueInteger", rules.get("min"))]
            pairs.append((MAX_VALUE, "valueInteger", rules.get("max")))
        elif item.type == "decimal":
            pairs = [(MIN_VALUE, "valueDecimal", rules.get("min"))]
            pairs.append((MAX_VALUE, "valueDecimal", rules.get("max")))
        elif item.type == "scale" and item.scale:
            pairs = [(MIN_VALUE, "valueInteger", item.scale["min"])]
            pairs.append((MAX_VALUE, "valueInteger", item.scale["max"]))
        elif item.type == "year":
            # "current" moves every January; only fixed years are exported.
            for url, key in ((MIN_VALUE, "min_year"), (MAX_VALUE, "max_year")):
                if isinstance(rules.get(key), int):
                    pairs.append((url, "valueInteger", rules[key]))
        elif item.type == "date":
            for url, key in ((MIN_VALUE, "min_date"), (MAX_VALUE, "max_date")):
                if rules.get(key) not in (None, "today"):
                    pairs.append((url, "valueDate", rules[key]))
        return [
            {"url": url, value_key: value} for url, value_key, value in pairs if value is not None
        ]

    def add_condition(self, entry: dict[str, Any], condition: Condition | None) -> None:
        if condition is None:
            return
        try:
            enable_when, behavior = self.enable_when(condition)
        except _Inexpressible:
            # Kept whole so a consumer that knows our format can still apply it.
            entry.setdefault("extension", []).append(
                {"url": SHOW_IF_EXTENSION, "valueString": json.dumps(condition, sort_keys=True)}
            )
            return
        entry["enableWhen"] = enable_when
        if len(enable_when) > 1:
            entry["enableBehavior"] = behavior

    def enable_when(self, condition: Condition) -> tuple[list[dict[str, Any]], str]:
        if "all" in condition or "any" in condition:
            key = "all" if "all" in condition else "any"
            parts = condition[key]
            if not parts:
                raise _Inexpressible
            clauses: list[dict[str, Any]] = []
            for part in parts:
                if "item" not in part and "not" not in part:
                    raise _Inexpressible
                found, _ = self.enable_when(part)
                if key == "all" and len(found) > 1:
                    raise _Inexpressible  # an "in" needs "any" behaviour
                clauses.extend(found)
            return clauses, key
        if "not" in condition:
            inner = condition["not"]
            if "item" not in inner:
                raise _Inexpressible
            if inner["op"] == "contains":
                return [self.clause({**inner, "op": "ne"})], "all"
            if inner["op"] not in _NEGATED:
                raise _Inexpressible
            return [self.clause({**inner, "op": _NEGATED[inner["op"]]})], "all"
        if condition["op"] == "in":
            return [
                self.clause({**condition, "op": "eq", "value": v}) for v in condition["value"]
            ], ("any")
        return [self.clause(condition)], "all"

    def clause(self, comparison: Condition) -> dict[str, Any]:
        op = comparison["op"]
        target = self.definition.item(comparison["item"])
        if op in {"answered", "not_answered"}:
            return {
                "question": target.code,
                "operator": "exists",
                "answerBoolean": op == "answered",
            }
        operator = "=" if op == "contains" else _OPERATORS[op]
        return {
            "question": target.code,
            "operator": operator,
            **self.answer_value(target, comparison["value"]),
        }

    def answer_value(self, target: Item, value: Any) -> dict[str, Any]:
        if isinstance(value, str) and (target.type in CHOICE_TYPES or target.option(value)):
            return {
                "answerCoding": {
                    "system": _system(self.definition, target, self.canonical_base),
                    "code": value,
                }
            }
        if target.type in {"integer", "year", "scale"} and isinstance(value, int):
            return {"answerInteger": value}
        if target.type == "decimal" and isinstance(value, int | float):
            return {"answerDecimal": value}
        if target.type == "date" and isinstance(value, str):
            return {"answerDate": value}
        if target.type == "free_text" and isinstance(value, str):
            return {"answerString": value}
        raise _Inexpressible


def _item_control(code: str) -> dict[str, Any]:
    return {
        "url": ITEM_CONTROL,
        "valueCodeableConcept": {"coding": [{"system": ITEM_CONTROL_SYSTEM, "code": code}]},
    }


def questionnaire_from_definition(
    definition: SurveyDefinition,
    language: str,
    *,
    canonical_base: str = DEFAULT_CANONICAL_BASE,
) -> dict[str, Any]:
    """The definition as a FHIR R4 Questionnaire in one language.

    Conditions become ``enableWhen`` where FHIR can say the same thing; the rest (nested
    all/any, negated orderings) travel whole in the ``survey-show-if`` extension.
    """
    return _QuestionnaireBuilder(definition, language, canonical_base).build()


def _answer_entries(
    definition: SurveyDefinition, item: Item, value: Any, language: str, canonical_base: str
) -> list[dict[str, Any]]:
    values = value if isinstance(value, list) else [value]
    entries = []
    for one in values:
        if isinstance(one, str) and (item.type in CHOICE_TYPES or item.option(one)):
            entries.append(
                {"valueCoding": _coding(definition, item, one, language, canonical_base)}
            )
        elif item.type in {"integer", "year", "scale"} and isinstance(one, int):
            entries.append({"valueInteger": one})
        elif item.type in {"decimal", "computed"} and isinstance(one, int | float):
            entries.append({"valueDecimal": one})
        elif item.type == "date":
            entries.append({"valueDate": str(one)})
        else:
            entries.append({"valueString": str(one)})
    return entries


def questionnaire_response(
    definition: SurveyDefinition,
    answers: Answers,
    *,
    response_id: str,
    subject_reference: str,
    authored: datetime,
    status: str,
    language: str = "en",
    canonical_base: str = DEFAULT_CANONICAL_BASE,
    include_identifiers: bool = False,
) -> dict[str, Any]:
    """Answers as a FHIR R4 QuestionnaireResponse.

    Answers to items hidden by branching are left out, as on completion. Items marked
    ``identifier`` (names, phone numbers) are left out unless ``include_identifiers``: research
    extracts are keyed by the pseudonymous ``subject_reference`` and must not carry them.
    """
    if status not in RESPONSE_STATUSES:
        raise ValueError(f"status must be one of {sorted(RESPONSE_STATUSES)}, not {status!r}")
    if authored.tzinfo is None or authored.utcoffset() is None:
        raise ValueError("authored must be timezone-aware")
    kept = prune_hidden_answers(definition, answers)
    groups = []
    for page in definition.pages:
        entries = []
        for item in page.items:
            if item.code not in kept or (item.identifier and not include_identifiers):
                continue
            entries.append(
                {
                    "linkId": item.code,
                    "text": definition.text(item.text, language),
                    "answer": _answer_entries(
                        definition, item, kept[item.code], language, canonical_base
                    ),
                }
            )
        if entries:
            groups.append(
                {
                    "linkId": _page_link_id(page.code),
                    "text": definition.text(page.title, language),
                    "item": entries,
                }
            )
    url = questionnaire_url(definition, canonical_base=canonical_base)
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "language": language,
        "questionnaire": f"{url}|{definition.version}",
        "status": status,
        "subject": {"reference": subject_reference},
        "authored": authored.isoformat(),
    }
    if groups:
        response["item"] = groups
    return response


def write_ndjson(resources: Iterable[Mapping[str, Any]], stream: IO[str]) -> int:
    """Write one JSON resource per line (Bulk Data NDJSON), streaming; returns the count.

    The stream must be UTF-8: text is written as is, not as \\u escapes.
    """
    count = 0
    for resource in resources:
        stream.write(
            json.dumps(resource, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        )
        stream.write("\n")
        count += 1
    return count
