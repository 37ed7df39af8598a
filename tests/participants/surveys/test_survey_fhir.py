"""FHIR R4 export, validated with fhir.resources' R4B models (R4-compatible for these)."""

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from participants.surveys.definition import load_core_definitions, load_definition
from participants.surveys.fhir import (
    SHOW_IF_EXTENSION,
    SPECIAL_ANSWER_EXTENSION,
    questionnaire_from_definition,
    questionnaire_response,
    write_ndjson,
)
from participants.surveys.redcap import import_redcap_file
from tests.participants.surveys.helpers import with_required

CORE = load_core_definitions()
AUTHORED = datetime(2025, 6, 15, 14, 30, tzinfo=UTC)
DATA = Path(__file__).resolve().parents[2] / "data" / "redcap"


def _walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for item in items:
        found.append(item)
        found.extend(_walk(item.get("item", [])))
    return found


def _response(definition: Any, answers: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("status", "completed")
    return questionnaire_response(
        definition,
        answers,
        response_id="resp-1",
        subject_reference="ResearchSubject/rs-123",
        authored=AUTHORED,
        **kwargs,
    )


@pytest.mark.parametrize("code", sorted(CORE))
@pytest.mark.parametrize("language", ["en", "es"])
def test_core_questionnaires_are_valid_fhir(code: str, language: str) -> None:
    resource = questionnaire_from_definition(CORE[code], language)
    Questionnaire.model_validate(resource)
    link_ids = [item["linkId"] for item in _walk(resource["item"])]
    assert len(link_ids) == len(set(link_ids))
    assert resource["language"] == language
    assert resource["version"] == CORE[code].version
    # Every branching condition in the core modules is exact as enableWhen.
    assert not any(
        ext["url"] == SHOW_IF_EXTENSION
        for item in _walk(resource["item"])
        for ext in item.get("extension", [])
    )


def test_enable_when_for_a_multiple_choice_page_condition() -> None:
    resource = questionnaire_from_definition(CORE["lifestyle"], "es")
    groups = {group["linkId"]: group for group in resource["item"]}
    cigarettes = groups["page-cigarettes"]
    assert cigarettes["text"] == "Cigarrillos"
    assert cigarettes["enableWhen"] == [
        {
            "question": "tobacco_products",
            "operator": "=",
            "answerCoding": {
                "system": "https://portal.example.org/fhir/Questionnaire/lifestyle/tobacco_products",
                "code": "CIGARETTES",
            },
        }
    ]
    current = groups["page-current_smoking"]
    assert current["enableBehavior"] == "any"
    assert [clause["answerCoding"]["code"] for clause in current["enableWhen"]] == [
        "EVERY_DAY",
        "SOME_DAYS",
    ]
    activity_time = groups["page-activity_time"]
    assert activity_time["enableWhen"] == [
        {"question": "active_days", "operator": ">=", "answerInteger": 1}
    ]


def test_item_details_are_carried_over() -> None:
    resource = questionnaire_from_definition(
        with_required(CORE["the_basics"], "race_ethnicity"), "en"
    )
    items = {item["linkId"]: item for item in _walk(resource["item"])}
    race = items["race_ethnicity"]
    assert race["type"] == "choice"
    assert race["repeats"] is True
    assert race["required"] is True
    pna = race["answerOption"][-1]
    assert pna["valueCoding"]["code"] == "PNA"
    assert pna["extension"][0]["valueBoolean"] is True
    birth_year = items["birth_year"]
    assert birth_year["type"] == "integer"
    urls = [ext["url"] for ext in birth_year["extension"]]
    assert SPECIAL_ANSWER_EXTENSION in urls
    assert items["birth_year-help"]["type"] == "display"
    assert items["basics_intro"]["type"] == "display"
    assert items["occupation"]["maxLength"] == 200


def test_inexpressible_condition_travels_as_an_extension() -> None:
    definition = load_definition(
        {
            "code": "nested",
            "version": "2",
            "languages": ["en"],
            "title": {"en": "Nested"},
            "pages": [
                {
                    "code": "p",
                    "title": {"en": "P"},
                    "items": [
                        {"code": "age", "type": "integer", "text": {"en": "Age?"}},
                        {
                            "code": "note",
                            "type": "free_text",
                            "text": {"en": "Note?"},
                            "show_if": {
                                "any": [
                                    {"not": {"item": "age", "op": "lt", "value": 18}},
                                    {
                                        "all": [
                                            {"item": "age", "op": "gt", "value": 1},
                                            {"item": "age", "op": "lt", "value": 5},
                                        ]
                                    },
                                ]
                            },
                        },
                    ],
                }
            ],
        }
    )
    resource = questionnaire_from_definition(definition, "en")
    Questionnaire.model_validate(resource)
    note = _walk(resource["item"])[2]
    assert "enableWhen" not in note
    assert json.loads(note["extension"][0]["valueString"]) == definition.item("note").show_if


def test_response_holds_only_visible_answers_as_codings_and_values() -> None:
    lifestyle = CORE["lifestyle"]
    answers = {
        "tobacco_ever": "N",
        "tobacco_products": ["CIGARETTES"],  # stale: hidden by tobacco_ever = N
        "alcohol_frequency": "2_3_WEEK",
        "drinks_per_day": "1_2",
        "active_days": 3,
        "sitting_hours": 7.5,
        "active_minutes": "DK",
    }
    resource = _response(lifestyle, answers, language="es")
    QuestionnaireResponse.model_validate(resource)
    items = {item["linkId"]: item for item in _walk(resource["item"])}
    assert "tobacco_products" not in items
    assert items["alcohol_frequency"]["answer"][0]["valueCoding"]["display"] == (
        "De 2 a 3 veces por semana"
    )
    assert items["active_days"]["answer"] == [{"valueInteger": 3}]
    assert items["sitting_hours"]["answer"] == [{"valueDecimal": 7.5}]
    assert items["active_minutes"]["answer"][0]["valueCoding"]["code"] == "DK"
    assert resource["questionnaire"].endswith(f"/lifestyle|{lifestyle.version}")
    assert resource["authored"] == "2025-06-15T14:30:00+00:00"


def test_multiple_choice_answers_are_repeated_codings() -> None:
    resource = _response(CORE["the_basics"], {"race_ethnicity": ["BLACK", "HISPANIC"]})
    QuestionnaireResponse.model_validate(resource)
    answer = _walk(resource["item"])[1]["answer"]
    assert [entry["valueCoding"]["code"] for entry in answer] == ["BLACK", "HISPANIC"]


def test_identifying_answers_are_left_out_unless_asked_for() -> None:
    survey = next(
        s
        for s in import_redcap_file(DATA / "redcapr_longitudinal.csv").surveys
        if s.code == "demographics"
    )
    answers = {"first_name": "Ana", "sex": "0", "dob": "1950-02-03"}
    default = _response(survey, answers)
    assert {i["linkId"] for i in _walk(default["item"])} == {"page-page_2", "sex"}
    full = _response(survey, answers, include_identifiers=True)
    assert {"first_name", "dob"} <= {i["linkId"] for i in _walk(full["item"])}
    QuestionnaireResponse.model_validate(full)


def test_empty_response_is_still_valid() -> None:
    resource = _response(CORE["overall_health"], {}, status="in-progress")
    QuestionnaireResponse.model_validate(resource)
    assert "item" not in resource


def test_bad_status_and_naive_time_are_refused() -> None:
    with pytest.raises(ValueError, match="status"):
        _response(CORE["overall_health"], {}, status="done")
    with pytest.raises(ValueError, match="timezone"):
        questionnaire_response(
            CORE["overall_health"],
            {},
            response_id="r",
            subject_reference="Patient/1",
            authored=datetime(2025, 1, 1),  # naive on purpose
            status="completed",
        )


@pytest.mark.parametrize("name", ["redcapr_longitudinal.csv", "cohort_intake.csv"])
def test_imported_surveys_export_as_valid_questionnaires(name: str) -> None:
    for survey in import_redcap_file(DATA / name).surveys:
        Questionnaire.model_validate(questionnaire_from_definition(survey, "en"))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(CORE)), st.data())
def test_random_core_answers_export_as_valid_responses(code: str, data: st.DataObject) -> None:
    definition = CORE[code]
    answers: dict[str, Any] = {}
    for item in definition.items:
        if not item.takes_input or not data.draw(st.booleans()):
            continue
        codes = list(item.option_codes)
        if item.type == "multiple_choice":
            answers[item.code] = data.draw(
                st.lists(st.sampled_from(codes), min_size=1, unique=True)
            )
        elif item.type == "single_choice":
            answers[item.code] = data.draw(st.sampled_from(codes))
        elif item.type in {"integer", "year", "scale"}:
            answers[item.code] = data.draw(st.integers(0, 2000))
        elif item.type == "decimal":
            answers[item.code] = data.draw(st.floats(0, 500, allow_nan=False))
        elif item.type == "date":
            answers[item.code] = "2001-02-03"
        else:
            answers[item.code] = data.draw(st.sampled_from(["<script>", "Perú", "{{7*7}}"]))
    QuestionnaireResponse.model_validate(_response(definition, answers))


def test_ndjson_is_one_resource_per_line_and_streams() -> None:
    resources = (
        _response(
            CORE["the_basics"],
            {"employment": ["SELF_EMPLOYED"], "occupation": f"line\nbreak {n} — ñ"},
        )
        for n in range(3)
    )
    stream = io.StringIO()
    assert write_ndjson(resources, stream) == 3
    lines = stream.getvalue().split("\n")
    assert lines[-1] == ""
    parsed = [json.loads(line) for line in lines[:-1]]
    assert len(parsed) == 3
    assert "ñ" in lines[0]  # UTF-8, not \u escapes
    occupation = next(i for i in _walk(parsed[2]["item"]) if i["linkId"] == "occupation")
    assert occupation["answer"] == [{"valueString": "line\nbreak 2 — ñ"}]


def test_ndjson_refuses_non_finite_numbers() -> None:
    with pytest.raises(ValueError, match="Out of range"):
        write_ndjson([{"resourceType": "Basic", "x": float("nan")}], io.StringIO())
