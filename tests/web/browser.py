"""Headless Debian Chromium for the dashboard tests, and a tab that records what the page does."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("SPENDSCOPE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]


class Visit:
    """One browser tab on the dashboard that records every request and every console error."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US", timezone_id="UTC")
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # Anything not for the test server is refused (and was recorded above, so the test sees it).
        self.context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base + "/")
                           else route.abort())

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base + path)
        self.wait_ready()

    def wait_ready(self, metric: str | None = None) -> None:
        selector = "body[data-state=ready]" + (f"[data-metric={metric}]" if metric else "")
        self.page.wait_for_selector(selector, timeout=20_000)

    def close(self) -> None:
        self.context.close()
