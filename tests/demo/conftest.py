"""The generated demo organisation, shared by the tests of one module (generating it takes a second)."""

from __future__ import annotations

import datetime as dt

import pytest

from spendscope.demo import generate

END = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One month (December 2025) of Northwind AI at a fifth of the demo's size, cloud bills in native formats."""
    return generate(tmp_path_factory.mktemp("demo") / "out", seed=7, scale=0.2, months=1, end=END)


@pytest.fixture(scope="module")
def focus_demo(tmp_path_factory):
    """The same month with every bill written as a FOCUS 1.2 export (``native=False``)."""
    return generate(tmp_path_factory.mktemp("focus-demo") / "out", seed=7, scale=0.2, months=1, end=END, native=False)
