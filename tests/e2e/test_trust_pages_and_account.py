"""Issue 13 in the browser: language both ways, account pages, trust pages, /me/, pause,
"Who has seen my data" and "My data", at 360 px and 1280 px, in English and Spanish, axe-clean."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from participants.enrollment import participant_pause
from participants.models import JourneyState
from tests.e2e.browser import assert_accessible, no_horizontal_scroll, screenshot
from tests.factories import ParticipantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (360, 740), "desktop": (1280, 900)}
FOOTER = {
    "en": ["About the study", "Questions and answers", "Privacy notice", "Terms of use",
           "Accessibility", "Contact us"],
    "es": ["Sobre el estudio", "Preguntas y respuestas", "Aviso de privacidad",
           "Condiciones de uso", "Accesibilidad", "Contáctenos"],
}  # fmt: skip
TEXT = {
    "en": {"login": "Log in", "create": "Create an account", "reset": "Reset your password",
           "me": "Your next step", "pause": "What pausing does", "access": "Who has seen my data",
           "my_data": "My data", "download": "Make a copy of my data"},
    "es": {"login": "Iniciar sesión", "create": "Crear una cuenta",
           "reset": "Cambiar su contraseña", "me": "Su próximo paso",
           "pause": "Qué hace la pausa", "access": "Quién ha visto mis datos",
           "my_data": "Mis datos", "download": "Hacer una copia de mis datos"},
}  # fmt: skip
CASES = [(lang, size) for lang in ("en", "es") for size in SIZES]


@pytest.fixture
def sized_page(browser, request):
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _check(page, name: str) -> None:
    assert_accessible(page)
    assert no_horizontal_scroll(page), page.url
    screenshot(page, name)


def _log_in(page, base: str, participant) -> None:
    client = Client()
    client.force_login(participant.user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


@pytest.mark.parametrize(("lang", "sized_page"), CASES, indirect=["sized_page"])
def test_public_and_account_pages(live_server, sized_page, lang):
    page, base = sized_page, live_server.url
    prefix = "/es" if lang == "es" else ""
    shot = f"trust-{lang}-{page.viewport_size['width']}"
    page.goto(f"{base}{prefix}/")
    _check(page, f"{shot}-home")
    # Every footer page exists in this language and is axe-clean.
    for label in FOOTER[lang]:
        page.locator("footer").get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == lang
        assert page.locator("h1").inner_text() == label
        _check(page, f"{shot}-{label[:12]}")
    # Contact: a tappable phone number and an e-mail address.
    assert page.locator("main a[href^='tel:+1']").count() >= 1
    assert page.locator("main a[href^='mailto:']").count() >= 1
    # Account pages in the portal's layout, one wording.
    page.goto(f"{base}{prefix}/accounts/login/")
    assert page.locator("h1").inner_text() == TEXT[lang]["login"]
    assert page.locator("main .button-primary").count() == 1
    _check(page, f"{shot}-login")
    page.locator("#id_login").fill("nobody@example.org")
    page.locator("#id_password").fill("not-the-password")
    page.locator("main").get_by_role("button", name=TEXT[lang]["login"]).click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert summary.bounding_box()["y"] < page.viewport_size["height"]
    _check(page, f"{shot}-login-error")
    page.goto(f"{base}{prefix}/accounts/password/reset/")
    assert page.locator("h1").inner_text() == TEXT[lang]["reset"]
    _check(page, f"{shot}-reset")


@pytest.mark.parametrize(("lang", "sized_page"), CASES, indirect=["sized_page"])
def test_sign_up_code_page_offers_a_new_code(live_server, sized_page, lang):
    page, base = sized_page, live_server.url
    prefix = "/es" if lang == "es" else ""
    shot = f"signup-{lang}-{page.viewport_size['width']}"
    client = Client()
    client.post(f"{prefix}/join/", {"is_adult": "yes", "us_state": "TX", "can_consent": "yes"})
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    page.goto(f"{base}{prefix}/accounts/signup/")
    assert page.locator("h1").inner_text() == TEXT[lang]["create"]
    _check(page, f"{shot}-form")
    page.locator("#id_email").fill(f"new-{lang}-{page.viewport_size['width']}@example.org")
    page.locator("#id_password1").fill("a-Long-pass-123")
    page.locator("#id_password2").fill("a-Long-pass-123")
    page.locator("main").get_by_role("button", name=TEXT[lang]["create"]).click()
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))
    resend = "Send me a new code" if lang == "en" else "Envíenme un código nuevo"
    assert page.get_by_role("button", name=resend).is_visible()
    assert "KXTB-RMQW" in page.locator("main").inner_text()  # the code's format, shown
    _check(page, f"{shot}-code")


@pytest.mark.parametrize("sized_page", ["phone", "desktop"], indirect=True)
def test_language_switch_both_ways_and_the_spanish_offer(live_server, sized_page):
    page, base = sized_page, live_server.url
    page.goto(f"{base}/faq/")
    page.get_by_role("button", name="Español").click()
    page.wait_for_url(f"{base}/es/faq/")
    page.get_by_role("button", name="English").click()
    page.wait_for_url(f"{base}/faq/")
    assert page.get_attribute("html", "lang") == "en"
    # A Spanish browser is offered Spanish on the English landing page, not sent there.
    context = page.context.browser.new_context(
        viewport=page.viewport_size, bypass_csp=True, locale="es-MX",
        extra_http_headers={"Accept-Language": "es-MX,es;q=0.9"},
    )  # fmt: skip
    spanish = context.new_page()
    spanish.goto(f"{base}/")
    assert spanish.get_attribute("html", "lang") == "en"
    offer = spanish.get_by_role("link", name="Ver esta página en español")
    assert offer.is_visible()
    _check(spanish, f"offer-{page.viewport_size['width']}")
    offer.click()
    spanish.wait_for_url(f"{base}/es/")
    context.close()


@pytest.mark.parametrize("sized_page", ["phone", "desktop"], indirect=True)
def test_a_spanish_preferring_participant_lands_in_spanish(live_server, sized_page):
    page, base = sized_page, live_server.url
    ParticipantFactory(user__email="ines@example.org", preferred_language="es")
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_login").fill("ines@example.org")
    page.locator("#id_password").fill("correct-horse-battery")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/es/me/")
    assert page.get_attribute("html", "lang") == "es"


@pytest.mark.parametrize(("lang", "sized_page"), CASES, indirect=["sized_page"])
def test_participant_pages(live_server, sized_page, lang):
    page, base = sized_page, live_server.url
    prefix = "/es" if lang == "es" else ""
    shot = f"me-{lang}-{page.viewport_size['width']}"
    participant = ParticipantFactory(preferred_language=lang, state=JourneyState.ELIGIBLE)
    _log_in(page, base, participant)
    page.goto(f"{base}{prefix}/me/")
    # A new participant's page leads with the one next step, above the fold.
    heading = page.get_by_role("heading", name=TEXT[lang]["me"])
    assert heading.bounding_box()["y"] < page.viewport_size["height"]
    assert page.locator("main .button-primary").count() == 1
    _check(page, f"{shot}-new")
    for path, key in (("/me/pause/", "pause"), ("/me/access/", "access"), ("/me/data/", "my_data")):
        page.goto(f"{base}{prefix}{path}")
        assert page.get_by_role("heading", name=TEXT[lang][key]).first.is_visible()
        _check(page, f"{shot}-{key}")
    assert page.get_by_role("button", name=TEXT[lang]["download"]).is_visible()
    page.goto(f"{base}{prefix}/accounts/email/")
    _check(page, f"{shot}-email")
    page.goto(f"{base}{prefix}/accounts/password/change/")
    _check(page, f"{shot}-password")


@pytest.mark.parametrize("sized_page", ["phone", "desktop"], indirect=True)
def test_a_paused_participant_may_still_open_a_survey(live_server, sized_page):
    from participants.surveys.services import core_surveys_load

    page, base = sized_page, live_server.url
    core_surveys_load()
    participant = ParticipantFactory(state=JourneyState.EHR_AUTHORIZED)
    participant_pause(participant=participant, actor=participant.user)
    _log_in(page, base, participant)
    page.goto(f"{base}/me/")
    assert page.get_by_role("button", name="Resume").is_visible()
    page.goto(f"{base}/me/surveys/the_basics/")
    page.get_by_role("button", name="Start the survey").click()
    page.wait_for_url(re.compile(r".*/page/about_you/(#.*)?$"))
    _check(page, f"paused-survey-{page.viewport_size['width']}")


@pytest.mark.parametrize(("lang", "sized_page"), CASES, indirect=["sized_page"])
def test_who_has_seen_my_data_reads_plainly_on_a_phone(live_server, sized_page, lang):
    from django.contrib.auth.models import Group

    from portal.access_log import access_record
    from tests.factories import UserFactory

    page, base = sized_page, live_server.url
    prefix = "/es" if lang == "es" else ""
    participant = ParticipantFactory(preferred_language=lang, us_state="PR")
    counsellor = UserFactory(is_staff=True)
    counsellor.groups.add(Group.objects.get_or_create(name="genetic_counsellor")[0])
    access_record(
        staff=counsellor, participant=participant, what="results.report", reason="review:7",
        request=None,
    )  # fmt: skip
    _log_in(page, base, participant)
    page.goto(f"{base}{prefix}/me/access/")
    sentence = page.locator(".access-sentence").first.inner_text()
    assert sentence == (
        "A genetic counsellor reviewed your DNA report before it was released to you."
        if lang == "en"
        else "Un asesor genético revisó su informe de ADN antes de que se lo entregáramos."
    )
    assert str(timezone.now().year) in page.locator(".access-when").first.inner_text()
    _check(page, f"access-{lang}-{page.viewport_size['width']}")


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.mark.parametrize(
    ("lang", "sized_page"), [("en", "desktop"), ("es", "phone")], indirect=["sized_page"]
)
def test_my_answers_and_download_my_data(live_server, sized_page, lang, private_storage):
    import io
    import json
    import zipfile

    from participants.surveys.models import ResponseStatus, SurveyResponse, SurveyVersion
    from participants.surveys.services import core_surveys_load

    page, base = sized_page, live_server.url
    prefix = "/es" if lang == "es" else ""
    shot = f"mydata-{lang}-{page.viewport_size['width']}"
    core_surveys_load()
    participant = ParticipantFactory(preferred_language=lang, state=JourneyState.BASICS_DONE)
    SurveyResponse.objects.create(
        participant=participant,
        version=SurveyVersion.objects.get(code="the_basics", status="published"),
        survey_code="the_basics",
        status=ResponseStatus.COMPLETED,
        current_page="review",
        furthest_page="review",
        language="es",  # answered in Spanish: shown in Spanish whatever the page language
        completed=timezone.now(),
        answers={"birth_year": 1950, "birth_place": "PR"},
    )
    _log_in(page, base, participant)
    page.goto(f"{base}{prefix}/me/data/")
    page.locator("main ul.link-list a").first.click()
    page.wait_for_url(re.compile(r".*/me/data/answers/.+/$"))
    assert page.locator("h1").get_attribute("lang") == "es"
    assert "1950" in page.locator("main").inner_text()
    _check(page, f"{shot}-answers")
    page.goto(f"{base}{prefix}/me/data/")
    page.get_by_role("button", name=TEXT[lang]["download"]).click()
    page.wait_for_load_state()
    link = page.get_by_role("link", name=re.compile(r"\(zip\)"))
    assert link.is_visible()
    _check(page, f"{shot}-ready")
    with page.expect_download() as info:
        link.click()
    with open(info.value.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    bundle = json.loads(archive.read("fhir/bundle.json"))
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert "README.txt" in archive.namelist()
