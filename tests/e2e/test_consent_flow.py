"""Read → questions → sign → next step and PDF: both languages, 360 px, keyboard only."""

import re

import pytest
from django.test import Client

from participants.consent.comprehension import comprehension_questions
from participants.consent.defaults import load_default_consents
from participants.consent.models import ConsentRecord
from tests.e2e.browser import assert_accessible, no_horizontal_scroll, screenshot
from tests.factories import ParticipantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {
        "prefix": "",
        "title": "Consent to Join the Research Program",
        "wrong": "Not quite.",
        "agree": "I agree",
        "name": "Type your full legal name to sign",
        "sign": "Sign",
        "documents": "My documents",
        "download": "Download PDF",
        "to_questions": "I have read it: go to the questions",
        "fix": "Please fix this before you go on",
        "next": "Continue to the next step",
    },
    "es": {
        "prefix": "/es",
        "title": "Consentimiento para unirse al programa de investigación",
        "wrong": "No exactamente.",
        "agree": "Estoy de acuerdo",
        "name": "Escriba su nombre legal completo para firmar",
        "sign": "Firmar",
        "documents": "Mis documentos",
        "download": "Descargar PDF",
        "to_questions": "Ya lo leí: ir a las preguntas",
        "fix": "Corrija esto antes de continuar",
        "next": "Continuar al siguiente paso",
    },
}


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    load_default_consents()


def _log_in(page, live_server, participant) -> None:
    client = Client()
    client.force_login(participant.user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _walk_the_flow(page, live_server, language: str, shot: str) -> None:
    t = TEXTS[language]
    questions = comprehension_questions(language)
    # Read first.
    page.goto(live_server.url + t["prefix"] + "/me/consent/")
    page.wait_for_url(f"**{t['prefix']}/me/consent/primary/")
    assert page.get_attribute("html", "lang") == language
    assert page.locator("h1").inner_text() == t["title"]
    assert page.locator("input[name=typed_name]").count() == 0
    assert_accessible(page)
    screenshot(page, f"{shot}-read")
    page.get_by_role("link", name=t["to_questions"]).click()

    # Then the questions. First try: one answer wrong; the explanation appears next to it.
    page.wait_for_url(f"**{t['prefix']}/me/consent/questions/")
    assert_accessible(page)
    first = questions[0]
    wrong = next(o for o in first.options if o.code != first.correct)
    page.get_by_label(wrong.label, exact=True).check()
    for question in questions[1:]:
        option = next(o for o in question.options if o.code == question.correct)
        page.get_by_label(option.label, exact=True).check()
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    explanation = page.locator(f"#why-{first.code}")
    assert t["wrong"] in explanation.inner_text()
    assert first.explanation in explanation.inner_text()
    assert_accessible(page)

    # Retry with the right answer: back on the consent, at the signature.
    right = next(o for o in first.options if o.code == first.correct)
    page.get_by_label(right.label, exact=True).check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"**{t['prefix']}/me/consent/primary/#sign")
    assert page.locator("h1").inner_text() == t["title"]
    assert_accessible(page)
    screenshot(page, f"{shot}-consent")

    # Signing without a name: the summary is at the top, in view, and links to the field.
    page.get_by_label(t["agree"], exact=True).check()
    page.get_by_role("button", name=t["sign"], exact=True).click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert").filter(has_text=t["fix"])
    assert summary.is_visible()
    assert summary.bounding_box()["y"] < page.viewport_size["height"]
    assert_accessible(page)
    screenshot(page, f"{shot}-sign-error")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.name") == "typed_name"
    page.get_by_label(t["name"]).fill("ana garcia")
    page.get_by_label(t["agree"], exact=True).check()
    page.get_by_role("button", name=t["sign"], exact=True).click()

    # After the consent: the way on to the next step, and the documents.
    page.wait_for_url(re.compile(rf".*{t['prefix']}/me/consent/primary/signed/(#.*)?$"))
    assert page.get_by_role("link", name=t["next"]).is_visible()
    assert_accessible(page)
    screenshot(page, f"{shot}-signed")
    page.get_by_role("link", name=t["documents"]).click()
    page.wait_for_url(f"**{t['prefix']}/me/documents/")
    assert page.locator("h1").inner_text() == t["documents"]
    assert_accessible(page)

    link = page.get_by_role("link", name=t["download"])
    with page.expect_download() as download_info:
        link.first.click()
    download = download_info.value
    with open(download.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert download.suggested_filename.startswith("consent-primary-v1-")


@pytest.mark.parametrize("language", ["en", "es"])
def test_comprehension_consent_and_pdf(live_server, page, language):
    participant = ParticipantFactory(preferred_language=language)
    _log_in(page, live_server, participant)
    _walk_the_flow(page, live_server, language, f"consent-{language}")
    record = ConsentRecord.objects.get(participant=participant)
    assert record.language == language
    assert record.decision == "agree"


def test_consent_flow_on_a_phone(live_server, phone_page):
    participant = ParticipantFactory()
    _log_in(phone_page, live_server, participant)
    _walk_the_flow(phone_page, live_server, "en", "consent-360")
    assert no_horizontal_scroll(phone_page)
    phone_page.goto(live_server.url + "/me/consent/primary/")
    assert no_horizontal_scroll(phone_page)


def _tab_to(page, matches: str, limit: int = 400) -> None:
    """Presses Tab until the focused element satisfies the JS predicate `matches(el)`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => ({matches}))(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element matching {matches}")


@pytest.mark.parametrize("language", ["en", "es"])
def test_keyboard_only_through_the_consent(live_server, phone_page, language):
    """No mouse: Tab, Space, arrow keys and Enter take a participant from reading to signed."""
    page = phone_page
    t = TEXTS[language]
    participant = ParticipantFactory(preferred_language=language)
    _log_in(page, live_server, participant)
    page.goto(live_server.url + t["prefix"] + "/me/consent/")
    _tab_to(page, f"el.textContent.trim() === {t['to_questions']!r}")
    # What has focus can be seen.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{t['prefix']}/me/consent/questions/")
    for question in comprehension_questions(language):
        _tab_to(page, f"el.type === 'radio' && el.name === {question.code!r}")
        page.keyboard.press("Space")
        for _ in range(len(question.options)):
            if page.evaluate("document.activeElement.value") == question.correct:
                break
            page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.checked") is True
    _tab_to(page, "el.type === 'submit' && el.closest('main')")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{t['prefix']}/me/consent/primary/#sign")
    _tab_to(page, "el.type === 'radio' && el.name === 'decision'")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.value") == "agree"
    _tab_to(page, "el.name === 'typed_name'")
    page.keyboard.type("Ana García")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*{t['prefix']}/me/consent/primary/signed/$"))
    _tab_to(page, f"el.textContent.trim() === {t['next']!r}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{t['prefix']}/me/consent/ehr/")
    assert ConsentRecord.objects.filter(participant=participant, decision="agree").count() == 1
