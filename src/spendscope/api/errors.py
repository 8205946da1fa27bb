"""Every error the API returns has one JSON shape: ``SpendscopeError.to_dict()``.

Domain errors keep their own status (``http_status`` on the class). FastAPI's request validation,
Starlette's 404 and 405, and anything unexpected are put in the same shape; an unexpected error
says only that it happened (the traceback goes to the server log, never to the client).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from spendscope.errors import ConfigError, SpendscopeError

log = logging.getLogger("spendscope.api")

RETRY_AFTER_S = "5"
_TYPES = {404: "NotFoundError", 405: "MethodNotAllowedError", 413: "RequestTooLargeError"}


def error_body(status: int, type_: str, message: str, hint: str | None = None) -> dict:
    """The one error shape, for errors that are not SpendscopeErrors."""
    return {"ok": False, "error": message, "errors": [message] + ([hint] if hint else []), "status": status, "type": type_}


def install(app: FastAPI) -> None:
    """Register the handlers that put every error in the one shape."""
    app.add_exception_handler(SpendscopeError, _spendscope_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _spendscope_error(request: Request, exc: SpendscopeError) -> JSONResponse:
    headers = {"Retry-After": RETRY_AFTER_S} if exc.retryable else None
    return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = []
    for err in exc.errors():
        where = [str(part) for part in err.get("loc", ()) if part not in ("query", "path", "body")]
        name = ".".join(where) or "request"
        problems.append(f"Query parameter {name!r}: {err.get('msg', 'is not valid')}.")
    problems = problems or ["The request is not valid."]
    error = ConfigError(problems[0], hint="See /openapi.json for the parameters each endpoint takes.")
    body = error.to_dict()
    body["errors"] = problems + [error.hint]
    return JSONResponse(body, status_code=error.http_status)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    status = exc.status_code
    if status == 404:
        message = f"Nothing is served at {request.url.path!r}."
        hint = "The dashboard is at /, the API under /api/ (GET /api/health, /api/costs, /api/overview); see /openapi.json."
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path!r}."
        hint = "The spendscope API is read-only: use GET."
    else:
        message, hint = str(exc.detail), None
    type_ = _TYPES.get(status, "HTTPError")
    return JSONResponse(error_body(status, type_, message, hint), status_code=status, headers=getattr(exc, "headers", None))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("Unexpected error answering %s %s", request.method, request.url.path, exc_info=exc)
    message = "Internal error: spendscope could not answer this request."
    hint = "The server log has the details; please report it if it happens again."
    return JSONResponse(error_body(500, "InternalError", message, hint), status_code=500)
