"""Conformance checks run on every load, keyed by FOCUS rule id, with the spec's sentence.

They are generated from the column model: a non-nullable column gets its "MUST NOT be null" rule,
a column with a vocabulary its "MUST be one of the allowed values" rule, and so on. All checks are
counted in one aggregate query over the rows just normalised; a failing check is then located (file,
row, column) by the ingest pipeline, and the user sees the rule id and the spec's sentence.

>>> [c.rule_id for c in CHECKS if c.column == "ChargeCategory"]
['ChargeCategory-C-002-M', 'ChargeCategory-C-003-M']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.focus.columns import ALL_COLUMNS
from spendscope.focus.vocabulary import SERVICE_SUBCATEGORIES, VOCABULARIES, currency_codes


@ibis.udf.scalar.builtin(name="json_type", signature=((dt.string,), dt.string))
def _json_type(text):  # DuckDB: json_type(text) -> 'OBJECT', 'ARRAY', ...
    ...


@ibis.udf.scalar.builtin(name="json_valid", signature=((dt.string,), dt.boolean))
def _json_valid(text):
    ...


@dataclass(frozen=True)
class Check:
    rule_id: str
    column: str
    sentence: str
    violation: Callable[[ir.Table], ir.BooleanValue]
    valid: tuple[str, ...] = ()
    kind: str = "value"  # "not_null": reads only whether the column is null


def _not_null(col: str) -> Callable[[ir.Table], ir.BooleanValue]:
    return lambda t: t[col].isnull()


def _allowed(col: str, values: tuple[str, ...]) -> Callable[[ir.Table], ir.BooleanValue]:
    return lambda t: t[col].notnull() & ~t[col].isin(values)


def _currency(col: str) -> Callable[[ir.Table], ir.BooleanValue]:
    codes = tuple(sorted(currency_codes()))
    return lambda t: t[col].notnull() & ~t[col].isin(codes)


def _json_object(col: str) -> Callable[[ir.Table], ir.BooleanValue]:
    # A JSON object (key-value format); invalid text or any other JSON type is a violation.
    return lambda t: t[col].notnull() & ~ibis.ifelse(_json_valid(t[col]), _json_type(t[col]) == "OBJECT", False)


def _subcategory_parent(t: ir.Table) -> ir.BooleanValue:
    pairs = [(cat, sub) for cat, subs in SERVICE_SUBCATEGORIES.items() for sub in subs]
    ok = ibis.or_(*[(t.ServiceCategory == cat) & (t.ServiceSubcategory == sub) for cat, sub in pairs])
    return t.ServiceSubcategory.notnull() & ~ok.fill_null(False)


def _build() -> tuple[Check, ...]:
    checks: list[Check] = []
    for col in ALL_COLUMNS:
        rules = col.rules
        if "not_null" in rules and not col.nullable:
            checks.append(Check(rules["not_null"], col.name, f"{col.name} MUST NOT be null.", _not_null(col.name),
                                kind="not_null"))
        if "allowed_values" in rules and col.vocabulary:
            values = VOCABULARIES[col.vocabulary]
            checks.append(Check(rules["allowed_values"], col.name, f"{col.name} MUST be one of the allowed values.",
                                _allowed(col.name, values), values))
        if "currency_format" in rules:
            checks.append(Check(rules["currency_format"], col.name,
                                f"{col.name} MUST conform to CurrencyFormat requirements (an ISO 4217 code).", _currency(col.name)))
        if "key_value_format" in rules:
            checks.append(Check(rules["key_value_format"], col.name,
                                f"{col.name} MUST conform to KeyValueFormat requirements (a JSON object).", _json_object(col.name)))
    checks.append(Check("ServiceSubcategory-C-004-M", "ServiceSubcategory",
                        "ServiceSubcategory MUST have one and only one parent ServiceCategory as specified in the allowed values.",
                        _subcategory_parent))
    return tuple(checks)


CHECKS: tuple[Check, ...] = _build()


def count_violations(table: ir.Table, checks: tuple[Check, ...] = CHECKS) -> dict[str, int]:
    """Violations per rule id (zero counts left out).

    The checked columns repeat their values across rows (a few categories, one tag set per
    resource), so the rows are first grouped by those values, with other mandatory columns reduced
    to whether they are null; each rule is then evaluated once per group, weighted by its rows.
    """
    value_columns = sorted({c.column for c in checks if c.kind != "not_null"} | {"ServiceCategory"})
    null_columns = sorted({c.column for c in checks if c.kind == "not_null"} - set(value_columns))
    grouped = table.group_by(
        *value_columns, **{f"__null_{c}": table[c].isnull() for c in null_columns}
    ).aggregate(__rows=table.count())

    def violation(check: Check) -> ir.BooleanValue:
        if check.kind == "not_null" and check.column in null_columns:
            return grouped[f"__null_{check.column}"]
        return check.violation(grouped)

    aggs = {f"c{i}": ibis.ifelse(violation(c), grouped.__rows, 0).sum() for i, c in enumerate(checks)}
    row = grouped.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    return {c.rule_id: int(row[f"c{i}"] or 0) for i, c in enumerate(checks) if row[f"c{i}"]}
