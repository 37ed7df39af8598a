"""Survey services: start, save page by page, branching, complete, journey, withdrawal."""

import pytest
from django.db import IntegrityError, transaction

from participants.enrollment import participant_withdraw
from participants.journey import journey_advance_to
from participants.models import JourneyState, JourneyTransition
from participants.surveys.models import REVIEW_STEP, ResponseStatus, SurveyResponse
from participants.surveys.services import (
    PageNotReached,
    SurveyError,
    SurveyNotAvailable,
    response_complete,
    response_start_or_resume,
)
from portal.models import AuditEvent
from tests.participants.surveys.helpers import BASICS_PAGES, save, walk


def start(participant, code="the_basics"):
    return response_start_or_resume(
        participant=participant, survey_code=code, actor=participant.user
    )


def test_the_basics_is_not_available_before_health_records_are_shared(participant, surveys):
    assert participant.state == JourneyState.ELIGIBLE
    with pytest.raises(SurveyNotAvailable) as exc:
        start(participant)
    assert exc.value.code == "not_yet"
    assert not SurveyResponse.objects.exists()


def test_other_modules_open_after_the_basics(ready):
    with pytest.raises(SurveyNotAvailable):
        start(ready, "lifestyle")


def test_start_is_idempotent_and_audited(ready):
    first = start(ready)
    again = start(ready)
    assert first.pk == again.pk
    assert first.current_page == "about_you" == first.furthest_page
    assert first.version.code == "the_basics"
    assert AuditEvent.objects.filter(action="survey.start").count() == 1


def test_one_in_progress_response_per_survey_is_a_constraint(ready):
    response = start(ready)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(
            participant=ready, version=response.version, survey_code="the_basics"
        )


def test_each_page_is_saved_and_branching_picks_the_next_page(ready):
    response = start(ready)
    outcome = save(ready, response, "about_you", {"birth_year": ["1956"], "birth_place": ["US"]})
    assert outcome.saved and outcome.step == "race_ethnicity"  # `origin` is skipped
    response.refresh_from_db()
    assert response.answers == {"birth_year": 1956, "birth_place": "US"}
    assert response.current_page == response.furthest_page == "race_ethnicity"
    audit = AuditEvent.objects.get(action="survey.page_save")
    assert audit.data == {"survey": "the_basics", "page": "about_you", "action": "continue"}
    assert "1956" not in str(audit.data)


def test_going_back_keeps_answers_and_changing_a_branch_keeps_hidden_ones_until_completion(ready):
    response = start(ready)
    save(ready, response, "about_you", BASICS_PAGES["about_you"])
    save(ready, response, "origin", BASICS_PAGES["origin"])
    back = save(ready, response, "race_ethnicity", {"race_ethnicity": ["WHITE"]}, action="back")
    assert back.step == "origin"
    response.refresh_from_db()
    assert response.answers["race_ethnicity"] == ["WHITE"]
    assert response.current_page == "origin" and response.furthest_page == "race_ethnicity"
    # Now born in the US: `origin` is hidden, its answers are kept until completion.
    save(ready, response, "about_you", {"birth_year": ["1956"], "birth_place": ["US"]})
    response.refresh_from_db()
    assert response.answers["birth_country"] == "Mexico"
    walk(
        ready,
        response,
        {**BASICS_PAGES, "about_you": {"birth_year": ["1956"], "birth_place": ["US"]}},
    )
    completed = response_complete(
        participant=ready, response_id=response.public_id, actor=ready.user
    )
    assert "birth_country" not in completed.answers and "years_in_us" not in completed.answers
    assert completed.answers["race_ethnicity"] == ["HISPANIC", "WHITE"]


def test_answers_to_hidden_items_are_ignored(ready):
    response = start(ready)
    save(ready, response, "about_you", {"birth_year": ["1956"], "birth_place": ["US"]})
    save(
        ready,
        response,
        "race_ethnicity",
        {"race_ethnicity": ["WHITE"], "hispanic_origin": ["CUBAN"]},
    )
    response.refresh_from_db()
    assert "hispanic_origin" not in response.answers
    with pytest.raises(PageNotReached):  # the page itself is hidden for this participant
        save(ready, response, "race_ethnicity_detail", {"hispanic_origin": ["CUBAN"]})


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"birth_year": ["1856"], "birth_place": ["US"]}, "year_too_early"),
        ({"birth_year": ["3000"], "birth_place": ["US"]}, "year_too_late"),
        ({"birth_year": ["19x6"], "birth_place": ["US"]}, "not_year"),
        ({"birth_year": ["1956"], "birth_place": ["MARS"]}, "unknown_option"),
        ({"birth_year": ["1956", "PNA"], "birth_place": ["US"]}, "value_and_special"),
        ({"birth_year": ["1956"], "birth_place": ["US", "PR"]}, "choose_one"),
    ],
)
def test_unreadable_answers_block_the_save(ready, data, key):
    response = start(ready)
    outcome = save(ready, response, "about_you", data)
    assert not outcome.saved and outcome.step is None
    assert key in {e.key for e in outcome.errors.values()}
    response.refresh_from_db()
    assert response.answers == {} and response.current_page == "about_you"


def test_out_of_range_number_and_spanish_messages(ready):
    response = start(ready)
    save(ready, response, "about_you", BASICS_PAGES["about_you"])
    outcome = save(ready, response, "origin", {"years_in_us": ["121"]}, language="es")
    assert outcome.errors["years_in_us"].key == "above_max"
    assert (
        outcome.errors["years_in_us"].message
        == "Por favor, escriba un número igual o menor que 120."
    )


def test_nothing_is_forced_a_skipped_question_moves_on(ready):
    """The cohort convention: every question offers "Prefer not to answer", none is forced."""
    response = start(ready)
    outcome = save(ready, response, "about_you", {"main_language": ["EN"]})
    assert outcome.saved and not outcome.errors
    assert outcome.step == "race_ethnicity"
    response.refresh_from_db()
    assert response.answers == {"main_language": "EN"}
    later = save(ready, response, "race_ethnicity", {}, action="later")
    assert later.step == "race_ethnicity"


def test_every_core_question_offers_prefer_not_to_answer_and_none_is_required(surveys):
    from participants.surveys.definition import load_core_definitions

    for code, definition in load_core_definitions().items():
        for item in definition.items:
            if not item.takes_input:
                continue
            assert not item.required, (code, item.code)
            assert "PNA" in {o.code for o in item.options}, (code, item.code)


def test_a_page_not_yet_reached_is_refused(ready):
    response = start(ready)
    with pytest.raises(PageNotReached):
        save(ready, response, "housing", {"housing_status": ["OWN"]})
    with pytest.raises(PageNotReached):
        save(ready, response, "no_such_page", {})
    response.refresh_from_db()
    assert response.answers == {}


def test_another_participants_response_does_not_exist_for_them(ready, outsider):
    response = start(ready)
    with pytest.raises(SurveyResponse.DoesNotExist):
        save(outsider, response, "about_you", BASICS_PAGES["about_you"])
    with pytest.raises(SurveyResponse.DoesNotExist):
        response_complete(participant=outsider, response_id=response.public_id, actor=outsider.user)


def test_complete_moves_the_journey_once_even_when_submitted_twice(ready):
    response = start(ready)
    walk(ready, response)
    first = response_complete(participant=ready, response_id=response.public_id, actor=ready.user)
    second = response_complete(participant=ready, response_id=response.public_id, actor=ready.user)
    assert first.pk == second.pk and first.status == ResponseStatus.COMPLETED
    assert first.completed == second.completed
    ready.refresh_from_db()
    assert ready.state == JourneyState.BASICS_DONE
    assert JourneyTransition.objects.filter(participant=ready, to_state="basics_done").count() == 1
    assert AuditEvent.objects.filter(action="survey.complete").count() == 1
    # Saving a page of a completed response is refused.
    with pytest.raises(SurveyError):
        save(ready, first, "housing", {})


def test_complete_before_the_review_is_refused_and_skipped_questions_are_fine(ready):
    response = start(ready)
    with pytest.raises(PageNotReached):
        response_complete(participant=ready, response_id=response.public_id, actor=ready.user)
    walk(ready, response)
    response.refresh_from_db()
    answers = dict(response.answers)
    del answers["sex_at_birth"]
    SurveyResponse.objects.filter(pk=response.pk).update(answers=answers)
    # a skipped question does not block completion, and the completion counts it
    completed = response_complete(
        participant=ready, response_id=response.public_id, actor=ready.user
    )
    assert completed.status == ResponseStatus.COMPLETED
    assert "sex_at_birth" not in completed.answers
    from participants.surveys.selectors import completion_counts

    counts = {row["code"]: row for row in completion_counts()}
    assert counts["the_basics"]["completed"] == "<20"  # one, suppressed as a small cell


def test_all_four_core_surveys_move_the_journey_to_core(ready):
    response = start(ready)
    walk(ready, response)
    response_complete(participant=ready, response_id=response.public_id, actor=ready.user)
    for code in ("overall_health", "lifestyle", "personal_family_history"):
        other = start(ready, code)
        # Skip through: answer only what is required on each page.
        from participants.surveys.definition import load_core_definitions

        definition = load_core_definitions()[code]
        step = other.current_page
        while step != REVIEW_STEP:
            data = {}
            for item in definition.page(step).items:
                if item.required and item.takes_input:
                    data[item.code] = [item.options[-1].code] if item.options else ["1"]
            outcome = save(ready, other, step, data)
            assert outcome.saved and not outcome.errors, (step, outcome.errors)
            step = outcome.step
        ready.refresh_from_db()
        assert ready.state == JourneyState.BASICS_DONE
        response_complete(participant=ready, response_id=other.public_id, actor=ready.user)
    ready.refresh_from_db()
    assert ready.state == JourneyState.CORE


def test_a_paused_participant_may_still_answer_and_resumes_past_the_survey(ready):
    """The pause rule: pausing stops contact, not participation (docs/enrollment.md)."""
    from participants.enrollment import participant_pause, participant_resume

    participant_pause(participant=ready, actor=ready.user)
    response = start(ready)
    walk(ready, response)
    response_complete(participant=ready, response_id=response.public_id, actor=ready.user)
    ready.refresh_from_db()
    # still paused (so still no contact), but the finished step counts
    assert ready.state == JourneyState.PAUSED
    assert ready.state_before_pause == JourneyState.BASICS_DONE
    event = AuditEvent.objects.get(action="journey.advance_while_paused", participant=ready)
    assert event.data["to"] == JourneyState.BASICS_DONE
    participant_resume(participant=ready, actor=ready.user)
    ready.refresh_from_db()
    assert ready.state == JourneyState.BASICS_DONE


def test_a_withdrawn_participant_cannot_answer(ready):
    response = start(ready)
    participant_withdraw(participant=ready, actor=ready.user, tier=1)
    with pytest.raises(SurveyNotAvailable):
        save(ready, response, "about_you", BASICS_PAGES["about_you"])


@pytest.mark.parametrize(
    ("tier", "status"), [(1, "in_progress"), (2, "abandoned"), (3, "abandoned")]
)
def test_withdrawal_abandons_in_progress_responses(ready, tier, status):
    response = start(ready)
    participant_withdraw(participant=ready, actor=ready.user, tier=tier)
    response.refresh_from_db()
    assert response.status == status
    # Idempotent: running the effect again changes nothing and writes no second audit row.
    from participants.surveys.services import response_withdrawal_effect

    response_withdrawal_effect(participant=ready, tier=tier, actor=None)
    assert AuditEvent.objects.filter(action="survey.abandon_on_withdrawal").count() == (tier >= 2)


def test_journey_helper_is_idempotent_for_basics(ready):
    assert journey_advance_to(
        participant=ready, to_state=JourneyState.BASICS_DONE, actor=None, reason="x"
    )
