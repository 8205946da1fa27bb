"""The spend overview behind the dashboard's first page and ``GET /api/overview``.

Built only from ``cost_by`` aggregates, so it runs on every engine the ledger supports and no row-level
data reaches Python. ``spendscope summary`` (and ``demo``) print the same figures.

>>> # ov = overview(ledger, start="2024-09-01", end="2024-10-01", metric="EffectiveCost")
>>> # ov.total, ov.ai_share, [s.name for s in ov.by_provider.series]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from spendscope.analysis.costs import PERIOD, CostQuery, CostTable, cost_by
from spendscope.errors import ConfigError, UnknownNameError
from spendscope.store.ledger import Ledger

GRANULARITIES = ("auto", "day", "week", "month")
NON_AI = "Non-AI"
UNKNOWN = "(not set)"
MAX_TOP = 100
SHARE_PLACES = Decimal("0.0001")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Series:
    """One stacked layer of a chart: a name and its value in every period."""

    name: str
    values: tuple[Decimal, ...]
    total: Decimal


@dataclass(frozen=True)
class TimeSeries:
    """Spend per period, one series per value of a dimension; every series covers every period."""

    periods: tuple[dt.date, ...]
    series: tuple[Series, ...]


@dataclass(frozen=True)
class Ranked:
    """One line of a top-N table."""

    name: str
    provider: str | None
    category: str | None
    cost: Decimal
    share: Decimal | None  # of the overview's total; None when the total is zero


@dataclass(frozen=True)
class Overview:
    metric: str
    granularity: str  # resolved: day, week or month
    start: dt.date | None  # as asked; end exclusive
    end: dt.date | None
    currencies: tuple[str, ...]
    total: Decimal
    ai_total: Decimal
    ai_share: Decimal | None
    first_day: dt.date | None  # the whole ledger's range, by ChargePeriodStart
    last_day: dt.date | None
    by_provider: TimeSeries
    by_workload: TimeSeries
    top_services: tuple[Ranked, ...]
    top_models: tuple[Ranked, ...]


def overview(
    ledger: Ledger,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    metric: str | None = None,
    *,
    granularity: str = "month",
    top: int = 10,
) -> Overview:
    """Total, AI share, spend over time by provider and by AI workload, top services and models.

    ``granularity="auto"`` picks day, week or month from the span of data in the range.
    """
    base, granularity = parse_options(start, end, metric, granularity, top)
    first_day, last_day = ledger_days(ledger)
    window = _window(base, first_day, last_day)
    if granularity == "auto":
        granularity = _auto_granularity(window)
    periods = _periods(window, granularity)

    def query(*by: str, where: tuple[str, ...] = (), grain: str = "none") -> CostTable:
        q = CostQuery.parse(by=list(by), granularity=grain, metric=base.metric, where=list(where))
        return cost_by(ledger, dataclasses.replace(q, start=base.start, end=base.end))

    by_provider = _time_series(query("ProviderName", grain=granularity), "ProviderName", periods)
    by_workload = _time_series(query("x_AiWorkload", grain=granularity), "x_AiWorkload", periods, null_name=NON_AI)
    by_workload = TimeSeries(by_workload.periods, _workload_order(by_workload.series))
    total = sum((s.total for s in by_provider.series), ZERO)
    ai_total = sum((s.total for s in by_workload.series if s.name != NON_AI), ZERO)
    currencies = tuple(sorted(r["BillingCurrency"] for r in query("BillingCurrency").rows if r["BillingCurrency"]))
    services = query("ServiceName", "ProviderName", "ServiceCategory")
    models = query("x_Model", "ProviderName", where=("x_Model!=null",))
    return Overview(
        metric=base.metric,
        granularity=granularity,
        start=base.start,
        end=base.end,
        currencies=currencies,
        total=total,
        ai_total=ai_total,
        ai_share=_share(ai_total, total),
        first_day=first_day,
        last_day=last_day,
        by_provider=by_provider,
        by_workload=by_workload,
        top_services=_top(services, "ServiceName", "ServiceCategory", total, top),
        top_models=_top(models, "x_Model", None, total, top),
    )


def parse_options(
    start: str | dt.date | None, end: str | dt.date | None, metric: str | None, granularity: str, top: int
) -> tuple[CostQuery, str]:
    """Validate an overview's options, before any ledger is opened: the base query and the granularity."""
    base = CostQuery.parse(start=start, end=end, metric=metric, granularity="none")
    granularity = (granularity or "month").lower()
    if granularity not in GRANULARITIES:
        raise UnknownNameError("granularity", granularity, GRANULARITIES)
    if not 1 <= top <= MAX_TOP:
        raise ConfigError(f"top must be between 1 and {MAX_TOP}, got {top}.")
    return base, granularity


def ledger_days(ledger: Ledger) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day with charges in the whole ledger (by ChargePeriodStart)."""
    days = [r[PERIOD] for r in cost_by(ledger, CostQuery.parse(granularity="day")).rows if r[PERIOD]]
    return (min(days), max(days)) if days else (None, None)


def _window(query: CostQuery, first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """The days, both included, that hold data and fall in the query's range."""
    if first is None or last is None:
        return None
    lo = max(first, query.start) if query.start else first
    hi = min(last, query.end - dt.timedelta(days=1)) if query.end else last
    return (lo, hi) if lo <= hi else None


def _auto_granularity(window: tuple[dt.date, dt.date] | None) -> str:
    if window is None:
        return "month"
    days = (window[1] - window[0]).days + 1
    return "day" if days <= 62 else "week" if days <= 26 * 7 else "month"


def _truncate(day: dt.date, granularity: str) -> dt.date:
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "week":  # ISO weeks start on Monday, as the engines truncate them
        return day - dt.timedelta(days=day.weekday())
    return day


def _periods(window: tuple[dt.date, dt.date] | None, granularity: str) -> tuple[dt.date, ...]:
    """Every period of the window, so a chart shows quiet days as zero rather than skipping them."""
    if window is None:
        return ()
    out, period, last = [], _truncate(window[0], granularity), _truncate(window[1], granularity)
    while period <= last:
        out.append(period)
        if granularity == "month":
            period = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        else:
            period += dt.timedelta(days=7 if granularity == "week" else 1)
    return tuple(out)


def _time_series(table: CostTable, dim: str, periods: tuple[dt.date, ...], null_name: str = UNKNOWN) -> TimeSeries:
    cells: dict[str, dict[dt.date, Decimal]] = {}
    for row in table.rows:
        name = row[dim] if row[dim] is not None else null_name
        by_period = cells.setdefault(name, {})
        by_period[row[PERIOD]] = by_period.get(row[PERIOD], ZERO) + row[table.metric]
    series = []
    for name, by_period in cells.items():
        values = tuple(by_period.get(p, ZERO) for p in periods)
        series.append(Series(name, values, sum(by_period.values(), ZERO)))
    series.sort(key=lambda s: (-s.total, s.name))
    return TimeSeries(periods, tuple(series))


def _workload_order(series: tuple[Series, ...]) -> tuple[Series, ...]:
    """AI workloads by spend, then Non-AI last, so the AI layers sit at the bottom of the stack."""
    return tuple(s for s in series if s.name != NON_AI) + tuple(s for s in series if s.name == NON_AI)


def _top(table: CostTable, name_col: str, category_col: str | None, total: Decimal, n: int) -> tuple[Ranked, ...]:
    ranked = []
    for row in table.rows:
        cost = row[table.metric]
        if cost == 0:
            continue
        ranked.append(Ranked(
            name=row[name_col] if row[name_col] is not None else UNKNOWN,
            provider=row.get("ProviderName"),
            category=row.get(category_col) if category_col else None,
            cost=cost,
            share=_share(cost, total),
        ))
    ranked.sort(key=lambda r: (-r.cost, r.name))
    return tuple(ranked[:n])


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == 0:
        return None
    return (part / whole).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN)

