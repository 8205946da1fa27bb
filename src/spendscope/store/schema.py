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
