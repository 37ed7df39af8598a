import pytest

from tests.e2e.browser import assert_accessible, no_horizontal_scroll, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_in_english_and_spanish_is_accessible(live_server, page):
    page.goto(live_server.url + "/")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "Join a health research program for everyone"
    assert_accessible(page)

    page.get_by_role("button", name="Español").click()
    page.wait_for_url(live_server.url + "/es/")
    assert page.get_attribute("html", "lang") == "es"
    assert "Únase" in page.locator("h1").inner_text()
    assert_accessible(page)
    screenshot(page, "smoke-home-es")


def test_home_fits_a_phone_and_the_skip_link_works(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/")
    assert no_horizontal_scroll(page)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert_accessible(page)
    screenshot(page, "smoke-home-360")


def test_csp_blocks_an_injected_inline_script(live_server, browser):
    context = browser.new_context()  # no bypass: the real policy applies
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.evaluate(
        """() => { const s = document.createElement('script');
        s.textContent = 'window.__pwned = true'; document.body.appendChild(s); }"""
    )
    assert page.evaluate("window.__pwned === true") is False
    context.close()
