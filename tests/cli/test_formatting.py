"""Money as people read it: small LLM amounts are not shown as 0.00."""

from __future__ import annotations

import doctest
from decimal import Decimal

from spendscope import formatting
from spendscope.llm import prices


def test_small_amounts_get_the_places_they_need_and_others_keep_two():
    assert formatting.money(Decimal("0.00375")) == "0.004"
    assert formatting.money(Decimal("0.0000004")) == "0.0000004"
    assert formatting.money(Decimal("12345.678")) == "12,345.68"
    assert formatting.money(Decimal("0.004"), places=0) == "0.004"
    assert formatting.money(Decimal("0E-18")) == "0.00" and formatting.money(None) == ""


def test_the_documented_examples_hold():
    assert doctest.testmod(formatting).failed == 0
    assert doctest.testmod(prices).failed == 0
