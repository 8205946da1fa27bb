"""Anthropic Admin API cost reports, saved as JSON: one billed line per result of every daily bucket.

``GET /v1/organizations/cost_report`` (Admin key; ``bucket_width=1d`` only; ``group_by[]``
``workspace_id``, ``description``; platform.claude.com API reference "Get Cost Report", labelled
"[Legacy]" in 2026 docs; FORMATS.md section 4.2) answers with a page of time buckets::

    {"data": [{"starting_at": "2025-08-01T00:00:00Z", "ending_at": "2025-08-02T00:00:00Z",
               "results": [{"currency": "USD", "amount": "123.78912", "workspace_id": "wrkspc_...",
                            "description": "Claude Sonnet 4 Usage - Input Tokens", "cost_type": "tokens",
                            "context_window": "0-200k", "model": "claude-sonnet-4-20250514",
                            "service_tier": "standard", "token_type": "uncached_input_tokens",
                            "inference_geo": "global"}]}],
     "has_more": true, "next_page": "page_..."}

Its successor, ``GET /v1/organizations/analytics/cost`` (the beta Usage and Cost Analytics API, header
``anthropic-beta: analytics-usage-cost-2026-08-24``; platform.claude.com API reference
BetaAnalyticsCostItem; FORMATS.md section 4.2), answers with flat rows instead of buckets: one row per
time bucket and combination of the ``group_by[]`` dimensions (``cost_type`` and ``token_type`` among
them), the dimensions in ``group`` (null where not grouped by), the money in ``cost``::

    {"data": [{"starting_at": "2026-09-03T00:00:00Z", "ending_at": "2026-09-04T00:00:00Z",
               "group": {"workspace_id": "wrkspc_...", "model": "claude-sonnet-4-5-20250929",
                         "cost_type": "tokens", "token_type": "output_tokens", "product": null, ...},
               "cost": {"amount": "1500.25", "currency": "USD", "list_amount": "1875.3125", "requests": null}}],
     "next_page": null}

``cost.amount`` is after discounts and before credits, in fractional cents like the legacy amount;
``list_amount`` (list price) and ``requests`` are kept out of the line id. Such a row is read as a
bucket of one result: the group's fields and the cost's side by side (a nested group value as
``<name>.<key>``). No real response of this endpoint was found: its shape comes from the reference.
The Enterprise ``/analytics/cost_report`` (a ``read:analytics`` key) is another report and not read.

The two endpoints group differently (the legacy report by ``description``, the new one by
``cost_type`` and ``token_type``), so their lines for the same day have different line ids: load one
report per day, not both (``spendscope pull anthropic`` pulls one or the other).

It is what Anthropic billed: the invoice side of ``reconcile llm``, read into billed lines
(``events.BILLED_SCHEMA``), not usage events. A file may hold one page, a bare JSON array of buckets,
an array of pages, or JSON Lines of pages; ``.gz`` is read too. Bucket bounds are RFC 3339 (an
offset-less time is read as UTC).

Amounts: ``amount`` is a decimal *string in cents* (the currency's lowest unit): ``"123.45"`` is
$1.2345, divided by 100 exactly. It must be a number (a JSON number is read exactly too); a negative
amount (a credit) is kept. ``currency`` is ``"USD"`` (the only one documented; another code is refused,
since its lowest unit may not be a hundredth).

Token classes (``token_type``, set when ``cost_type`` is ``tokens``): ``uncached_input_tokens`` ->
Input, ``output_tokens`` -> Output, ``cache_read_input_tokens`` -> Cached Input,
``cache_creation.ephemeral_5m_input_tokens`` / ``cache_creation.ephemeral_1h_input_tokens`` (any
``cache_creation.*``) -> Cache Write. ``web_search``, ``code_execution`` and ``session_usage`` costs, and
lines without a ``token_type``, have no token class (``model`` is null for them unless given) and stay
in the billed total. ``service_tier`` is kept as given, ``workspace_id`` is the ``project_id``,
``description`` is Anthropic's (or, where the report was not grouped by description, one composed of
the model, cost type and token type).

``line_id`` is the bucket start and the grouping values
``start|workspace_id|description|cost_type|model|token_type|service_tier|context_window|inference_geo``
(empty for null), then any other grouping value (``product``, ``speed``, ...) as ``|key=value``: never
an amount, so a restated bucket replaces the old line instead of adding to it. ``account_id`` is null.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import ClassVar

from spendscope.errors import RowError
from spendscope.llm.events import EventBatch, billed_table, to_table
from spendscope.llm.sources import register
from spendscope.llm.sources.anthropic import rows_as_buckets
from spendscope.llm.sources.base import keep_last, repeat_note
from spendscope.llm.sources.openai import bucket_items, buckets_of, has_more_note, read_documents, rfc3339, text
from spendscope.llm.sources.openai_costs import currency_code, exact_amount

SOURCE = "anthropic_costs"
PROVIDER = "anthropic"
UTC = _dt.timezone.utc

# grouping fields in the line id, in this order (value or empty)
KEY_FIELDS = ("workspace_id", "description", "cost_type", "model", "token_type", "service_tier", "context_window",
              "inference_geo")
# what a result says about its money: never part of the line id
VALUE_FIELDS = {"amount", "list_amount", "currency", "requests"}
TOKEN_TYPES = {"uncached_input_tokens": "Input", "output_tokens": "Output", "cache_read_input_tokens": "Cached Input",
               "cache_creation.ephemeral_5m_input_tokens": "Cache Write",
               "cache_creation.ephemeral_1h_input_tokens": "Cache Write"}
COST_TYPES = ("tokens", "web_search", "code_execution", "session_usage")
AMOUNT_HINT = 'A cost report amount is a decimal string in cents, e.g. "123.45" (USD 1.2345).'
PAGE_HINT = ('A saved cost report: {"data": [buckets or rows], "has_more": ..., "next_page": ...}, a JSON array of '
             'buckets or of pages, or JSON Lines of pages.')


@register
class AnthropicCostsSource:
    """Saved Anthropic Admin API cost reports (``cost_report``, ``analytics/cost``): billed lines."""

    name: ClassVar[str] = SOURCE
    description: ClassVar[str] = ("Anthropic Admin API cost report (GET /v1/organizations/cost_report or "
                                  "/analytics/cost), saved as JSON")
    BILLED: ClassVar[bool] = True

    def detect(self, path: Path, head: str) -> float:
        if '"cost_type"' in head and '"amount"' in head and ('"token_type"' in head or '"starting_at"' in head):
            return 0.95
        if '"list_amount"' in head and '"starting_at"' in head and '"cost"' in head:
            return 0.95
        return 0.0

    def read(self, path: Path) -> EventBatch:
        file = str(path)
        buckets, pages = buckets_of(read_documents(path, PAGE_HINT, exact=True), file, PAGE_HINT)
        rows = sum("results" not in b and "cost" in b for b in buckets)
        buckets = rows_as_buckets(buckets, "cost")
        long_context: dict[str, bool] = {}  # line id -> in the 200k-1M window
        unknown: set[str] = set()
        for bucket in buckets:
            if "results" not in bucket and "actor" in bucket:
                raise RowError(file, None, "results", "is a per-user cost report row (user_cost_report): it has no "
                               "time buckets.", hint="Pull GET /v1/organizations/analytics/cost (spendscope pull "
                               "anthropic --endpoints usage,cost) instead.")

        def bounds(bucket: dict, number: int) -> tuple[_dt.datetime, _dt.datetime]:
            return (rfc3339(bucket.get("starting_at"), file, number, "starting_at", "Cost report"),
                    rfc3339(bucket.get("ending_at"), file, number, "ending_at", "Cost report"))

        def line_of(start: _dt.datetime, end: _dt.datetime, row: int, result: dict) -> dict:
            line = _line(result, start, end, file, row, unknown)
            long_context[line["line_id"]] = result.get("context_window") == "200k-1M"
            return line

        kept, duplicates = keep_last((line_of(*item) for item in bucket_items(buckets, file, bounds)), "line_id")
        return EventBatch(table=to_table([]), format_version="Anthropic cost (analytics/cost)" if rows
                          else "Anthropic cost report",
                          notes=_notes(kept, sum(long_context.values()), duplicates, unknown, pages),
                          billed=billed_table(kept))


def _line(result: dict, start: _dt.datetime, end: _dt.datetime, file: str, row: int, unknown: set[str]) -> dict:
    if "amount" not in result and "uncached_input_tokens" in result:
        raise RowError(file, row, "amount", "is missing: this is a usage report result, not a cost report's.",
                       hint="Usage reports (usage_report/messages) are read as usage (anthropic_usage).")
    amount = exact_amount(result.get("amount"), file, row, "amount", shift=2, hint=AMOUNT_HINT)
    currency = currency_code(result.get("currency"), file, row, "currency")
    if currency != "USD":
        raise RowError(file, row, "currency", f"{result.get('currency')!r}: cost report amounts are read as US "
                       "cents, the only currency Anthropic documents for them.")
    for field in KEY_FIELDS:
        value = result.get(field)
        if value is not None and not isinstance(value, str):
            raise RowError(file, row, field, f"{value!r} is not text or null.")
    values = {f: text(result.get(f)) for f in KEY_FIELDS}
    key = [start.isoformat()] + [values[f] or "" for f in KEY_FIELDS]
    for f in sorted(result):  # other grouping values (product, speed, ...): text, never an amount
        value = result[f]
        if f not in KEY_FIELDS and f not in VALUE_FIELDS and not f.endswith("_amount") \
                and isinstance(value, (str, bool)) and value != "":
            key.append(f"{f}={text(value)}")
    cost_type, token_type, model = values["cost_type"], values["token_type"], values["model"]
    token_class = None
    if token_type and cost_type in (None, "tokens"):
        token_class = TOKEN_TYPES.get(token_type) or ("Cache Write" if token_type.startswith("cache_creation.")
                                                      else None)
        if token_class is None:
            unknown.add(token_type)
    if cost_type and cost_type not in COST_TYPES:
        unknown.add(cost_type)
    description = values["description"] or (", ".join(v for v in (model, cost_type, token_type) if v) or None)
    return {
        "source": SOURCE, "line_id": "|".join(key), "provider": PROVIDER, "account_id": None,
        "start_time": start, "end_time": end, "model": model, "token_class": token_class,
        "service_tier": values["service_tier"], "project_id": values["workspace_id"], "description": description,
        "amount": amount, "currency": currency,
    }


def _notes(lines: list[dict], long_context: int, duplicates: int, unknown: set[str], pages: list[dict]) -> list[str]:
    counts = {"no_model": sum(x["model"] is None for x in lines),
              "no_class": sum(x["model"] is not None and x["token_class"] is None for x in lines),
              "negative": sum(x["amount"] < 0 for x in lines)}
    notes = []
    if counts["no_model"]:
        notes.append(f"{counts['no_model']:,} lines have no model (web search, code execution, session usage, or a "
                     "report not grouped by description): they stay in the billed total without a token class.")
    if counts["no_class"]:
        notes.append(f"{counts['no_class']:,} lines of a model have no token type (not grouped by token type, or a "
                     "tool cost): they stay in the billed total without a token class.")
    if unknown:
        notes.append(f"Cost or token types this version does not know: {', '.join(sorted(unknown))}; their lines are "
                     "kept without a token class.")
    if long_context:
        notes.append(f"{long_context:,} lines are in the 200k-1M context window, billed at long-context "
                     "rates.")
    if counts["negative"]:
        notes.append(f"{counts['negative']:,} lines have a negative amount (credits or refunds): they are kept and "
                     "lower the billed total.")
    notes += repeat_note(duplicates)
    refreshed = [p["data_refreshed_at"] for p in pages if isinstance(p.get("data_refreshed_at"), str)]
    if refreshed:
        notes.append(f"The report's data was refreshed at {max(refreshed)}: buckets after it are incomplete, and "
                     "Anthropic revises amounts for about 30 days after the usage date; load later pulls to replace "
                     "these lines.")
    return notes + has_more_note(pages)
