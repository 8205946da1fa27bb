"""LLM usage events: one shape for every usage source, with token counts that never overlap.

Providers count tokens differently. OpenAI's ``input_tokens``/``prompt_tokens`` *include* the cached
tokens, and its ``completion_tokens`` include the reasoning tokens; Anthropic reports uncached input,
cache reads and cache writes (per TTL) separately; OpenTelemetry's ``gen_ai.usage.input_tokens``
includes the cache. Every adapter turns its source's counts into the *exclusive* classes below, so a
token is in exactly one column and the price of each class applies once:

==========================  ===========================  ======================
column                      price component              x_TokenClass
==========================  ===========================  ======================
``input_tokens``            ``input`` (uncached)          Input
``cached_input_tokens``     ``cached_input`` (cache read) Cached Input
``cache_write_5m_tokens``   ``cache_write_5m``            Cache Write
``cache_write_1h_tokens``   ``cache_write_1h``            Cache Write
``output_tokens``           ``output`` (not reasoning)    Output
``reasoning_tokens``        ``reasoning`` (else output)   Reasoning
``audio_input_tokens``      ``audio_input``               Audio Input
``audio_output_tokens``     ``audio_output``              Audio Output
==========================  ===========================  ======================

The ``split_*`` functions are that arithmetic, one per provider convention; they refuse counts that
contradict each other (more cached tokens than input tokens) instead of producing negative tokens.

>>> split_openai(input_tokens=1000, cached_tokens=200, output_tokens=300, reasoning_tokens=100)
{'input_tokens': 800, 'cached_input_tokens': 200, 'output_tokens': 200, 'reasoning_tokens': 100}
>>> split_anthropic(input_tokens=50, cache_read=900, cache_write_5m=40, cache_write_1h=0, output_tokens=70)
{'input_tokens': 50, 'cached_input_tokens': 900, 'cache_write_5m_tokens': 40, 'cache_write_1h_tokens': 0, 'output_tokens': 70}
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

import pyarrow as pa

# token column -> (price component, x_TokenClass)
TOKEN_COLUMNS: dict[str, tuple[str, str]] = {
    "input_tokens": ("input", "Input"),
    "cached_input_tokens": ("cached_input", "Cached Input"),
    "cache_write_5m_tokens": ("cache_write_5m", "Cache Write"),
    "cache_write_1h_tokens": ("cache_write_1h", "Cache Write"),
    "output_tokens": ("output", "Output"),
    "reasoning_tokens": ("reasoning", "Reasoning"),
    "audio_input_tokens": ("audio_input", "Audio Input"),
    "audio_output_tokens": ("audio_output", "Audio Output"),
}
# Where a model has no price of its own for a component, the component it bills as
# (reasoning tokens bill as output tokens at OpenAI, Anthropic and Google).
PRICE_FALLBACK = {"reasoning": "output", "cache_write_1h": None, "cache_write_5m": None}

# Attribution dimensions an event may carry (all optional)
DIMENSIONS = ("api_key_id", "project_id", "user_id", "team", "application", "environment", "workspace_id")

UTC = pa.timestamp("us", tz="UTC")
EVENT_SCHEMA = pa.schema([
    ("source", pa.string()),          # the adapter: openai_usage, anthropic_usage, litellm, otel, events
    ("event_id", pa.string()),        # unique within the source: a request id, or a bucket's key
    ("provider", pa.string()),        # who serves the model: openai, anthropic, azure, bedrock, vertex, ...
    ("account_id", pa.string()),      # the provider's organisation / billing account, where known
    ("start_time", UTC),
    ("end_time", UTC),
    ("model", pa.string()),           # as the source names it
    ("service_tier", pa.string()),    # standard, batch, priority, flex
    ("region", pa.string()),
    *[(d, pa.string()) for d in DIMENSIONS],
    ("tags", pa.string()),            # JSON object of other attribution (request tags, metadata)
    ("requests", pa.int64()),
    *[(c, pa.int64()) for c in TOKEN_COLUMNS],
    ("reported_cost", pa.decimal128(38, 18)),  # what the source says it cost (LiteLLM's response_cost), USD
])
EVENT_COLUMNS = tuple(EVENT_SCHEMA.names)
TIERS = ("standard", "batch", "priority", "flex")


class AmountTooLarge(ValueError):
    """An amount with more than 20 digits before the point (decimal128(38, 18) holds 20)."""


def usd(value) -> Decimal:
    """An amount as the usage tables hold it (decimal128(38, 18)): a float through its shortest repr,
    text as written, an int or Decimal as it is; rounded half-even to 18 places. ValueError where it
    is not a finite number (AmountTooLarge where it does not fit)."""
    if value is None or isinstance(value, (bool, list, dict)):
        raise ValueError(f"{value!r} is not a number")
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"{value!r} is not a number") from exc
    if not d.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    with localcontext() as ctx:
        ctx.prec = 60
        d = d.quantize(Decimal("1e-18"))
    if d.adjusted() >= 20:
        raise AmountTooLarge(f"{value!r} has more than 20 digits before the point")
    return d


class TokenCountError(ValueError):
    """Token counts that contradict each other (a part larger than the whole)."""


def _part(whole: int, part: int, what: str) -> int:
    if part < 0 or whole < 0:
        raise TokenCountError(f"negative token count ({what}).")
    if part > whole:
        raise TokenCountError(f"{what}: {part} is more than the {whole} tokens it is part of.")
    return whole - part


def split_openai(*, input_tokens: int, cached_tokens: int = 0, output_tokens: int = 0,
                 reasoning_tokens: int = 0) -> dict[str, int]:
    """OpenAI counts (``prompt_tokens``/``input_tokens`` include the cached tokens; ``completion_tokens``/
    ``output_tokens`` include the reasoning tokens) as exclusive classes."""
    return {
        "input_tokens": _part(input_tokens, cached_tokens, "cached tokens of the input"),
        "cached_input_tokens": cached_tokens,
        "output_tokens": _part(output_tokens, reasoning_tokens, "reasoning tokens of the output"),
        "reasoning_tokens": reasoning_tokens,
    }


def split_anthropic(*, input_tokens: int, cache_read: int = 0, cache_write_5m: int = 0, cache_write_1h: int = 0,
                    output_tokens: int = 0) -> dict[str, int]:
    """Anthropic counts are already exclusive: ``input_tokens`` (or ``uncached_input_tokens``) holds
    neither cache reads nor cache writes."""
    for value, what in ((input_tokens, "input"), (cache_read, "cache read"), (cache_write_5m, "cache write 5m"),
                        (cache_write_1h, "cache write 1h"), (output_tokens, "output")):
        if value < 0:
            raise TokenCountError(f"negative token count ({what}).")
    return {"input_tokens": input_tokens, "cached_input_tokens": cache_read, "cache_write_5m_tokens": cache_write_5m,
            "cache_write_1h_tokens": cache_write_1h, "output_tokens": output_tokens}


def split_inclusive(*, input_tokens: int, cache_read: int = 0, cache_write: int = 0, output_tokens: int = 0,
                    reasoning_tokens: int = 0) -> dict[str, int]:
    """Counts whose input total includes cache reads and writes and whose output includes reasoning
    (OpenTelemetry GenAI spans, LiteLLM's ``prompt_tokens``). Cache writes without a TTL are 5-minute
    writes, the providers' default."""
    uncached = _part(input_tokens, cache_read, "cached tokens of the input")
    uncached = _part(uncached, cache_write, "cache-write tokens of the input")
    return {"input_tokens": uncached, "cached_input_tokens": cache_read, "cache_write_5m_tokens": cache_write,
            "output_tokens": _part(output_tokens, reasoning_tokens, "reasoning tokens of the output"),
            "reasoning_tokens": reasoning_tokens}


def total_tokens(event: dict) -> int:
    return sum(int(event.get(c) or 0) for c in TOKEN_COLUMNS)


# What a provider's cost report billed (OpenAI Costs API, Anthropic cost report): one line per
# bucket and grouping, the amount exact in USD. It is the invoice side of ``reconcile llm``.
BILLED_SCHEMA = pa.schema([
    ("source", pa.string()),          # openai_costs, anthropic_costs
    ("line_id", pa.string()),         # unique within the source, stable across restatements
    ("provider", pa.string()),        # openai, anthropic
    ("account_id", pa.string()),
    ("start_time", UTC),
    ("end_time", UTC),
    ("model", pa.string()),           # null for lines that are not a model's tokens (tools, storage)
    ("token_class", pa.string()),     # x_TokenClass (Input, Cached Input, Cache Write, Output, ...) or null
    ("service_tier", pa.string()),
    ("project_id", pa.string()),      # OpenAI project / Anthropic workspace
    ("description", pa.string()),     # the line as the provider names it ("gpt-4o-2024-08-06, input")
    ("amount", pa.decimal128(38, 18)),  # USD
    ("currency", pa.string()),        # as reported (upper case ISO 4217)
])
BILLED_COLUMNS = tuple(BILLED_SCHEMA.names)


@dataclass
class EventBatch:
    """Events an adapter read from one file, and what it noticed on the way; a cost report's
    adapter gives billed lines instead (``billed``, BILLED_SCHEMA) and no events."""

    table: pa.Table | None  # EVENT_SCHEMA; None where the events are ``staged``
    format_version: str
    notes: list[str]
    billed: pa.Table | None = None  # BILLED_SCHEMA
    # where a source checked the events inside the ledger's DuckDB connection (``stage``), the
    # temporary table that holds them (EVENT_SCHEMA's columns) and how many there are: a million
    # events need not make the round trip through Arrow
    staged: str | None = None
    staged_rows: int = 0

    @property
    def num_rows(self) -> int:
        return self.staged_rows if self.table is None else self.table.num_rows


def billed_table(rows: list[dict]) -> pa.Table:
    """Billed line dicts (missing keys are null) as a BILLED_SCHEMA table."""
    return pa.Table.from_pylist([{c: r.get(c) for c in BILLED_COLUMNS} for r in rows], schema=BILLED_SCHEMA)


def to_table(rows: list[dict]) -> pa.Table:
    """Event dicts (missing keys are null) as an EVENT_SCHEMA table."""
    return pa.Table.from_pylist([{c: r.get(c) for c in EVENT_COLUMNS} for r in rows], schema=EVENT_SCHEMA)
