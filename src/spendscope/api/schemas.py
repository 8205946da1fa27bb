"""What the API returns: response models (they make the OpenAPI schema) and the encoders that fill them.

Money is an exact decimal string (``"14.97651418586"``), never a float; dates are ISO
(``"2024-09-01"``); shares are decimal strings of a fraction (``"0.7345"``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from spendscope.analysis.costs import CostTable
from spendscope.analysis.overview import Overview, Ranked, TimeSeries
from spendscope.formatting import exact, plain

Money = str
Share = str | None


class ErrorOut(BaseModel):
    """The one error shape of every endpoint."""

    ok: Literal[False] = False
    error: str = Field(description="What went wrong, naming the bad value.")
    errors: list[str] = Field(description="The message first, then hints: valid values and what to do next.")
    status: int = Field(description="The HTTP status, repeated.")
    type: str = Field(description="The spendscope error class, e.g. ConfigError, NotFoundError, LedgerBusyError.")


class HealthOut(BaseModel):
    ok: bool
    version: str
    ledger: str = Field(description="The ledger location the server reads.")


class CostsOut(BaseModel):
    metric: str
    columns: list[str] = Field(description="period (when granularity is not none), the by dimensions, then the metric.")
    rows: list[dict[str, Any]] = Field(description="One object per row; the metric as an exact decimal string.")
    total: Money


class SeriesOut(BaseModel):
    name: str
    values: list[Money] = Field(description="One value per period, aligned with periods.")
    total: Money


class TimeSeriesOut(BaseModel):
    periods: list[str] = Field(description="The first day of every period in the range, ISO dates.")
    series: list[SeriesOut]


class RankedOut(BaseModel):
    name: str
    provider: str | None
    category: str | None
    cost: Money
    share: Share = Field(description="Fraction of the overview's total, or null when the total is zero.")


class LedgerRangeOut(BaseModel):
    first_day: str | None = Field(description="First day with charges in the whole ledger.")
    last_day: str | None = Field(description="Last day with charges in the whole ledger.")


class OverviewOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    metric: str
    granularity: Literal["day", "week", "month"]
    from_: str | None = Field(alias="from", description="First day included, as asked.")
    to: str | None = Field(description="First day excluded, as asked.")
    currencies: list[str] = Field(description="Billing currencies in the range; more than one means totals mix currencies.")
    total: Money
    ai_total: Money = Field(description="Spend with an AI workload class (x_AiWorkload not null).")
    ai_share: Share
    ledger_range: LedgerRangeOut
    by_provider: TimeSeriesOut = Field(description="Spend per period by ProviderName.")
    by_workload: TimeSeriesOut = Field(description="Spend per period by x_AiWorkload; spend without one is 'Non-AI'.")
    top_services: list[RankedOut]
    top_models: list[RankedOut] = Field(description="By x_Model; spend without a model is left out.")


def _share(value: Decimal | None) -> str | None:
    return None if value is None else exact(value)


def costs_json(table: CostTable) -> dict:
    return {
        "metric": table.metric,
        "columns": list(table.columns),
        "rows": [{c: plain(row.get(c)) for c in table.columns} for row in table.rows],
        "total": exact(table.total),
    }


def _time_series_json(ts: TimeSeries) -> dict:
    return {
        "periods": [p.isoformat() for p in ts.periods],
        "series": [{"name": s.name, "values": [exact(v) for v in s.values], "total": exact(s.total)} for s in ts.series],
    }


def _ranked_json(r: Ranked) -> dict:
    return {"name": r.name, "provider": r.provider, "category": r.category, "cost": exact(r.cost), "share": _share(r.share)}


def overview_json(ov: Overview) -> dict:
    return {
        "metric": ov.metric,
        "granularity": ov.granularity,
        "from": plain(ov.start),
        "to": plain(ov.end),
        "currencies": list(ov.currencies),
        "total": exact(ov.total),
        "ai_total": exact(ov.ai_total),
        "ai_share": _share(ov.ai_share),
        "ledger_range": {"first_day": plain(ov.first_day), "last_day": plain(ov.last_day)},
        "by_provider": _time_series_json(ov.by_provider),
        "by_workload": _time_series_json(ov.by_workload),
        "top_services": [_ranked_json(r) for r in ov.top_services],
        "top_models": [_ranked_json(r) for r in ov.top_models],
    }
