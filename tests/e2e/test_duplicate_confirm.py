"""A participant confirms two accounts are theirs: /me/ banner → confirm page, at 360 px."""

import pytest
from django.test import Client

from participants.duplicates.models import FlagStatus
from participants.duplicates.services import duplicate_decide_same
from tests.e2e.browser import assert_accessible, no_horizontal_scroll, screenshot
from tests.participants.duplicates.helpers import pair_of, register
from tests.staff.conftest import make_staff, roles, site_a  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {
        "prefix": "",
        "banner": "Confirm my two accounts",
        "email": "E-mail address of your other account",
        "password": "Password of your other account",
        "submit": "Confirm and bring them together",
        "wrong": "Those details did not work",
    },
    "es": {
        "prefix": "/es",
        "banner": "Confirmar mis dos cuentas",
        "email": "Correo electrónico de su otra cuenta",
        "password": "Contraseña de su otra cuenta",
        "submit": "Confirmar y unirlas",
        "wrong": "Esos datos no funcionaron",
    },
}


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_confirm_two_accounts_on_a_phone(live_server, phone_page, make_staff, language):  # noqa: F811
    t = TEXTS[language]
    older = register(email=f"older-{language}@example.org")
    newer = register(email=f"newer-{language}@example.org")
    flag = pair_of(older, newer)
    duplicate_decide_same(flag=flag, actor=make_staff("support"), keep=older)
    page = phone_page
    _log_in(page, live_server, newer.user)
    page.goto(live_server.url + t["prefix"] + "/me/")
    assert page.get_attribute("html", "lang") == language
    assert_accessible(page)
    page.get_by_role("link", name=t["banner"]).click()
    page.wait_for_url(f"**{t['prefix']}/me/accounts/confirm/")
    assert_accessible(page)
    assert no_horizontal_scroll(page)
    page.get_by_label(t["email"]).fill(older.user.email)
    page.get_by_label(t["password"]).fill("wrong-password-here")
    page.get_by_role("button", name=t["submit"]).click()
    page.wait_for_load_state()
    assert t["wrong"] in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, f"duplicate-confirm-{language}-360")
    page.get_by_label(t["email"]).fill(older.user.email)
    page.get_by_label(t["password"]).fill("correct-horse-battery")
    page.get_by_role("button", name=t["submit"]).click()
    page.wait_for_url("**/accounts/login/**")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.MERGED
