"""OpenAI organisation Costs API responses, saved as JSON: one billed line per result of every daily bucket.

The Costs API (Admin key) answers ``GET /v1/organization/costs`` (``bucket_width=1d``, the only width;
``group_by`` ``project_id``, ``line_item``, and in 2026 references ``api_key_id``) with a page of time
buckets shaped like the Usage API's (OpenAI API reference "Costs", the ``CostsResult`` schema of
openai/openai-openapi; FORMATS.md section 4.1)::

    {"object": "page", "has_more": false, "next_page": null,
     "data": [{"object": "bucket", "start_time": 1730419200, "end_time": 1730505600,
               "results": [{"object": "organization.costs.result",
                            "amount": {"value": 0.06, "currency": "usd"},
                            "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_abc"}]}]}

It is what OpenAI billed: the invoice side of ``reconcile llm``, read into billed lines
(``events.BILLED_SCHEMA``), not usage events. A file may hold one page, a bare JSON array of buckets,
an array of pages, or JSON Lines of pages; ``.gz`` is read too. Bucket times are unix seconds (UTC).

Amounts are exact: the JSON is parsed with ``decimal.Decimal`` for numbers, so ``0.06`` is
``Decimal("0.06")``, never the nearest float; a ``value`` written as a string (some clients and
proxies save it so) is read the same way. A negative value (a credit or refund) is kept. The currency
(``"usd"``) is upper-cased and must be an ISO 4217 code.

``line_item`` is free text; no public schema lists its values. Spellings seen in public code that
reads live responses (2025-26) are ``"<model>, input"``, ``"<model>, cached input"``,
``"<model>, output"``, a modality word after the model (``"gpt-audio-mini-2025-12-15 audio, input"``,
``"... text, output"``), a tier prefix (``"priority | gpt-5.4-2026-03-05, input"``), a trailing
``", long context"``, and non-model items such as ``"web search tool calls"``, ``"Vector storage"``
or ``"assistants api | file search"``. Lines of a model's tokens get ``model`` and ``token_class``
(input -> Input, cached input -> Cached Input, output -> Output, cache writes -> Cache Write, audio
input/output -> Audio Input/Audio Output, text and image tokens -> Input/Output); every other line
keeps both null and stays in the billed total under its ``description``. ``line_item`` is null when
the request did not group by it. A known tier prefix (priority, flex, batch, scale) is the line's
``service_tier``; otherwise the tier is null (the Costs API does not report it).

``line_id`` is ``"{start_time}|{project_id}|{line_item}"`` (empty for null), then any other grouping
value of the result (``api_key_id``, or one OpenAI adds later) as ``|key=value``: never the amount nor
what was measured (``quantity``, ``quantity_unit``), so a restated bucket replaces the old line instead
of adding to it, even when the restatement carries fields the first response did not. The organisation's id is not in the response:
``account_id`` stays null.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from spendscope.errors import RowError
from spendscope.llm.events import EventBatch, billed_table, to_table
from spendscope.llm.sources import register
from spendscope.llm.sources.base import keep_last, repeat_note
from spendscope.llm.sources.openai import bucket_items, buckets_of, has_more_note, read_documents, text, unix_seconds

SOURCE = "openai_costs"
PROVIDER = "openai"
UTC = _dt.timezone.utc
RESULT_OBJECT = "organization.costs.result"
# fields of a result that are not a grouping value, so never part of the line id: the amount, and what
# was measured (2026 responses add ``quantity`` and ``quantity_unit``; a bucket restated with or without
# them is the same line)
NOT_GROUPING = frozenset({"object", "amount", "line_item", "project_id", "quantity", "quantity_unit"})
# the token kind after the model's comma -> x_TokenClass; (kind, modality) pairs override it
TOKEN_KINDS = {"input": "Input", "cached input": "Cached Input", "output": "Output", "cache writes": "Cache Write",
               "cache write": "Cache Write", "text input": "Input", "text output": "Output",
               "image input": "Input", "image output": "Output", "audio input": "Audio Input",
               "audio output": "Audio Output", "cached audio input": "Cached Input",
               "cached text input": "Cached Input", "cached image input": "Cached Input"}
AUDIO_KINDS = {"input": "Audio Input", "output": "Audio Output"}
MODALITIES = ("audio", "text", "image")
TIER_PREFIXES = ("priority", "flex", "batch", "scale")
_TIER = re.compile(r"^(\w+)\s+\|\s+(.+)$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# decimal128(38, 18): what BILLED_SCHEMA's amount column holds
MAX_SCALE = 18
MAX_DIGITS = 38
PAGE_HINT = ('A saved Costs API response: {"object": "page", "data": [buckets]}, a JSON array of buckets or of '
             'pages, or JSON Lines of pages.')


@register
class OpenAICostsSource:
    """Saved OpenAI organisation Costs API responses (``/v1/organization/costs``): billed lines."""

    name: ClassVar[str] = SOURCE
    description: ClassVar[str] = "OpenAI organisation Costs API responses (GET /v1/organization/costs), saved as JSON"
    BILLED: ClassVar[bool] = True

    def detect(self, path: Path, head: str) -> float:
        return 0.95 if f'"{RESULT_OBJECT}"' in head else 0.0

    def read(self, path: Path) -> EventBatch:
        file = str(path)
        buckets, pages = buckets_of(read_documents(path, PAGE_HINT, exact=True), file, PAGE_HINT)

        def bounds(bucket: dict, number: int) -> tuple[_dt.datetime, _dt.datetime]:
            return (unix_seconds(bucket.get("start_time"), file, number, "start_time", "Costs API"),
                    unix_seconds(bucket.get("end_time"), file, number, "end_time", "Costs API"))

        kept, duplicates = keep_last((_line(result, start, end, file, row)
                                      for start, end, row, result in bucket_items(buckets, file, bounds)), "line_id")
        return EventBatch(table=to_table([]), format_version="OpenAI costs API", notes=_notes(kept, duplicates, pages),
                          billed=billed_table(kept))


# --- the file and the amounts (shared with the Anthropic cost report adapter) -------------------------

def exact_amount(value: Any, file: str, row: int, column: str, *, shift: int = 0, hint: str | None = None) -> Decimal:
    """A JSON number (already a Decimal or int) or a decimal string, divided by ``10 ** shift`` (exactly:
    cents to dollars is ``shift=2``), as a finite Decimal that BILLED_SCHEMA's decimal128(38, 18) holds.
    A negative amount (a credit) is allowed."""
    if value is None:
        raise RowError(file, row, column, "is missing: every cost result carries an amount.", hint=hint)
    if isinstance(value, bool):
        raise RowError(file, row, column, f"{value!r} is not a number.", hint=hint)
    if isinstance(value, (int, Decimal)):
        amount = Decimal(value)
    elif isinstance(value, float):  # not from read_exact_documents; its shortest text is its value
        amount = Decimal(repr(value))
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        amount = Decimal(value.strip())
    elif isinstance(value, str):
        raise RowError(file, row, column, f"{value!r} is not a decimal number.", hint=hint)
    else:
        raise RowError(file, row, column, f"{value!r} is not a number.", hint=hint)
    if not amount.is_finite():
        raise RowError(file, row, column, f"{value!r} is not a finite number.", hint=hint)
    # exact digit arithmetic (no decimal context, so nothing is rounded): drop trailing zeros, shift
    sign, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)
    while len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    if digits == (0,):
        exponent = 0
    exponent -= shift
    if exponent > 0:
        digits, exponent = digits + (0,) * exponent, 0
    if -exponent > MAX_SCALE or len(digits) + exponent > MAX_DIGITS - MAX_SCALE:
        raise RowError(file, row, column, f"{value!r} has more than {MAX_SCALE} decimal places or "
                       f"{MAX_DIGITS - MAX_SCALE} whole digits: it cannot be kept exactly.", hint=hint)
    return Decimal((sign, digits, exponent))


def currency_code(value: Any, file: str, row: int, column: str) -> str:
    """An ISO 4217 currency code, upper-cased."""
    from spendscope.focus.vocabulary import currency_codes

    code = value.strip().upper() if isinstance(value, str) else None
    if not code:
        raise RowError(file, row, column, f"{value!r} is not a currency code.",
                       hint="Cost results carry their currency, e.g. \"usd\" or \"USD\".")
    if code not in currency_codes():
        raise RowError(file, row, column, f"{value!r} is not an ISO 4217 currency code.",
                       hint="Cost results carry their currency, e.g. \"usd\" or \"USD\".")
    return code


def currency_notes(currencies: set[str]) -> list[str]:
    """A note for amounts that are not in US dollars (kept as reported, not converted)."""
    other = sorted(currencies - {"USD"})
    if not other:
        return []
    return [f"Some lines are billed in {', '.join(other)}, not USD: their amounts are kept in that currency "
            "(the currency column says which), not converted."]


# --- results to billed lines ------------------------------------------------------------------------

def parse_line_item(line_item: str | None) -> tuple[str | None, str | None, str | None]:
    """``(model, token_class, service_tier)`` of a Costs API ``line_item``; model and class are None for
    lines that are not a model's tokens (tools, storage), the tier None without a tier prefix.

    >>> parse_line_item("gpt-4o-2024-08-06, cached input")
    ('gpt-4o-2024-08-06', 'Cached Input', None)
    >>> parse_line_item("priority | gpt-audio-mini-2025-12-15 audio, output, long context")
    ('gpt-audio-mini-2025-12-15', 'Audio Output', 'priority')
    >>> parse_line_item("web search tool calls")
    (None, None, None)
    """
    if not line_item:
        return None, None, None
    rest, tier = line_item.strip(), None
    prefixed = _TIER.match(rest)
    if prefixed and prefixed.group(1).lower() in TIER_PREFIXES:
        tier, rest = prefixed.group(1).lower(), prefixed.group(2)
    parts = [p.strip() for p in rest.split(",")]
    if len(parts) < 2:
        return None, None, tier
    head, kind = parts[0], parts[1].lower()
    modality = None
    if " " in head:
        model, _, word = head.rpartition(" ")
        if word.lower() not in MODALITIES:
            return None, None, tier  # "<several words>, ...": not a model's name
        head, modality = model.strip(), word.lower()
    token_class = AUDIO_KINDS.get(kind) if modality == "audio" else None
    token_class = token_class or TOKEN_KINDS.get(kind)
    if not head or " " in head or token_class is None:
        return None, None, tier
    return head, token_class, tier


def _line(result: dict, start: _dt.datetime, end: _dt.datetime, file: str, row: int) -> dict:
    obj = result.get("object")
    if obj is not None and obj != RESULT_OBJECT:
        hint = ("This is a Usage API result, not costs: it is read as usage (openai_usage)."
                if isinstance(obj, str) and obj.startswith("organization.usage.") else None)
        raise RowError(file, row, "object", f"{obj!r} is not an OpenAI costs result ({RESULT_OBJECT!r}).", hint=hint)
    money = result.get("amount")
    if not isinstance(money, dict):
        what = "is missing" if money is None else f"is {money!r}, not an object"
        raise RowError(file, row, "amount", f"{what}: a costs result carries {{\"value\": ..., \"currency\": ...}}.")
    amount = exact_amount(money.get("value"), file, row, "amount.value")
    currency = currency_code(money.get("currency"), file, row, "amount.currency")
    for field in ("line_item", "project_id"):
        value = result.get(field)
        if value is not None and not isinstance(value, str):
            raise RowError(file, row, field, f"{value!r} is not text or null.")
    line_item = text(result.get("line_item"))
    project = text(result.get("project_id"))
    model, token_class, tier = parse_line_item(line_item)
    key = [str(int(start.timestamp())), project or "", line_item or ""]
    for f in sorted(result):  # other grouping values (api_key_id, ...): text, never what the line measures
        value = result[f]
        if f not in NOT_GROUPING and isinstance(value, (str, bool)) and value != "":
            key.append(f"{f}={text(value)}")
    return {
        "source": SOURCE, "line_id": "|".join(key), "provider": PROVIDER, "account_id": None,
        "start_time": start, "end_time": end, "model": model, "token_class": token_class, "service_tier": tier,
        "project_id": project, "description": line_item, "amount": amount, "currency": currency,
    }


def _notes(lines: list[dict], duplicates: int, pages: list[dict]) -> list[str]:
    counts = {"no_model": sum(x["model"] is None for x in lines),
              "ungrouped": sum(x["description"] is None for x in lines),
              "long_context": sum((x["description"] or "").lower().endswith(", long context") for x in lines),
              "negative": sum(x["amount"] < 0 for x in lines)}
    notes = []
    if counts["no_model"]:
        notes.append(f"{counts['no_model']:,} lines are not a model's tokens (tools such as web search, file search "
                     "or code interpreter, storage, or lines not grouped by line_item): they stay in the billed total "
                     "without a model or token class.")
    if counts["ungrouped"]:
        notes.append(f"{counts['ungrouped']:,} results have no line_item: pull the costs with group_by=line_item to "
                     "see them per model and token class.")
    if counts["long_context"]:
        notes.append(f"{counts['long_context']:,} lines are billed at long-context rates (\", long context\" in the "
                     "line_item).")
    if counts["negative"]:
        notes.append(f"{counts['negative']:,} lines have a negative amount (credits or refunds): they are kept and "
                     "lower the billed total.")
    return notes + repeat_note(duplicates) + currency_notes({x["currency"] for x in lines}) + has_more_note(pages)
