"""Ibis schemas of the ledger's tables, generated from the column model.

>>> costs_schema()["BilledCost"]
Decimal(precision=38, scale=18, nullable=True)
"""

from __future__ import annotations

import datetime as dt_
import itertools
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt

from spendscope.focus.columns import ALL_COLUMNS, DECIMAL_PRECISION, DECIMAL_SCALE, Column

_TEMP_IDS = itertools.count(1)

COSTS = "costs"
LOADS = "loads"
LOAD_PARTITIONS = "load_partitions"
META = "meta"
USAGE_EVENTS = "usage_events"
LLM_PRICES = "llm_prices"
PULL_STATE = "pull_state"
LLM_BILLED = "llm_billed"
LLM_SPREAD_BILLS = "llm_spread_bills"  # bill rows as loaded, before usage events spread them (costs' columns)

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

    # long_context_at: the prompt length above which the event was priced at long-context prices
    # (null: at its tier's base prices)
    return _ledger_types(EVENT_SCHEMA, {"load_id": dt.int64, "cost": MONEY, "unpriced_tokens": dt.int64,
                                        "price_model": dt.string, "long_context_at": dt.int64})


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


def rows_table(rows: list[dict], schema, con=None):
    """A few Python rows (dicts) as an Ibis table typed by ``schema``.

    With a DuckDB connection they go into a temporary table through the native driver; elsewhere
    into an Arrow memtable. ``ibis.memtable`` of dicts, and pyarrow's conversion of Python objects,
    import pandas, which alone costs a short CLI call about 0.2 s.
    """
    schema = ibis.schema(schema)
    values = [tuple(row.get(name) for name in schema.names) for row in rows]
    if con is not None and con.name == "duckdb":
        name = f"spendscope_rows_{next(_TEMP_IDS)}"
        types = con.compiler.type_mapper
        cols = ", ".join(f"{_q(n)} {types.from_ibis(t).sql('duckdb')}" for n, t in schema.items())
        con.con.execute(f"CREATE TEMP TABLE {_q(name)} ({cols})")
        _insert_values(con, name, schema, values)
        return con.table(name)
    import pyarrow as pa

    columns = {name: [v[i] for v in values] for i, name in enumerate(schema.names)}
    return ibis.memtable(pa.table(columns, schema=schema.to_pyarrow()))


def stage_rows(con, name: str, columns: dict[str, list], types: dict[str, str]) -> None:
    """Python values (text, numbers, Decimals, dates; None as null) as the temporary table ``name``
    of the given DuckDB types, through a JSON Lines file: building Arrow arrays from Python objects,
    like DuckDB's parameter binding, imports pandas, which costs more than the whole write. ``con``
    is a DuckDB connection (the driver's, not Ibis's); ``types`` maps each column to its DuckDB type."""
    def text(value):  # exact: Decimals and dates as text, which DuckDB converts to the column's type
        if isinstance(value, Decimal):
            return format(value, "f")
        return value.isoformat() if isinstance(value, dt_.date) else value

    names = list(types)
    lines = "".join(json.dumps(dict(zip(names, map(text, row)))) + "\n" for row in zip(*(columns[c] for c in names)))
    with tempfile.TemporaryDirectory(prefix="spendscope-") as folder:
        path = Path(folder) / f"{name}.jsonl"
        path.write_text(lines, encoding="utf-8")
        spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"
        quoted = str(path).replace("'", "''")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM read_json('{quoted}', "
                    f"format='newline_delimited', records=true, columns={spec})")


def insert_rows(con, table: str, rows: list[dict]) -> None:
    """Insert a few bookkeeping rows into ``table``, typed by its schema (DuckDB: no Arrow or pandas)."""
    if not rows:
        return
    schema = con.get_schema(table)
    if con.name == "duckdb":
        _insert_values(con, table, schema, [tuple(row.get(name) for name in schema.names) for row in rows])
        return
    con.insert(table, rows_table(rows, schema))


def _insert_values(con, table: str, schema, values: list[tuple]) -> None:
    """INSERT ... VALUES on a DuckDB connection, with every value a typed SQL literal.

    Not a parameterised ``executemany``: DuckDB's Python parameter binding imports pandas.
    """
    if not values:
        return
    types = [con.compiler.type_mapper.from_ibis(t).sql("duckdb") for t in schema.types]
    body = ", ".join("(" + ", ".join(_literal(v, typ) for v, typ in zip(row, types)) + ")" for row in values)
    con.con.execute(f"INSERT INTO {_q(table)} ({', '.join(_q(n) for n in schema.names)}) VALUES {body}")


def _literal(value, sql_type: str) -> str:
    """``value`` as a SQL literal of ``sql_type``: text cast to the type, so nothing is lost in between."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, dt_.datetime):
        # timestamps are UTC (naive ones included), whatever the session's time zone
        if value.tzinfo is not None:
            value = value.astimezone(dt_.timezone.utc).replace(tzinfo=None)
        text = value.isoformat() + ("+00:00" if "TIME ZONE" in sql_type or sql_type.endswith("TZ") else "")
    elif isinstance(value, dt_.date):
        text = value.isoformat()
    else:
        text = str(value)
    return "CAST('" + text.replace("'", "''") + f"' AS {sql_type})"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
