"""Comprehension check → primary consent → PDF download, in English and Spanish, and at 360 px."""

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
    page.goto(live_server.url + t["prefix"] + "/me/consent/")
    page.wait_for_url(f"**{t['prefix']}/me/consent/questions/")
    assert page.get_attribute("html", "lang") == language
    assert_accessible(page)

    # First try: one answer wrong. The explanation appears next to it.
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

    # Retry with the right answer.
    right = next(o for o in first.options if o.code == first.correct)
    page.get_by_label(right.label, exact=True).check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"**{t['prefix']}/me/consent/primary/")
    assert page.locator("h1").inner_text() == t["title"]
    assert_accessible(page)
    screenshot(page, f"{shot}-consent")

    page.get_by_label(t["agree"], exact=True).check()
    page.get_by_label(t["name"]).fill("ana garcia")
    page.get_by_role("button", name=t["sign"], exact=True).click()
    page.wait_for_url(f"**{t['prefix']}/me/documents/")
    assert page.locator("h1").inner_text() == t["documents"]
    assert_accessible(page)
    screenshot(page, f"{shot}-documents")

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
