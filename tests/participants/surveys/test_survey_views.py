"""Survey pages over HTTP: rendering, accessibility hooks, escaping, refusals, query counts."""

import re

from django.urls import reverse

from participants.models import JourneyState
from participants.surveys.models import ResponseStatus, SurveyResponse
from participants.surveys.services import response_start_or_resume
from portal.models import AuditEvent
from tests.participants.surveys.helpers import BASICS_PAGES, walk


def _start(ready):
    return response_start_or_resume(participant=ready, survey_code="the_basics", actor=ready.user)


def page_url(response, page):
    return reverse("surveys:page", args=[response.public_id, page])


def test_journey_link_and_survey_list_resolve(ready_client):
    assert reverse("surveys:start", args=["the_basics"]) == "/me/surveys/the_basics/"
    assert reverse("surveys:list") == "/me/surveys/"
    html = ready_client.get("/me/surveys/").content.decode()
    assert "The Basics" in html and "Opens after The Basics" in html


def test_front_page_get_writes_nothing_and_start_creates_the_response(ready_client, ready):
    response = ready_client.get("/me/surveys/the_basics/")
    assert response.status_code == 200
    assert not SurveyResponse.objects.exists()
    response = ready_client.post("/me/surveys/the_basics/")
    created = SurveyResponse.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(created, "about_you")
    # Coming back resumes where they are.
    assert ready_client.get("/me/surveys/the_basics/")["Location"] == page_url(created, "about_you")


def test_not_yet_available_is_explained(participant_client, surveys):
    response = participant_client.get("/me/surveys/the_basics/")
    assert response.status_code == 200
    assert "The Basics opens after you sign the consent" in response.content.decode()
    participant_client.post("/me/surveys/the_basics/")
    assert not SurveyResponse.objects.exists()


def test_page_renders_accessibly(ready_client, ready):
    response = _start(ready)
    html = ready_client.get(page_url(response, "about_you")).content.decode()
    assert "Page 1 of 7" in html  # 11 pages, two of them shown only after answers
    assert '<progress max="7" value="1" aria-labelledby="survey-progress-label">' in html
    # Choices are fieldsets with a legend; typed inputs are labelled; help is linked.
    assert re.search(r'<fieldset>\s*<legend id="q-birth_place-legend">Where were you born\?', html)
    assert 'aria-describedby="q-birth_year-help"' in html
    assert 'aria-labelledby="q-birth_year-legend"' in html
    assert 'name="birth_year" value="PNA"' in html
    assert 'value="continue"' in html and 'value="later"' in html
    assert 'value="back"' not in html  # nothing before the first page
    assert 'lang="en"' in html
    assert "<script>" not in html.split("</main>")[0]


def test_spanish_page_is_in_spanish(ready_client, ready):
    response = _start(ready)
    html = ready_client.get("/es" + page_url(response, "about_you")).content.decode()
    assert "¿En qué año nació?" in html or "nació" in html
    assert "Página 1 de 7" in html
    assert "Guardar y continuar" in html


def test_errors_are_linked_announced_and_keep_what_was_typed(ready_client, ready):
    response = _start(ready)
    reply = ready_client.post(
        page_url(response, "about_you"),
        {"birth_year": "19x6", "birth_place": "MARS", "action": "continue"},
    )
    html = reply.content.decode()
    assert reply.status_code == 200
    assert 'role="alert"' in html
    assert 'href="#q-birth_year"' in html and 'href="#q-birth_place-0"' in html
    assert 'id="q-birth_year-error"' in html
    assert (
        'aria-describedby="q-birth_year-help q-birth_year-error"' in html
        or "q-birth_year-error" in html
    )
    assert 'aria-invalid="true"' in html
    assert 'value="19x6"' in html
    assert "Please choose one of the answers shown." in html
    assert SurveyResponse.objects.get().answers == {}


def test_impossible_date_and_out_of_range_number(ready_client, ready):
    response = _start(ready)
    ready_client.post(
        page_url(response, "about_you"), {**BASICS_PAGES["about_you"], "action": "continue"}
    )
    reply = ready_client.post(page_url(response, "origin"), {"years_in_us": "500"})
    assert "Please enter a number no greater than 120." in reply.content.decode()


def test_save_and_continue_redirects_with_the_saved_message(ready_client, ready):
    response = _start(ready)
    reply = ready_client.post(
        page_url(response, "about_you"),
        {**BASICS_PAGES["about_you"], "action": "continue"},
        follow=True,
    )
    assert reply.redirect_chain[-1][0] == page_url(response, "origin")
    html = reply.content.decode()
    assert "Your answers are saved. You can stop here and come back later." in html
    assert "Page 2 of 8" in html


def test_save_and_finish_later_goes_to_the_list_and_resume_comes_back(ready_client, ready):
    response = _start(ready)
    reply = ready_client.post(
        page_url(response, "about_you"),
        {**BASICS_PAGES["about_you"], "action": "later"},
        follow=True,
    )
    assert reply.redirect_chain[-1][0] == "/me/surveys/"
    assert "You can stop here" in reply.content.decode()
    assert ready_client.get("/me/surveys/the_basics/")["Location"] == page_url(
        response, "about_you"
    )
    home = ready_client.get("/me/").content.decode()
    assert "Your surveys" in home and "/me/surveys/the_basics/" in home


def test_back_keeps_answers(ready_client, ready):
    response = _start(ready)
    ready_client.post(
        page_url(response, "about_you"), {**BASICS_PAGES["about_you"], "action": "continue"}
    )
    reply = ready_client.post(
        page_url(response, "origin"), {"birth_country": "Peru", "action": "back"}
    )
    assert reply["Location"] == page_url(response, "about_you")
    html = ready_client.get(page_url(response, "about_you")).content.decode()
    assert 'value="1956"' in html
    assert re.search(r'value="OTHER_COUNTRY" id="[^"]+" checked', html)
    html = ready_client.get(page_url(response, "origin")).content.decode()
    assert 'value="Peru"' in html


def test_page_not_reached_is_redirected(ready_client, ready):
    response = _start(ready)
    assert ready_client.get(page_url(response, "housing"))["Location"] == page_url(
        response, "about_you"
    )
    reply = ready_client.post(page_url(response, "housing"), {"housing_status": "OWN"})
    assert reply.status_code == 302 and reply["Location"] == page_url(response, "about_you")
    assert SurveyResponse.objects.get().answers == {}
    review = reverse("surveys:review", args=[response.public_id])
    assert ready_client.get(review)["Location"] == page_url(response, "about_you")
    assert ready_client.post(review)["Location"] == page_url(response, "about_you")
    assert ready_client.get(page_url(response, "no_such_page")).status_code == 404


def test_anonymous_is_sent_to_log_in(client, ready):
    response = _start(ready)
    reply = client.get(page_url(response, "about_you"))
    assert reply.status_code == 302 and "/accounts/login/" in reply["Location"]


def test_review_then_double_submit_completes_once(ready_client, ready):
    response = _start(ready)
    walk(ready, response)
    review = reverse("surveys:review", args=[response.public_id])
    html = ready_client.get(review).content.decode()
    assert "Check your answers" in html and "Mexico" in html and "Medicare" in html
    first = ready_client.post(review)
    second = ready_client.post(review)
    done = reverse("surveys:done", args=[response.public_id])
    assert first["Location"] == done and second["Location"] == done
    assert SurveyResponse.objects.get().status == ResponseStatus.COMPLETED
    ready.refresh_from_db()
    assert ready.state == JourneyState.BASICS_DONE
    assert AuditEvent.objects.filter(action="survey.complete").count() == 1
    assert ready.transitions.filter(to_state="basics_done").count() == 1
    html = ready_client.get(done).content.decode()
    assert "Thank you" in html and "Your next survey" in html
    # The pages of a completed response lead to the thank-you page.
    assert ready_client.get(page_url(response, "about_you"))["Location"] == done
    assert ready_client.post(page_url(response, "about_you"), {})["Location"] == done


def _walk_http(client, response, pages=BASICS_PAGES):
    step = "about_you"
    while True:
        reply = client.post(page_url(response, step), {**pages[step], "action": "continue"})
        assert reply.status_code == 302, reply.content.decode()[:2000]
        location = reply["Location"]
        if location.endswith("/review/"):
            return
        step = location.rstrip("/").rsplit("/", 1)[1]


def test_query_count_is_pinned_and_does_not_grow_with_answers(
    ready_client, ready, django_assert_num_queries
):
    response = _start(ready)
    ready_client.get(page_url(response, "about_you"))  # warm the parsed-definition cache
    with django_assert_num_queries(PAGE_GET_QUERIES):
        ready_client.get(page_url(response, "about_you"))
    with django_assert_num_queries(PAGE_POST_QUERIES):
        ready_client.post(
            page_url(response, "about_you"), {**BASICS_PAGES["about_you"], "action": "continue"}
        )
    _walk_http(ready_client, response)
    SurveyResponse.objects.filter(pk=response.pk).update(current_page="housing")
    with django_assert_num_queries(PAGE_GET_QUERIES):
        ready_client.get(page_url(response, "housing"))
    with django_assert_num_queries(PAGE_POST_QUERIES):
        ready_client.post(
            page_url(response, "housing"), {**BASICS_PAGES["housing"], "action": "continue"}
        )


# Of these, the survey's own: participant, response + version (GET); participant, then
# SAVEPOINT, locked response, UPDATE, audit INSERT, RELEASE (POST). The rest is the user
# (the session itself comes from the cache, cached_db). allauth's user-session tracking
# adds its 5 queries at most once a minute per participant (portal.middleware), so not here.
PAGE_GET_QUERIES = 3
PAGE_POST_QUERIES = 7
