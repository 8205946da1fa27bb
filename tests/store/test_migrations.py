"""Schema migrations: a ledger made by an older spendscope keeps working after an upgrade."""

from __future__ import annotations

import ibis.expr.datatypes as dt
import pytest

from spendscope.errors import MigrationError, NotFoundError
from spendscope.ingest.pipeline import ingest
from spendscope.store import migrations
from spendscope.store.ledger import Ledger
from tests.conftest import SAMPLE_FOCUS


def add_budget_column(ledger):
    ledger.add_column("costs", "x_Budget", dt.string)


NEXT = migrations.LATEST_VERSION + 1
FUTURE = migrations.MIGRATIONS + (migrations.Migration(NEXT, "add x_Budget", add_budget_column),)


def test_new_ledger_is_at_the_latest_version(ledger):
    assert migrations.schema_version(ledger) == migrations.LATEST_VERSION
    assert migrations.migrate(ledger) == []  # nothing pending


def test_older_ledger_is_upgraded_and_keeps_its_data(settings):
    with Ledger.open(settings) as old:  # made by "this" spendscope
        ingest(old, [str(SAMPLE_FOCUS)])
        before = old.costs.BilledCost.sum().to_pyarrow().as_py()
    with Ledger.open(settings) as newer:  # a later spendscope brings one more migration
        assert migrations.migrate(newer, FUTURE) == [NEXT]
        assert "x_Budget" in newer.costs.columns
        assert newer.costs.BilledCost.sum().to_pyarrow().as_py() == before
        assert newer.costs.count().to_pyarrow().as_py() == 1000
        assert migrations.schema_version(newer) == NEXT
        assert migrations.migrate(newer, FUTURE) == []  # applied once only


def test_version_1_ledger_gains_x_credit_type_and_loads_again(tmp_path):
    """A ledger written by the first schema (no x_CreditType) is upgraded on open, keeps its rows, and
    takes new loads."""
    import duckdb

    from spendscope.settings import Settings

    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    con.close()
    settings = Settings.load(environ={}, db=str(path))
    with Ledger.open(settings) as ledger:
        pass
    con = duckdb.connect(str(path))  # take it back to version 1, as the first spendscope left it
    con.execute("ALTER TABLE costs DROP COLUMN x_CreditType")
    con.execute("DELETE FROM meta WHERE key = 'schema_version' AND value <> '1'")
    con.close()
    with Ledger.open(settings) as ledger:
        assert migrations.schema_version(ledger) == migrations.LATEST_VERSION
        assert "x_CreditType" in ledger.costs.columns
        ingest(ledger, [str(SAMPLE_FOCUS)])
        assert ledger.costs.count().to_pyarrow().as_py() == 1000


def test_a_version_5_ledger_with_usage_gains_long_context_at_and_keeps_its_events(tmp_path):
    import duckdb

    from spendscope.settings import Settings

    usage = tmp_path / "usage.jsonl"
    usage.write_text('{"schema": "spendscope.usage.v1", "event_id": "e1", "provider": "openai", "model": "gpt-4o", '
                     '"start_time": "2026-11-03T10:00:00Z", "input_tokens": 1000, "output_tokens": 100}\n')
    path = tmp_path / "v5.duckdb"
    settings = Settings.load(environ={}, db=str(path))
    with Ledger.open(settings) as ledger:
        ingest(ledger, [str(usage)])
        before = ledger.duckdb.sql("SELECT sum(BilledCost) FROM costs").fetchone()[0]
    con = duckdb.connect(str(path))  # as spendscope left it before long-context prices
    con.execute("ALTER TABLE usage_events DROP COLUMN long_context_at")
    con.execute("DELETE FROM meta WHERE key = 'schema_version' AND CAST(value AS INTEGER) > 5")
    con.close()
    with Ledger.open(settings) as ledger:
        assert migrations.schema_version(ledger) == migrations.LATEST_VERSION
        assert ledger.duckdb.sql("SELECT count(*), count(long_context_at) FROM usage_events").fetchone() == (1, 0)
        more = tmp_path / "more.jsonl"
        more.write_text(usage.read_text().replace('"e1"', '"e2"'))
        ingest(ledger, [str(more)])
        assert ledger.duckdb.sql("SELECT sum(BilledCost) FROM costs").fetchone()[0] == 2 * before


def test_ledger_newer_than_spendscope_is_refused(settings):
    with Ledger.open(settings) as ledger:
        migrations.migrate(ledger, FUTURE)
    with pytest.raises(MigrationError, match=f"schema version {NEXT}, newer than this spendscope knows \\({NEXT - 1}\\)"):
        Ledger.open(settings)


def test_reading_a_missing_ledger_says_what_to_do(settings):
    with pytest.raises(NotFoundError) as info:
        Ledger.open(settings, read_only=True)
    assert "spendscope demo" in info.value.hint and "spendscope ingest" in info.value.hint


def _storage_version(ledger) -> str:
    return ledger.duckdb.execute(
        "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]


def test_a_new_ledger_file_uses_the_storage_format_of_the_oldest_supported_duckdb(tmp_path):
    with Ledger.open(db=str(tmp_path / "new.duckdb")) as ledger:
        assert _storage_version(ledger) == "v1.5.0+"


def test_a_ledger_file_in_duckdbs_default_format_keeps_it_and_loads_again(tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    duckdb.connect(str(path)).close()  # a file as DuckDB makes it by default (readable by older DuckDBs)
    with Ledger.open(db=str(path)) as ledger:
        ingest(ledger, [str(SAMPLE_FOCUS)])
        assert _storage_version(ledger) == "v1.0.0+"
    with Ledger.open(db=str(path), read_only=True) as ledger:
        assert ledger.costs.count().to_pyarrow().as_py() == 1000
