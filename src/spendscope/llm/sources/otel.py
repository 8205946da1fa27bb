"""OpenTelemetry GenAI spans in OTLP/JSON: one usage event per span that reports token usage.

The file is what an OTLP/HTTP exporter sends to ``POST /v1/traces`` (an ``ExportTraceServiceRequest``
in the OTLP JSON encoding), either one such request or JSON Lines of them (the Collector's file
exporter writes one per line)::

    {"resourceSpans": [{"resource": {"attributes": [...]},
                        "scopeSpans": [{"scope": {...}, "spans": [{"traceId", "spanId", "parentSpanId",
                            "name", "startTimeUnixNano", "endTimeUnixNano", "attributes": [
                                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "100"}}]}]}]}]}

In OTLP JSON an int64 is a *string* (``{"intValue": "100"}``); some emitters send token counts as
``stringValue`` or ``doubleValue``: every numeric spelling is accepted, a count that is not a whole
non-negative number is an error. The protobuf field names (``resource_spans``, ``int_value``, ...)
are accepted too, as OTLP receivers must.

Attributes read (GenAI semantic conventions, now kept in open-telemetry/semantic-conventions-genai;
deprecated names still emitted by older instrumentations after the slash):

* ``gen_ai.usage.input_tokens`` / ``gen_ai.usage.prompt_tokens``, ``gen_ai.usage.output_tokens`` /
  ``gen_ai.usage.completion_tokens``, ``gen_ai.usage.cache_read.input_tokens`` /
  ``gen_ai.usage.cached_input_tokens``, ``gen_ai.usage.cache_read_tokens``,
  ``gen_ai.usage.cache_read_input_tokens``, ``gen_ai.usage.cache_creation.input_tokens`` /
  ``gen_ai.usage.cache_creation_input_tokens``, ``gen_ai.usage.reasoning.output_tokens`` /
  ``gen_ai.usage.reasoning_tokens``. A span without any of them is skipped (a note counts them).
* ``gen_ai.provider.name`` / ``gen_ai.system`` (``aws.bedrock`` -> bedrock, ``azure.ai.openai`` and
  ``az.ai.openai`` -> azure, ``gcp.vertex_ai`` -> vertex, ``gcp.gemini`` and ``gcp.gen_ai`` -> gemini,
  others as written in lower case), ``gen_ai.response.model`` (else ``gen_ai.request.model``),
  ``gen_ai.operation.name`` (kept in ``tags`` as ``operation``), ``openai.response.service_tier`` /
  ``openai.request.service_tier`` (and their ``gen_ai.openai.*`` forerunners), ``gen_ai.usage.cost``
  (not in the conventions; OpenLIT and others emit it in USD) as ``reported_cost``.
* Attribution: ``spendscope.team``, ``spendscope.project``, ``spendscope.application``,
  ``spendscope.environment``, ``spendscope.user_id``, ``spendscope.api_key_id``,
  ``spendscope.workspace_id``; ``user.id``/``enduser.id`` -> user_id; resource ``service.name`` ->
  application and ``deployment.environment.name`` (or ``deployment.environment``) -> environment,
  unless the span names them. Other attributes whose key starts with ``spendscope.``, ``app.``,
  ``team`` or ``project`` go to ``tags``; all other attributes are left out.

Token arithmetic: the conventions say ``gen_ai.usage.input_tokens`` "SHOULD include all types of input
tokens, including cached tokens", and that ``gen_ai.usage.cache_read.input_tokens`` and
``gen_ai.usage.cache_creation.input_tokens`` "SHOULD be included in gen_ai.usage.input_tokens", and
``gen_ai.usage.reasoning.output_tokens`` "SHOULD be included in gen_ai.usage.output_tokens"
(``@opentelemetry/semantic-conventions`` incubating: ATTR_GEN_AI_USAGE_INPUT_TOKENS,
ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS), so spans are split with ``events.split_inclusive``. An
emitter that copies Anthropic's uncached ``input_tokens`` into the attribute breaks that rule; where
its cache reads exceed the input total the span is refused, naming the attribute.

A span whose descendants in the same file also carry token usage (an ``invoke_agent`` span summing
its model calls) is an aggregate: it is skipped, so no token is counted twice. ``event_id`` is
``traceId:spanId``; the same span exported twice is kept once.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar

from spendscope.errors import RowError
from spendscope.llm.events import EventBatch, TokenCountError, split_inclusive, to_table, usd
from spendscope.llm.sources import register
from spendscope.llm.sources.base import keep_last

SOURCE = "otel"
UTC = _dt.timezone.utc
EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
MAX_COUNT = 2**63 - 1  # int64
MAX_NANOS = 253_402_300_800 * 10**9  # 10000-01-01

# token class -> attribute keys, the convention's name first
TOKEN_KEYS: dict[str, tuple[str, ...]] = {
    "input": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
    "output": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
    "cache_read": ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cached_input_tokens",
                   "gen_ai.usage.cache_read_tokens", "gen_ai.usage.cache_read_input_tokens"),
    "cache_write": ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens"),
    "reasoning": ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"),
}
PROVIDER_KEYS = ("gen_ai.provider.name", "gen_ai.system")
PROVIDERS = {
    "aws.bedrock": "bedrock", "azure.ai.openai": "azure", "az.ai.openai": "azure",
    "gcp.vertex_ai": "vertex", "gcp.gemini": "gemini", "gcp.gen_ai": "gemini",
}
TIER_KEYS = ("openai.response.service_tier", "gen_ai.openai.response.service_tier",
             "openai.request.service_tier", "gen_ai.openai.request.service_tier")
# OpenAI's service_tier values -> EVENT_SCHEMA's tiers, as the openai source maps them (others: as written)
TIERS = {"default": "standard", "auto": "standard"}
COST_KEY = "gen_ai.usage.cost"
# dimension -> attribute keys, span attributes before resource attributes
DIMENSION_KEYS: dict[str, tuple[str, ...]] = {
    "team": ("spendscope.team",),
    "project_id": ("spendscope.project", "spendscope.project_id"),
    "application": ("spendscope.application",),
    "environment": ("spendscope.environment",),
    "user_id": ("spendscope.user_id", "user.id", "enduser.id"),
    "api_key_id": ("spendscope.api_key_id",),
    "workspace_id": ("spendscope.workspace_id",),
}
# resource-only fallbacks, used when no span or resource attribute above names the dimension
RESOURCE_DIMENSIONS = {"application": ("service.name",),
                       "environment": ("deployment.environment.name", "deployment.environment")}
_MAPPED = {k for keys in DIMENSION_KEYS.values() for k in keys}
_TAG_PREFIXES = ("spendscope.", "app.", "team", "project")


@register
class OtelSource:
    """OpenTelemetry GenAI spans (OTLP/JSON export requests, or JSON Lines of them)."""

    name: ClassVar[str] = SOURCE
    description: ClassVar[str] = "OpenTelemetry GenAI spans (OTLP/JSON traces)"

    def detect(self, path: Path, head: str) -> float:
        if '"resourceSpans"' in head:
            return 0.95
        if '"resource_spans"' in head:
            return 0.9
        return 0.0

    def read(self, path: Path) -> EventBatch:
        file = str(path)
        spans: list[_Span] = []
        for line, payload in _payloads(path, file):
            spans.extend(_spans(payload, file, line, offset=len(spans)))
        events, notes = _events(spans, SOURCE)
        return EventBatch(to_table(events), "otlp_json", notes)


def events_from_otlp(payload: dict, source_name: str = SOURCE, *,
                     file: str = "OTLP request") -> tuple[list[dict], list[str]]:
    """Event dicts and notes from one parsed ``ExportTraceServiceRequest`` (an HTTP receiver's body).
    ``source_name`` fills the events' ``source`` column; ``file`` names the payload in errors."""
    return _events(_spans(payload, file, None), source_name)


# --- the file -------------------------------------------------------------------------------------

def _payloads(path: Path, file: str) -> list[tuple[int | None, Any]]:
    """(line, request) pairs: line None for a file holding one request."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        try:
            text = fh.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RowError(file, None, None, f"is not UTF-8 text ({exc}).") from exc
    if not text.strip():
        return []
    try:
        return [(None, json.loads(text))]
    except ValueError as whole:
        lines = text.splitlines()
        first = next(line for line in lines if line.strip())
        try:
            json.loads(first)
        except ValueError:
            raise RowError(file, None, None, f"is not valid JSON ({whole}).",
                           hint="An OTLP/JSON file holds one export request, or one per line.") from whole
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append((n, json.loads(line)))
        except ValueError as exc:
            raise RowError(file, n, None, f"is not valid JSON ({exc}).") from exc
    return out


# --- spans ----------------------------------------------------------------------------------------

@dataclass
class _Span:
    file: str
    row: int              # the JSON Lines line, or the span's 1-based position in the file
    where: str            # "span 3" etc., for messages
    trace_id: str
    span_id: str
    parent_id: str
    start: int | None     # unix nanoseconds
    end: int | None
    attrs: dict[str, Any] = field(default_factory=dict)
    resource: dict[str, Any] = field(default_factory=dict)

    def error(self, column: str | None, problem: str, hint: str | None = None) -> RowError:
        return RowError(self.file, self.row, column, f"{self.where}: {problem}", hint=hint)


def _get(obj: dict, camel: str, snake: str) -> Any:
    value = obj.get(camel)
    return obj.get(snake) if value is None else value


def _list(obj: dict, camel: str, snake: str, file: str, row: int | None, what: str) -> list:
    value = _get(obj, camel, snake)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowError(file, row, camel, f"{what}: {camel} is a JSON {type(value).__name__}, not an array.")
    return value


def _spans(payload: Any, file: str, line: int | None, offset: int = 0) -> list[_Span]:
    """Every span of one export request, with its attributes and its resource's. Errors name the
    JSON Lines ``line``, else the span's position in the file (after ``offset`` earlier spans)."""
    if not isinstance(payload, dict):
        raise RowError(file, line, None, f"is a JSON {type(payload).__name__}, not an OTLP export request.")
    if _get(payload, "resourceSpans", "resource_spans") is None:
        raise RowError(file, line, "resourceSpans", "is missing: not an OTLP/JSON traces export request.",
                       hint=f"Its keys: {', '.join(sorted(payload)[:20])}")
    out: list[_Span] = []
    for rs in _list(payload, "resourceSpans", "resource_spans", file, line, "request"):
        if not isinstance(rs, dict):
            raise RowError(file, line, "resourceSpans", "holds something other than objects.")
        resource_obj = rs.get("resource") or {}
        resource = _attributes(resource_obj.get("attributes") if isinstance(resource_obj, dict) else None,
                               file, line, "resource")
        for ss in _list(rs, "scopeSpans", "scope_spans", file, line, "resource spans"):
            if not isinstance(ss, dict):
                raise RowError(file, line, "scopeSpans", "holds something other than objects.")
            for span in _list(ss, "spans", "spans", file, line, "scope spans"):
                where = f"span {len(out) + 1}"  # its position in the request
                row = line if line is not None else offset + len(out) + 1
                if not isinstance(span, dict):
                    raise RowError(file, row, "spans", f"{where} is not an object.")
                out.append(_Span(
                    file=file, row=row, where=where,
                    trace_id=str(_get(span, "traceId", "trace_id") or ""),
                    span_id=str(_get(span, "spanId", "span_id") or ""),
                    parent_id=str(_get(span, "parentSpanId", "parent_span_id") or ""),
                    start=_nanos(_get(span, "startTimeUnixNano", "start_time_unix_nano"), file, row, where,
                                 "startTimeUnixNano"),
                    end=_nanos(_get(span, "endTimeUnixNano", "end_time_unix_nano"), file, row, where,
                               "endTimeUnixNano"),
                    attrs=_attributes(span.get("attributes"), file, row, where),
                    resource=resource,
                ))
    return out


def _attributes(items: Any, file: str, row: int | None, where: str) -> dict[str, Any]:
    """OTLP ``KeyValue`` list -> {key: AnyValue} (values still in their OTLP form, decoded on use)."""
    if items is None:
        return {}
    if not isinstance(items, list):
        raise RowError(file, row, "attributes", f"{where}: attributes are not an array.")
    out = {}
    for kv in items:
        if not isinstance(kv, dict) or not isinstance(kv.get("key"), str):
            raise RowError(file, row, "attributes", f"{where}: an attribute is not a {{key, value}} object.")
        out[kv["key"]] = kv.get("value") if isinstance(kv.get("value"), dict) else {}
    return out


def _value(any_value: dict) -> Any:
    """An OTLP ``AnyValue`` as a Python value (int64 strings stay strings until read as numbers)."""
    for camel, snake in (("stringValue", "string_value"), ("intValue", "int_value"), ("doubleValue", "double_value"),
                         ("boolValue", "bool_value"), ("bytesValue", "bytes_value")):
        if camel in any_value or snake in any_value:
            return _get(any_value, camel, snake)
    array = _get(any_value, "arrayValue", "array_value")
    if isinstance(array, dict):
        return [_value(v) if isinstance(v, dict) else v for v in array.get("values") or []]
    kvlist = _get(any_value, "kvlistValue", "kvlist_value")
    if isinstance(kvlist, dict):
        return {kv.get("key"): _value(kv.get("value") or {}) for kv in kvlist.get("values") or []
                if isinstance(kv, dict)}
    return None


def _nanos(value: Any, file: str, row: int, where: str, column: str) -> int | None:
    if value is None or value == "" or value == 0 or value == "0":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        nanos = int(value) if isinstance(value, int) else int(Decimal(str(value).strip()))
        if not 0 <= nanos < MAX_NANOS:
            raise ValueError
    except (ValueError, InvalidOperation) as exc:
        raise RowError(file, row, column, f"{where}: {value!r} is not a time in unix nanoseconds.") from exc
    return nanos


# --- spans to events ------------------------------------------------------------------------------

def _events(spans: list[_Span], source: str) -> tuple[list[dict], list[str]]:
    usage = [s for s in spans if any(k in s.attrs for keys in TOKEN_KEYS.values() for k in keys)]
    parents = {(s.trace_id, s.span_id): s.parent_id for s in spans}
    aggregates: set[tuple[str, str]] = set()
    for s in usage:  # every ancestor of a usage span that carries usage itself sums its descendants
        seen, parent = set(), s.parent_id
        while parent and (s.trace_id, parent) not in seen:
            seen.add((s.trace_id, parent))
            aggregates.add((s.trace_id, parent))
            parent = parents.get((s.trace_id, parent), "")
    events: list[dict] = []
    counts = {"aggregate": 0, "no_provider": 0, "no_model": 0}
    for s in usage:
        if (s.trace_id, s.span_id) in aggregates:
            counts["aggregate"] += 1
            continue
        event = _event(s, source)
        counts["no_provider"] += event["provider"] == "unknown"
        counts["no_model"] += event["model"] is None
        events.append(event)
    events, counts["duplicate"] = keep_last(events, "event_id")
    notes = []
    if len(spans) > len(usage):
        notes.append(f"{len(spans) - len(usage):,} of {len(spans):,} spans carry no gen_ai.usage token attributes: "
                     "skipped.")
    if counts["aggregate"]:
        notes.append(f"{counts['aggregate']:,} spans whose child spans also report token usage (agent or workflow "
                     "spans summing their model calls) skipped, so no token is counted twice.")
    if counts["duplicate"]:
        notes.append(f"{counts['duplicate']:,} spans were exported more than once: kept once.")
    if counts["no_provider"]:
        notes.append(f"{counts['no_provider']:,} spans name no gen_ai.provider.name (or gen_ai.system): provider "
                     "'unknown', so their tokens stay unpriced.")
    if counts["no_model"]:
        notes.append(f"{counts['no_model']:,} spans name no gen_ai.response.model or gen_ai.request.model.")
    return events, notes


def _event(s: _Span, source: str) -> dict:
    if not s.trace_id or not s.span_id:
        raise s.error("traceId" if not s.trace_id else "spanId", "has no traceId and spanId to identify it.")
    if s.start is None:
        raise s.error("startTimeUnixNano", "is missing its start time.")
    counts = {}
    for cls, keys in TOKEN_KEYS.items():
        key = next((k for k in keys if k in s.attrs), None)
        counts[cls] = _count(s, key) if key else 0
    try:
        tokens = split_inclusive(input_tokens=counts["input"], cache_read=counts["cache_read"],
                                 cache_write=counts["cache_write"], output_tokens=counts["output"],
                                 reasoning_tokens=counts["reasoning"])
    except TokenCountError as exc:
        column = TOKEN_KEYS["output"][0] if "output" in str(exc) else TOKEN_KEYS["input"][0]
        raise s.error(column, f"the token counts contradict each other: {exc}",
                      hint="The GenAI conventions count cache reads and writes inside gen_ai.usage.input_tokens and "
                           "reasoning tokens inside gen_ai.usage.output_tokens.") from exc
    dims = {}
    for dim, keys in DIMENSION_KEYS.items():
        dims[dim] = _first_text(s.attrs, keys) or _first_text(s.resource, keys) \
            or _first_text(s.resource, RESOURCE_DIMENSIONS.get(dim, ()))
    provider = _first_text(s.attrs, PROVIDER_KEYS) or _first_text(s.resource, PROVIDER_KEYS)
    tier = _first_text(s.attrs, TIER_KEYS)
    return {
        "source": source,
        "event_id": f"{s.trace_id}:{s.span_id}",
        "provider": PROVIDERS.get(provider.lower(), provider.lower()) if provider else "unknown",
        "start_time": _time(s.start),
        "end_time": _time(s.end if s.end is not None else s.start),
        "model": _first_text(s.attrs, ("gen_ai.response.model", "gen_ai.request.model")),
        "service_tier": TIERS.get(tier.lower(), tier.lower()) if tier else None,
        **dims,
        "tags": _tags(s),
        "requests": 1,
        "reported_cost": _cost(s) if COST_KEY in s.attrs else None,
        **tokens,
    }


def _first_text(attrs: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if key in attrs:
            value = _value(attrs[key])
            if value is not None and not isinstance(value, (list, dict)) and str(value).strip():
                return str(value).strip()
    return None


def _tags(s: _Span) -> str | None:
    tags: dict[str, Any] = {}
    for attrs in (s.resource, s.attrs):  # span attributes override the resource's
        for key, value in attrs.items():
            if key.startswith(_TAG_PREFIXES) and key not in _MAPPED:
                tags[key] = _value(value)
    operation = _first_text(s.attrs, ("gen_ai.operation.name",))
    if operation:
        tags["operation"] = operation
    return json.dumps(tags, sort_keys=True, ensure_ascii=False, default=str) if tags else None


def _count(s: _Span, key: str) -> int:
    """A token count in any OTLP spelling: intValue (a string or a number), stringValue, doubleValue."""
    raw = _value(s.attrs[key])
    if raw is None or isinstance(raw, (bool, list, dict)):
        raise s.error(key, f"{raw!r} is not a token count.")
    try:
        d = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise s.error(key, f"{raw!r} is not a token count.") from exc
    if not d.is_finite() or d != d.to_integral_value():
        raise s.error(key, f"{raw!r} is not a whole number of tokens.")
    if d < 0:
        raise s.error(key, f"{raw!r} is a negative token count.")
    if d > MAX_COUNT:
        raise s.error(key, f"{raw!r} is too large a token count.")
    return int(d)


def _cost(s: _Span) -> Decimal | None:
    raw = _value(s.attrs[COST_KEY])
    if raw is None or raw == "":
        return None
    try:
        d = usd(raw if isinstance(raw, (float, int, Decimal)) else str(raw))
        if d < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError) as exc:
        raise s.error(COST_KEY, f"{raw!r} is not a cost in USD.") from exc
    return d


def _time(nanos: int) -> _dt.datetime:
    return EPOCH + _dt.timedelta(microseconds=nanos // 1000)
