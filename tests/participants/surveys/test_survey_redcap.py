"""REDCap data dictionary import: every row accounted for, branching converted or reported."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from participants.surveys.branching import visible_items
from participants.surveys.definition import load_definition
from participants.surveys.redcap import (
    ImportResult,
    convert_branching,
    import_redcap_dictionary,
    import_redcap_file,
    import_summary,
    plain_text,
)
from participants.surveys.validation import validate_page

DATA = Path(__file__).resolve().parents[2] / "data" / "redcap"
FILES = ["redcapr_longitudinal.csv", "redcapr_validation_types.csv", "cohort_intake.csv"]
API_HEADER = (
    "field_name,form_name,section_header,field_type,field_label,select_choices_or_calculations,"
    "field_note,text_validation_type_or_show_slider_number,text_validation_min,"
    "text_validation_max,identifier,branching_logic,required_field,custom_alignment,"
    "question_number,matrix_group_name,matrix_ranking,field_annotation"
)


def _item_count(result: ImportResult) -> int:
    return sum(len(survey.items) for survey in result.surveys)


def _data_rows(raw: bytes) -> int:
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    return sum(1 for row in rows if any(cell.strip() for cell in row))


def _assert_every_row_accounted_for(result: ImportResult, expected_rows: int) -> None:
    assert result.rows == expected_rows
    assert _item_count(result) + len(result.unconverted) == expected_rows
    item_lines = {item_line for survey in result.surveys for item_line in _item_lines(survey)}
    skipped_lines = {entry["line"] for entry in result.unconverted}
    assert not item_lines & skipped_lines
    assert len(item_lines) + len(skipped_lines) == expected_rows


def _item_lines(survey: Any) -> list[int]:
    document = survey.to_dict()
    return [item["source"]["redcap_line"] for page in document["pages"] for item in page["items"]]


@pytest.mark.parametrize("name", FILES)
def test_every_row_becomes_an_item_or_a_reported_entry(name: str) -> None:
    raw = (DATA / name).read_bytes()
    result = import_redcap_file(DATA / name)
    _assert_every_row_accounted_for(result, _data_rows(raw))
    for entry in [*result.unconverted, *result.warnings]:
        assert set(entry) == {"line", "field", "reason"}
        assert entry["line"] >= 2
        assert entry["reason"]


@pytest.mark.parametrize("name", FILES)
def test_imported_surveys_round_trip_through_our_format(name: str) -> None:
    for survey in import_redcap_file(DATA / name).surveys:
        assert survey.languages == ("en",)
        document = json.loads(json.dumps(survey.to_dict()))
        assert load_definition(document) == survey


@pytest.mark.parametrize("name", FILES)
def test_imported_pages_validate_plausible_answers(name: str) -> None:
    for survey in import_redcap_file(DATA / name).surveys:
        answers: dict[str, Any] = {}
        for page in survey.pages:
            post: dict[str, list[str]] = {}
            for item in visible_items(survey, answers, page_code=page.code):
                if item.options:
                    post[item.code] = [item.options[-1].code]
                elif item.type in {"integer", "scale"}:
                    low = item.validation.get("min", item.scale["min"] if item.scale else 1)
                    post[item.code] = [str(int(low))]
                elif item.type == "decimal":
                    post[item.code] = [str(item.validation.get("min", 1.5))]
                elif item.type == "date":
                    post[item.code] = ["2021-03-04"]
                elif item.type == "free_text" and "pattern" not in item.validation:
                    post[item.code] = ["hello"]
            cleaned, errors = validate_page(survey, page.code, post, "en")
            assert all(error.key == "required" for error in errors.values()), errors
            answers.update(cleaned)


def test_longitudinal_summary() -> None:
    summary = import_summary(import_redcap_file(DATA / "redcapr_longitudinal.csv"))
    assert summary["rows"] == 95
    assert [s["code"] for s in summary["surveys"]][:2] == ["demographics", "contact_info"]
    demographics = summary["surveys"][0]
    assert demographics == {"code": "demographics", "items": 22, "pages": 5}
    assert [(e["line"], e["field"]) for e in summary["unconverted"]] == [
        (2, "study_id"),
        (4, "patient_document"),
    ]


def test_longitudinal_branching_with_double_quotes_is_converted() -> None:
    result = import_redcap_file(DATA / "redcapr_longitudinal.csv")
    demographics = result.surveys[0]
    assert demographics.item("num_children").show_if == {
        "all": [
            {"item": "sex", "op": "eq", "value": "0"},
            {"item": "given_birth", "op": "eq", "value": "1"},
        ]
    }
    assert demographics.item("gym").matrix_group == "weekly_schedule"
    assert demographics.item("bmi").type == "computed"
    assert demographics.item("first_name").identifier


def test_validation_types_are_mapped_or_reported() -> None:
    result = import_redcap_file(DATA / "redcapr_validation_types.csv")
    form = result.surveys[0]
    types = {item.code: item.type for item in form.items}
    assert types["v_integer"] == "integer"
    assert types["v_number_2dp_comma_decimal"] == "decimal"
    assert types["v_date_dmy"] == types["v_date_mdy"] == types["v_date_ymd"] == "date"
    assert types["f_true_false"] == types["f_yes_no"] == "single_choice"
    assert types["f_slider"] == "scale"
    slider = form.item("f_slider").scale
    assert (slider["min"], slider["max"], slider["mid_label"]) == (-1, 101, {"en": "50"})
    assert types["f_descriptive"] == "descriptive"
    assert "pattern" in form.item("v_email").validation
    reasons = {entry["field"]: entry["reason"] for entry in result.unconverted}
    assert "file upload" in reasons["f_file_upload"]
    assert "signature" in reasons["f_signature"]
    assert "SQL" in reasons["f_sql"]
    assert all("date-time" in reasons[f] for f in reasons if f.startswith("v_datetime"))
    warned = {entry["field"] for entry in result.warnings}
    assert {"v_mrn_generic", "v_vmrn"} <= warned


def test_cohort_intake_oddities() -> None:
    result = import_redcap_file(DATA / "cohort_intake.csv")
    assert result.rows == 46
    assert _item_count(result) == 38
    intake, history = result.surveys
    unconverted = {entry["field"]: entry for entry in result.unconverted}
    assert set(unconverted) == {
        "record_id",
        "insurance_card",
        "staff_notes",
        "signature",
        "callback_at",
        "Bad Name",
        "extra_cell",
        "pain_now",
    }
    assert unconverted["pain_now"]["reason"] == "field name already used on line 27"
    # A multi-line label cell pushes the next record's line number on by one.
    assert unconverted["pain_now"]["line"] == 51
    assert "@HIDDEN-SURVEY" in unconverted["staff_notes"]["reason"]

    assert intake.page("page_1").title == {"en": "About this visit"}
    assert intake.item("intake_done").text == {
        "en": "Thank you for answering.\nPlease go on to the next part."
    }
    assert intake.item("preferred_language").option_codes == ("en", "es", "other")
    race = intake.item("race")
    assert race.option_codes[-2:] == ("98", "99")
    assert all(race.option(code).exclusive for code in ("98", "99"))
    assert intake.item("visit_time").validation == {"pattern": r"([01]?[0-9]|2[0-3]):[0-5][0-9]"}
    assert intake.item("visit_time").show_if is None  # NA is not logic
    assert intake.item("visit_date").validation == {"min_date": "2020-01-01", "max_date": "today"}
    assert intake.item("bmi_class").type == "computed"
    assert history.item("conditions").option_codes == ("1", "2", "3", "4")
    assert [item.matrix_group for item in history.items[2:5]] == ["mood_grid"] * 3
    assert history.item("pain_now").scale["max_label"] == {"en": "Worst pain"}
    assert history.item("anything_else").text == {
        "en": "Anything else?\nWrite as much as you like."
    }

    assert intake.item("hispanic_origin").show_if == {
        "all": [
            {"item": "hispanic", "op": "eq", "value": "1"},
            {"not": {"item": "race", "op": "contains", "value": "99"}},
        ]
    }
    assert history.item("last_visit").show_if == {
        "item": "general_health",
        "op": "in",
        "value": ["4", "5"],
    }
    warnings = {entry["field"]: entry["reason"] for entry in result.warnings}
    assert "datediff" in warnings["days_since_visit"]
    assert "[event-name]" in warnings["event_note"]
    assert "line 16" in warnings["mood_today"]
    assert "@DEFAULT" in warnings["mri_contact"]
    assert history.item("days_since_visit").show_if is None


def test_api_headers_lf_and_no_bom_give_the_same_result() -> None:
    raw = (DATA / "cohort_intake.csv").read_bytes().decode("utf-8-sig")
    lines = raw.split("\r\n")
    lines[0] = API_HEADER
    api_lf = "\n".join(lines)
    export = import_redcap_file(DATA / "cohort_intake.csv")
    api = import_redcap_dictionary(api_lf.encode())
    assert [s.to_dict()["pages"] for s in api.surveys] == [
        s.to_dict()["pages"] for s in export.surveys
    ]
    assert api.unconverted == export.unconverted


def test_mangled_bom_in_the_first_header_cell() -> None:
    raw = (DATA / "redcapr_validation_types.csv").read_text(encoding="utf-8")
    mangled = "ï»¿" + raw
    result = import_redcap_dictionary(mangled)
    assert _item_count(result) == 40
    quoted = '"\ufeffVariable / Field Name"' + raw[raw.index(",") :]
    assert _item_count(import_redcap_dictionary(quoted)) == 40


def test_windows_1252_file_is_read() -> None:
    text = (
        "Variable / Field Name,Form Name,Section Header,Field Type,Field Label\r\n"
        "record_id,f,,text,ID\r\n"
        "cafe,f,,text,Caf\u00e9 o t\u00e9\r\n"
    )
    result = import_redcap_dictionary(text.encode("cp1252"))
    assert result.surveys[0].item("cafe").text == {"en": "Café o té"}


def test_missing_columns_are_reported_on_line_one() -> None:
    result = import_redcap_dictionary("name,form\r\na,b\r\n")
    assert result.surveys == []
    assert result.unconverted[0]["line"] == 1
    assert "form_name" in result.unconverted[0]["reason"]


def test_empty_and_blank_files() -> None:
    assert import_redcap_dictionary(b"").unconverted[0]["reason"] == "the file is empty"
    result = import_redcap_dictionary(API_HEADER + "\n\n,,,\n")
    assert result.rows == 0
    assert result.surveys == []


def test_form_of_only_unconvertible_rows_yields_no_survey() -> None:
    result = import_redcap_dictionary(
        API_HEADER + "\nrecord_id,a,,text,ID\nupload,b,,file,Upload\n"
    )
    assert result.surveys == []
    assert len(result.unconverted) == 2


def test_choice_problems_are_reported() -> None:
    rows = [
        "record_id,f,,text,ID",
        'nocode,f,,radio,Pick,"Yes | No"',
        'dup,f,,radio,Pick,"1, A | 1, B"',
        'badcode,f,,radio,Pick,"1 1, A"',
        'words,f,,checkbox,Pick,"yes, Yes | -1, Unknown |"',
    ]
    result = import_redcap_dictionary(API_HEADER + "\n" + "\n".join(rows) + "\n")
    reasons = {e["field"]: e["reason"] for e in result.unconverted}
    assert "has no code" in reasons["nocode"]
    assert "appears twice" in reasons["dup"]
    assert "cannot be used" in reasons["badcode"]
    assert result.surveys[0].item("words").option_codes == ("yes", "-1")


def test_min_above_max_is_dropped_with_a_warning() -> None:
    rows = ["record_id,f,,text,ID", "age,f,,text,Age,,,integer,120,18"]
    result = import_redcap_dictionary(API_HEADER + "\n" + "\n".join(rows) + "\n")
    assert result.surveys[0].item("age").validation == {}
    assert "above maximum" in result.warnings[0]["reason"]


def test_plain_text_strips_markup_and_invisible_characters() -> None:
    assert plain_text('<p style="x">Hello&nbsp;<b>world</b></p><script>alert(1)</script>') == (
        "Hello world"
    )
    assert plain_text("a\u200bb\u00a0c") == "ab c"
    assert plain_text("1 &lt; 2") == "1 < 2"


ITEMS: dict[str, dict[str, Any]] = {
    "sex": {
        "code": "sex",
        "type": "single_choice",
        "options": [{"code": "0"}, {"code": "1"}, {"code": "2"}],
    },
    "pain": {
        "code": "pain",
        "type": "single_choice",
        "options": [{"code": str(n)} for n in range(6)],
    },
    "meds": {
        "code": "meds",
        "type": "multiple_choice",
        "options": [{"code": "1"}, {"code": "2"}, {"code": "-1"}],
    },
    "age": {"code": "age", "type": "integer"},
    "weight": {"code": "weight", "type": "decimal"},
    "visit": {"code": "visit", "type": "date"},
    "name": {"code": "name", "type": "free_text"},
    "bmi": {"code": "bmi", "type": "computed"},
}


@pytest.mark.parametrize(
    ("logic", "expected"),
    [
        ("[sex] = '1'", {"item": "sex", "op": "eq", "value": "1"}),
        ('[sex]="1"', {"item": "sex", "op": "eq", "value": "1"}),
        ("[sex] == 1", {"item": "sex", "op": "eq", "value": "1"}),
        ("[sex] <> '1'", {"item": "sex", "op": "ne", "value": "1"}),
        ("[sex] != '1'", {"item": "sex", "op": "ne", "value": "1"}),
        ("'1' = [sex]", {"item": "sex", "op": "eq", "value": "1"}),
        ("[sex] = ''", {"item": "sex", "op": "not_answered"}),
        ('[sex] <> ""', {"item": "sex", "op": "answered"}),
        ("[age] >= 18", {"item": "age", "op": "ge", "value": 18}),
        ("18 < [age]", {"item": "age", "op": "gt", "value": 18}),
        ("[age] > '65'", {"item": "age", "op": "gt", "value": 65}),
        ("[weight] <= 72.5", {"item": "weight", "op": "le", "value": 72.5}),
        ("[age] > -1", {"item": "age", "op": "gt", "value": -1}),
        ("[visit] > '2020-01-01'", {"item": "visit", "op": "gt", "value": "2020-01-01"}),
        ("[name] = 'Ana'", {"item": "name", "op": "eq", "value": "Ana"}),
        ("[meds(2)] = '1'", {"item": "meds", "op": "contains", "value": "2"}),
        ("[meds(2)] = 1", {"item": "meds", "op": "contains", "value": "2"}),
        ("[meds(2)] <> '0'", {"item": "meds", "op": "contains", "value": "2"}),
        ("[meds(-1)] = '0'", {"not": {"item": "meds", "op": "contains", "value": "-1"}}),
        ("[pain] > 3", {"item": "pain", "op": "in", "value": ["4", "5"]}),
        ("[pain] > 9", {"any": []}),
        (
            "[sex] = '1' and [age] > 18 AND [age] < 60",
            {
                "all": [
                    {"item": "sex", "op": "eq", "value": "1"},
                    {"item": "age", "op": "gt", "value": 18},
                    {"item": "age", "op": "lt", "value": 60},
                ]
            },
        ),
        (
            "([sex] = '0' || [sex] = '2') && [age] >= 40",
            {
                "all": [
                    {
                        "any": [
                            {"item": "sex", "op": "eq", "value": "0"},
                            {"item": "sex", "op": "eq", "value": "2"},
                        ]
                    },
                    {"item": "age", "op": "ge", "value": 40},
                ]
            },
        ),
        (
            "[sex] = '0' or ([sex] = '1' or [sex] = '2')",
            {
                "any": [
                    {"item": "sex", "op": "eq", "value": "0"},
                    {"item": "sex", "op": "eq", "value": "1"},
                    {"item": "sex", "op": "eq", "value": "2"},
                ]
            },
        ),
    ],
)
def test_branching_conversion(logic: str, expected: dict[str, Any]) -> None:
    assert convert_branching(logic, ITEMS) == expected


@pytest.mark.parametrize(
    ("logic", "reason"),
    [
        ("datediff([visit], 'today', 'd') > 30", "function datediff() is not supported"),
        ("[event-name] = 'baseline_arm_1'", "smart variable"),
        ("[baseline_arm_1][age] > 3", "event or instance prefixes"),
        ("[age] + 1 > 3", "arithmetic"),
        ("[age] > [weight]", "comparing two fields"),
        ("[ghost] = '1'", "[ghost] is not an earlier field"),
        ("[sex] = '7'", "not one of the choice codes"),
        ("[meds] = '1'", "compared without a choice"),
        ("[meds(9)] = '1'", "no choice '9'"),
        ("[meds(1)] = '2'", "can only be compared with '1' or '0'"),
        ("[sex(1)] = '1'", "is not a checkbox field"),
        ("[age] = 'old'", "is a number"),
        ("[visit] > '01-02-2020'", "compare it with 'YYYY-MM-DD'"),
        ("[name] > 'A'", "cannot be compared"),
        ("[bmi] > 30", "calculated field"),
        ("[sex] = '1' and", "ends too early"),
        ("([sex] = '1'", "ends too early"),
        ("[sex] = '1')", "unexpected ')'"),
        ("[sex] '1'", "expected a comparison"),
        ("[sex] = '1' ; drop", "unexpected character ';'"),
        ("", "empty"),
        ("'a' = 'b'", "two constants"),
        ("true", "unknown word"),
    ],
)
def test_branching_that_cannot_be_converted_says_why(logic: str, reason: str) -> None:
    with pytest.raises(ValueError, match=None) as raised:
        convert_branching(logic, ITEMS)
    assert reason in str(raised.value)


ODD_CELLS = st.sampled_from(
    [
        "",
        "NA",
        "text",
        "radio",
        "checkbox",
        "slider",
        "calc",
        "file",
        "descriptive",
        "yesno",
        "integer",
        "date_ymd",
        "1, A | 2, B",
        "a | b",
        "[x] = '1'",
        "[x(1)] = '1' or [y] > 2",
        "datediff([a],[b])",
        "<b>bold</b>",
        "@HIDDEN",
        "y",
        "\u200b",
        "q1",
        "x",
        "y",
        "form_a",
        '"',
        "\r\n",
        "-5",
        "100",
    ]
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(ODD_CELLS, min_size=0, max_size=20), max_size=12))
def test_any_grid_of_odd_cells_imports_without_crashing(grid: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(API_HEADER.split(","))
    writer.writerows(grid)
    result = import_redcap_dictionary(buffer.getvalue().encode())
    assert _item_count(result) + len(result.unconverted) == result.rows


@settings(max_examples=100)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    result = import_redcap_dictionary(data)
    assert isinstance(result, ImportResult)
