"""Malformed files are rejected with file, row and column named, and the ledger is exactly as before."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import duckdb
import pytest

from spendscope.errors import IngestError, RowError, SchemaError
from spendscope.ingest.pipeline import ingest
from spendscope.store import schema as s
from tests.conftest import SAMPLE_FOCUS


def read_sample() -> tuple[list[str], list[list[str]]]:
    with open(SAMPLE_FOCUS, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    path.write_text(buf.getvalue())
    return path


def with_value(tmp_path: Path, row: int, column: str, value: str, name: str = "bad.csv") -> Path:
    """The sample with one cell changed: data ``row`` (1-based, header excluded) and ``column``."""
    header, rows = read_sample()
    rows[row - 1][header.index(column)] = value
    return write_csv(tmp_path / name, header, rows)


def snapshot(ledger) -> dict:
    """Everything the ledger holds, to compare before and after a failed load."""
    out = {}
    for table in (s.COSTS, s.LOADS, s.LOAD_PARTITIONS, s.META):
        rows = ledger.con.table(table).to_pyarrow().to_pylist()
        out[table] = sorted(repr(sorted(r.items())) for r in rows)
    return out


@pytest.fixture
def loaded(ledger, tmp_path):
    """A ledger that already holds one good load, so 'unchanged' is a real claim."""
    header, rows = read_sample()
    good = write_csv(tmp_path / "good.csv", header, rows[:400])
    ingest(ledger, [str(good)])
    return ledger


def assert_rejected(ledger, path: Path, exc_type, *fragments: str) -> IngestError:
    before = snapshot(ledger)
    with pytest.raises(exc_type) as info:
        ingest(ledger, [str(path)])
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot(ledger) == before
    # the insert's optimizer setting does not outlive a failed load either
    assert ledger.duckdb.sql("SELECT current_setting('disabled_optimizers')").fetchone()[0] == ""
    return info.value


def test_bad_number_names_row_and_column(loaded, tmp_path):
    path = with_value(tmp_path, 700, "BilledCost", "12,5")
    err = assert_rejected(loaded, path, RowError, "bad.csv", "row 700", "column BilledCost", "'12,5' is not a decimal number")
    assert (err.row, err.column) == (700, "BilledCost")


def test_bad_date_names_row_and_column(loaded, tmp_path):
    path = with_value(tmp_path, 512, "ChargePeriodStart", "2024-13-45 00:00:00")
    assert_rejected(loaded, path, RowError, "row 512", "column ChargePeriodStart", "is not a date/time")


def test_unknown_currency_code(loaded, tmp_path):
    path = with_value(tmp_path, 3, "BillingCurrency", "USX")
    err = assert_rejected(loaded, path, RowError, "row 3", "column BillingCurrency", "'USX'", "BillingCurrency-C-003-M",
                          "ISO 4217")
    assert err.row == 3


def test_unknown_charge_category_lists_valid_values(loaded, tmp_path):
    path = with_value(tmp_path, 250, "ChargeCategory", "Consumption")
    err = assert_rejected(loaded, path, RowError, "row 250", "ChargeCategory-C-003-M",
                          "ChargeCategory MUST be one of the allowed values")
    assert err.hint == "Valid values: Usage, Purchase, Tax, Credit, Adjustment."


def test_null_in_mandatory_column(loaded, tmp_path):
    path = with_value(tmp_path, 41, "BillingAccountId", "NULL")
    assert_rejected(loaded, path, RowError, "row 41", "column BillingAccountId", "null breaks BillingAccountId-C-001-M")


def test_tags_that_are_not_a_json_object(loaded, tmp_path):
    path = with_value(tmp_path, 77, "Tags", '["not", "an", "object"]')
    assert_rejected(loaded, path, RowError, "row 77", "column Tags", "Tags-C-001-M")


def test_missing_mandatory_column(loaded, tmp_path):
    header, rows = read_sample()
    i = header.index("BillingCurrency")
    path = write_csv(tmp_path / "nocurrency.csv", header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows])
    assert_rejected(loaded, path, SchemaError, "nocurrency.csv", "row 1 (header)",
                    "missing mandatory FOCUS column BillingCurrency")


def test_truncated_csv(loaded, tmp_path):
    text = SAMPLE_FOCUS.read_text()
    path = tmp_path / "truncated.csv"
    path.write_text(text[: len(text) // 2])
    err = assert_rejected(loaded, path, RowError, "truncated.csv", "the row ends early", "truncated")
    assert err.row is not None and err.column is not None


def test_truncated_gzip(loaded, tmp_path):
    data = gzip.compress(SAMPLE_FOCUS.read_bytes())
    path = tmp_path / "truncated.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    assert_rejected(loaded, path, RowError, "truncated.csv.gz")


def test_truncated_parquet(loaded, tmp_path):
    whole = tmp_path / "whole.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{SAMPLE_FOCUS}', all_varchar=true)) TO '{whole}'")
    path = tmp_path / "truncated.parquet"
    path.write_bytes(whole.read_bytes()[:-200])
    assert_rejected(loaded, path, RowError, "truncated.parquet", "not a readable Parquet file")


def test_one_bad_file_rejects_the_whole_batch(loaded, tmp_path):
    good = tmp_path / "good2.csv"
    good.write_text(SAMPLE_FOCUS.read_text())
    bad = with_value(tmp_path, 10, "EffectiveCost", "abc")
    before = snapshot(loaded)
    with pytest.raises(RowError, match="bad.csv, row 10, column EffectiveCost"):
        ingest(loaded, [str(good), str(bad)])
    assert snapshot(loaded) == before


def test_empty_file(loaded, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    assert_rejected(loaded, path, RowError, "empty.csv", "the file is empty")


def test_not_a_billing_file(loaded, tmp_path):
    path = write_csv(tmp_path / "people.csv", ["name", "age"], [["ada", "36"]])
    assert_rejected(loaded, path, IngestError, "people.csv: no source recognises this file", "shares no column with any layout spendscope reads (aws_cur, azure, focus, gcp, oci)")


def test_tags_that_are_not_json_at_all(loaded, tmp_path):
    path = with_value(tmp_path, 88, "Tags", '{team: ml')
    assert_rejected(loaded, path, RowError, "row 88", "column Tags", "'{team: ml' breaks Tags-C-001-M")
