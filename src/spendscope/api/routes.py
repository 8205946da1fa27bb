"""The API's endpoints: each parses its parameters, calls the library, and encodes the result.

Endpoints are plain ``def`` functions, so FastAPI runs them in its thread pool. Each opens the
ledger read-only for the one request and closes it before answering: DuckDB lets one process write
a file at a time, and a server that held the file would lock ``spendscope ingest`` out.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import duckdb
from fastapi import APIRouter, Query, Request
from ibis.common.exceptions import IbisInputError

from spendscope import __version__
from spendscope.analysis.costs import GRANULARITIES, cost_by
from spendscope.api import params
from spendscope.analysis.overview import GRANULARITIES as OVERVIEW_GRANULARITIES
from spendscope.analysis.overview import MAX_TOP, overview, parse_options
from spendscope.api.schemas import CostsOut, ErrorOut, HealthOut, OverviewOut, costs_json, overview_json
from spendscope.errors import ConfigError
from spendscope.focus.columns import DEFAULT_METRIC, METRICS
from spendscope.settings import Settings
from spendscope.store.ledger import Ledger

# Errors the engine raises for input that passed our checks but that it cannot run: a regex that
# Python accepts and RE2 does not, a tag key that is not a valid JSON path.
_ENGINE_INPUT_ERRORS = (duckdb.InvalidInputException, duckdb.BinderException, duckdb.ParserException, IbisInputError)

_ERRORS = {
    400: {"model": ErrorOut, "description": "A parameter has a value spendscope cannot use."},
    404: {"model": ErrorOut, "description": "There is no ledger yet: run `spendscope demo` or `spendscope ingest`."},
    503: {"model": ErrorOut, "description": "Another process is writing the ledger; retry after Retry-After seconds."},
}

router = APIRouter(prefix="/api")


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


@contextlib.contextmanager
def reading(settings: Settings) -> Iterator[Ledger]:
    """The ledger, read-only, for one request (never while the span receiver writes it)."""
    from spendscope.llm.receiver import LEDGER_LOCK

    LEDGER_LOCK.acquire_read()
    try:
        with _open_read_only(settings) as ledger:
            yield ledger
    finally:
        LEDGER_LOCK.release_read()


@contextlib.contextmanager
def _open_read_only(settings: Settings) -> Iterator[Ledger]:
    with Ledger.open(settings, read_only=True) as ledger:
        try:
            yield ledger
        except _ENGINE_INPUT_ERRORS as exc:
            first_line = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            raise ConfigError(
                f"The query could not run: {first_line}",
                hint="Check the by and where values; regular expressions use RE2 syntax (no look-around or back-references).",
            ) from exc


_BY = Query(None, description="Dimensions, comma-separated: any FOCUS or x_ column, or tag:KEY. E.g. ServiceName,tag:team.")
_FROM = Query(None, alias="from", description="First day included (YYYY-MM-DD), by ChargePeriodStart.")
_TO = Query(None, alias="to", description="First day excluded (YYYY-MM-DD), like ChargePeriodEnd.")
_METRIC = Query(DEFAULT_METRIC, description=f"One of {', '.join(METRICS)}. EffectiveCost (amortised) is the default.")


@router.get("/health", response_model=HealthOut, summary="Server status")
def health(request: Request) -> dict:
    """Whether the server is up, its version and the ledger it reads (the ledger is not opened)."""
    return {"ok": True, "version": __version__, "ledger": settings_of(request).db}


@router.get(
    "/costs",
    response_model=CostsOut,
    responses=_ERRORS,
    summary="Cost by any dimension over time",
    dependencies=[params.allowed("by", "from", "to", "granularity", "metric", "where", repeatable=("where",))],
)
def costs(
    request: Request,
    by: str | None = _BY,
    start: str | None = _FROM,
    end: str | None = _TO,
    granularity: str = Query("month", description=f"Time bucket: {', '.join(GRANULARITIES)}."),
    metric: str = _METRIC,
    where: list[str] = Query([], description='Filter COLUMN=VALUE, COLUMN!=VALUE or COLUMN~REGEX (RE2); repeat to combine. VALUE may be null.'),
) -> dict:
    """The JSON twin of `spendscope costs`: the metric summed by period and dimensions."""
    query = params.cost_query(by, start, end, granularity, metric, where)
    with reading(settings_of(request)) as ledger:
        table = cost_by(ledger, query)
    return costs_json(table)


@router.get(
    "/overview",
    response_model=OverviewOut,
    responses=_ERRORS,
    summary="The dashboard's overview",
    dependencies=[params.allowed("from", "to", "metric", "granularity", "top")],
)
def overview_page(
    request: Request,
    start: str | None = _FROM,
    end: str | None = _TO,
    metric: str = _METRIC,
    granularity: str = Query("month", description=f"Chart periods: {', '.join(OVERVIEW_GRANULARITIES)} (auto picks from the range)."),
    top: int = Query(10, ge=1, le=MAX_TOP, description="Rows in the top services and top models tables."),
) -> dict:
    """Total, AI spend and share, spend over time by provider and by AI workload, top services and models."""
    base, _ = parse_options(start or None, end or None, metric, granularity, top)
    with reading(settings_of(request)) as ledger:
        result = overview(ledger, base.start, base.end, base.metric, granularity=granularity, top=top)
    return overview_json(result)
