"""Playwright (Python) driving Debian's Chromium against pytest-django's live server."""

import os
from collections.abc import Iterator

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.e2e.browser import AXE_JS

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not AXE_JS.exists():
        pytest.fail("node_modules/axe-core is missing: run `make test` (it runs npm ci).")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_page(browser, width: int, height: int):
    # bypass_csp lets the test inject axe-core; the CSP itself is tested separately.
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context, page = _new_page(browser, 1280, 900)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser) -> Iterator[object]:
    context, page = _new_page(browser, 360, 740)
    yield page
    context.close()
