"""Order a kit, then follow it on /me/: both languages, 360 px, axe-clean."""

import pytest
from django.test import Client

from participants.kits.models import Kit, KitStatus
from participants.kits.services import partner_sites_load
from tests.e2e.browser import assert_accessible, no_horizontal_scroll, screenshot
from tests.factories import ParticipantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {"prefix": "", "link": "Order a kit or choose a site",
           "site": "Give a blood sample at a partner site", "order": "Order",
           "tracker": "Kit requested", "letter": "Download the visit letter (PDF)"},
    "es": {"prefix": "/es", "link": "Pedir un kit o elegir un centro",
           "site": "Dar una muestra de sangre en un centro asociado", "order": "Pedir",
           "tracker": "Kit pedido", "letter": "Descargar la carta de visita (PDF)"},
}  # fmt: skip


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_order_a_site_visit_and_follow_it_on_a_phone(live_server, phone_page, language):
    t = TEXTS[language]
    partner_sites_load()
    participant = ParticipantFactory(state="consented", preferred_language=language)
    page = phone_page
    _log_in(page, live_server, participant.user)
    page.goto(live_server.url + t["prefix"] + "/me/")
    page.get_by_role("link", name=t["link"]).click()
    page.wait_for_url(f"**{t['prefix']}/me/kit/")
    assert page.get_attribute("html", "lang") == language
    assert_accessible(page)
    assert no_horizontal_scroll(page)
    page.get_by_label(t["site"]).check()
    page.locator("select[name=site]").select_option(index=1)
    page.get_by_role("button", name=t["order"], exact=True).click()
    page.wait_for_url(f"**{t['prefix']}/me/kit/")
    assert t["tracker"] in page.locator("main").inner_text()
    assert_accessible(page)
    assert no_horizontal_scroll(page)
    screenshot(page, f"kit-{language}-360")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=t["letter"]).click()
    with open(download_info.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    kit = Kit.objects.get(participant=participant)
    assert kit.status == KitStatus.REQUESTED and kit.kind == "blood"
    page.goto(live_server.url + t["prefix"] + "/me/")
    assert t["tracker"] in page.locator("main").inner_text()
    assert_accessible(page)
