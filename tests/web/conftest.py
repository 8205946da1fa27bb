"""Headless Debian Chromium driven by Playwright, against the sample ledger served on loopback."""

from __future__ import annotations

import pytest

from tests.api.conftest import sample_ledger_file, sample_settings, server  # noqa: F401  (shared fixtures)
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, Visit


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the dashboard tests need a real browser. "
            "Install Debian's chromium (`make chromium`, or `apt-get install -y chromium`) "
            "or point SPENDSCOPE_CHROMIUM at a Chromium executable.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def visit(browser, server):
    v = Visit(browser, server)
    yield v
    v.close()
