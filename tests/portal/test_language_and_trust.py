"""Issue 13 (trust, language): the switch works both ways, Spanish is offered, trust pages."""

import re

import pytest
from django.core import mail
from django.test import Client

from portal.models import AuditEvent
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-pass-123"
FOOTER_PAGES = ["about", "faq", "privacy", "terms", "accessibility", "contact"]


def _switch(client: Client, language: str, next_url: str):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


@pytest.mark.parametrize(
    ("language", "next_url", "expected"),
    [
        ("en", "/es/", "/"),
        ("en", "/es/me/surveys/?page=2", "/me/surveys/?page=2"),
        ("es", "/", "/es/"),
        ("es", "/me/", "/es/me/"),
        ("es", "/es/me/", "/es/me/"),
        ("en", "/me/", "/me/"),
    ],
)
def test_the_language_switch_works_both_ways(client, language, next_url, expected):
    response = _switch(client, language, next_url)
    assert response.status_code == 302
    assert response["Location"] == expected
    page = client.get(response["Location"].split("?")[0] if "me" not in expected else "/")
    assert page.status_code == 200


def test_english_button_on_a_spanish_page_gives_the_english_page(client):
    response = _switch(client, "en", "/es/")
    body = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in body


def test_switching_remembers_the_participants_language(client):
    participant = ParticipantFactory(preferred_language="en")
    client.force_login(participant.user)
    _switch(client, "es", "/me/")
    participant.refresh_from_db()
    assert participant.preferred_language == "es"
    event = AuditEvent.objects.filter(participant=participant, action="profile.update").last()
    assert event.data["fields"] == ["preferred_language"]


def test_a_spanish_preferring_participant_lands_in_spanish_after_log_in(client):
    participant = ParticipantFactory(preferred_language="es", user__email="ines@example.org")
    response = client.post(
        "/accounts/login/", {"login": "ines@example.org", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/es/me/"
    assert '<html lang="es">' in client.get("/es/me/").content.decode()
    assert participant.preferred_language == "es"


def test_an_english_preferring_participant_lands_in_english_even_from_a_spanish_page(client):
    ParticipantFactory(preferred_language="en", user__email="ann@example.org")
    response = client.post(
        "/es/accounts/login/", {"login": "ann@example.org", "password": "correct-horse-battery"}
    )
    assert response["Location"] == "/me/"


def test_a_spanish_browser_is_offered_spanish_without_being_forced(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in body  # not forced
    assert 'href="/es/" hreflang="es">Ver esta página en español</a>' in body
    # an English browser, a visitor who already chose, and a Spanish page: no offer
    assert "Ver esta página" not in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "Ver esta página" not in client.get("/es/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    client.cookies["django_language"] = "en"
    assert "Ver esta página" not in client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_staff_header_has_no_my_journey_link_that_would_404(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    body = client.get("/about/").content.decode()
    assert "My journey" not in body
    participant = ParticipantFactory()
    client.force_login(participant.user)
    body = client.get("/about/").content.decode()
    assert 'href="/me/">My journey</a>' in body
    assert client.get("/me/").status_code == 200


def _footer_links(body: str) -> list[str]:
    footer = body[body.index('<footer class="site-footer">') :]
    return re.findall(r'<li><a href="([^"]+)">', footer)


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_every_footer_page_exists_in_both_languages(client, prefix, settings):
    links = _footer_links(client.get(f"{prefix}/").content.decode())
    assert links == [f"{prefix}/{slug}/" for slug in FOOTER_PAGES]
    language = "es" if prefix else "en"
    texts = set()
    for link in links:
        response = client.get(link)
        body = response.content.decode()
        assert response.status_code == 200, link
        assert f'<html lang="{language}">' in body
        main = body[body.index("<main") : body.index("</main>")]
        texts.add(main)
        for value in settings.PROGRAM.values():  # names from settings are not translated
            main = main.replace(value, "")
        # no English left on a Spanish page's main text, and the other way round
        if language == "es":
            assert " the " not in main.lower(), link
        else:
            assert " usted " not in main.lower(), link
    assert len(texts) == len(FOOTER_PAGES)


def test_the_footer_rendered_once_per_language_follows_language_and_settings(client, settings):
    """The footer is kept per process (portal/templatetags/chrome.py): each language gets
    its own, and a change of the program's details shows at once."""

    def footer(path):
        body = client.get(path).content.decode()
        return body[body.index('<footer class="site-footer">') : body.index("</footer>")]

    english, spanish = footer("/about/"), footer("/es/about/")
    assert "Funded by" in english and 'href="/privacy/"' in english
    assert "Financiado por" in spanish and 'href="/es/privacy/"' in spanish
    assert footer("/faq/") == english  # served again, identical
    settings.PROGRAM = {**settings.PROGRAM, "ethics_approval": "IRB-NEW-42"}
    assert "IRB-NEW-42" in footer("/about/") and "IRB-NEW-42" in footer("/es/about/")


def test_trust_pages_come_from_settings(client, settings):
    settings.PROGRAM = {
        **settings.PROGRAM,
        "sponsor": "Fundación Ejemplo",
        "ethics_board": "Comité Norte",
        "ethics_approval": "CN-77",
        "contact_email": "ayuda@example.net",
        "contact_phone": "(555) 010-2030",
        "logo": "img/other-logo.svg",
        "favicon": "https://cdn.example.net/icon.png",
    }
    body = client.get("/about/").content.decode()
    assert "Fundación Ejemplo" in body and "Comité Norte" in body and "CN-77" in body
    assert 'href="https://cdn.example.net/icon.png"' in body
    assert 'src="/static/img/other-logo.svg"' in body
    contact = client.get("/es/contact/").content.decode()
    assert 'href="tel:+15550102030"' in contact
    assert 'href="mailto:ayuda@example.net"' in contact


def test_faq_answers_the_questions_people_ask(client):
    body = client.get("/faq/").content.decode()
    for question in [
        "What happens to my sample?",
        "Who sees my data?",
        "Can I leave?",
        "Will I be paid?",
    ]:
        assert f"<h2>{question}</h2>" in body
    spanish = client.get("/es/faq/").content.decode()
    for question in ["¿Qué pasa con mi muestra?", "¿Quién ve mis datos?", "¿Me van a pagar?"]:
        assert question in spanish


def test_verification_email_is_branded_and_names_site_url(client, settings):
    settings.SITE_URL = "https://join.example.org"
    client.post("/es/join/", {"is_adult": "yes", "us_state": "TX", "can_consent": "yes"})
    client.post(
        "/es/accounts/signup/",
        {"email": "nuevo@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    message = mail.outbox[-1]
    code = re.search(r"^\s*([A-Z]{4}-[A-Z]{4})\s*$", message.body, re.M).group(1)
    assert message.subject == f"Su código de {settings.PROGRAM['name']}: {code}"
    assert "https://join.example.org/" in message.body
    assert "127.0.0.1" not in message.body and "testserver" not in message.body
    html = message.alternatives[0][0]
    assert settings.PROGRAM["name"] in html and code in html and 'lang="es"' in html


def test_password_reset_link_uses_site_url(client, settings):
    settings.SITE_URL = "https://join.example.org"
    ParticipantFactory(user__email="reset@example.org")
    client.post("/accounts/password/reset/", {"email": "reset@example.org"})
    body = mail.outbox[-1].body
    assert re.search(r"https://join\.example\.org/accounts/password/reset/key/\S+", body)
    assert "testserver" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/es/accounts/login/",
        "/accounts/password/reset/",
        "/es/accounts/login/code/",
    ],
)
def test_account_pages_use_the_portal_layout_and_one_wording(client, path):
    body = client.get(path).content.decode()
    assert 'class="site-footer"' in body
    assert body.count("button button-primary") == 1  # one main action
    for word in ["Sign In", "Sign Up", "Sign in", "Iniciar Sesión"]:
        assert word not in body, word
    # every visible input has a visible label
    for field_id in re.findall(r'<input[^>]+type="(?:email|password|text)"[^>]+id="([^"]+)"', body):
        assert f'for="{field_id}"' in body


def test_a_login_error_is_summarised_at_the_top(client):
    body = client.post(
        "/accounts/login/", {"login": "nobody@example.org", "password": "wrong-password"}
    ).content.decode()
    summary = body.index("data-error-summary")
    assert summary < body.index('name="login"')
    assert "Please fix this before you go on" in body


def test_the_code_page_sends_a_new_code_on_request(client, settings):
    # allauth allows one code per 10 s per address; the limit itself is allauth's, not ours.
    settings.ACCOUNT_RATE_LIMITS = False
    client.post("/join/", {"is_adult": "yes", "us_state": "TX", "can_consent": "yes"})
    client.post(
        "/accounts/signup/",
        {"email": "again@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    page = client.get("/accounts/confirm-email/").content.decode()
    assert 'name="action" value="resend"' in page and "Send me a new code" in page
    sent = len(mail.outbox)
    client.post("/accounts/confirm-email/", {"action": "resend"})
    assert len(mail.outbox) == sent + 1
    assert mail.outbox[-1].to == ["again@example.org"]
