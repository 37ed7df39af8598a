"""The "Your surveys" section on /me/ and the journey links."""

from participants.surveys.services import response_save_page, response_start_or_resume
from tests.participants.surveys.helpers import BASICS_PAGES


def test_home_shows_survey_progress_and_a_resume_link(ready_client, ready):
    response = response_start_or_resume(participant=ready, survey_code="the_basics", actor=None)
    response_save_page(
        participant=ready,
        response_id=response.public_id,
        page_code="about_you",
        raw_post=BASICS_PAGES["about_you"],
        action="continue",
        language="en",
        actor=None,
    )
    html = ready_client.get("/me/").content.decode()
    assert "Your surveys" in html
    assert "1 of 8 pages done" in html
    assert '<progress max="8" value="1"' in html
    assert 'href="/me/surveys/the_basics/"' in html


def test_home_before_surveys_open(participant_client, surveys):
    # /me/ leads with the one next step for a new participant; the survey list says more.
    html = participant_client.get("/me/surveys/").content.decode()
    assert "Opens after you share your health records" in html
