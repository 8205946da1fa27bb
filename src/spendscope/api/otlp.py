"""``POST /v1/traces``: the OTLP/HTTP receiver for OpenTelemetry GenAI spans (JSON encoding).

Point an OpenTelemetry SDK or Collector's ``otlphttp`` exporter at ``http://HOST:PORT`` with
``encoding: json``; spans with ``gen_ai.usage.*`` attributes are priced and appear in
``spendscope costs`` and on the dashboard within seconds (``llm.receiver``). Spans without token
usage are accepted and ignored. A malformed request is refused (400) with the span and attribute
named; nothing of it is kept.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from spendscope.errors import ConfigError, SpendscopeError

router = APIRouter()
MAX_BODY_BYTES = 32 << 20


@router.post("/v1/traces", summary="Receive OpenTelemetry GenAI spans (OTLP/HTTP, JSON)", tags=["receiver"])
async def traces(request: Request) -> JSONResponse:
    receiver = request.app.state.receiver
    if receiver is None:
        raise ConfigError(
            "This server has no span receiver: it serves a ledger that is not a DuckDB file.",
            hint="Serve a DuckDB ledger (spendscope --db spendscope.duckdb serve) to receive spans.")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        error = ConfigError(f"Content-Type {kind or '(none)'!r} is not supported: spendscope reads OTLP/JSON.",
                            hint="Set the exporter's encoding to json (otlphttp: encoding: json).")
        return JSONResponse(error.to_dict(), status_code=415)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return _too_large()
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ConfigError(f"The request body is not JSON ({exc}).", hint="Send an OTLP/JSON ExportTraceServiceRequest.") from exc
    if not isinstance(payload, dict):
        raise ConfigError("The request body is not a JSON object.", hint="Send an OTLP/JSON ExportTraceServiceRequest.")
    accepted = receiver.accept(payload)  # a RowError (422) names the span and attribute
    return JSONResponse({"partialSuccess": {}, "spendscope": {"spansWithUsage": accepted.spans_with_usage,
                                                               "notes": accepted.notes}})


def _too_large() -> JSONResponse:
    error = SpendscopeError(f"The request body is larger than {MAX_BODY_BYTES >> 20} MiB.",
                            hint="Export smaller batches (the SDK's max export batch size).")
    body = error.to_dict()
    body["status"], body["type"] = 413, "RequestTooLargeError"
    return JSONResponse(body, status_code=413)
