"""OpenAI organisation Usage API responses, saved as JSON: one usage event per result of every time bucket.

The Usage API (Admin key) answers ``GET /v1/organization/usage/{completions|embeddings|moderations|images|
audio_speeches|audio_transcriptions|vector_stores|code_interpreter_sessions}`` with a page of time buckets
(OpenAI API reference, "Usage"; the ``Usage*Result`` schemas of openai/openai-openapi as the SDKs render
them; real sample: the OpenAI cookbook's ``completions_usage_api`` output)::

    {"object": "page", "has_more": false, "next_page": null,
     "data": [{"object": "bucket", "start_time": 1736616660, "end_time": 1736640000,
               "results": [{"object": "organization.usage.completions.result", "input_tokens": 141201,
                            "input_cached_tokens": 0, "output_tokens": 9756, "input_audio_tokens": 0,
                            "output_audio_tokens": 0, "num_model_requests": 470, "project_id": null,
                            "user_id": null, "api_key_id": null, "model": null, "batch": null}]}]}

A file may hold one page, a bare JSON array of buckets (what the cookbook saves), an array of pages
(several saved pages), or JSON Lines of pages; ``.gz`` is read too. Bucket times are unix seconds (UTC);
the first bucket may start mid-day. A bucket with ``results: []`` gives no event; a result whose counts
are all zero still does. Grouping fields (``project_id``, ``user_id``, ``api_key_id``, ``model``,
``batch``, ``service_tier``; ``size`` and ``source`` for images) are null unless the request grouped by
them. The organisation's id is not in the response: ``account_id`` stays null.

Token arithmetic (completions). ``input_tokens`` includes ``input_cached_tokens``, so uncached input is
``input_tokens - input_cached_tokens`` (``events.split_openai``). The Usage API has no reasoning
breakdown: reasoning bills as output and stays in ``output_tokens``. Audio: the schema most responses
follow (and the cookbook sample) describes ``input_tokens``/``output_tokens`` as *text* tokens and
``input_audio_tokens``/``output_audio_tokens`` as separate counts, so audio goes to its own classes and a
result bills ``input_tokens + output_tokens + input_audio_tokens + output_audio_tokens`` tokens. The
newer schema (2025-26, with the per-modality fields ``input_text_tokens``, ``input_uncached_tokens``,
``input_image_tokens``, ``input_cached_*_tokens``, ``output_text_tokens``, ``output_image_tokens``,
``input_cache_write_tokens``) redefines ``input_tokens`` as *all* input (text, audio, image; cached and
cache-write) and ``output_tokens`` as all output, with ``input_audio_tokens`` the *uncached* audio. A
result carrying any of those fields is read that way: audio is taken out of the totals, not added to
them, so it bills ``input_tokens + output_tokens``. Cached audio and image tokens stay in
``cached_input_tokens``, image tokens and cache writes in ``input_tokens``/``output_tokens`` (the
catalog has no class of their own); their counts are kept in ``tags``.

Other endpoints: embeddings and moderations count ``input_tokens`` (uncached input). Images
(``images``, ``size``, ``source``), audio speeches (``characters``), audio transcriptions (``seconds``),
vector stores (``usage_bytes``), code interpreter sessions (``num_sessions``), and the newer file and web
search results (``num_requests``) count units, not tokens: their events have zero tokens and keep the
quantities in ``tags``, and a note says so (OpenAI prices them per unit, which the catalog does not
cover yet).

``service_tier``: ``batch: true`` is ``batch``; otherwise the result's ``service_tier`` (``default`` is
``standard``), else ``standard``. ``event_id`` is the endpoint, the bucket start and the grouping values,
so a later pull of the same (or a restated) bucket replaces the event instead of adding to it.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Iterator

from spendscope.errors import RowError
from spendscope.llm.events import TIERS, TOKEN_COLUMNS, EventBatch, TokenCountError, split_openai, to_table
from spendscope.llm.sources import register
from spendscope.llm.sources.base import keep_last, repeat_note, tier_notes

SOURCE = "openai_usage"
PROVIDER = "openai"
UTC = _dt.timezone.utc

TOKEN_ENDPOINTS = ("completions", "embeddings", "moderations")
# endpoint -> (quantity fields kept in tags, the first one required; the unit OpenAI prices it by)
UNIT_ENDPOINTS: dict[str, tuple[tuple[str, ...], str]] = {
    "images": (("images",), "image"),
    "audio_speeches": (("characters",), "character"),
    "audio_transcriptions": (("seconds",), "second"),
    "vector_stores": (("usage_bytes",), "GB-day"),
    "code_interpreter_sessions": (("num_sessions",), "session"),
    "file_searches": (("num_requests",), "call"),
    "web_searches": (("num_requests",), "call"),
}
# result ``object`` -> endpoint
ENDPOINTS = {f"organization.usage.{e}.result": e for e in (*TOKEN_ENDPOINTS, *UNIT_ENDPOINTS)}
# grouping fields always in the event id (value or empty), then any other grouping field present
KEY_FIELDS = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")
# fields of the newer completions schema, whose input_tokens/output_tokens include audio (and images)
MODALITY_FIELDS = ("input_uncached_tokens", "input_text_tokens", "input_image_tokens", "input_cached_text_tokens",
                   "input_cached_audio_tokens", "input_cached_image_tokens", "output_text_tokens",
                   "output_image_tokens", "input_cache_write_tokens")
# counts of the newer schema that have no token class of their own: kept in tags when not zero
TAGGED_COUNTS = ("input_image_tokens", "input_cached_audio_tokens", "input_cached_image_tokens",
                 "output_image_tokens", "input_cache_write_tokens", "input_cache_write_12h_tokens")
COUNT_FIELDS = {"input_tokens", "output_tokens", "input_cached_tokens", "input_audio_tokens", "output_audio_tokens",
                "num_model_requests", "num_requests", "sessions", *MODALITY_FIELDS, *TAGGED_COUNTS,
                *(f for fields, _ in UNIT_ENDPOINTS.values() for f in fields)}
# OpenAI's service_tier values -> EVENT_SCHEMA's tiers (others are kept as written)
TIER_NAMES = {"default": "standard", "auto": "standard"}
PAGE_HINT = ('A saved Usage API response: {"object": "page", "data": [buckets]}, a JSON array of buckets or of '
             'pages, or JSON Lines of pages.')


@register
class OpenAIUsageSource:
    """Saved OpenAI organisation Usage API responses (``/v1/organization/usage/*``)."""

    name: ClassVar[str] = SOURCE
    description: ClassVar[str] = "OpenAI organisation Usage API responses (GET /v1/organization/usage/*), saved as JSON"

    def detect(self, path: Path, head: str) -> float:
        return 0.95 if '"organization.usage.' in head else 0.0

    def read(self, path: Path) -> EventBatch:
        file = str(path)
        buckets, pages = buckets_of(read_documents(path, PAGE_HINT), file, PAGE_HINT)
        endpoints: dict[str, int] = {}
        counts = {"modality": 0, "cache_write": 0, "no_model": 0}
        tiers: set[str] = set()

        def bounds(bucket: dict, number: int) -> tuple[_dt.datetime, _dt.datetime]:
            return (unix_seconds(bucket.get("start_time"), file, number, "start_time"),
                    unix_seconds(bucket.get("end_time"), file, number, "end_time"))

        def event_of(start: _dt.datetime, end: _dt.datetime, row: int, result: dict) -> dict:
            event, endpoint = _event(result, start, end, file, row, counts)
            endpoints[endpoint] = endpoints.get(endpoint, 0) + 1
            counts["no_model"] += endpoint in TOKEN_ENDPOINTS and event["model"] is None
            if event["service_tier"] not in TIERS:
                tiers.add(event["service_tier"])
            return event

        events, counts["duplicate"] = keep_last((event_of(*item) for item in bucket_items(buckets, file, bounds)),
                                                "event_id")
        kinds = "+".join(endpoints) or "no results"
        return EventBatch(to_table(events), f"OpenAI usage API ({kinds})",
                          _notes(endpoints, counts, tiers, pages))


# --- the file (shared with the Anthropic usage adapter) --------------------------------------------

def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_documents(path: Path, hint: str = PAGE_HINT, exact: bool = False) -> list[Any]:
    """The JSON documents of a file: the one document it holds, or one per line (JSON Lines).
    ``exact``: every JSON number with a fraction or exponent is a ``Decimal`` read from its text (and
    NaN/Infinity are refused), so amounts stay exact; ``hint`` says what a valid file looks like."""
    file = str(path)
    options = {"parse_float": Decimal, "parse_constant": _no_constant} if exact else {}
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        data = fh.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RowError(file, None, None, f"is not UTF-8 text ({exc}).") from exc
    if not text.strip():
        return []
    try:
        return [json.loads(text, **options)]
    except ValueError as exc:
        whole = exc
    docs = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            docs.append(json.loads(line, **options))
        except ValueError:
            # not JSON Lines either: report where the document itself breaks
            where = f"line {whole.lineno}, column {whole.colno}: " if isinstance(whole, json.JSONDecodeError) else ""
            msg = whole.msg if isinstance(whole, json.JSONDecodeError) else str(whole)
            raise RowError(file, None, None, f"is not valid JSON ({where}{msg}).", hint=hint) from whole
    return docs


def buckets_of(docs: list[Any], file: str, hint: str) -> tuple[list[dict], list[dict]]:
    """The time buckets of the documents, in file order, and the pages they came in: a document is a
    page (``{"data": [...]}``), a bucket (``{"results": [...]}``) or an array of either."""
    buckets: list[dict] = []
    pages: list[dict] = []
    for doc in docs:
        for item in doc if isinstance(doc, list) else [doc]:
            if isinstance(item, dict) and isinstance(item.get("data"), list):
                pages.append(item)
                for n, bucket in enumerate(item["data"], len(buckets) + 1):
                    if not isinstance(bucket, dict):
                        raise RowError(file, None, None, f"bucket {n} is a JSON {type(bucket).__name__}, "
                                       "not an object.", hint=hint)
                    buckets.append(bucket)
            elif isinstance(item, dict) and "results" in item:
                buckets.append(item)
            else:
                what = f"an object with keys {', '.join(sorted(item)[:12])}" if isinstance(item, dict) \
                    else f"a JSON {type(item).__name__}"
                raise RowError(file, None, None, f"holds {what}: neither a page of buckets nor a bucket.", hint=hint)
    return buckets, pages


def bucket_results(bucket: dict, file: str, number: int) -> list[dict]:
    """A bucket's results (objects), refusing any other shape."""
    results = bucket.get("results")
    if not isinstance(results, list):
        raise RowError(file, None, "results", f"bucket {number} has no results array.")
    for result in results:
        if not isinstance(result, dict):
            raise RowError(file, None, "results", f"bucket {number} holds a JSON {type(result).__name__} result, "
                           "not an object.")
    return results


def count(value: Any, file: str, row: int, column: str, *, required: bool = True) -> int:
    """A non-negative whole count (an integral JSON float is accepted); missing or null is 0 unless required."""
    if value is None:
        if required:
            raise RowError(file, row, column, "is missing: every result of this kind carries it.")
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError(file, row, column, f"{value!r} is not a whole number.")
    if value < 0:
        raise RowError(file, row, column, f"{value} is negative: a count cannot be.")
    return value


def text(value: Any) -> str | None:
    """A grouping value as text; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def tags_json(tags: dict[str, Any]) -> str | None:
    """Tags as a compact JSON object with sorted keys, or None when there are none."""
    kept = {k: v for k, v in tags.items() if v is not None}
    return json.dumps(kept, sort_keys=True, separators=(",", ":")) if kept else None


def has_more_note(pages: list[dict]) -> list[str]:
    """A note when the file's last page says more pages follow (the pull was not saved whole)."""
    if pages and pages[-1].get("has_more") is True:
        cursor = pages[-1].get("next_page")
        return [f"The file's last page says has_more: true{f' (next_page {cursor})' if cursor else ''}: later pages "
                "of this pull are not in the file; load them too."]
    return []


# --- results to events -----------------------------------------------------------------------------

def unix_seconds(value: Any, file: str, bucket: int, column: str, api: str = "Usage API") -> _dt.datetime:
    """A bucket bound in unix seconds (a whole number, also written as 1.0e9 or a whole Decimal)."""
    if isinstance(value, (float, Decimal)) and not isinstance(value, bool) and value == int(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError(file, None, column, f"bucket {bucket}: {value!r} is not unix seconds.",
                       hint=f"{api} buckets carry start_time and end_time as unix seconds.")
    return _dt.datetime.fromtimestamp(value, tz=UTC)


def rfc3339(value: Any, file: str, bucket: int, column: str, api: str = "Usage report") -> _dt.datetime:
    """A bucket bound written as RFC 3339 text (Anthropic's reports), as a UTC datetime."""
    try:
        when = _dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None:
        raise RowError(file, None, column, f"bucket {bucket}: {value!r} is not an RFC 3339 time.",
                       hint=f"{api} buckets carry starting_at and ending_at, e.g. 2025-08-01T00:00:00Z.")
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def bucket_items(buckets: list[dict], file: str, bounds) -> Iterator[tuple[_dt.datetime, _dt.datetime, int, dict]]:
    """(start, end, row, result) for every result of every bucket, row counted across buckets from 1;
    ``bounds(bucket, number)`` gives a bucket's start and end (read only for buckets with results)."""
    row = 0
    for number, bucket in enumerate(buckets, 1):
        results = bucket_results(bucket, file, number)
        if not results:
            continue
        start, end = bounds(bucket, number)
        for result in results:
            row += 1
            yield start, end, row, result


def _event(result: dict, start: _dt.datetime, end: _dt.datetime, file: str, row: int,
           counts: dict[str, int]) -> tuple[dict, str]:
    obj = result.get("object")
    endpoint = ENDPOINTS.get(obj) if isinstance(obj, str) else None
    if endpoint is None:
        hint = ("This is a Costs API result (GET /v1/organization/costs), not usage."
                if obj == "organization.costs.result" else f"Known: {', '.join(ENDPOINTS)}.")
        raise RowError(file, row, "object", f"{obj!r} is not an OpenAI usage result.", hint=hint)
    tags: dict[str, Any] = {}
    tokens = dict.fromkeys(TOKEN_COLUMNS, 0)
    if endpoint == "completions":
        tokens.update(_completion_tokens(result, file, row, tags, counts))
    elif endpoint in TOKEN_ENDPOINTS:
        tokens["input_tokens"] = count(result.get("input_tokens"), file, row, "input_tokens")
    else:
        fields, _ = UNIT_ENDPOINTS[endpoint]
        value = result.get(fields[0], result.get("sessions") if fields[0] == "num_sessions" else None)
        tags[fields[0]] = count(value, file, row, fields[0])
        for f in fields[1:]:
            tags[f] = count(result.get(f), file, row, f, required=False)
    batch = result.get("batch")
    if batch is not None and not isinstance(batch, bool):
        raise RowError(file, row, "batch", f"{batch!r} is not true, false or null.")
    raw_tier = text(result.get("service_tier"))
    tier = "batch" if batch else (TIER_NAMES.get(raw_tier.lower(), raw_tier.lower()) if raw_tier else "standard")
    key = [endpoint, str(int(start.timestamp()))] + [text(result.get(f)) or "" for f in KEY_FIELDS]
    for f in sorted(result):  # other grouping values (images: size, source): text or true/false, never counts
        value = result[f]
        if f not in COUNT_FIELDS and f not in KEY_FIELDS and f != "object" and isinstance(value, (str, bool)) \
                and value != "":
            key.append(f"{f}={text(value)}")
            tags[f] = text(value)
    requests = result.get("num_model_requests")
    event = {
        "source": SOURCE, "event_id": "|".join(key), "provider": PROVIDER, "account_id": None,
        "start_time": start, "end_time": end, "model": text(result.get("model")), "service_tier": tier,
        "project_id": text(result.get("project_id")), "user_id": text(result.get("user_id")),
        "api_key_id": text(result.get("api_key_id")), "tags": tags_json(tags),
        "requests": None if requests is None else count(requests, file, row, "num_model_requests"),
        **tokens,
    }
    return event, endpoint


def _completion_tokens(result: dict, file: str, row: int, tags: dict[str, Any],
                       counts: dict[str, int]) -> dict[str, int]:
    """A completions result's counts as exclusive token classes (the module docstring gives the arithmetic)."""
    total_in = count(result.get("input_tokens"), file, row, "input_tokens")
    total_out = count(result.get("output_tokens"), file, row, "output_tokens")
    cached = count(result.get("input_cached_tokens"), file, row, "input_cached_tokens", required=False)
    audio_in = count(result.get("input_audio_tokens"), file, row, "input_audio_tokens", required=False)
    audio_out = count(result.get("output_audio_tokens"), file, row, "output_audio_tokens", required=False)
    for f in TAGGED_COUNTS:
        n = count(result.get(f), file, row, f, required=False)
        if n:
            tags[f] = n
    if tags.get("input_cache_write_tokens") or tags.get("input_cache_write_12h_tokens"):
        counts["cache_write"] += 1
    try:
        split = split_openai(input_tokens=total_in, cached_tokens=cached, output_tokens=total_out)
    except TokenCountError as exc:
        raise RowError(file, row, "input_cached_tokens", f"{cached} cached tokens are more than the {total_in} "
                       "input tokens that include them.", hint=str(exc)) from exc
    if not any(result.get(f) is not None for f in MODALITY_FIELDS):
        return {**split, "audio_input_tokens": audio_in, "audio_output_tokens": audio_out}
    # newer schema: input_tokens/output_tokens include the audio (and image) tokens
    counts["modality"] += 1
    if audio_in > split["input_tokens"]:
        raise RowError(file, row, "input_audio_tokens", f"{audio_in} uncached audio tokens are more than the "
                       f"{split['input_tokens']} uncached input tokens (input_tokens - input_cached_tokens) that "
                       "include them.")
    if audio_out > total_out:
        raise RowError(file, row, "output_audio_tokens", f"{audio_out} audio tokens are more than the {total_out} "
                       "output tokens that include them.")
    return {**split, "input_tokens": split["input_tokens"] - audio_in, "output_tokens": total_out - audio_out,
            "audio_input_tokens": audio_in, "audio_output_tokens": audio_out}


def _notes(endpoints: dict[str, int], counts: dict[str, int], tiers: set[str], pages: list[dict]) -> list[str]:
    notes = []
    for endpoint, n in endpoints.items():
        if endpoint in UNIT_ENDPOINTS:
            fields, unit = UNIT_ENDPOINTS[endpoint]
            notes.append(f"{n:,} {endpoint} results carry no token counts: OpenAI prices them per {unit}, which the "
                         f"price catalog does not cover yet; their {', '.join(fields)} are kept in tags.")
    if counts["no_model"]:
        notes.append(f"{counts['no_model']:,} token results are not grouped by model: their tokens cannot be priced "
                     "(pull the usage with group_by=model).")
    if counts["modality"]:
        notes.append(f"{counts['modality']:,} completions results use the newer per-modality schema: their "
                     "input_tokens and output_tokens include the audio tokens, which were taken out of them.")
    if counts["cache_write"]:
        notes.append(f"{counts['cache_write']:,} completions results report cache-write tokens: they are counted as "
                     "uncached input (kept in tags as input_cache_write_tokens).")
    return notes + tier_notes(tiers) + repeat_note(counts["duplicate"]) + has_more_note(pages)

