"""Server-side validation of submitted pages, including what a hostile client might post."""

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from participants.surveys.definition import load_core_definitions, load_definition
from participants.surveys.validation import (
    DEFAULT_MAX_TEXT_LENGTH,
    MESSAGES,
    error_message,
    merge_page_answers,
    validate_page,
)
from tests.participants.surveys.helpers import with_required

CORE = load_core_definitions()
BASICS = CORE["the_basics"]
# The core modules force nothing; the engine's `required` is checked on a marked copy.
BASICS_REQUIRED = with_required(BASICS, "birth_year", "birth_place")
HEALTH = CORE["overall_health"]
LIFESTYLE = CORE["lifestyle"]
HISTORY = CORE["personal_family_history"]
TODAY = date(2025, 6, 15)


def _text(t: str, **extra: Any) -> dict[str, Any]:
    return {"code": "note", "type": "free_text", "text": {"en": t}, **extra}


def _one_item_survey(item: dict[str, Any]) -> Any:
    return load_definition(
        {
            "code": "one",
            "version": "1",
            "languages": ["en"],
            "title": {"en": "One"},
            "pages": [{"code": "p", "title": {"en": "P"}, "items": [item]}],
        }
    )


def _validate(definition: Any, page: str, post: dict[str, Any], **kwargs: Any):
    kwargs.setdefault("today", TODAY)
    return validate_page(definition, page, post, kwargs.pop("language", "en"), **kwargs)


def test_valid_page_is_cleaned_to_typed_values() -> None:
    cleaned, errors = _validate(
        BASICS,
        "about_you",
        {"birth_year": [" 1948 "], "birth_place": ["PR"], "main_language": ["ES"]},
    )
    assert errors == {}
    assert cleaned == {"birth_year": 1948, "birth_place": "PR", "main_language": "ES"}


def test_required_items_are_reported_in_the_participants_language() -> None:
    _, errors = _validate(BASICS_REQUIRED, "about_you", {}, language="es")
    assert set(errors) == {"birth_year", "birth_place"}
    assert errors["birth_year"].key == "required"
    assert errors["birth_year"].message == "Por favor, responda esta pregunta."
    _, errors = _validate(BASICS_REQUIRED, "about_you", {"birth_year": ["   "]})
    assert errors["birth_year"].message == "Please answer this question."


def test_prefer_not_to_answer_satisfies_required() -> None:
    cleaned, errors = _validate(
        BASICS_REQUIRED, "about_you", {"birth_year": ["PNA"], "birth_place": ["PNA"]}
    )
    assert errors == {}
    assert cleaned == {"birth_year": "PNA", "birth_place": "PNA"}


def test_typed_value_and_prefer_not_to_answer_together_is_an_error() -> None:
    _, errors = _validate(
        BASICS, "about_you", {"birth_year": ["1950", "PNA"], "birth_place": ["US"]}, language="es"
    )
    assert errors["birth_year"].key == "value_and_special"
    assert "«Prefiero no responder»" in errors["birth_year"].message


def test_free_text_loses_only_nuls_and_surrounding_space() -> None:
    definition = _one_item_survey(_text("Anything?", multiline=True))
    cleaned, _ = _validate(definition, "p", {"note": ["  line one\x00\r\nline two  "]})
    assert cleaned == {"note": "line one\nline two"}


def test_free_text_over_the_limit_is_refused_not_truncated() -> None:
    definition = _one_item_survey(_text("Short?", validation={"max_length": 5}))
    cleaned, errors = _validate(definition, "p", {"note": ["abcdef"]}, language="es")
    assert cleaned == {}
    assert errors["note"].key == "too_long"
    assert errors["note"].message == (
        "Por favor, acorte su respuesta a 5 caracteres o menos (tiene 6)."
    )
    unlimited = _one_item_survey(_text("Long?"))
    _, errors = _validate(unlimited, "p", {"note": ["x" * (DEFAULT_MAX_TEXT_LENGTH + 1)]})
    assert errors["note"].key == "too_long"


def test_free_text_pattern() -> None:
    definition = _one_item_survey(_text("Zip?", validation={"pattern": "[0-9]{5}"}))
    assert _validate(definition, "p", {"note": ["02139"]})[0] == {"note": "02139"}
    assert _validate(definition, "p", {"note": ["0213"]})[1]["note"].key == "bad_format"


@pytest.mark.parametrize(
    ("posted", "key"),
    [
        ("9", "below_min"),
        ("801", "above_max"),
        ("1e3", "not_decimal"),
        ("nan", "not_decimal"),
        ("inf", "not_decimal"),
        ("1,000.5", "not_decimal"),
        ("12 kg", "not_decimal"),
        ("-0", "below_min"),
    ],
)
def test_decimal_refusals(posted: str, key: str) -> None:
    _, errors = _validate(HEALTH, "body_size", {"weight_pounds": [posted]})
    assert errors["weight_pounds"].key == key


@pytest.mark.parametrize(("posted", "value"), [("72,5", 72.5), ("150", 150), (" 199.25 ", 199.25)])
def test_decimal_accepts_comma_or_point(posted: str, value: float) -> None:
    cleaned, errors = _validate(HEALTH, "body_size", {"weight_pounds": [posted]})
    assert errors == {}
    assert cleaned["weight_pounds"] == value


def test_range_messages_use_local_number_format() -> None:
    _, errors = _validate(HEALTH, "daily_life", {"sleep_hours": ["25"]}, language="es")
    assert errors["sleep_hours"].message == "Por favor, escriba un número igual o menor que 24."


@pytest.mark.parametrize(
    ("posted", "key"),
    [("2.5", "not_integer"), ("9", "above_max"), ("2", "below_min"), ("five", "not_integer")],
)
def test_integer_refusals(posted: str, key: str) -> None:
    _, errors = _validate(HEALTH, "body_size", {"height_feet": [posted]})
    assert errors["height_feet"].key == key


def test_full_width_digits_from_phone_keyboards_are_accepted() -> None:
    cleaned, errors = _validate(HEALTH, "body_size", {"height_feet": ["５"]})
    assert errors == {}
    assert cleaned == {"height_feet": 5}


def test_out_of_range_integer_that_python_would_accept_is_refused() -> None:
    _, errors = _validate(HEALTH, "body_size", {"height_feet": ["9" * 40]})
    assert errors["height_feet"].key == "not_integer"


def test_scale_bounds() -> None:
    assert _validate(HEALTH, "daily_life", {"pain_level": ["10"]})[0] == {"pain_level": 10}
    _, errors = _validate(HEALTH, "daily_life", {"pain_level": ["11"]})
    assert errors["pain_level"].message == "Please choose a number from 0 to 10."


def test_year_bounds_follow_the_current_year() -> None:
    _, errors = _validate(BASICS, "about_you", {"birth_year": ["2026"], "birth_place": ["US"]})
    assert errors["birth_year"].key == "year_too_late"
    assert "2025" in errors["birth_year"].message
    _, errors = _validate(BASICS, "about_you", {"birth_year": ["1899"], "birth_place": ["US"]})
    assert errors["birth_year"].key == "year_too_early"
    _, errors = _validate(BASICS, "about_you", {"birth_year": ["48"], "birth_place": ["US"]})
    assert errors["birth_year"].key == "not_year"


DATED = _one_item_survey(
    {
        "code": "when",
        "type": "date",
        "text": {"en": "When?"},
        "validation": {"min_date": "1900-01-01", "max_date": "today"},
    }
)


@pytest.mark.parametrize(
    ("post", "key"),
    [
        ({"when": ["2023-02-30"]}, "impossible_date"),
        ({"when": ["2023-13-01"]}, "impossible_date"),
        ({"when": ["2023-02-29"]}, "impossible_date"),
        ({"when": ["0000-01-01"]}, "impossible_date"),
        ({"when": ["30/02/2023"]}, "not_date"),
        ({"when": ["yesterday"]}, "not_date"),
        ({"when": ["1899-12-31"]}, "date_too_early"),
        ({"when": ["2025-06-16"]}, "date_too_late"),
        ({"when__year": ["2023"], "when__month": ["2"], "when__day": ["30"]}, "impossible_date"),
        ({"when__year": ["2023"], "when__month": ["2"]}, "not_date"),
        ({"when__year": ["23"], "when__month": ["2"], "when__day": ["3"]}, "not_date"),
    ],
)
def test_impossible_and_out_of_range_dates(post: dict[str, list[str]], key: str) -> None:
    cleaned, errors = _validate(DATED, "p", post)
    assert cleaned == {}
    assert errors["when"].key == key


def test_dates_from_one_field_or_three() -> None:
    assert _validate(DATED, "p", {"when": ["2024-02-29"]})[0] == {"when": "2024-02-29"}
    three = {"when__year": ["1950"], "when__month": ["7"], "when__day": ["4"]}
    assert _validate(DATED, "p", three)[0] == {"when": "1950-07-04"}


def test_date_limits_are_spelled_out_in_each_language() -> None:
    _, errors = _validate(DATED, "p", {"when": ["2025-07-01"]}, language="es")
    assert errors["when"].message == (
        "Por favor, escriba una fecha que no sea posterior al 15 de junio de 2025."
    )
    _, errors = _validate(DATED, "p", {"when": ["1800-07-01"]})
    assert errors["when"].message == "Please enter a date on or after January 1, 1900."


def test_option_code_not_in_options_is_an_error() -> None:
    _, errors = _validate(BASICS, "about_you", {"birth_year": ["1950"], "birth_place": ["MARS"]})
    assert errors["birth_place"].key == "unknown_option"
    _, errors = _validate(
        BASICS, "race_ethnicity", {"race_ethnicity": ["WHITE", "<script>"]}, language="es"
    )
    assert (
        errors["race_ethnicity"].message == "Por favor, elija una de las respuestas que aparecen."
    )


def test_single_choice_with_two_answers_is_an_error() -> None:
    _, errors = _validate(
        BASICS, "about_you", {"birth_year": ["1950"], "birth_place": ["US", "PR"]}
    )
    assert errors["birth_place"].key == "choose_one"


def test_repeated_identical_value_is_one_answer() -> None:
    cleaned, errors = _validate(
        BASICS, "about_you", {"birth_year": ["1950"], "birth_place": ["US", "US"]}
    )
    assert errors == {}
    assert cleaned["birth_place"] == "US"


def test_multiple_choice_is_kept_in_definition_order_without_duplicates() -> None:
    cleaned, errors = _validate(
        BASICS, "race_ethnicity", {"race_ethnicity": ["WHITE", "ASIAN", "WHITE"]}
    )
    assert errors == {}
    assert cleaned == {"race_ethnicity": ["ASIAN", "WHITE"]}


def test_exclusive_option_cannot_be_combined() -> None:
    _, errors = _validate(BASICS, "race_ethnicity", {"race_ethnicity": ["PNA", "WHITE"]})
    assert errors["race_ethnicity"].key == "exclusive_option"
    assert errors["race_ethnicity"].message == (
        "“Prefer not to answer” cannot be combined with other answers."
    )
    cleaned, errors = _validate(BASICS, "race_ethnicity", {"race_ethnicity": ["PNA"]})
    assert (cleaned, errors) == ({"race_ethnicity": ["PNA"]}, {})


def test_answers_to_items_hidden_by_branching_are_ignored() -> None:
    # Page hidden: birth_place US means no "origin" page, whatever is posted to it.
    cleaned, errors = _validate(
        BASICS,
        "origin",
        {"birth_country": ["<script>x</script>"], "years_in_us": ["not a number"]},
        previous_answers={"birth_place": "US"},
    )
    assert (cleaned, errors) == ({}, {})
    # Item hidden inside a visible page: only the OTHER free text is read.
    cleaned, errors = _validate(
        BASICS,
        "race_ethnicity_detail",
        {"hispanic_origin": ["NOT_AN_OPTION"], "race_ethnicity_other": ["Garifuna"]},
        previous_answers={"race_ethnicity": ["OTHER"]},
    )
    assert errors == {}
    assert cleaned == {"race_ethnicity_other": "Garifuna"}


def test_stale_answers_on_hidden_earlier_pages_do_not_reveal_later_pages() -> None:
    stale = {"tobacco_ever": "N", "tobacco_products": ["CIGARETTES"], "smoked_100": "Y"}
    cleaned, errors = _validate(
        LIFESTYLE, "smoking_now", {"smoking_now": ["EVERY_DAY"]}, previous_answers=stale
    )
    assert (cleaned, errors) == ({}, {})


def test_fields_of_other_pages_and_unknown_fields_are_ignored() -> None:
    cleaned, errors = _validate(
        BASICS,
        "about_you",
        {
            "birth_year": ["1950"],
            "birth_place": ["US"],
            "csrfmiddlewaretoken": ["abc"],
            "health_insurance": ["Y"],
            "basics_intro": ["I am descriptive"],
        },
    )
    assert errors == {}
    assert cleaned == {"birth_year": 1950, "birth_place": "US"}


def test_a_plain_string_in_place_of_a_list_is_accepted() -> None:
    cleaned, errors = _validate(BASICS, "about_you", {"birth_year": "1950", "birth_place": "US"})
    assert errors == {}
    assert cleaned == {"birth_year": 1950, "birth_place": "US"}


def test_unknown_page_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        _validate(BASICS, "no_such_page", {})


def test_merge_replaces_the_page_answers_and_keeps_the_rest() -> None:
    stored = {"birth_year": 1950, "birth_place": "OTHER_COUNTRY", "birth_country": "Perú"}
    merged = merge_page_answers(BASICS, "about_you", stored, {"birth_year": 1951})
    # birth_place was cleared on this page; the now-hidden answer is kept until completion.
    assert merged == {"birth_year": 1951, "birth_country": "Perú"}


def test_every_message_exists_in_both_languages_and_formats() -> None:
    params = {
        "option": "X",
        "min": 1,
        "max": 2.5,
        "min_date": TODAY,
        "max_date": TODAY,
        "min_year": "1900",
        "max_year": "2025",
        "max_length": 5,
        "length": 6,
    }
    for key, texts in MESSAGES.items():
        assert set(texts) == {"en", "es"}, key
        for language in ("en", "es"):
            assert "{" not in error_message(key, language, **params)
    assert error_message("above_max", "es", max=2.5).endswith("2,5.")
    assert error_message("required", "fr") == MESSAGES["required"]["en"]


@settings(max_examples=150)
@given(
    st.sampled_from(list(CORE.values())).flatmap(
        lambda d: st.tuples(
            st.just(d),
            st.sampled_from([page.code for page in d.pages]),
            st.dictionaries(
                st.sampled_from([item.code for item in d.items] + ["x", "birth_year__day"]),
                st.lists(st.text(max_size=12), max_size=3),
            ),
            st.sampled_from(["en", "es"]),
        )
    )
)
def test_validation_never_crashes_and_never_keeps_foreign_codes(case: tuple) -> None:
    definition, page_code, post, language = case
    cleaned, errors = validate_page(definition, page_code, post, language, today=TODAY)
    page_codes = {item.code for item in definition.page(page_code).items}
    assert set(cleaned) <= page_codes
    assert not set(cleaned) & set(errors)
    for code, value in cleaned.items():
        item = definition.item(code)
        if item.type == "single_choice":
            assert value in item.option_codes
        elif item.type == "multiple_choice":
            assert set(value) <= set(item.option_codes)
        elif item.type == "free_text":
            assert "\x00" not in value
    for error in errors.values():
        assert error.message
