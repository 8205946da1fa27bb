"""Versioned schema migrations, so a ledger made by an older spendscope keeps working.

The ledger records its schema version in the ``meta`` table. Opening a ledger applies, in order,
every migration newer than that version, each one recorded as it completes. A column added to the
column model with ``ledger_version=N`` is added to existing ledgers by migration N, so extending the
model is one line plus one ``Migration`` entry. A ledger newer than this spendscope is refused
rather than misread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import sqlglot.expressions as sge

from spendscope.errors import MigrationError
from spendscope.focus.columns import ALL_COLUMNS
from spendscope.store import schema as s

if TYPE_CHECKING:
    from spendscope.store.ledger import Ledger


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[["Ledger"], None]


def _create_tables(ledger: "Ledger") -> None:
    con = ledger.con
    existing = ledger.tables()
    for name, sch in (
        (s.COSTS, s.costs_schema(max_version=1)),
        (s.LOADS, s.LOADS_SCHEMA),
        (s.LOAD_PARTITIONS, s.LOAD_PARTITIONS_SCHEMA),
    ):
        if name not in existing:
            con.create_table(name, schema=sch)


def add_model_columns(version: int) -> Callable[["Ledger"], None]:
    """A migration step that adds the model's columns introduced at ``version`` to ``costs`` (and to
    ``llm_spread_bills``, which keeps bill rows with costs' columns, where the ledger has it)."""

    def apply(ledger: "Ledger") -> None:
        for table in (s.COSTS, s.LLM_SPREAD_BILLS):
            if table not in ledger.tables():
                continue
            present = set(ledger.con.get_schema(table).names)
            for col in ALL_COLUMNS:
                if col.ledger_version == version and col.name not in present:
                    ledger.add_column(table, col.name, s.ibis_type(col))

    return apply


def _create(ledger: "Ledger", name: str, schema) -> None:
    if name not in ledger.tables():
        ledger.con.create_table(name, schema=schema)


def _add_missing(ledger: "Ledger", table: str, column: str) -> None:
    """Add ``column`` (typed as in the current schema) to ``table`` where it lacks it."""
    if table in ledger.tables() and column not in ledger.con.get_schema(table).names:
        ledger.add_column(table, column, s.usage_events_schema()[column])


def _create_llm_tables(ledger: "Ledger") -> None:
    _create(ledger, s.USAGE_EVENTS, s.usage_events_schema())
    _create(ledger, s.LLM_PRICES, s.LLM_PRICES_SCHEMA)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "create the costs, loads and load_partitions tables", _create_tables),
    Migration(2, "add x_CreditType (the provider's kind of credit)", add_model_columns(2)),
    Migration(3, "create the usage_events and llm_prices tables (LLM usage detail, price updates)",
              _create_llm_tables),
    Migration(4, "create the pull_state table (spendscope pull's cursors)", lambda ledger: _create(ledger, s.PULL_STATE,
                                                                                                 s.PULL_STATE_SCHEMA)),
    Migration(5, "create the llm_billed table (what the providers' cost reports billed)",
              lambda ledger: _create(ledger, s.LLM_BILLED, s.llm_billed_schema())),
    Migration(6, "add usage_events.long_context_at (events priced at long-context prices)",
              lambda ledger: _add_missing(ledger, s.USAGE_EVENTS, "long_context_at")),
    Migration(7, "create the llm_spread_bills table (bill rows as loaded, before usage events spread them over teams)",
              lambda ledger: _create(ledger, s.LLM_SPREAD_BILLS, s.costs_schema(max_version=7))),
)
LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(ledger: "Ledger") -> int:
    """The ledger's schema version; 0 for an empty database."""
    if s.META not in ledger.tables():
        return 0
    meta = ledger.table(s.META)
    rows = ledger.fetch(meta.filter(meta.key == "schema_version").select("value"))
    return max((int(r["value"]) for r in rows), default=0)


def migrate(ledger: "Ledger", migrations: tuple[Migration, ...] = MIGRATIONS, target: int | None = None) -> list[int]:
    """Apply pending migrations up to ``target`` (default: all); returns the versions applied."""
    target = migrations[-1].version if target is None else target
    current = schema_version(ledger)
    if current > migrations[-1].version:
        raise MigrationError(
            f"The ledger has schema version {current}, newer than this spendscope knows ({migrations[-1].version}).",
            hint="Upgrade spendscope (pip install -U spendscope) to open it.",
        )
    if s.META not in ledger.tables():
        ledger.con.create_table(s.META, schema=s.META_SCHEMA)
    applied = []
    for m in migrations:
        if current < m.version <= target:
            try:
                m.apply(ledger)
            except Exception as exc:
                raise MigrationError(f"Migration {m.version} ({m.description}) failed: {exc}") from exc
            ledger.insert_rows(s.META, [{"key": "schema_version", "value": str(m.version)}])
            applied.append(m.version)
    return applied


def column_ddl_type(ledger: "Ledger", dtype) -> str:
    """The engine's spelling of an Ibis type, for ALTER TABLE."""
    return ledger.con.compiler.type_mapper.from_ibis(dtype).sql(ledger.con.dialect)


def quote(ledger: "Ledger", name: str) -> str:
    return sge.to_identifier(name, quoted=True).sql(ledger.con.dialect)
