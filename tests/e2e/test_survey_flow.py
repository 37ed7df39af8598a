"""The Basics in a real browser: branching, errors, stop half-way, log out, log in, resume,
review, send — in English and in Spanish at 360 px, and once with the keyboard only."""

import re

import pytest
from django.test import Client

from participants.models import JourneyState, JourneyTransition, Participant
from participants.surveys.models import ResponseStatus, SurveyResponse
from tests.e2e.browser import assert_accessible, no_horizontal_scroll, screenshot
from tests.factories import ParticipantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"

T = {
    "en": {
        "start": "Start the survey",
        "continue": "Save and continue",
        "later": "Save and finish later",
        "send": "Send my answers",
        "year": "In what year were you born?",
        "born": "Where were you born?",
        "abroad": "In another country",
        "country": "In which country or territory were you born?",
        "years": "About how many years",
        "too_many": "Please enter a number no greater than 120.",
        "race": "Which of these describe you?",
        "hispanic": "Hispanic, Latino or Spanish",
        "sex": "What sex were you assigned at birth",
        "female": "Female",
        "insured": "Do you have health insurance",
        "yes": "Yes",
        "saved": "Your answers are saved.",
        "review": "Check your answers",
        "thanks": "Thank you. Your answers are sent.",
        "page": "Page {} of {}",
        "email": "Email",
        "password": "Password",
        "login": "Log in",
        "logout": "Log out",
    },
    "es": {
        "start": "Empezar la encuesta",
        "continue": "Guardar y continuar",
        "later": "Guardar y terminar más tarde",
        "send": "Enviar mis respuestas",
        "year": "¿En qué año nació?",
        "born": "¿Dónde nació?",
        "abroad": "En otro país",
        "country": "¿En qué país o territorio nació?",
        "years": "Aproximadamente cuántos años",
        "too_many": "Por favor, escriba un número igual o menor que 120.",
        "race": "¿Con cuáles de estas opciones se identifica?",
        "hispanic": "Hispano, latino o de origen español",
        "sex": "sexo",
        "female": "Femenino",
        "insured": "seguro médico",
        "yes": "Sí",
        "saved": "Sus respuestas están guardadas.",
        "review": "Revise sus respuestas",
        "thanks": "Gracias. Sus respuestas se enviaron.",
        "page": "Página {} de {}",
        "email": "Correo electrónico",
        "password": "Contraseña",
        "login": "Iniciar sesión",
        "logout": "Cerrar sesión",
    },
}


@pytest.fixture
def ready_participant(db):
    from participants.surveys.services import core_surveys_load

    core_surveys_load()
    participant = ParticipantFactory(user__email="ana@example.org", sex_at_birth="FEMALE")
    previous = participant.state
    for state in (JourneyState.CONSENTED, JourneyState.EHR_AUTHORIZED):
        JourneyTransition.objects.create(
            participant=participant, from_state=previous, to_state=state, actor=None, reason="e2e"
        )
        previous = state
    participant.state = JourneyState.EHR_AUTHORIZED
    participant.save(update_fields=["state"])
    return participant


def _log_in(page, base: str, participant: Participant) -> None:
    client = Client()
    client.force_login(participant.user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


def _continue(page, t) -> None:
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_load_state()


def _group(page, name):
    return page.get_by_role("group", name=re.compile(re.escape(name)))


def _flow(page, base: str, lang: str, participant: Participant, shots: str) -> None:
    t = T[lang]
    prefix = "/es" if lang == "es" else ""
    page.goto(f"{base}{prefix}/me/surveys/the_basics/")
    assert page.get_attribute("html", "lang") == lang
    assert_accessible(page)  # the survey's front page
    page.get_by_role("button", name=t["start"]).click()

    page.wait_for_url(re.compile(r".*/page/about_you/(#.*)?$"))
    assert page.get_by_text(t["page"].format(1, 7)).is_visible()
    assert_accessible(page)  # a page of questions
    screenshot(page, f"{shots}-page1")
    # The profile already holds the birth year: filled in, and the page says so.
    assert _group(page, t["year"]).get_by_role("textbox").input_value() == "1956"
    assert page.locator(".prefilled-note").first.is_visible()
    _group(page, t["year"]).get_by_role("textbox").fill("1956")
    _group(page, t["born"]).get_by_label(t["abroad"]).check()
    _continue(page, t)

    # Branching: born abroad shows the `origin` page. An out-of-range answer first.
    page.wait_for_url(re.compile(r".*/page/origin/(#.*)?$"))
    assert page.get_by_text(t["page"].format(2, 8)).is_visible()
    page.get_by_role("group", name=re.compile(re.escape(t["country"]))).get_by_role("textbox").fill(
        '<script>alert(1)</script>México "><svg onload=alert(2)>'
    )
    _group(page, t["years"]).get_by_role("textbox").fill("500")
    _continue(page, t)
    page.locator(".error-summary").wait_for()
    assert page.get_by_role("alert").get_by_text(t["too_many"]).is_visible()
    assert_accessible(page)  # a page with errors
    screenshot(page, f"{shots}-error")
    page.get_by_role("link", name=re.compile(re.escape(t["too_many"]))).click()
    _group(page, t["years"]).get_by_role("textbox").fill("40")
    _continue(page, t)

    page.wait_for_url(re.compile(r".*/page/race_ethnicity/(#.*)?$"))
    _group(page, t["race"]).get_by_label(t["hispanic"]).check()
    # Stop half-way.
    page.get_by_role("button", name=t["later"]).click()
    page.wait_for_url(re.compile(r".*/me/surveys/(#.*)?$"))
    assert page.get_by_text(t["saved"]).is_visible()
    assert_accessible(page)  # the survey list with progress
    page.get_by_role("button", name=t["logout"]).click()
    page.wait_for_load_state()

    # Log in again with the password, come back, resume where they stopped.
    page.goto(f"{base}{prefix}/accounts/login/")
    page.locator("#id_login").fill(participant.user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=t["login"]).click()
    page.wait_for_load_state()
    page.goto(f"{base}{prefix}/me/surveys/the_basics/")
    page.wait_for_url(re.compile(r".*/page/race_ethnicity/(#.*)?$"))
    assert _group(page, t["race"]).get_by_label(t["hispanic"]).is_checked()
    _continue(page, t)
    page.wait_for_url(
        re.compile(r".*/page/race_ethnicity_detail/(#.*)?$")
    )  # revealed by "Hispanic"
    _continue(page, t)
    page.wait_for_url(re.compile(r".*/page/sex_gender/(#.*)?$"))
    _group(page, t["sex"]).get_by_label(t["female"], exact=True).check()
    _continue(page, t)
    for step in ("household", "education_work"):
        page.wait_for_url(re.compile(rf".*/page/{step}/(#.*)?$"))
        _continue(page, t)
    page.wait_for_url(re.compile(r".*/page/income_insurance/(#.*)?$"))
    _group(page, t["insured"]).get_by_label(t["yes"], exact=True).check()
    _continue(page, t)
    page.wait_for_url(re.compile(r".*/page/insurance_type/(#.*)?$"))  # revealed by "Yes"
    _continue(page, t)
    page.wait_for_url(re.compile(r".*/page/housing/(#.*)?$"))
    _continue(page, t)

    page.wait_for_url(re.compile(r".*/review/(#.*)?$"))
    assert page.get_by_role("heading", name=re.compile(t["review"])).is_visible()
    assert page.get_by_text('<script>alert(1)</script>México "><svg onload=alert(2)>').is_visible()
    assert_accessible(page)  # the review page
    screenshot(page, f"{shots}-review")
    page.get_by_role("button", name=t["send"]).click()
    page.wait_for_url(re.compile(r".*/done/(#.*)?$"))
    assert page.get_by_role("heading", name=t["thanks"]).is_visible()
    assert_accessible(page)  # the thank-you page
    participant.refresh_from_db()
    assert participant.state == JourneyState.BASICS_DONE
    response = SurveyResponse.objects.get(participant=participant)
    assert response.status == ResponseStatus.COMPLETED
    assert response.answers["birth_country"].startswith("<script>")
    assert response.answers["race_ethnicity"] == ["HISPANIC"]


def test_the_basics_in_english(live_server, page, ready_participant):
    _log_in(page, live_server.url, ready_participant)
    _flow(page, live_server.url, "en", ready_participant, "survey-en")


def test_the_basics_in_spanish_on_a_360px_phone(live_server, phone_page, ready_participant):
    _log_in(phone_page, live_server.url, ready_participant)
    _flow(phone_page, live_server.url, "es", ready_participant, "survey-es-360")
    assert no_horizontal_scroll(phone_page)


# --- keyboard only -----------------------------------------------------------------------
def _tab_to(page, element_id: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def _tab_to_button(page, label: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if (
            page.evaluate("document.activeElement && document.activeElement.textContent.trim()")
            == label
        ):
            return
    raise AssertionError(f"Tab never reached the button {label!r}")


def test_the_basics_with_the_keyboard_only(live_server, page, ready_participant):
    """Tab to each control, Space to tick, type into boxes, Enter on the buttons. Radio
    groups take their first option (choosing another would need the arrow keys)."""
    base = live_server.url
    _log_in(page, base, ready_participant)
    page.goto(f"{base}/me/surveys/the_basics/")
    _tab_to_button(page, "Start the survey")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/page/about_you/(#.*)?$"))

    def submit():
        _tab_to_button(page, "Save and continue")
        page.keyboard.press("Enter")
        page.wait_for_load_state()

    _tab_to(page, "q-birth_year")
    page.keyboard.type("1948")
    _tab_to(page, "q-birth_place-0")  # "In one of the 50 states"
    page.keyboard.press("Space")
    submit()
    page.wait_for_url(re.compile(r".*/page/race_ethnicity/(#.*)?$"))  # `origin` skipped
    _tab_to(page, "q-race_ethnicity-3")  # Hispanic
    page.keyboard.press("Space")
    _tab_to(page, "q-race_ethnicity-6")  # White
    page.keyboard.press("Space")
    submit()
    page.wait_for_url(re.compile(r".*/page/race_ethnicity_detail/(#.*)?$"))
    _tab_to(page, "q-hispanic_origin-1")  # Puerto Rican
    page.keyboard.press("Space")
    submit()
    page.wait_for_url(re.compile(r".*/page/sex_gender/(#.*)?$"))
    # Sex at birth comes from the profile: the page says so, and Tab then Space keeps it.
    assert page.locator(".prefilled-note").count() == 1
    assert page.locator("#q-sex_at_birth-0").is_checked()
    submit()  # nothing is forced: the gender question may stay open
    for step in ("household", "education_work"):
        page.wait_for_url(re.compile(rf".*/page/{step}/(#.*)?$"))
        submit()
    page.wait_for_url(re.compile(r".*/page/income_insurance/(#.*)?$"))
    _tab_to(page, "q-health_insurance-0")  # Yes
    page.keyboard.press("Space")
    submit()
    page.wait_for_url(re.compile(r".*/page/insurance_type/(#.*)?$"))
    submit()
    page.wait_for_url(re.compile(r".*/page/housing/(#.*)?$"))
    submit()
    page.wait_for_url(re.compile(r".*/review/(#.*)?$"))
    _tab_to_button(page, "Send my answers")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/done/(#.*)?$"))
    response = SurveyResponse.objects.get(participant=ready_participant)
    assert response.status == ResponseStatus.COMPLETED
    assert response.answers["hispanic_origin"] == ["PUERTO_RICAN"]
    assert response.answers["birth_place"] == "US"
