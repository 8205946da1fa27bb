"""Ibis schemas of the ledger's tables, generated from the column model.

>>> costs_schema()["BilledCost"]
Decimal(precision=38, scale=18, nullable=True)
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

from spendscope.focus.columns import ALL_COLUMNS, DECIMAL_PRECISION, DECIMAL_SCALE, Column

COSTS = "costs"
LOADS = "loads"
LOAD_PARTITIONS = "load_partitions"
META = "meta"
USAGE_EVENTS = "usage_events"
LLM_PRICES = "llm_prices"
PULL_STATE = "pull_state"
LLM_BILLED = "llm_billed"

MONEY = dt.Decimal(DECIMAL_PRECISION, DECIMAL_SCALE)
UTC_TIMESTAMP = dt.Timestamp(timezone="UTC")

_TYPES = {
    "string": dt.string,
    "json": dt.string,  # JSON text: portable across engines; parsed with json functions when queried
    "decimal": MONEY,
    "datetime": UTC_TIMESTAMP,
    "integer": dt.int64,
}


def ibis_type(col: Column) -> dt.DataType:
    return _TYPES[col.data_type]


def costs_schema(max_version: int | None = None) -> ibis.Schema:
    """Schema of the costs table, optionally as it was at ledger version ``max_version``."""
    return ibis.schema(
        {c.name: ibis_type(c) for c in ALL_COLUMNS if max_version is None or c.ledger_version <= max_version}
    )


LOADS_SCHEMA = ibis.schema(
    {
        "load_id": dt.int64,
        "file": dt.string,
        "content_hash": dt.string,
        "source": dt.string,
        "format_version": dt.string,
        "rows": dt.int64,
        "billed_cost": MONEY,
        "effective_cost": MONEY,
        "loaded_at": UTC_TIMESTAMP,
        "notes": dt.string,  # JSON list of what was normalised
        "spendscope_version": dt.string,
    }
)

LOAD_PARTITIONS_SCHEMA = ibis.schema(
    {
        "load_id": dt.int64,
        "x_Source": dt.string,
        "ProviderName": dt.string,
        "BillingAccountId": dt.string,
        "BillingPeriodStart": UTC_TIMESTAMP,
        "rows": dt.int64,
        "billed_cost": MONEY,
        "effective_cost": MONEY,
        "list_cost": MONEY,
        "contracted_cost": MONEY,
        "source_billed_cost": MONEY,
        "source_effective_cost": MONEY,
        "replaced_load_id": dt.int64,
    }
)

META_SCHEMA = ibis.schema({"key": dt.string, "value": dt.string})


def _ledger_types(arrow_schema, extra: dict[str, dt.DataType]) -> ibis.Schema:
    """A ledger table for rows of an Arrow schema: decimals as MONEY, timestamps in UTC, integers and
    text as they are; then the ``extra`` columns the ledger adds."""
    import pyarrow as pa

    def ledger_type(t) -> dt.DataType:
        if pa.types.is_decimal(t):
            return MONEY
        if pa.types.is_timestamp(t):
            return UTC_TIMESTAMP
        return dt.int64 if pa.types.is_integer(t) else dt.string

    return ibis.schema({**{f.name: ledger_type(f.type) for f in arrow_schema}, **extra})


# LLM usage at full detail (``llm.events.EVENT_SCHEMA``), as loaded and priced; ``costs`` holds its
# roll-up. ``cost`` is null where some of the event's tokens have no price (``unpriced_tokens``).
def usage_events_schema() -> ibis.Schema:
    from spendscope.llm.events import EVENT_SCHEMA

    return _ledger_types(EVENT_SCHEMA, {"load_id": dt.int64, "cost": MONEY, "unpriced_tokens": dt.int64,
                                        "price_model": dt.string})


LLM_PRICES_SCHEMA = ibis.schema(
    {
        "provider": dt.string,
        "model": dt.string,
        "component": dt.string,
        "tier": dt.string,
        "usd_per_million": MONEY,
        "effective_from": dt.date,
        "source": dt.string,
        "loaded_at": UTC_TIMESTAMP,
    }
)

# ``spendscope pull``'s incremental cursor per (provider, endpoint)
PULL_STATE_SCHEMA = ibis.schema(
    {"provider": dt.string, "endpoint": dt.string, "cursor": UTC_TIMESTAMP, "pulled_at": UTC_TIMESTAMP}
)


def llm_billed_schema() -> ibis.Schema:
    """What the providers' cost reports billed (``llm.events.BILLED_SCHEMA``), as loaded."""
    from spendscope.llm.events import BILLED_SCHEMA

    return _ledger_types(BILLED_SCHEMA, {"load_id": dt.int64})
