"""LiteLLM proxy spend data: ``LiteLLM_SpendLogs`` rows and ``StandardLoggingPayload`` callback payloads.

LiteLLM (BerriAI/litellm, MIT) records every request its proxy serves in two shapes, both read here:

* **SpendLogs rows**: the ``LiteLLM_SpendLogs`` table (``litellm/proxy/schema.prisma``) exported as CSV
  (a header row, then one row per request), as a JSON array of row objects (``/spend/logs`` answers
  that way; ``{"data": [...]}`` is accepted too), or as JSON Lines. Columns used: ``request_id``,
  ``call_type``, ``api_key`` (the *hashed* virtual key), ``spend`` (USD), ``prompt_tokens``,
  ``completion_tokens``, ``startTime``, ``endTime``, ``model``, ``model_group``,
  ``custom_llm_provider``, ``user``, ``end_user``, ``team_id``, ``organization_id``, ``cache_hit``,
  ``status``, ``request_tags`` (a JSON list) and ``metadata`` (a JSON object: LiteLLM writes the
  usage object's other fields to ``metadata.additional_usage_values`` and, in newer versions,
  ``metadata.usage_object``; the team alias to ``metadata.user_api_key_team_alias``). Times without
  an offset are UTC (Prisma stores ``DateTime`` as UTC ``timestamp(3)``).
* **StandardLoggingPayload**: the object LiteLLM hands every logging callback
  (``litellm/types/utils.py``; ``docs/proxy/logging_spec.md``), one JSON object per line or a single
  (pretty-printed) object. Fields used: ``id``, ``call_type``, ``status``, ``response_cost``
  (``hidden_params.response_cost`` when absent), ``prompt_tokens``, ``completion_tokens``,
  ``startTime``/``endTime`` (unix seconds), ``model``, ``hidden_params.litellm_model_name``,
  ``model_map_information.model_map_key``, ``model_group``, ``custom_llm_provider``, ``cache_hit``,
  ``request_tags``, ``end_user`` and ``metadata.user_api_key_*``, ``spend_logs_metadata``,
  ``requester_metadata``, ``response.service_tier``; token details come from the first of
  ``response.usage``, ``metadata.usage_object`` and ``hidden_params.usage_object`` that has them.

A file may mix both shapes; each record is recognised by its keys (``request_id`` and ``spend``: a
row; ``response_cost`` or ``hidden_params``: a payload). ``model`` is the price-map key LiteLLM priced
the request with (``model_map_information.model_map_key``), else ``hidden_params.litellm_model_name``,
else ``model`` (which may be a proxy alias). ``team`` is the team alias, else the team id; ``user_id``
the proxy user, else the end user; ``tags`` the ``requester_metadata`` and ``spend_logs_metadata``
objects, ``model_group``, ``organization_id`` and ``{"request_tags": [...]}``.

Token arithmetic. LiteLLM reports OpenAI-style counts for every provider: ``prompt_tokens`` *includes*
cache reads (``prompt_tokens_details.cached_tokens``, or ``cache_read_input_tokens``) and cache writes
(``prompt_tokens_details.cache_creation_tokens``, or ``cache_creation_input_tokens``), and
``completion_tokens`` includes ``completion_tokens_details.reasoning_tokens``. For Anthropic models
LiteLLM's ``AnthropicConfig.calculate_usage`` builds ``prompt_tokens`` as Anthropic's
``input_tokens + cache_creation_input_tokens + cache_read_input_tokens``, and LiteLLM's own
``generic_cost_per_token`` prices ``prompt_tokens - cached - cache_creation - audio`` as uncached
input, so the split below is LiteLLM's own (``events.split_inclusive``; audio tokens from the
``*_tokens_details.audio_tokens`` fields and 1-hour cache writes from
``prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens`` are taken out of the
same totals). LiteLLM releases between PR #9838 (April 2025) and the re-addition of cache writes
left cache writes *out* of ``prompt_tokens``; where ``prompt_tokens`` is smaller than cache reads +
writes (+ audio) but not smaller than cache reads (+ audio), the row is read with that convention
and a note says so. Where it cannot be told apart by arithmetic, the current convention applies.

``reported_cost`` is ``spend``/``response_cost``. A JSON float becomes ``Decimal(repr(x))`` (the
float's shortest repr, ``0.00022500000000000002``), rounded half-even to the 18 decimal places of
``EVENT_SCHEMA``'s ``decimal128(38, 18)``: ``0.000225000000000000``. Rows answered from LiteLLM's own
cache (``cache_hit``) never reached a provider and are skipped, as are failed requests that used no
tokens and cost nothing; notes count both.
"""

from __future__ import annotations

import csv
import datetime as _dt
import gzip
import io
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar

from spendscope.errors import RowError
from spendscope.llm.events import AmountTooLarge, EventBatch, TokenCountError, split_inclusive, to_table, usd
from spendscope.llm.sources import register
from spendscope.llm.sources.base import keep_last, repeat_note

SOURCE = "litellm"
UTC = _dt.timezone.utc
EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
MAX_COUNT = 2**63 - 1  # int64

# custom_llm_provider -> spendscope provider (others: as written, lower case)
PROVIDERS = {
    "openai": "openai", "text-completion-openai": "openai", "chatgpt": "openai",
    "anthropic": "anthropic", "anthropic_text": "anthropic",
    "azure": "azure", "azure_text": "azure", "azure_ai": "azure",
    "bedrock": "bedrock", "bedrock_converse": "bedrock", "sagemaker": "sagemaker",
    "vertex_ai": "vertex", "vertex_ai_beta": "vertex", "gemini": "gemini",
}
# OpenAI's service_tier values -> EVENT_SCHEMA's tiers, as the openai source maps them (others: as written)
TIERS = {"default": "standard", "auto": "standard"}
SPEND_LOGS_HEADER = {"request_id", "spend", "call_type"}
DETAIL_KEYS = ("prompt_tokens_details", "completion_tokens_details", "cache_read_input_tokens",
               "cache_creation_input_tokens")


@register
class LiteLLMSource:
    """LiteLLM proxy SpendLogs rows (CSV, JSON, JSON Lines) and StandardLoggingPayload callbacks."""

    name: ClassVar[str] = SOURCE
    description: ClassVar[str] = "LiteLLM proxy spend logs (LiteLLM_SpendLogs CSV/JSON, StandardLoggingPayload JSON)"

    def detect(self, path: Path, head: str) -> float:
        if '"response_cost"' in head and '"call_type"' in head:
            return 0.9
        first = head.lstrip("\ufeff").split("\n", 1)[0]
        if not first.lstrip().startswith(("{", "[")):
            columns = {c.strip().strip('"').strip() for c in first.split(",")}
            if SPEND_LOGS_HEADER <= columns:
                return 0.9
        if '"request_id"' in head and '"spend"' in head:
            return 0.85
        return 0.0

    def read(self, path: Path) -> EventBatch:
        file = str(path)
        text = _read_text(path)
        records, shape = _records(text, file)
        events, notes, kinds = _events(records, file)
        kind = "+".join(sorted(kinds)) or ("spend_logs" if shape == "csv" else "standard_logging_payload")
        return EventBatch(to_table(events), f"{kind} ({shape})", notes)


def events_from_records(records: list[dict], file: str = "LiteLLM records") -> tuple[list[dict], list[str]]:
    """Events and notes from already-parsed SpendLogs rows or StandardLoggingPayloads (row = position)."""
    events, notes, _ = _events([(i, r) for i, r in enumerate(records, 1)], file)
    return events, notes


# --- the file -------------------------------------------------------------------------------------

def _read_text(path: Path) -> str:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        data = fh.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RowError(str(path), None, None, f"is not UTF-8 text ({exc}).") from exc


def _records(text: str, file: str) -> tuple[list[tuple[int, Any]], str]:
    """(row, record) pairs and the file's shape: json, jsonl or csv."""
    stripped = text.strip()
    if not stripped:
        return [], "empty"
    if stripped[0] not in "{[":
        return _csv_records(text, file), "csv"
    try:
        doc = json.loads(stripped)
    except ValueError as whole:
        lines = text.splitlines()
        try:  # JSON Lines: the first line is a JSON value of its own
            json.loads(next(line for line in lines if line.strip()))
        except ValueError:
            raise RowError(file, None, None, f"is not valid JSON ({whole}).",
                           hint="LiteLLM files are a JSON object, a JSON array of objects, JSON Lines or CSV.") from whole
    else:
        if isinstance(doc, dict) and isinstance(doc.get("data"), list) and "request_id" not in doc:
            doc = doc["data"]  # /spend/logs/v2 answers {"data": [...], "total": ..., "page": ...}
        if isinstance(doc, list):
            return list(enumerate(doc, 1)), "json"
        if "\n" in stripped:
            return [(1, doc)], "json"
        return [(text[:text.index(stripped)].count("\n") + 1, doc)], "jsonl"
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append((n, json.loads(line)))
        except ValueError as exc:
            raise RowError(file, n, None, f"is not valid JSON ({exc}).", hint="JSON Lines: one JSON object per line.") from exc
    return out, "jsonl"


def _csv_records(text: str, file: str) -> list[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    header = set(reader.fieldnames or ())
    missing = sorted(SPEND_LOGS_HEADER - header)
    if missing:
        raise RowError(file, None, missing[0], f"the CSV header lacks {', '.join(missing)}: not a LiteLLM_SpendLogs export.",
                       hint=f"Its columns: {', '.join(reader.fieldnames or [])}")
    out = []
    for n, row in enumerate(reader, 1):
        if None in row:
            raise RowError(file, n, None, f"has {len(row[None]) + len(header)} fields; the header has {len(header)}.")
        out.append((n, {k: (v if v != "" else None) for k, v in row.items()}))
    return out


# --- records to events ----------------------------------------------------------------------------

def _events(records: list[tuple[int, Any]], file: str) -> tuple[list[dict], list[str], set[str]]:
    events: list[dict] = []
    kinds: set[str] = set()
    skipped = {"cache_hit": 0, "failure": 0, "writes_outside_prompt": 0, "no_provider": 0, "duplicate": 0}
    for row, rec in records:
        if not isinstance(rec, dict):
            raise RowError(file, row, None, f"is a JSON {type(rec).__name__}, not an object.")
        kind = _kind(rec, file, row)
        kinds.add(kind)
        event, why = _event(rec, kind, file, row)
        if event is None:
            skipped[why] += 1
            continue
        for flag in event.pop("_flags"):
            skipped[flag] += 1
        events.append(event)
    events, skipped["duplicate"] = keep_last(events, "event_id")
    return events, _notes(skipped), kinds


def _kind(rec: dict, file: str, row: int) -> str:
    if "request_id" in rec and "spend" in rec:
        return "spend_logs"
    if "response_cost" in rec or "hidden_params" in rec:
        return "standard_logging_payload"
    raise RowError(file, row, None, "is neither a LiteLLM_SpendLogs row (request_id, spend) nor a "
                   "StandardLoggingPayload (id, response_cost).", hint=f"Its keys: {', '.join(sorted(rec)[:30])}")


def _notes(skipped: dict[str, int]) -> list[str]:
    notes = []
    if skipped["cache_hit"]:
        notes.append(f"{skipped['cache_hit']:,} requests answered from LiteLLM's cache (cache_hit) skipped: "
                     "no provider served or billed them.")
    if skipped["failure"]:
        notes.append(f"{skipped['failure']:,} failed requests without tokens or cost skipped.")
    if skipped["writes_outside_prompt"]:
        notes.append(f"{skipped['writes_outside_prompt']:,} records have prompt_tokens smaller than their cache reads + "
                     "writes: read with the convention of LiteLLM releases that left cache writes out of prompt_tokens.")
    if skipped["no_provider"]:
        notes.append(f"{skipped['no_provider']:,} records name no provider (custom_llm_provider): provider 'unknown', "
                     "so their tokens stay unpriced.")
    notes += repeat_note(skipped["duplicate"], "records", "an earlier request id")
    return notes


def _event(rec: dict, kind: str, file: str, row: int) -> tuple[dict | None, str]:
    payload = kind == "standard_logging_payload"
    meta = _object(rec.get("metadata"), file, row, "metadata")
    hidden = _object(rec.get("hidden_params"), file, row, "hidden_params") if payload else {}
    response = _object(rec.get("response"), file, row, "response", lenient=True)
    usage = _usage(response, meta, hidden)
    prompt = _count(rec.get("prompt_tokens", usage.get("prompt_tokens")), file, row, "prompt_tokens")
    completion = _count(rec.get("completion_tokens", usage.get("completion_tokens")), file, row, "completion_tokens")
    cost = _money(rec.get("response_cost", hidden.get("response_cost")) if payload else rec.get("spend"),
                  file, row, "response_cost" if payload else "spend")
    if _truthy(rec.get("cache_hit")):
        return None, "cache_hit"
    status = rec.get("status")
    if status == "failure" and not prompt and not completion and not cost:
        return None, "failure"

    flags: list[str] = []
    tokens = _split(prompt, completion, usage, file, row, flags)
    event_id = _text(rec.get("id") if payload else rec.get("request_id"))
    if not event_id:
        raise RowError(file, row, "id" if payload else "request_id", "is missing: every request needs its id.")
    start = _time(rec.get("startTime"), file, row, "startTime", required=True)
    end = _time(rec.get("endTime"), file, row, "endTime") or start
    raw_provider = _text(rec.get("custom_llm_provider"))
    if not raw_provider:
        flags.append("no_provider")
    model_map = _object(rec.get("model_map_information") or meta.get("model_map_information"), file, row,
                        "model_map_information", lenient=True)
    team = _text(meta.get("user_api_key_team_alias")) or _text(rec.get("team_id")) or \
        _text(meta.get("user_api_key_team_id")) or _text(meta.get("team_alias")) or _text(meta.get("team_id"))
    user = (_text(rec.get("user")) or _text(meta.get("user_api_key_user_id"))
            or _text(meta.get("user_api_key_end_user_id")) or _text(rec.get("end_user")))
    event = {
        "source": SOURCE,
        "event_id": event_id,
        "provider": _provider(raw_provider),
        "start_time": start,
        "end_time": end,
        "model": (_text(model_map.get("model_map_key")) or _text(hidden.get("litellm_model_name"))
                  or _text(rec.get("model"))),
        "service_tier": _tier(response.get("service_tier")),
        "api_key_id": _text(rec.get("api_key")) or _text(meta.get("user_api_key_hash")) or _text(meta.get("user_api_key")),
        "project_id": _text(meta.get("user_api_key_project_id")),
        "user_id": user,
        "team": team,
        "tags": _tags(rec, meta, file, row),
        "requests": 1,
        "reported_cost": cost,
        **tokens,
        "_flags": flags,
    }
    return event, ""


def _usage(response: dict, meta: dict, hidden: dict) -> dict:
    """The usage object with token details: the response's, else one LiteLLM logged (the first that
    has details, else the first there is)."""
    candidates = [c for c in (response.get("usage"), meta.get("usage_object"), hidden.get("usage_object"),
                              meta.get("additional_usage_values")) if isinstance(c, dict) and c]
    for candidate in candidates:
        if any(candidate.get(k) for k in DETAIL_KEYS):
            return candidate
    return candidates[0] if candidates else {}


def _split(prompt: int, completion: int, usage: dict, file: str, row: int, flags: list[str]) -> dict[str, int]:
    """LiteLLM's inclusive prompt/completion counts as exclusive token classes (module docstring)."""
    pd = usage.get("prompt_tokens_details") if isinstance(usage.get("prompt_tokens_details"), dict) else {}
    cd = usage.get("completion_tokens_details") if isinstance(usage.get("completion_tokens_details"), dict) else {}
    read = _first_count(file, row, (pd, "cached_tokens", "prompt_tokens_details.cached_tokens"),
                        (usage, "cache_read_input_tokens", "cache_read_input_tokens"))
    write = _first_count(file, row, (pd, "cache_creation_tokens", "prompt_tokens_details.cache_creation_tokens"),
                         (usage, "cache_creation_input_tokens", "cache_creation_input_tokens"))
    ttl = pd.get("cache_creation_token_details") if isinstance(pd.get("cache_creation_token_details"), dict) else {}
    write_1h = _count(ttl.get("ephemeral_1h_input_tokens"), file, row,
                      "prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens")
    audio_in = _count(pd.get("audio_tokens"), file, row, "prompt_tokens_details.audio_tokens")
    audio_out = _count(cd.get("audio_tokens"), file, row, "completion_tokens_details.audio_tokens")
    reasoning = _count(cd.get("reasoning_tokens"), file, row, "completion_tokens_details.reasoning_tokens")

    if reasoning + audio_out > completion:
        raise RowError(file, row, "completion_tokens",
                       f"{completion} completion tokens cannot hold {reasoning} reasoning and {audio_out} audio tokens.",
                       hint="LiteLLM's completion_tokens include the reasoning and audio output tokens.")
    total_in = prompt
    if read + audio_in <= prompt < read + write + audio_in:
        total_in = prompt + write  # cache writes were left out of prompt_tokens (LiteLLM, April 2025 on)
        flags.append("writes_outside_prompt")
    try:
        if audio_in > total_in:
            raise TokenCountError(f"{audio_in} audio tokens are more than the {total_in} input tokens.")
        if write_1h > write:
            raise TokenCountError(f"{write_1h} 1-hour cache writes are more than the {write} cache-write tokens.")
        out = split_inclusive(input_tokens=total_in - audio_in, cache_read=read, cache_write=write,
                              output_tokens=completion - audio_out, reasoning_tokens=reasoning)
    except TokenCountError as exc:
        raise RowError(file, row, "prompt_tokens", f"the token counts contradict each other: {exc}",
                       hint="LiteLLM's prompt_tokens include the cached (read and written) and audio input tokens; "
                            "a part cannot be larger than its total.") from exc
    out["cache_write_5m_tokens"] -= write_1h
    out["cache_write_1h_tokens"] = write_1h
    out["audio_input_tokens"] = audio_in
    out["audio_output_tokens"] = audio_out
    return out


def _first_count(file: str, row: int, *places: tuple[dict, str, str]) -> int:
    for obj, key, column in places:
        if obj.get(key) is not None:
            return _count(obj.get(key), file, row, column)
    return 0


def _tags(rec: dict, meta: dict, file: str, row: int) -> str | None:
    tags: dict[str, Any] = {}
    for key in ("requester_metadata", "spend_logs_metadata"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip().startswith("{"):
            value = _object(value, file, row, f"metadata.{key}")
        if isinstance(value, dict):
            tags.update(value)
    for key, tag in (("model_group", "model_group"), ("organization_id", "organization_id")):
        if _text(rec.get(key)):
            tags[tag] = rec[key]
    request_tags = rec.get("request_tags")
    if isinstance(request_tags, str):
        try:
            request_tags = json.loads(request_tags) if request_tags.strip() else None
        except ValueError as exc:
            raise RowError(file, row, "request_tags", f"{request_tags!r} is not a JSON list ({exc}).") from exc
    if request_tags:
        if not isinstance(request_tags, list):
            raise RowError(file, row, "request_tags", f"{request_tags!r} is not a JSON list of tags.")
        tags["request_tags"] = request_tags
    return json.dumps(tags, sort_keys=True, ensure_ascii=False, default=str) if tags else None


# --- values ---------------------------------------------------------------------------------------

def _object(value: Any, file: str, row: int, column: str, *, lenient: bool = False) -> dict:
    """A JSON object given as an object or as JSON text (CSV cells); {} when absent. ``lenient``: a
    value that is not an object (a response stored as plain text) is read as absent."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            if lenient:
                return {}
            raise RowError(file, row, column, f"is not valid JSON ({exc}).") from exc
    if isinstance(value, dict):
        return value
    if lenient:
        return {}
    raise RowError(file, row, column, f"is a JSON {type(value).__name__}, not an object.")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "t", "yes")
    return value is True


def _tier(raw: Any) -> str | None:
    tier = _text(raw)
    return TIERS.get(tier.lower(), tier.lower()) if tier else None


def _provider(raw: str | None) -> str:
    if not raw:
        return "unknown"
    key = raw.strip().lower()
    return PROVIDERS.get(key, key)


def _count(value: Any, file: str, row: int, column: str) -> int:
    """A token count: a non-negative integer (JSON number, or integral text in CSV); absent is 0."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise RowError(file, row, column, f"{value!r} is not a token count.")
    try:
        d = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation as exc:
        raise RowError(file, row, column, f"{value!r} is not a token count.") from exc
    if not d.is_finite() or d != d.to_integral_value():
        raise RowError(file, row, column, f"{value!r} is not a whole number of tokens.")
    if d < 0:
        raise RowError(file, row, column, f"{value!r} is a negative token count.")
    if d > MAX_COUNT:
        raise RowError(file, row, column, f"{value!r} is too large a token count.")
    return int(d)


def _money(value: Any, file: str, row: int, column: str) -> Decimal | None:
    """USD as a Decimal with 18 decimal places: a float through its shortest repr, text as written."""
    if value is None or value == "":
        return None
    try:
        return usd(value)
    except AmountTooLarge as exc:
        raise RowError(file, row, column, f"{value!r} is too large an amount (at most 20 digits before the point).") from exc
    except ValueError as exc:
        raise RowError(file, row, column, f"{value!r} is not an amount of money.") from exc


def _time(value: Any, file: str, row: int, column: str, *, required: bool = False) -> _dt.datetime | None:
    """Unix seconds (a JSON number) or a date-time text; a text without an offset is UTC."""
    if value is None or value == "":
        if required:
            raise RowError(file, row, column, "is missing.")
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, (int, float)) or re.fullmatch(r"\s*\d+(\.\d+)?\s*", str(value)):
            seconds = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
            return EPOCH + _dt.timedelta(microseconds=int((seconds * 1_000_000).to_integral_value()))
        text = str(value).strip()
        text = re.sub(r"\s*UTC$", "+00:00", text)
        parsed = _dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError, InvalidOperation) as exc:
        raise RowError(file, row, column, f"{value!r} is not a time (unix seconds or ISO 8601).") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
