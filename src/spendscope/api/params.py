"""Query parameters, checked before they reach the library: hostile input gets a clear 400.

The library validates meaning (column names, metrics, dates); this module turns away what a URL
should never carry: parameters an endpoint does not take, values repeated or too long, control
characters. A typo such as ``?metirc=BilledCost`` is an error, not a silently ignored option.
"""

from __future__ import annotations

import re
from collections import Counter

from fastapi import Depends, Request

from spendscope.analysis.costs import CostQuery
from spendscope.errors import ConfigError

MAX_VALUE_LENGTH = 1000
MAX_REPEATS = 20
MAX_DIMENSIONS = 8
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _shown(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def allowed(*names: str, repeatable: tuple[str, ...] = ()):
    """A dependency that accepts only ``names``, each once (``repeatable`` ones up to MAX_REPEATS)."""

    def check(request: Request) -> None:
        counts: Counter[str] = Counter()
        for key, value in request.query_params.multi_items():
            if key not in names:
                raise ConfigError(
                    f"Unknown query parameter {_shown(key)}. Valid parameters: {', '.join(names)}.",
                    hint=f"See /openapi.json for what {request.url.path} takes.",
                )
            counts[key] += 1
            limit = MAX_REPEATS if key in repeatable else 1
            if counts[key] > limit:
                raise ConfigError(
                    f"Query parameter {key!r} is given more than {limit} time{'s' if limit > 1 else ''}.",
                    hint="Combine values with commas where the parameter allows it, e.g. by=ServiceName,tag:team."
                    if key == "by" else None,
                )
            if len(value) > MAX_VALUE_LENGTH:
                raise ConfigError(
                    f"Query parameter {key!r} is {len(value):,} characters long; at most {MAX_VALUE_LENGTH:,} are allowed."
                )
            if _CONTROL.search(value):
                raise ConfigError(f"Query parameter {key!r} contains a control character: {_shown(value)}.")

    return Depends(check)


def cost_query(by: str | None, start: str | None, end: str | None, granularity: str, metric: str, where: list[str]) -> CostQuery:
    """The ``/api/costs`` parameters as a validated query (the library checks their meaning)."""
    names = [part.strip() for part in (by or "").split(",") if part.strip()]
    if len(names) > MAX_DIMENSIONS:
        raise ConfigError(f"by names {len(names)} dimensions; at most {MAX_DIMENSIONS} are allowed.")
    return CostQuery.parse(by=names, start=start or None, end=end or None, granularity=granularity, metric=metric,
                           where=where)
