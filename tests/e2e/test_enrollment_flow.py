"""The volunteer's path in a real browser: landing, screener, sign-up, verify, profile, /me/."""

import re

import pytest
from django.core import mail

from participants.models import JourneyState, Participant
from tests.e2e.browser import assert_accessible, no_horizontal_scroll, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {
        "join": "See if you can join",
        "adult": "Are you 18 years old or older?",
        "yes": "Yes",
        "state": "Where do you live?",
        "decide": "Can you decide for yourself",
        "continue": "Continue",
        "email": "Email",
        "password": "Password",
        "again": "Password (again)",
        "signup": "Create an account",
        "code": "Code",
        "confirm": "Confirm",
        "profile_step": "Tell us about yourself",
        "first": "Legal first name",
        "last": "Legal last name",
        "dob": "Date of birth",
        "street": "Street address",
        "city": "City or town",
        "us_state": "State or territory",
        "zip": "ZIP code",
        "save": "Save",
        "saved": "Your details are saved.",
        "next": "Your next step",
    },
    "es": {
        "join": "Vea si puede participar",
        "adult": "¿Tiene 18 años o más?",
        "yes": "Sí",
        "state": "¿Dónde vive?",
        "decide": "¿Puede decidir por sí mismo",
        "continue": "Continuar",
        "email": "Correo electrónico",
        "password": "Contraseña",
        "again": "Contraseña (de nuevo)",
        "signup": "Crear una cuenta",
        "code": "Código",
        "confirm": "Confirmar",
        "profile_step": "Cuéntenos sobre usted",
        "first": "Nombre legal",
        "last": "Apellido legal",
        "dob": "Fecha de nacimiento",
        "street": "Dirección",
        "city": "Ciudad o pueblo",
        "us_state": "Estado o territorio",
        "zip": "Código postal",
        "save": "Guardar",
        "saved": "Sus datos están guardados.",
        "next": "Su próximo paso",
    },
}


def _walk(page, base: str, lang: str, email: str, shots: str) -> None:
    t = TEXT[lang]
    prefix = "/es" if lang == "es" else ""
    page.goto(base + prefix + "/")
    assert page.get_attribute("html", "lang") == lang
    assert_accessible(page)
    page.get_by_role("link", name=t["join"]).click()

    assert_accessible(page)
    page.get_by_role("group", name=t["adult"]).get_by_label(t["yes"]).check()
    page.get_by_label(t["state"]).select_option("PR")
    page.get_by_role("group", name=re.compile(re.escape(t["decide"]))).get_by_label(
        t["yes"]
    ).check()
    screenshot(page, f"{shots}-screener")
    page.get_by_role("button", name=t["continue"]).click()

    page.wait_for_url(re.compile(r".*/accounts/signup/"))
    assert_accessible(page)
    # allauth's labels end with a colon ("Email:").
    page.get_by_label(re.compile(rf"^{re.escape(t['email'])}:?$")).fill(email)
    page.get_by_label(re.compile(rf"^{re.escape(t['password'])}:?$")).fill("a-Long-pass-123")
    page.get_by_label(re.compile(rf"^{re.escape(t['again'])}:?$")).fill("a-Long-pass-123")
    page.get_by_role("button", name=t["signup"]).click()

    page.wait_for_url(re.compile(r".*/accounts/confirm-email/"))
    assert_accessible(page)
    message = [m for m in mail.outbox if m.to == [email]][-1]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.M).group(1)
    page.get_by_label(t["code"]).fill(code)
    page.get_by_role("button", name=t["confirm"]).click()

    page.wait_for_url(re.compile(r".*/me/$"))
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(re.escape(t["profile_step"]))).first.click()

    page.wait_for_url(re.compile(r".*/me/profile/"))
    assert_accessible(page)
    page.get_by_label(t["first"]).fill("María José")
    page.get_by_label(t["last"]).fill("Pérez")
    page.get_by_label(t["dob"]).fill("1950-03-27")
    page.get_by_label(t["street"]).fill("12 Calle Luna")
    page.get_by_label(t["city"]).fill("San Juan")
    page.get_by_label(t["us_state"]).select_option("PR")
    page.get_by_label(t["zip"]).fill("00901")
    screenshot(page, f"{shots}-profile")
    page.get_by_role("button", name=t["save"]).click()

    page.wait_for_url(re.compile(r".*/me/$"))
    assert page.get_by_text(t["saved"]).is_visible()
    assert page.get_by_role("heading", name=t["next"]).is_visible()
    assert_accessible(page)
    screenshot(page, f"{shots}-me")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_volunteer_joins_in_each_language(live_server, page, lang):
    _walk(page, live_server.url, lang, f"volunteer-{lang}@example.org", f"enroll-{lang}")
    participant = Participant.objects.get(user__email=f"volunteer-{lang}@example.org")
    assert participant.state == JourneyState.ELIGIBLE
    assert participant.legal_first_name == "María José"
    assert participant.preferred_language == lang


def test_volunteer_joins_on_a_360px_phone(live_server, phone_page):
    _walk(phone_page, live_server.url, "es", "phone@example.org", "enroll-360")
    assert no_horizontal_scroll(phone_page)
    assert Participant.objects.get(user__email="phone@example.org").state == JourneyState.ELIGIBLE
