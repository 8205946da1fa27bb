"""Write the ledger as a FOCUS 1.2 Cost and Usage dataset (Parquet or CSV).

FOCUS 1.2 columns come first, then spendscope's ``x_`` columns (FOCUS's custom-column rule).
Mandatory and Recommended columns are always written (nulls where the source had no value). A
Conditional column is written only when some row has a value for it: FOCUS asks for it when the
provider supports the feature, and an all-null column would claim a feature the data does not use. The 1.3 columns (ServiceProviderName, HostProviderName) are not part of 1.2
and stay in the ledger.

CSV datetimes use the FOCUS Date/Time Format (``2024-09-01T00:00:00Z``) and money is written as exact
decimals; Parquet keeps the types (DECIMAL(38, 18), UTC timestamps).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.datatypes as idt
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from spendscope.analysis.costs import CostQuery, filtered
from spendscope.errors import ExportError
from spendscope.focus.columns import FOCUS_12_COLUMNS, X_COLUMNS
from spendscope.store.ledger import Ledger

FORMATS = {".parquet": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    columns: tuple[str, ...]


def export_columns(table) -> list[str]:
    """The columns to write: FOCUS 1.2 (Conditional ones only when used), then x_ columns."""
    optional = [c.name for c in FOCUS_12_COLUMNS if c.level == "Conditional"] + [c.name for c in X_COLUMNS]
    present = table.aggregate(**{name: table[name].notnull().any() for name in optional}).to_pyarrow().to_pylist()[0]
    names = [c.name for c in FOCUS_12_COLUMNS if c.level != "Conditional" or present[c.name]]
    names += [c.name for c in X_COLUMNS if present[c.name]]
    return names


def export_focus(ledger: Ledger, out: str | Path, *, start: dt.date | None = None, end: dt.date | None = None) -> ExportResult:
    """Write the ledger's rows charged in [start, end) to ``out`` (.parquet or .csv).

    >>> # export_focus(ledger, "focus.parquet", start=dt.date(2024, 9, 1))
    """
    path = Path(out)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ExportError(f"Cannot export to {str(path)!r}: the file must end in .parquet or .csv.")
    rows = filtered(ledger, CostQuery(start=start, end=end))
    names = export_columns(rows)
    expr = rows.select(*names).order_by([rows.BillingPeriodStart, rows.ChargePeriodStart, rows.x_LoadId])
    if kind == "csv":
        expr = expr.mutate(**{
            c: expr[c].strftime("%Y-%m-%dT%H:%M:%SZ")
            for c in names if expr[c].type().is_timestamp()
        })
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    count = 0
    try:
        if ledger.target.is_duckdb:
            if kind == "parquet":
                ledger.con.to_parquet(expr, tmp)
            else:
                ledger.con.to_csv(expr, tmp)
            count = ledger.con.raw_sql(
                f"SELECT count(*) FROM {'read_parquet' if kind == 'parquet' else 'read_csv'}('{_sql_text(tmp)}')"
            ).fetchone()[0]
        else:
            count = _write_batches(expr, tmp, kind)
        tmp.replace(path)
    except OSError as exc:
        raise ExportError(f"Cannot write {str(path)!r}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return ExportResult(path, int(count), tuple(names))


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def _write_batches(expr, path: Path, kind: str) -> int:
    """Stream Arrow batches from any engine into one file (no row-level pandas)."""
    reader = expr.to_pyarrow_batches()
    schema = reader.schema
    if kind == "parquet":
        schema = pa.schema([
            f.with_type(pa.timestamp("us", tz="UTC")) if pa.types.is_timestamp(f.type) else f for f in schema
        ])
    count = 0
    writer = pq.ParquetWriter(path, schema) if kind == "parquet" else pacsv.CSVWriter(path, schema)
    with writer:
        for batch in reader:
            if kind == "parquet":
                batch = batch.cast(schema) if hasattr(batch, "cast") else pa.RecordBatch.from_arrays(
                    [a.cast(f.type) for a, f in zip(batch.columns, schema)], schema=schema)
            writer.write_batch(batch)
            count += batch.num_rows
    return count


__all__ = ["export_focus", "ExportResult", "ibis", "idt"]
