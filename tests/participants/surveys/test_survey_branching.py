"""Branching: the condition evaluator's laws, and pruning hidden answers to a fixpoint."""

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from participants.surveys.branching import (
    condition_holds,
    missing_required,
    next_page,
    previous_page,
    prune_hidden_answers,
    visible_items,
    visible_pages,
)
from participants.surveys.definition import SurveyDefinition, load_core_definitions, load_definition
from tests.participants.surveys.helpers import with_required

CORE = load_core_definitions()
CODES = ["a", "b", "c", "d"]
OPTION_CODES = ["X", "Y", "Z", "PNA"]

answer_values = st.one_of(
    st.sampled_from(OPTION_CODES),
    st.lists(st.sampled_from(OPTION_CODES), max_size=3, unique=True),
    st.integers(min_value=-5, max_value=5),
    st.floats(min_value=-5, max_value=5, allow_nan=False),
    st.just(""),
    st.none(),
)
answers_strategy = st.dictionaries(st.sampled_from(CODES), answer_values, max_size=4)
comparison_values = st.one_of(st.sampled_from(OPTION_CODES), st.integers(min_value=-5, max_value=5))


@st.composite
def comparisons(draw: st.DrawFn) -> dict[str, Any]:
    op = draw(
        st.sampled_from(
            ["eq", "ne", "lt", "le", "gt", "ge", "in", "contains", "answered", "not_answered"]
        )
    )
    condition: dict[str, Any] = {"item": draw(st.sampled_from(CODES)), "op": op}
    if op == "in":
        condition["value"] = draw(st.lists(comparison_values, min_size=1, max_size=3))
    elif op not in {"answered", "not_answered"}:
        condition["value"] = draw(comparison_values)
    return condition


conditions = st.recursive(
    comparisons(),
    lambda children: st.one_of(
        st.builds(lambda parts: {"all": parts}, st.lists(children, max_size=3)),
        st.builds(lambda parts: {"any": parts}, st.lists(children, max_size=3)),
        st.builds(lambda inner: {"not": inner}, children),
    ),
    max_leaves=8,
)


@given(conditions, answers_strategy)
def test_double_negation(condition: dict[str, Any], answers: dict[str, Any]) -> None:
    assert condition_holds({"not": {"not": condition}}, answers) == condition_holds(
        condition, answers
    )


@given(st.lists(conditions, max_size=4), answers_strategy)
def test_all_and_any_are_the_boolean_folds(
    parts: list[dict[str, Any]], answers: dict[str, Any]
) -> None:
    values = [condition_holds(part, answers) for part in parts]
    assert condition_holds({"all": parts}, answers) == all(values)
    assert condition_holds({"any": parts}, answers) == any(values)


@given(st.lists(conditions, max_size=4), answers_strategy)
def test_de_morgan(parts: list[dict[str, Any]], answers: dict[str, Any]) -> None:
    negated = [{"not": part} for part in parts]
    assert condition_holds({"not": {"all": parts}}, answers) == condition_holds(
        {"any": negated}, answers
    )
    assert condition_holds({"not": {"any": parts}}, answers) == condition_holds(
        {"all": negated}, answers
    )


@given(conditions, answers_strategy)
def test_single_part_all_and_any_are_the_part(
    condition: dict[str, Any], answers: dict[str, Any]
) -> None:
    expected = condition_holds(condition, answers)
    assert condition_holds({"all": [condition]}, answers) == expected
    assert condition_holds({"any": [condition]}, answers) == expected


def test_empty_all_is_true_and_empty_any_is_false() -> None:
    assert condition_holds({"all": []}, {}) is True
    assert condition_holds({"any": []}, {}) is False


@given(st.sampled_from(CODES), comparison_values, answers_strategy)
def test_ne_is_exactly_not_eq(code: str, value: Any, answers: dict[str, Any]) -> None:
    eq = condition_holds({"item": code, "op": "eq", "value": value}, answers)
    assert condition_holds({"item": code, "op": "ne", "value": value}, answers) is not eq


@given(st.sampled_from(CODES), answers_strategy)
def test_answered_and_not_answered_partition(code: str, answers: dict[str, Any]) -> None:
    answered = condition_holds({"item": code, "op": "answered"}, answers)
    assert condition_holds({"item": code, "op": "not_answered"}, answers) is not answered


@given(comparisons())
def test_an_unanswered_item_satisfies_only_ne_and_not_answered(
    condition: dict[str, Any],
) -> None:
    assert condition_holds(condition, {}) is (condition["op"] in {"ne", "not_answered"})


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ({"item": "a", "op": "eq", "value": "X"}, {"a": "X"}, True),
        ({"item": "a", "op": "eq", "value": 3}, {"a": "3"}, False),  # a code is not a number
        ({"item": "a", "op": "eq", "value": 3}, {"a": 3.0}, True),
        ({"item": "a", "op": "lt", "value": 3}, {"a": 2}, True),
        ({"item": "a", "op": "lt", "value": 3}, {"a": "PNA"}, False),
        ({"item": "a", "op": "ge", "value": 18}, {"a": 18}, True),
        ({"item": "a", "op": "gt", "value": "2000-01-01"}, {"a": "2001-05-06"}, True),
        ({"item": "a", "op": "contains", "value": "X"}, {"a": ["Y", "X"]}, True),
        ({"item": "a", "op": "contains", "value": "X"}, {"a": []}, False),
        ({"item": "a", "op": "in", "value": ["X", "Y"]}, {"a": "Y"}, True),
        ({"item": "a", "op": "in", "value": ["X", "Y"]}, {"a": ["Z", "Y"]}, True),
        ({"item": "a", "op": "in", "value": ["X", "Y"]}, {"a": ["Z"]}, False),
        ({"item": "a", "op": "answered"}, {"a": ""}, False),
        ({"item": "a", "op": "answered"}, {"a": 0}, True),
        ({"item": "a", "op": "answered"}, {"a": "PNA"}, True),
        ({"item": "a", "op": "lt", "value": 3}, {"a": True}, False),
    ],
)
def test_condition_examples(condition: dict[str, Any], answers: dict[str, Any], expected: bool):
    assert condition_holds(condition, answers) is expected


def test_unknown_operator_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown condition operator"):
        condition_holds({"item": "a", "op": "like", "value": "X"}, {"a": "X"})


# --- visibility and pruning on random definitions -------------------------------------------


@st.composite
def chained_definitions(draw: st.DrawFn) -> SurveyDefinition:
    """Random surveys whose conditions look back at random earlier items and pages."""
    item_count = draw(st.integers(min_value=2, max_value=9))
    codes = [f"i{n}" for n in range(item_count)]
    page_breaks = sorted(draw(st.sets(st.integers(1, item_count - 1), max_size=3)))
    bounds = [0, *page_breaks, item_count]
    options = [{"code": c, "label": {"en": c}} for c in ("X", "Y", "Z")]

    def condition_on(earlier: list[str]) -> dict[str, Any]:
        def leaf() -> dict[str, Any]:
            code = draw(st.sampled_from(earlier))
            op = draw(st.sampled_from(["eq", "ne", "answered", "not_answered", "in"]))
            if op in {"answered", "not_answered"}:
                return {"item": code, "op": op}
            if op == "in":
                return {"item": code, "op": op, "value": draw(st.sampled_from([["X"], ["X", "Y"]]))}
            return {"item": code, "op": op, "value": draw(st.sampled_from(["X", "Y"]))}

        shape = draw(st.sampled_from(["leaf", "not", "all", "any"]))
        if shape == "leaf":
            return leaf()
        if shape == "not":
            return {"not": leaf()}
        return {shape: [leaf(), leaf()]}

    pages = []
    for page_number, (start, end) in enumerate(itertools.pairwise(bounds)):
        items = []
        for index in range(start, end):
            item: dict[str, Any] = {
                "code": codes[index],
                "type": "single_choice",
                "text": {"en": codes[index]},
                "options": options,
            }
            if index > 0 and draw(st.booleans()):
                item["show_if"] = condition_on(codes[:index])
            items.append(item)
        page: dict[str, Any] = {"code": f"p{page_number}", "title": {"en": "P"}, "items": items}
        if start > 0 and draw(st.booleans()):
            page["show_if"] = condition_on(codes[:start])
        pages.append(page)
    return load_definition(
        {
            "code": "random",
            "version": "1",
            "languages": ["en"],
            "title": {"en": "R"},
            "pages": pages,
        }
    )


def answers_for(definition: SurveyDefinition) -> st.SearchStrategy[dict[str, Any]]:
    codes = [item.code for item in definition.items] + ["not_an_item"]
    return st.dictionaries(st.sampled_from(codes), st.sampled_from(["X", "Y", "Z", ""]))


@settings(max_examples=200)
@given(st.data())
def test_prune_reaches_a_consistent_fixpoint(data: st.DataObject) -> None:
    definition = data.draw(chained_definitions())
    answers = data.draw(answers_for(definition))
    pruned = prune_hidden_answers(definition, answers)
    shown = {item.code for item in visible_items(definition, pruned)}

    assert prune_hidden_answers(definition, pruned) == pruned  # idempotent
    assert set(pruned) <= shown  # never an answer to a hidden item
    assert pruned.items() <= answers.items()  # only ever removes, never alters
    # ... and removes only what is hidden: nothing was thrown away needlessly.
    for code, value in answers.items():
        if code in shown and value != "":
            assert pruned[code] == value
    # Stale answers to hidden items never influence what is visible.
    assert visible_items(definition, answers) == visible_items(definition, pruned)


@st.composite
def core_answers(draw: st.DrawFn) -> tuple[SurveyDefinition, dict[str, Any]]:
    definition = draw(st.sampled_from(list(CORE.values())))
    answers: dict[str, Any] = {}
    for item in definition.items:
        if not item.takes_input or not draw(st.booleans()):
            continue
        codes = list(item.option_codes)
        if item.type == "multiple_choice":
            answers[item.code] = draw(st.lists(st.sampled_from(codes), min_size=1, unique=True))
        elif codes and (item.type == "single_choice" or draw(st.booleans())):
            answers[item.code] = draw(st.sampled_from(codes))
        elif item.type in {"integer", "scale", "year"}:
            answers[item.code] = draw(st.integers(min_value=0, max_value=2000))
        elif item.type == "decimal":
            answers[item.code] = draw(st.floats(0, 500, allow_nan=False))
        else:
            answers[item.code] = draw(st.sampled_from(["x", "hola", "<b>", "2020-02-02"]))
    return definition, answers


@settings(max_examples=200)
@given(core_answers())
def test_core_surveys_prune_to_visible_items(case: tuple[SurveyDefinition, dict[str, Any]]):
    definition, answers = case
    pruned = prune_hidden_answers(definition, answers)
    assert prune_hidden_answers(definition, pruned) == pruned
    assert set(pruned) <= {item.code for item in visible_items(definition, pruned)}
    pages = visible_pages(definition, pruned)
    assert pages[0] is definition.pages[0]
    for item in visible_items(definition, pruned):
        assert any(page.code == item.page_code for page in pages)


def test_never_smoked_skips_the_rest_of_tobacco() -> None:
    lifestyle = CORE["lifestyle"]
    stale = {
        "tobacco_ever": "N",
        "tobacco_products": ["CIGARETTES"],
        "smoked_100": "Y",
        "smoking_now": "EVERY_DAY",
        "cigarettes_per_day": 20,
        "alcohol_frequency": "NEVER",
    }
    codes = [page.code for page in visible_pages(lifestyle, stale)]
    assert codes == ["tobacco", "alcohol", "activity"]
    # Hiding tobacco_products hides the chain that hangs off it, all the way down.
    assert prune_hidden_answers(lifestyle, stale) == {
        "tobacco_ever": "N",
        "alcohol_frequency": "NEVER",
    }


def test_current_smoker_sees_the_current_smoking_page_only() -> None:
    lifestyle = CORE["lifestyle"]
    answers = {
        "tobacco_ever": "Y",
        "tobacco_products": ["CIGARETTES"],
        "smoked_100": "Y",
        "smoking_now": "SOME_DAYS",
    }
    codes = [page.code for page in visible_pages(lifestyle, answers)]
    assert "current_smoking" in codes
    assert "former_smoking" not in codes


def test_family_history_shows_only_ticked_body_systems() -> None:
    history = CORE["personal_family_history"]
    codes = [p.code for p in visible_pages(history, {"body_systems": ["HEART", "KIDNEY"]})]
    assert codes == ["body_systems", "heart_conditions", "kidney_conditions", "other_conditions"]


def test_employment_branches_to_work_details() -> None:
    basics = CORE["the_basics"]
    assert basics.page("work_details") not in visible_pages(basics, {"employment": ["RETIRED"]})
    assert basics.page("work_details") in visible_pages(
        basics, {"employment": ["RETIRED", "SELF_EMPLOYED"]}
    )


def test_item_level_branching_within_a_visible_page() -> None:
    basics = CORE["the_basics"]
    shown = visible_items(basics, {"race_ethnicity": ["OTHER"]}, page_code="race_ethnicity_detail")
    assert [item.code for item in shown] == ["race_ethnicity_other"]


def test_navigation_skips_hidden_pages() -> None:
    health = CORE["overall_health"]
    answers = {"organ_transplant": "N"}
    assert next_page(health, answers).code == "general"
    assert next_page(health, answers, after="health_care") is None
    assert next_page(health, {"organ_transplant": "Y"}, after="health_care").code == "transplant"
    assert previous_page(health, answers, before="body_size").code == "general"
    assert previous_page(health, answers, before="general") is None


def test_missing_required_lists_visible_required_items_only() -> None:
    lifestyle = with_required(
        CORE["lifestyle"], "tobacco_ever", "tobacco_products", "alcohol_frequency"
    )
    missing = [item.code for item in missing_required(lifestyle, {"tobacco_ever": "N"})]
    assert missing == ["alcohol_frequency"]
    missing = [item.code for item in missing_required(lifestyle, {"tobacco_ever": "Y"})]
    assert missing == ["tobacco_products", "alcohol_frequency"]
    assert missing_required(lifestyle, {"tobacco_ever": "PNA", "alcohol_frequency": "PNA"}) == []
