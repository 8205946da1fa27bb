"""Conformance checks run on every load, keyed by FOCUS rule id, with the spec's sentence.

They are generated from the column model: a non-nullable column gets its "MUST NOT be null" rule,
a column with a vocabulary its "MUST be one of the allowed values" rule, and so on. They are counted
before anything is written, from what the profiling pass and the lookup tables already hold (the
distinct values and their row counts); a failing check is then located (file, row, column) by the
ingest pipeline, and the user sees the rule id and the spec's sentence.

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
from spendscope.normalize.jsontext import json_type, json_valid
from spendscope.store.schema import rows_table
from spendscope.store.backends import fetch, fetch_value


@dataclass(frozen=True)
class Check:
    rule_id: str
    column: str
    sentence: str
    violation: Callable[[ir.Table], ir.BooleanValue]
    valid: tuple[str, ...] = ()
    # not_null: whether the column has a value; value: one column's value; pair: ServiceCategory and
    # ServiceSubcategory together; json: a JSON text column
    kind: str = "value"

    @property
    def family(self) -> str:
        """Which distinct values the check reads (see ``count_in_values``)."""
        return "pair" if self.kind == "pair" else self.column


def _not_null(col: str) -> Callable[[ir.Table], ir.BooleanValue]:
    return lambda t: t[col].isnull()


def _allowed(col: str, values: tuple[str, ...]) -> Callable[[ir.Table], ir.BooleanValue]:
    return lambda t: t[col].notnull() & ~t[col].isin(values)


def _currency(col: str) -> Callable[[ir.Table], ir.BooleanValue]:
    codes = tuple(sorted(currency_codes()))
    return lambda t: t[col].notnull() & ~t[col].isin(codes)


def _json_object(col: str) -> Callable[[ir.Table], ir.BooleanValue]:
    # A JSON object (key-value format); invalid text or any other JSON type is a violation.
    return lambda t: t[col].notnull() & ~ibis.ifelse(json_valid(t[col]), json_type(t[col]) == "OBJECT", False)


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
                                f"{col.name} MUST conform to KeyValueFormat requirements (a JSON object).", _json_object(col.name),
                                kind="json"))
    checks.append(Check("ServiceSubcategory-C-004-M", "ServiceSubcategory",
                        "ServiceSubcategory MUST have one and only one parent ServiceCategory as specified in the allowed values.",
                        _subcategory_parent, kind="pair"))
    return tuple(checks)


CHECKS: tuple[Check, ...] = _build()


REQUIRED = tuple(c.column for c in CHECKS if c.kind == "not_null")


def count_in_values(values: list[dict], missing: dict[str, int], checks: tuple[Check, ...] = CHECKS,
                    con=None) -> dict[str, int]:
    """Violations counted from distinct values and their row counts, without reading the rows.

    ``values``: ``{"__family": ..., <columns>: ..., "__rows": n}``, one per distinct value of a
    check's family (one column's value; for ``pair``, a ServiceCategory and ServiceSubcategory met
    together). ``missing``: per required column, the rows without a value. JSON checks are left to
    ``count_in_json``. ``con``: the connection to count in (a DuckDB one spares importing pandas).
    """
    counts = {c.rule_id: missing.get(c.column, 0) for c in checks if c.kind == "not_null"}
    value_checks = [c for c in checks if c.kind in ("value", "pair")]
    if values:
        columns = sorted({c.column for c in value_checks} | {"ServiceCategory"})
        schema = ibis.schema({**{c: "string" for c in columns}, "__family": "string", "__rows": "int64"})
        t = rows_table(values, schema, con)
        aggs = {f"c{i}": ibis.ifelse((t.__family == c.family) & c.violation(t).fill_null(False), t.__rows, 0).sum()
                for i, c in enumerate(value_checks)}
        row = fetch(t.aggregate(**aggs))[0]
        counts.update({c.rule_id: int(row[f"c{i}"] or 0) for i, c in enumerate(value_checks)})
    return {rule: n for rule, n in counts.items() if n}


def count_in_json(table: ir.Table, column: str, checks: tuple[Check, ...] = CHECKS) -> dict[str, int]:
    """JSON checks of ``column`` over a table of its distinct values: rule id -> failing values."""
    found = {}
    for c in checks:
        if c.kind == "json" and c.column == column:
            n = fetch_value(table.filter(c.violation(table)).count())
            if n:
                found[c.rule_id] = int(n)
    return found

