"""The ``spendscope serve`` application: the JSON API under ``/api/`` and the dashboard at ``/``.

>>> from spendscope.settings import Settings
>>> app = create_app(Settings.load(environ={}, db="spendscope.duckdb"))
>>> sorted(app.openapi()["paths"])
['/api/costs', '/api/health', '/api/overview', '/v1/traces']
"""

from __future__ import annotations

import contextlib
import dataclasses

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from spendscope import __version__
from spendscope.api import errors, otlp, routes
from spendscope.errors import ConfigError
from spendscope.settings import Settings
from spendscope.web import CONTENT_SECURITY_POLICY, STATIC_DIR, dashboard_html

DESCRIPTION = (
    "Read-only API over a spendscope FOCUS ledger. Money is an exact decimal string, dates are ISO, "
    "and every error has one shape: {ok: false, error, errors, status, type}."
)


LOOPBACK = ("127.0.0.1", "localhost", "::1")
SERVER_BUSY_TIMEOUT = 10.0


def _host_name(header: str) -> str:
    """The host of a Host header, without the port ("[::1]:8000" -> "::1")."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def create_app(settings: Settings, host: str | None = None, receiver: bool = True,
               flush_seconds: float = 5.0) -> FastAPI:
    """The FastAPI application serving the ledger named by ``settings``.

    Bound to a loopback address, it answers only requests addressed to loopback names, so a web
    page elsewhere cannot reach it through DNS rebinding. With ``receiver`` (and a DuckDB ledger
    file), ``POST /v1/traces`` takes OTLP/JSON GenAI spans and loads them every ``flush_seconds``.
    """
    spans = None
    if receiver:
        from spendscope.llm.receiver import SpanReceiver

        with contextlib.suppress(ConfigError):  # not a DuckDB file: no receiver, the endpoint says why
            spans = SpanReceiver(settings, flush_seconds=flush_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if spans is not None:
            spans.start()
        try:
            yield
        finally:
            if spans is not None:
                spans.stop()

    # No /docs or /redoc: FastAPI's pages load their scripts from a CDN, and the server works offline.
    app = FastAPI(title="spendscope", version=__version__, description=DESCRIPTION, docs_url=None, redoc_url=None,
                  lifespan=lifespan)
    app.state.receiver = spans
    # A request should not hang for the CLI's full busy timeout while a long ingest writes the
    # ledger: after a few seconds the page says "busy, retry" (503 with Retry-After) instead.
    app.state.settings = dataclasses.replace(settings, busy_timeout=min(settings.busy_timeout, SERVER_BUSY_TIMEOUT))
    errors.install(app)
    app.include_router(routes.router)
    app.include_router(otlp.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(dashboard_html(), headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})

    bound = host or settings.host
    loopback_only = bound in LOOPBACK

    @app.middleware("http")
    async def security_headers(request, call_next):
        if loopback_only and _host_name(request.headers.get("host", "")) not in LOOPBACK:
            error = ConfigError(
                f"This server answers requests for {bound} only, not {request.headers.get('host', '')!r}.",
                hint="Open the dashboard at http://127.0.0.1, or serve with --host 0.0.0.0 to accept other names.",
            )
            return JSONResponse(error.to_dict(), status_code=error.http_status)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the API and dashboard with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(settings, host=host), host=host, port=port, log_level="info", server_header=False)
