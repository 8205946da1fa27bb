"""Exact decimals from text: the fast paths give exactly what the exact (slow) parse gives."""

from __future__ import annotations

from decimal import Decimal

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spendscope.normalize import values as v

CON = ibis.duckdb.connect()


def parse(texts: list[str]) -> list:
    t = ibis.memtable({"x": texts}, schema={"x": "string"})
    fast = t.mutate(fast=v.decimal(t.x, strict=False, scientific=True), exact=t.x.try_cast(v.MONEY))
    rows = CON.to_pyarrow(fast).to_pylist()
    return [(r["fast"], r["exact"]) for r in rows]


def scientific(d: Decimal, exponent_char: str, shift: int) -> str:
    """``d`` written as mantissa x 10^shift, e.g. 0.0000000181 -> '1.81E-8'."""
    mantissa = d.scaleb(-shift)
    return f"{mantissa:f}{exponent_char}{shift}"


amounts = st.decimals(min_value=Decimal("-99999999"), max_value=Decimal("99999999"), places=18, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(amounts, st.sampled_from("eE"), st.integers(min_value=-12, max_value=8)), min_size=1, max_size=40))
def test_scientific_notation_is_read_exactly(cases):
    texts = [scientific(d, e, shift) for d, e, shift in cases]
    for text, (fast, exact), (d, _, _) in zip(texts, parse(texts), cases):
        assert fast == exact == d, text


@pytest.mark.parametrize("text, expected", [
    ("1.81E-8", "0.0000000181"), ("-4.65E-8", "-0.0000000465"), ("1.012E-5", "0.00001012"), ("1e0", "1"),
    ("12.5e+2", "1250"), ("9.99E7", "99900000"), ("0.0", "0"), ("123.456", "123.456"),
])
def test_known_values(text, expected):
    [(fast, exact)] = parse([text])
    assert fast == exact == Decimal(expected)


def test_not_numbers_stay_null_when_not_strict():
    assert [f for f, _ in parse(["abc", "1E", "E5", "NULL", ""])] == [None] * 5
