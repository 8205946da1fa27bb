"""The dashboard: one HTML page, its CSS and JS, and the vendored Chart.js, all shipped in the package.

Nothing is fetched from outside the server, so the dashboard works offline; the page gets its data
from its JSON twin, ``GET /api/overview``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from spendscope import __version__

STATIC_DIR = Path(__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"

# Scripts, styles and data come only from the server itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@lru_cache(maxsize=1)
def dashboard_html() -> str:
    """The dashboard page; asset URLs carry the version, so an upgrade is never served stale files."""
    return (TEMPLATES_DIR / "dashboard.html").read_text(encoding="utf-8").replace("{{version}}", __version__)
