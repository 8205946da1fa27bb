"""How a batch of normalised rows reaches the ledger, per engine, all or nothing.

``DuckDBWriter`` works inside the ledger's own DuckDB connection and one transaction: rows go
straight from the file into ``costs``, are checked there, superseded partitions are deleted, the
load is recorded, and only then is the transaction committed.

``CopyOnWriteWriter`` serves Spark and other engines without multi-statement transactions: rows are
normalised and checked in a scratch DuckDB and staged as Parquet; at commit the engine writes a new
``costs`` table (old rows minus replaced partitions, plus the staged rows) and swaps it in.
Nothing in the ledger changes before the swap.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir

from spendscope.analysis.loads import additive_sources
from spendscope.focus.columns import COLUMN_NAMES, PARTITION_KEY
from spendscope.store import schema as s
from spendscope.store.ledger import Ledger

NEXT_COSTS = "costs__next"


def _key_sql(quote) -> str:
    return "(" + ", ".join(quote(k) for k in PARTITION_KEY) + ")"


def insert_rows(work, rows: ir.Table) -> None:
    """Insert normalised rows (``ingest.rows``) into the costs table of the DuckDB ``work`` connection.

    The rows are the file joined with its small tag and classification lookups, which must be the
    hash joins' build side. DuckDB cannot know a CSV file's row count before reading it and may
    choose to hash the file instead: at a million rows that doubled the insert (18.7 s against
    9.1 s). Keeping the join sides as written avoids it.
    """
    work.raw_sql("SET disabled_optimizers = 'build_side_probe_side'")
    try:
        work.insert(s.COSTS, rows)
    finally:
        reset_optimizers(work)


def reset_optimizers(work) -> None:
    """Undo ``insert_rows``'s setting. In a transaction that a failed insert aborted this fails;
    the rollback calls it again."""
    with contextlib.suppress(duckdb.Error):
        work.raw_sql("RESET disabled_optimizers")


class DuckDBWriter:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.work = ledger.con
        self._active = False

    def begin(self) -> None:
        self.ledger.duckdb.begin()
        self._active = True

    def insert(self, rows: ir.Table) -> None:
        insert_rows(self.work, rows)

    def rows(self, load_ids: list[int]) -> ir.Table:
        costs = self.work.table(s.COSTS)
        return costs.filter(costs.x_LoadId.isin(load_ids))

    def superseded(self, load_ids: list[int]) -> ir.Table:
        """Rows of earlier loads in the partitions this batch replaces."""
        costs = self.work.table(s.COSTS)
        new = _replacing(self.rows(load_ids)).select(*PARTITION_KEY).distinct()
        old = costs.filter(~costs.x_LoadId.isin(load_ids))
        return old.semi_join(new, list(PARTITION_KEY))

    def replace(self, load_ids: list[int]) -> None:
        q = '"{}"'.format
        ids = ", ".join(str(int(i)) for i in load_ids)
        key = _key_sql(q)
        additive = ", ".join("'" + name.replace("'", "''") + "'" for name in additive_sources())
        keep = f" AND {q('x_Source')} NOT IN ({additive})" if additive else ""
        self.ledger.duckdb.execute(
            f"DELETE FROM {q(s.COSTS)} WHERE {q('x_LoadId')} NOT IN ({ids}){keep} AND {key} IN "
            f"(SELECT DISTINCT {key} FROM {q(s.COSTS)} WHERE {q('x_LoadId')} IN ({ids}))"
        )

    def record(self, loads: list[dict], partitions: list[dict]) -> None:
        self.ledger.insert_rows(s.LOADS, loads)
        self.ledger.insert_rows(s.LOAD_PARTITIONS, partitions)

    def commit(self) -> None:
        self.ledger.duckdb.commit()
        self._active = False

    def rollback(self) -> None:
        if self._active:
            self.ledger.duckdb.rollback()
            self._active = False
            reset_optimizers(self.work)

    def after_error(self) -> None:
        """A failed statement aborts the DuckDB transaction: roll back before diagnosing."""
        self.rollback()

    def close(self) -> None:
        self.rollback()


class CopyOnWriteWriter:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.work = ibis.duckdb.connect(memory_limit=ledger.settings.memory_limit, preserve_insertion_order=False)
        self.work.create_table(s.COSTS, schema=s.costs_schema())
        self.stage = Path(tempfile.mkdtemp(prefix="spendscope-stage-"))
        self._parts = 0

    def begin(self) -> None:
        pass

    def insert(self, rows: ir.Table) -> None:
        # staged in the scratch DuckDB first, so checks and diagnostics work the same as on DuckDB
        insert_rows(self.work, rows)

    def rows(self, load_ids: list[int]) -> ir.Table:
        costs = self.work.table(s.COSTS)
        return costs.filter(costs.x_LoadId.isin(load_ids))

    def superseded(self, load_ids: list[int]) -> ir.Table:
        target = self.ledger.costs
        keys = _replacing(self.rows(load_ids)).select(*PARTITION_KEY).distinct().to_pyarrow()
        if keys.num_rows == 0:
            return target.limit(0)
        key_table = ibis.memtable(keys)
        return target.semi_join(key_table, list(PARTITION_KEY))

    def replace(self, load_ids: list[int]) -> None:
        path = self.stage / f"part-{self._parts}.parquet"
        self._parts += 1
        self.work.to_parquet(self.rows(load_ids).select(*COLUMN_NAMES), path)
        self._pending = (path, load_ids)

    def record(self, loads: list[dict], partitions: list[dict]) -> None:
        self._records = (loads, partitions)

    def commit(self) -> None:
        con = self.ledger.con
        path, load_ids = self._pending
        staged = con.read_parquet(str(path))
        old = self.ledger.costs
        keys = _replacing(self.work.table(s.COSTS)).select(*PARTITION_KEY).distinct().to_pyarrow()
        keep = old.anti_join(ibis.memtable(keys), list(PARTITION_KEY)) if keys.num_rows else old
        combined = keep.select(*COLUMN_NAMES).union(staged.select(*COLUMN_NAMES).cast(old.schema()))
        self.ledger.drop_table(NEXT_COSTS)
        con.create_table(NEXT_COSTS, combined)
        self.ledger.drop_table(s.COSTS)
        self.ledger.rename_table(NEXT_COSTS, s.COSTS)
        loads, partitions = self._records
        self.ledger.insert_rows(s.LOADS, loads)
        self.ledger.insert_rows(s.LOAD_PARTITIONS, partitions)

    def rollback(self) -> None:
        pass

    def after_error(self) -> None:
        pass

    def close(self) -> None:
        self.work.disconnect()
        shutil.rmtree(self.stage, ignore_errors=True)


def _replacing(rows: ir.Table) -> ir.Table:
    """The rows whose partitions a load replaces: all but an additive source's (see ``additive_sources``)."""
    additive = additive_sources()
    return rows.filter(~rows.x_Source.isin(additive)) if additive else rows


def writer_for(ledger: Ledger):
    return DuckDBWriter(ledger) if ledger.target.is_duckdb else CopyOnWriteWriter(ledger)


def recover(ledger: Ledger) -> None:
    """Finish a swap that a crash interrupted (copy-on-write engines)."""
    tables = set(ledger.con.list_tables())
    if NEXT_COSTS in tables and s.COSTS not in tables:
        ledger.rename_table(NEXT_COSTS, s.COSTS)
    elif NEXT_COSTS in tables:
        ledger.drop_table(NEXT_COSTS)
