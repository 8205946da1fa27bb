"""A one-screen summary of the ledger: totals, AI share, providers, workloads, top services and
models, month over month. ``spendscope demo`` prints it; built only from ``cost_by`` aggregates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from spendscope.analysis.costs import CostQuery, cost_by
from spendscope.store.ledger import Ledger

ZERO = Decimal(0)
NON_AI = "Non-AI"


@dataclass(frozen=True)
class Share:
    name: str
    cost: Decimal
    share: Decimal  # 0..1 of the total


@dataclass(frozen=True)
class MonthChange:
    month: dt.date
    cost: Decimal
    change: Decimal | None  # fraction versus the month before; None for the first month


@dataclass(frozen=True)
class Summary:
    metric: str
    total: Decimal
    ai_total: Decimal
    first_month: dt.date | None
    last_month: dt.date | None
    by_provider: tuple[Share, ...]
    by_workload: tuple[Share, ...]
    top_services: tuple[Share, ...]
    top_models: tuple[Share, ...]
    months: tuple[MonthChange, ...]

    @property
    def ai_share(self) -> Decimal:
        return self.ai_total / self.total if self.total else ZERO


def _shares(ledger: Ledger, by: str, metric: str, *, where=(), label_null: str | None = None,
            limit: int | None = None, total: Decimal | None = None) -> tuple[Share, ...]:
    table = cost_by(ledger, CostQuery.parse(by=by, granularity="none", metric=metric, where=list(where)))
    base = total if total is not None else table.total
    rows = sorted(table.rows, key=lambda r: r[metric], reverse=True)
    out = []
    for r in rows:
        name = r[by]
        if name is None:
            if label_null is None:
                continue
            name = label_null
        out.append(Share(str(name), r[metric], r[metric] / base if base else ZERO))
    return tuple(out[:limit] if limit else out)


def summarize(ledger: Ledger, metric: str = "EffectiveCost") -> Summary:
    """The summary of everything in the ledger."""
    monthly = cost_by(ledger, CostQuery.parse(granularity="month", metric=metric))
    total = monthly.total
    months = []
    previous = None
    for r in monthly.rows:
        cost = r[metric]
        change = (cost - previous) / previous if previous not in (None, ZERO) else None
        months.append(MonthChange(r["period"], cost, change))
        previous = cost
    workloads = _shares(ledger, "x_AiWorkload", metric, label_null=NON_AI, total=total)
    ai_total = sum((s.cost for s in workloads if s.name != NON_AI), ZERO)
    return Summary(
        metric=metric,
        total=total,
        ai_total=ai_total,
        first_month=months[0].month if months else None,
        last_month=months[-1].month if months else None,
        by_provider=_shares(ledger, "ProviderName", metric, total=total),
        by_workload=workloads,
        top_services=_shares(ledger, "ServiceName", metric, limit=10, total=total),
        top_models=_shares(ledger, "x_Model", metric, where=["x_Model!=null"], limit=10, total=total),
        months=tuple(months),
    )
