"""Loading survey definitions: the core modules, and the errors a bad upload gets."""

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from participants.surveys.definition import (
    CORE_SURVEY_CODES,
    DEFINITIONS_DIR,
    NON_INPUT_TYPES,
    RESERVED_OPTION_CODES,
    DefinitionError,
    SurveyDefinition,
    load_core_definitions,
    load_definition,
)

CORE = load_core_definitions()

# Codes are the contract with researchers: renaming one silently breaks every analysis that
# used it. Change this list only together with a new survey version and a migration note.
STABLE_ITEM_CODES = {
    "the_basics": (
        "basics_intro birth_year birth_place main_language birth_country years_in_us "
        "race_ethnicity hispanic_origin race_ethnicity_other sex_at_birth gender_identity "
        "sexual_orientation marital_status household_size education employment occupation "
        "work_hours work_shift household_income health_insurance insurance_types "
        "housing_status housing_worry"
    ),
    "overall_health": (
        "general_health quality_of_life physical_health mental_health height_feet "
        "height_inches weight_pounds pain_level fatigue sleep_hours last_checkup "
        "organ_transplant transplant_type transplant_year"
    ),
    "lifestyle": (
        "tobacco_ever tobacco_products smoked_100 smoking_start_age smoking_now "
        "cigarettes_per_day quit_attempt quit_age alcohol_frequency drinks_per_day "
        "heavy_drinking active_days sitting_hours active_minutes"
    ),
    "personal_family_history": (
        "history_intro body_systems high_blood_pressure_who coronary_disease_who "
        "high_cholesterol_who breast_cancer_who colorectal_cancer_who prostate_cancer_who "
        "ovarian_cancer_who inflammatory_bowel_who liver_disease_who celiac_disease_who "
        "type_1_diabetes_who type_2_diabetes_who thyroid_disease_who "
        "chronic_kidney_disease_who kidney_stones_who asthma_who copd_who sleep_apnea_who "
        "stroke_who dementia_who epilepsy_who depression_who anxiety_disorder_who "
        "substance_use_disorder_who other_conditions"
    ),
}


def _condition_refs(condition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("all", "any"):
        for part in condition.get(key, []):
            yield from _condition_refs(part)
    if "not" in condition:
        yield from _condition_refs(condition["not"])
    if "item" in condition:
        yield condition


def _minimal(**overrides: Any) -> dict[str, Any]:
    document = {
        "code": "mini",
        "version": "1",
        "title": {"en": "Mini", "es": "Mini"},
        "pages": [
            {
                "code": "p1",
                "title": {"en": "One", "es": "Uno"},
                "items": [
                    {
                        "code": "q1",
                        "type": "single_choice",
                        "text": {"en": "Q1?", "es": "¿P1?"},
                        "options": [
                            {"code": "Y", "label": {"en": "Yes", "es": "Sí"}},
                            {"code": "N", "label": {"en": "No", "es": "No"}},
                        ],
                    },
                    {
                        "code": "q2",
                        "type": "integer",
                        "text": {"en": "Q2?", "es": "¿P2?"},
                        "show_if": {"item": "q1", "op": "eq", "value": "Y"},
                    },
                ],
            }
        ],
    }
    document.update(overrides)
    return document


def _problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as raised:
        load_definition(document)
    return raised.value.problems


@pytest.mark.parametrize("code", CORE_SURVEY_CODES)
def test_core_survey_loads_with_both_languages(code: str) -> None:
    definition = CORE[code]
    assert isinstance(definition, SurveyDefinition)
    assert definition.code == code
    assert definition.languages == ("en", "es")
    for item in definition.items:
        assert set(item.text) == {"en", "es"}, item.code
        for option in item.options:
            assert set(option.label) == {"en", "es"}, (item.code, option.code)


@pytest.mark.parametrize("code", CORE_SURVEY_CODES)
def test_core_survey_codes_are_stable(code: str) -> None:
    assert [item.code for item in CORE[code].items] == STABLE_ITEM_CODES[code].split()


@pytest.mark.parametrize("code", CORE_SURVEY_CODES)
def test_core_conditions_refer_to_real_earlier_answerable_items(code: str) -> None:
    definition = CORE[code]
    seen: dict[str, Any] = {}
    for page in definition.pages:
        page_refs = list(_condition_refs(dict(page.show_if or {})))
        for ref in page_refs:
            # Page conditions may only use items of earlier pages.
            assert ref["item"] in seen, (page.code, ref)
        for item in page.items:
            for ref in _condition_refs(dict(item.show_if or {})):
                target = seen.get(ref["item"])
                assert target is not None, (item.code, ref)
                assert target.type not in NON_INPUT_TYPES
                if target.options and "value" in ref:
                    values = ref["value"] if isinstance(ref["value"], list) else [ref["value"]]
                    assert set(values) <= set(target.option_codes), (item.code, ref)
            seen[item.code] = item


@pytest.mark.parametrize("code", CORE_SURVEY_CODES)
def test_core_reserved_options_are_exclusive_in_multiple_choice(code: str) -> None:
    for item in CORE[code].items:
        if item.type == "multiple_choice":
            for option in item.options:
                if option.code in RESERVED_OPTION_CODES:
                    assert option.exclusive, (item.code, option.code)


def test_core_surveys_have_sensible_sizes() -> None:
    sizes = {code: len(definition.items) for code, definition in CORE.items()}
    assert 20 <= sizes["the_basics"] <= 30
    assert 10 <= sizes["overall_health"] <= 16
    assert sizes["lifestyle"] >= 10
    assert sizes["personal_family_history"] >= 20


def test_race_ethnicity_is_multi_select_with_exclusive_prefer_not_to_answer() -> None:
    item = CORE["the_basics"].item("race_ethnicity")
    assert item.type == "multiple_choice"
    assert item.option("PNA") is not None
    assert item.option("PNA").exclusive


def test_family_history_detail_pages_depend_on_the_ticked_body_system() -> None:
    definition = CORE["personal_family_history"]
    systems = definition.item("body_systems").option_codes
    detail_pages = [page for page in definition.pages if page.show_if is not None]
    assert len(detail_pages) == len([c for c in systems if c not in {"NONE", "DK", "PNA"}])
    for page in detail_pages:
        assert page.show_if["item"] == "body_systems"
        assert page.show_if["op"] == "contains"
        for item in page.items:
            assert {"SELF", "MOTHER", "FATHER", "SIBLING", "CHILD", "GRANDPARENT"} <= set(
                item.option_codes
            )


def test_definition_files_are_their_own_canonical_form() -> None:
    for code in CORE_SURVEY_CODES:
        on_disk = json.loads((DEFINITIONS_DIR / f"{code}.json").read_text(encoding="utf-8"))
        assert CORE[code].to_dict() == on_disk
        assert load_definition(CORE[code].to_dict()) == CORE[code]


def test_load_does_not_keep_a_reference_to_the_caller_data() -> None:
    document = _minimal()
    definition = load_definition(document)
    document["pages"][0]["items"][0]["code"] = "changed"
    assert definition.items[0].code == "q1"
    assert definition.to_dict()["pages"][0]["items"][0]["code"] == "q1"


def test_minimal_definition_defaults() -> None:
    definition = load_definition(_minimal())
    assert definition.languages == ("en", "es")
    assert definition.item("q1").required is False
    assert definition.page("p1").items[1].page_code == "p1"
    with pytest.raises(KeyError):
        definition.item("nope")


def test_schema_errors_name_the_path() -> None:
    document = _minimal()
    document["pages"][0]["items"][1]["type"] = "number"
    del document["pages"][0]["items"][0]["text"]
    problems = _problems(document)
    assert any(p.startswith("$.pages[0].items[1].type:") for p in problems)
    assert any(p.startswith("$.pages[0].items[0]:") and "'text'" in p for p in problems)


def test_a_typo_deep_in_a_condition_is_reported_where_it_is() -> None:
    document = _minimal()
    document["pages"][0]["items"][1]["show_if"] = {
        "all": [{"item": "q1", "op": "eq", "value": "Y"}, {"item": "q1", "op": "equals"}]
    }
    problems = _problems(document)
    assert len(problems) == 1
    assert problems[0].startswith("$.pages[0].items[1].show_if.all[1].op:")


def test_unknown_top_level_key_is_rejected() -> None:
    assert any("additional" in p.lower() for p in _problems(_minimal(colour="blue")))


def test_semantic_errors_are_all_reported_with_paths() -> None:
    document = _minimal()
    items = document["pages"][0]["items"]
    items[0]["options"].append({"code": "Y", "label": {"en": "Again", "es": "Otra vez"}})
    items[1]["code"] = "q1"
    del items[1]["text"]["es"]
    problems = _problems(document)
    joined = "\n".join(problems)
    assert "$.pages[0].items[0].options[2].code: option code 'Y' is used twice" in joined
    assert "$.pages[0].items[1].code: item code 'q1' is used twice" in joined
    assert "$.pages[0].items[1].text: missing language(s) es" in joined


def test_condition_on_a_later_item_is_rejected() -> None:
    document = _minimal()
    document["pages"][0]["items"][0]["show_if"] = {"item": "q2", "op": "answered"}
    problems = _problems(document)
    assert problems == [
        "$.pages[0].items[0].show_if.item: refers to item 'q2', which appears later: "
        "conditions may only use earlier items"
    ]


def test_condition_on_itself_or_a_missing_item_is_rejected() -> None:
    document = _minimal()
    document["pages"][0]["items"][1]["show_if"] = {"item": "q2", "op": "answered"}
    assert "appears later" in _problems(document)[0]
    document["pages"][0]["items"][1]["show_if"] = {"item": "ghost", "op": "answered"}
    assert "does not exist" in _problems(document)[0]


def test_condition_values_must_fit_the_item() -> None:
    document = _minimal()
    show_if = document["pages"][0]["items"][1]
    show_if["show_if"] = {"item": "q1", "op": "eq", "value": "MAYBE"}
    assert "'MAYBE' is not an option code of 'q1'" in _problems(document)[0]
    show_if["show_if"] = {"item": "q1", "op": "gt", "value": "Y"}
    assert "'gt' needs a number or date item" in _problems(copy.deepcopy(document))[0]
    show_if["show_if"] = {"item": "q1", "op": "contains", "value": "Y"}
    assert "'contains' applies to multiple_choice" in _problems(copy.deepcopy(document))[0]
    show_if["show_if"] = {"item": "q1", "op": "eq"}
    assert "'eq' needs a value" in _problems(copy.deepcopy(document))[0]
    show_if["show_if"] = {"item": "q1", "op": "in", "value": []}
    assert "non-empty list" in _problems(copy.deepcopy(document))[0]


def test_page_condition_may_not_use_its_own_items() -> None:
    document = _minimal()
    document["pages"][0]["show_if"] = {"item": "q1", "op": "answered"}
    assert "appears later" in _problems(document)[0]


def test_multiple_choice_conditions_use_contains() -> None:
    document = _minimal()
    document["pages"][0]["items"][0]["type"] = "multiple_choice"
    assert "use 'contains' or 'in'" in _problems(document)[0]


def test_reserved_option_must_be_exclusive_in_multiple_choice() -> None:
    document = _minimal()
    first = document["pages"][0]["items"][0]
    first["type"] = "multiple_choice"
    first["options"].append({"code": "PNA", "label": {"en": "Prefer not", "es": "Prefiero no"}})
    document["pages"][0]["items"][1]["show_if"] = {"item": "q1", "op": "contains", "value": "Y"}
    assert "mark it exclusive" in _problems(document)[0]


def test_non_choice_items_may_offer_only_reserved_options() -> None:
    document = _minimal()
    document["pages"][0]["items"][1]["options"] = [
        {"code": "PNA", "label": {"en": "Prefer not", "es": "Prefiero no"}},
        {"code": "LOTS", "label": {"en": "Lots", "es": "Muchos"}},
    ]
    problems = _problems(document)
    assert len(problems) == 1
    assert problems[0].startswith("$.pages[0].items[1].options[1].code")


def test_validation_rules_must_suit_the_type() -> None:
    document = _minimal()
    document["pages"][0]["items"][1]["validation"] = {"min": 10, "max": 1, "max_length": 4}
    problems = _problems(document)
    assert any("max_length: does not apply to a integer item" in p for p in problems)
    assert any("min (10) is greater than max (1)" in p for p in problems)


def test_scale_needs_bounds_and_computed_needs_a_formula() -> None:
    document = _minimal()
    document["pages"][0]["items"].append(
        {"code": "q3", "type": "scale", "text": {"en": "Q3", "es": "P3"}}
    )
    document["pages"][0]["items"].append(
        {"code": "q4", "type": "computed", "text": {"en": "Q4", "es": "P4"}, "required": True}
    )
    joined = "\n".join(_problems(document))
    assert "a scale item needs 'scale'" in joined
    assert "a computed item needs a 'formula'" in joined
    assert "a computed item cannot be required" in joined


def test_declared_languages_govern_every_text() -> None:
    english_only = _minimal(languages=["en"])
    problems = _problems(english_only)
    assert "$.title: language(s) es not declared in 'languages'" in problems


def test_single_language_survey_is_allowed() -> None:
    document = json.loads(json.dumps(_minimal(languages=["en"])))

    def strip_spanish(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("es", None)
            for value in node.values():
                strip_spanish(value)
        elif isinstance(node, list):
            for value in node:
                strip_spanish(value)

    strip_spanish(document)
    definition = load_definition(document)
    assert definition.languages == ("en",)
    # Asked for Spanish, an English-only survey falls back to English rather than blank.
    assert definition.text(definition.title, "es") == "Mini"


def test_docs_carry_the_schema_verbatim() -> None:
    docs = Path(__file__).resolve().parents[3] / "docs" / "surveys.md"
    schema = (DEFINITIONS_DIR.parent / "schema.json").read_text(encoding="utf-8")
    assert schema.strip() in docs.read_text(encoding="utf-8")
