"""Finding the file, row and column behind a failed load (the slow path, run only on errors).

A batch fails as a whole; these functions then read the failing file again on its own, with row
numbers, and find the first row that breaks: a value that cannot be converted, or a FOCUS rule.
"""

from __future__ import annotations

import contextlib

import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.errors import RowError
from spendscope.focus import checks as focus_checks
from spendscope.ingest.files import FileInfo
from spendscope.ingest.reading import ROW_COLUMN, open_raw
from spendscope.ingest.rows import normalized_rows
from spendscope.store.backends import fetch, fetch_value

_KINDS = {"decimal": "a decimal number", "datetime": "a date/time"}


def _first_row(table: ir.Table, cond: ir.BooleanValue) -> int | None:
    value = fetch_value(table.filter(cond)[ROW_COLUMN].min())
    return None if value is None else int(value)


@contextlib.contextmanager
def single_thread(con):
    """Row numbers of a CSV scan follow the file only when one thread reads it."""
    threads = con.raw_sql("SELECT current_setting('threads')").fetchone()[0]
    order = con.raw_sql("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    con.raw_sql("SET threads = 1")
    con.raw_sql("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        con.raw_sql(f"SET threads = {int(threads)}")
        con.raw_sql(f"SET preserve_insertion_order = {'true' if order else 'false'}")


def cast_error(con, plan, info: FileInfo) -> RowError | None:
    """The first value of ``info`` that cannot be converted to its column's type, if any."""
    with single_thread(con):
        raw, _ = open_raw(con, [info], numbered=True)
        best: tuple[int, str, str] | None = None
        for name, raw_col, kind, converted in plan.conversions(raw):
            text = raw[raw_col].cast(dt.string)
            bad = text.notnull() & ~text.isin(("", "NULL")) & converted.isnull()
            row = _first_row(raw, bad)
            if row is not None and (best is None or row < best[0]):
                value = fetch(raw.filter(raw[ROW_COLUMN] == row).select(v=raw[raw_col].cast(dt.string)))[0]["v"]
                best = (row, name, f"{value!r} is not {_KINDS[kind]}.")
    return None if best is None else RowError(info.name, best[0], best[1], best[2])


def rule_violation(con, plan, info: FileInfo, mappings, rules, tag_keys, failures: dict[str, int]) -> RowError | None:
    """The first row of ``info`` breaking one of the failed rules, with the rule in the spec's words;
    None when no row of this file breaks them."""
    by_id = {c.rule_id: c for c in focus_checks.CHECKS}
    with single_thread(con):
        raw, _ = open_raw(con, [info], numbered=True)
        rows = normalized_rows(con, plan, raw, mappings, 0, rules, tag_keys, strict=False).table
        best = None
        for rule_id in failures:
            check = by_id[rule_id]
            row = _first_row(rows, check.violation(rows))
            if row is not None and (best is None or row < best[0]):
                best = (row, check)
        if best is None:
            return None
        row, check = best
        value = fetch(rows.filter(rows[ROW_COLUMN] == row).select(v=rows[check.column].cast(dt.string)))[0]["v"]
    hint = f"Valid values: {', '.join(check.valid)}." if check.valid else None
    shown = "null" if value is None else repr(value)
    return RowError(info.name, row, check.column,
                    f"{shown} breaks {check.rule_id}: {check.sentence} ({failures[check.rule_id]:,} "
                    f"{'rows' if check.kind != 'json' else 'distinct values'} in all)", hint=hint)
