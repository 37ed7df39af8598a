"""A re-consent task on /me/ → what changed, side by side → the usual questions. 360 px, axe."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from participants.consent.campaigns.models import Member
from participants.consent.campaigns.services import campaign_publish
from participants.consent.defaults import load_default_consents
from participants.consent.models import ConsentVersion, VersionStatus
from participants.consent.services import consent_version_draft, consent_version_publish
from tests.e2e.browser import assert_accessible, no_horizontal_scroll, screenshot
from tests.factories import ParticipantFactory
from tests.participants.consent.helpers import pass_comprehension, sign
from tests.staff.conftest import make_staff, roles, site_a  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {"prefix": "", "banner": "See what changed and sign again",
           "summary": "We added a paragraph about sharing coded data.",
           "continue": "Continue: read and sign the new version"},
    "es": {"prefix": "/es", "banner": "Ver qué cambió y volver a firmar",
           "summary": "Agregamos un párrafo sobre compartir datos codificados.",
           "continue": "Continuar: leer y firmar la nueva versión"},
}  # fmt: skip


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_reconsent_task_on_a_phone(live_server, phone_page, make_staff, language):  # noqa: F811
    t = TEXTS[language]
    load_default_consents()
    v1 = ConsentVersion.objects.get(form__code="primary", status=VersionStatus.PUBLISHED)
    participant = ParticipantFactory(preferred_language=language)
    pass_comprehension(participant)
    sign(participant, v1, language=language)
    manager = make_staff("consent_manager")
    draft = consent_version_draft(
        form=v1.form, actor=manager, text_en=v1.text_en + "\n\nWe may share coded data.",
        text_es=v1.text_es + "\n\nPodemos compartir datos codificados.",
        change_summary_en=TEXTS["en"]["summary"], change_summary_es=TEXTS["es"]["summary"],
        effective_date=timezone.localdate(), valid_months=None,
    )  # fmt: skip
    v2 = consent_version_publish(version=draft, actor=manager)
    campaign = campaign_publish(
        actor=manager, version=v2, from_version=v1, ethics_number="IRB-2026-7",
        ethics_date=dt.date(2026, 12, 1), policy="pause",
        ethics_document=SimpleUploadedFile("a.pdf", b"%PDF-1.7", "application/pdf"),
    )  # fmt: skip
    page = phone_page
    _log_in(page, live_server, participant.user)
    page.goto(live_server.url + t["prefix"] + "/me/")
    assert_accessible(page)
    page.get_by_role("link", name=t["banner"]).click()
    page.wait_for_url(f"**{t['prefix']}/me/reconsent/{campaign.public_id}/")
    assert page.get_attribute("html", "lang") == language
    main = page.locator("main").inner_text()
    assert t["summary"] in main and "IRB-2026-7" in main
    assert page.locator("ins").count() >= 1
    assert_accessible(page)
    assert no_horizontal_scroll(page)
    screenshot(page, f"reconsent-{language}-360")
    page.get_by_role("link", name=t["continue"]).click()
    page.wait_for_url(f"**{t['prefix']}/me/consent/questions/")
    assert Member.objects.get().viewed_at is not None
