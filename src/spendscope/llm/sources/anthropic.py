"""Anthropic Admin API messages usage reports, saved as JSON: one usage event per result of every time bucket.

``GET /v1/organizations/usage_report/messages`` (Admin key; platform.claude.com API reference "Get
Messages Usage Report", labelled "[Legacy]" in 2026 docs; Anthropic's ``claude-cookbooks``
``observability/usage_cost_api.ipynb``, MIT) answers with a page of time buckets::

    {"data": [{"starting_at": "2025-08-01T00:00:00Z", "ending_at": "2025-08-02T00:00:00Z",
               "results": [{"uncached_input_tokens": 1500, "cache_read_input_tokens": 20000,
                            "cache_creation": {"ephemeral_5m_input_tokens": 800, "ephemeral_1h_input_tokens": 0},
                            "output_tokens": 700, "server_tool_use": {"web_search_requests": 3},
                            "model": "claude-sonnet-4-20250514", "workspace_id": "wrkspc_...",
                            "api_key_id": "apikey_...", "service_tier": "standard",
                            "context_window": "0-200k", "inference_geo": "global"}]}],
     "has_more": false, "next_page": null}

Its successor, ``GET /v1/organizations/analytics/usage`` (the beta Usage and Cost Analytics API, header
``anthropic-beta: analytics-usage-cost-2026-08-24``; platform.claude.com "Usage and Cost Analytics
API" and its API reference, BetaAnalyticsUsageItem), answers with flat rows instead of buckets: one
row per time bucket and combination of the ``group_by[]`` dimensions, each holding its dimensions in
``group`` (null where not grouped by) and its counts in ``usage``::

    {"data": [{"starting_at": "2026-09-03T00:00:00Z", "ending_at": "2026-09-04T00:00:00Z",
               "group": {"model": "claude-sonnet-4-5-20250929", "workspace_id": "wrkspc_...",
                         "context_window": null, "speed": null, ...},
               "usage": {"uncached_input_tokens": 1500, "cache_read_input_tokens": 20000,
                         "cache_creation": {"ephemeral_5m_input_tokens": 800, "ephemeral_1h_input_tokens": 0},
                         "output_tokens": 700, "total_tokens": 23000, "requests": 12, ...}}],
     "next_page": null}

Such a row is read as a bucket of one result whose fields are the group's and the usage's (a nested
group value such as ``actor`` as ``actor.<key>``). The reference documents ``group`` and the item but,
as found when this was written, shows ``usage`` only through its ``total_tokens``; its other counts are
assumed to be the legacy report's (the Enterprise analytics usage item's names). ``total_tokens``,
where given, is checked against the sum of the counts read (a row where they differ is counted in a
note: a token kind this reader does not know would go unpriced), and ``requests`` is the event's
request count. Both endpoints
give the same ``event_id`` for the same bucket and grouping, so a pull of either replaces the
other's event.

A file may hold one page, a bare JSON array of buckets, an array of pages, or JSON Lines of pages; ``.gz``
is read too. Bucket bounds are RFC 3339 (an offset-less time is read as UTC). A bucket with
``results: []`` gives no event; a result whose counts are all zero still does.

Token arithmetic: Anthropic's counts are already exclusive (``events.split_anthropic``):
``uncached_input_tokens`` -> input, ``cache_read_input_tokens`` -> cached input,
``cache_creation.ephemeral_5m_input_tokens`` / ``ephemeral_1h_input_tokens`` -> 5-minute / 1-hour cache
writes (flat ``cache_creation_5m_input_tokens`` / ``cache_creation_1h_input_tokens`` are accepted where
the object is absent), ``output_tokens`` (reasoning included; Anthropic reports no breakdown) -> output.
A result bills their sum. ``uncached_input_tokens``, ``cache_read_input_tokens`` and ``output_tokens``
are required.

Grouping fields (null unless the request grouped by them): ``model``, ``workspace_id`` (null is the
default workspace), ``api_key_id``, ``service_tier`` (standard, batch, priority, flex, ...; null is
``standard``), ``account_id`` (the user account: ``user_id``), ``inference_geo`` (``region``; its
``not_available`` is null), and ``context_window``, ``speed``, ``service_account_id``, kept in ``tags``
with ``server_tool_use.web_search_requests`` (as ``web_search_requests``, priced per search, not per
token). The organisation's id is not in the response: ``account_id`` stays null; ``requests`` is null
(the report has no request count).
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any, ClassVar

from spendscope.errors import RowError
from spendscope.llm.events import TIERS, TOKEN_COLUMNS, EventBatch, TokenCountError, split_anthropic, to_table
from spendscope.llm.sources import register
from spendscope.llm.sources.base import keep_last, repeat_note, tier_notes
from spendscope.llm.sources.openai import (bucket_items, buckets_of, count, has_more_note, read_documents, rfc3339,
                                           tags_json, text)

SOURCE = "anthropic_usage"
PROVIDER = "anthropic"
UTC = _dt.timezone.utc

# grouping fields always in the event id (value or empty), then any other grouping field present
KEY_FIELDS = ("workspace_id", "api_key_id", "account_id", "model", "service_tier", "context_window", "inference_geo")
TAG_FIELDS = ("context_window", "speed", "service_account_id")
COUNT_FIELDS = {"uncached_input_tokens", "cache_read_input_tokens", "output_tokens", "cache_creation",
                "cache_creation_5m_input_tokens", "cache_creation_1h_input_tokens", "server_tool_use",
                "total_tokens", "requests"}
NO_GEO = {"not_available"}
# "uncached_input_tokens" as a key (a cost report has it as a value: "token_type": "uncached_input_tokens")
_KEY = re.compile(r'"uncached_input_tokens"\s*:')
PAGE_HINT = ('A saved usage report: {"data": [buckets or rows], "has_more": ..., "next_page": ...}, a JSON array of '
             'buckets or of pages, or JSON Lines of pages.')


def rows_as_buckets(items: list[dict], values: str) -> list[dict]:
    """The analytics API's flat rows (``{"starting_at", "ending_at", "group": {...}, values: {...}}``) as
    buckets of one result each, the group's fields and the values' side by side; legacy buckets as they
    are. A nested group value (``actor``) becomes ``actor.<key>`` fields."""
    out = []
    for item in items:
        if "results" in item or not isinstance(item.get(values), dict):
            out.append(item)
            continue
        result: dict[str, Any] = {}
        group = item.get("group")
        for key, value in (group.items() if isinstance(group, dict) else ()):
            if isinstance(value, dict):
                result.update({f"{key}.{k}": v for k, v in value.items()})
            else:
                result[key] = ",".join(map(str, value)) if isinstance(value, list) else value
        result.update(item[values])
        out.append({"starting_at": item.get("starting_at"), "ending_at": item.get("ending_at"), "results": [result]})
    return out


@register
class AnthropicUsageSource:
    """Saved Anthropic Admin API messages usage reports (``usage_report/messages``, ``analytics/usage``)."""

    name: ClassVar[str] = SOURCE
    description: ClassVar[str] = ("Anthropic Admin API messages usage report (GET /v1/organizations/usage_report/"
                                  "messages or /analytics/usage), saved as JSON")

    def detect(self, path: Path, head: str) -> float:
        if _KEY.search(head) and ("starting_at" in head or "cache_read_input_tokens" in head):
            return 0.95
        return 0.0

    def read(self, path: Path) -> EventBatch:
        file = str(path)
        buckets, pages = buckets_of(read_documents(path, PAGE_HINT), file, PAGE_HINT)
        rows = sum("results" not in b and "usage" in b for b in buckets)
        buckets = rows_as_buckets(buckets, "usage")
        counts = {"no_model": 0, "long_context": 0, "web_search": 0, "total_differs": 0}
        tiers: set[str] = set()

        def bounds(bucket: dict, number: int) -> tuple[_dt.datetime, _dt.datetime]:
            return (rfc3339(bucket.get("starting_at"), file, number, "starting_at"),
                    rfc3339(bucket.get("ending_at"), file, number, "ending_at"))

        def event_of(start: _dt.datetime, end: _dt.datetime, row: int, result: dict) -> dict:
            event = _event(result, start, end, file, row, counts)
            if event["service_tier"] not in TIERS:
                tiers.add(event["service_tier"])
            return event

        events, counts["duplicate"] = keep_last((event_of(*item) for item in bucket_items(buckets, file, bounds)),
                                                "event_id")
        return EventBatch(to_table(events), "Anthropic usage (analytics/usage)" if rows else
                          "Anthropic usage report (messages)", _notes(counts, tiers, pages))


def _event(result: dict, start: _dt.datetime, end: _dt.datetime, file: str, row: int, counts: dict[str, int]) -> dict:
    if "uncached_input_tokens" not in result:
        if "amount" in result or "cost_type" in result:
            hint = "This is a cost report result (GET /v1/organizations/cost_report), not usage."
        elif "input_tokens" in result:
            hint = "This looks like a Messages API usage object, not a usage report result."
        else:
            hint = f"Its keys: {', '.join(sorted(result)[:20])}"
        raise RowError(file, row, "uncached_input_tokens", "is missing: every usage report result carries it.",
                       hint=hint)
    uncached = count(result.get("uncached_input_tokens"), file, row, "uncached_input_tokens")
    read = count(result.get("cache_read_input_tokens"), file, row, "cache_read_input_tokens")
    output = count(result.get("output_tokens"), file, row, "output_tokens")
    creation = result.get("cache_creation")
    if creation is None:
        write_5m = count(result.get("cache_creation_5m_input_tokens"), file, row, "cache_creation_5m_input_tokens",
                         required=False)
        write_1h = count(result.get("cache_creation_1h_input_tokens"), file, row, "cache_creation_1h_input_tokens",
                         required=False)
    elif isinstance(creation, dict):
        write_5m = count(creation.get("ephemeral_5m_input_tokens"), file, row,
                         "cache_creation.ephemeral_5m_input_tokens", required=False)
        write_1h = count(creation.get("ephemeral_1h_input_tokens"), file, row,
                         "cache_creation.ephemeral_1h_input_tokens", required=False)
    else:
        raise RowError(file, row, "cache_creation", f"{creation!r} is not an object of cache writes per TTL.")
    try:
        tokens = split_anthropic(input_tokens=uncached, cache_read=read, cache_write_5m=write_5m,
                                 cache_write_1h=write_1h, output_tokens=output)
    except TokenCountError as exc:  # counts are checked above; kept so a new rule in split_anthropic is reported
        raise RowError(file, row, None, str(exc)) from exc

    tags: dict[str, Any] = {f: text(result.get(f)) for f in TAG_FIELDS}
    tools = result.get("server_tool_use")
    if tools is not None and not isinstance(tools, dict):
        raise RowError(file, row, "server_tool_use", f"{tools!r} is not an object of server tool request counts.")
    for name, value in (tools or {}).items():
        tags[name] = count(value, file, row, f"server_tool_use.{name}", required=False) or None
    if tags.get("web_search_requests"):
        counts["web_search"] += 1
    key = ["messages", start.isoformat()] + [text(result.get(f)) or "" for f in KEY_FIELDS]
    for f in sorted(result):  # other grouping values (speed, service_account_id, ...): text, never counts
        value = result[f]
        if f not in COUNT_FIELDS and f not in KEY_FIELDS and isinstance(value, (str, bool)) and value != "":
            key.append(f"{f}={text(value)}")
            tags.setdefault(f, text(value))
    model = text(result.get("model"))
    counts["no_model"] += model is None
    counts["long_context"] += result.get("context_window") == "200k-1M"
    geo = text(result.get("inference_geo"))
    if result.get("total_tokens") is not None:
        total = count(result["total_tokens"], file, row, "total_tokens")
        counts["total_differs"] += total != uncached + read + write_5m + write_1h + output
    requests = result.get("requests")
    return {
        "source": SOURCE, "event_id": "|".join(key), "provider": PROVIDER, "account_id": None,
        "start_time": start, "end_time": end, "model": model,
        "service_tier": (text(result.get("service_tier")) or "standard").lower(),
        "region": None if geo in NO_GEO else geo,
        "workspace_id": text(result.get("workspace_id")), "api_key_id": text(result.get("api_key_id")),
        "user_id": text(result.get("account_id")), "tags": tags_json(tags),
        "requests": None if requests is None else count(requests, file, row, "requests"),
        **dict.fromkeys(TOKEN_COLUMNS, 0), **tokens,
    }


def _notes(counts: dict[str, int], tiers: set[str], pages: list[dict]) -> list[str]:
    notes = []
    if counts["no_model"]:
        notes.append(f"{counts['no_model']:,} results are not grouped by model: their tokens cannot be priced "
                     "(pull the report with group_by[]=model).")
    if counts["long_context"]:
        notes.append(f"{counts['long_context']:,} results are in the 200k-1M context window, which Anthropic bills "
                     "at long-context rates: they are priced at the model's long-context prices where the catalog "
                     "has them (spendscope prices show MODEL), and the window is kept in tags.")
    if counts["web_search"]:
        notes.append(f"{counts['web_search']:,} results include web search requests: priced per search, which the "
                     "price catalog does not cover yet; kept in tags as web_search_requests.")
    if counts["total_differs"]:
        notes.append(f"{counts['total_differs']:,} results give a total_tokens other than the sum of their token "
                     "counts: a kind of token this reader does not know may be left unpriced; please report it.")
    return notes + tier_notes(tiers) + repeat_note(counts["duplicate"]) + has_more_note(pages)
