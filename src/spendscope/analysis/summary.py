"""A one-screen summary of the whole ledger: the overview by month, plus month over month.

``spendscope summary`` and ``spendscope demo`` print it; the dashboard shows the same overview.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from spendscope.analysis.overview import NON_AI, Overview, overview
from spendscope.store.ledger import Ledger

ZERO = Decimal(0)


@dataclass(frozen=True)
class MonthChange:
    month: dt.date
    cost: Decimal
    change: Decimal | None  # fraction versus the month before; None for the first month or after a zero


@dataclass(frozen=True)
class Summary:
    overview: Overview
    months: tuple[MonthChange, ...]

    def shares(self, series) -> list[tuple[str, Decimal, Decimal | None]]:
        """(name, cost, share of the total) per series of a time series, largest first."""
        total = self.overview.total
        return [(s.name, s.total, s.total / total if total else None) for s in series]


def summarize(ledger: Ledger, metric: str = "EffectiveCost") -> Summary:
    """The overview of everything in the ledger, by month, with each month's change."""
    ov = overview(ledger, metric=metric, granularity="month")
    months, previous = [], None
    for i, period in enumerate(ov.by_provider.periods):
        cost = sum((s.values[i] for s in ov.by_provider.series), ZERO)
        change = (cost - previous) / previous if previous else None
        months.append(MonthChange(period, cost, change))
        previous = cost
    return Summary(ov, tuple(months))


__all__ = ["NON_AI", "MonthChange", "Summary", "summarize"]
