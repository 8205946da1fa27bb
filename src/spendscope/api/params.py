"""Query parameters, checked before they reach the library: hostile input gets a clear 400.

The library validates meaning (column names, metrics, dates); this module turns away what a URL
should never carry: parameters an endpoint does not take, values repeated or too long, control
characters. A typo such as ``?metirc=BilledCost`` is an error, not a silently ignored option.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from fastapi import Depends, Request

from spendscope.analysis.costs import TAG_PREFIX, dimension_name
from spendscope.errors import ConfigError

MAX_VALUE_LENGTH = 1000
MAX_REPEATS = 20
MAX_DIMENSIONS = 8
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TAG_KEY = re.compile(r"[\w\-:/@+= ]+")


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


def date_param(value: str | None, name: str) -> dt.date | None:
    """An ISO date from a query parameter; ``name`` is the parameter the user wrote."""
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"Query parameter {name}={_shown(value)} is not a date.", hint="Use YYYY-MM-DD, e.g. 2024-09-01.") from exc


def date_range(start: str | None, end: str | None) -> tuple[dt.date | None, dt.date | None]:
    """``from`` (included) and ``to`` (excluded), checked to make a non-empty range."""
    first, stop = date_param(start, "from"), date_param(end, "to")
    if first and stop and stop <= first:
        raise ConfigError(
            f"The range from={first} to={stop} is empty: 'to' must be after 'from'.",
            hint="'to' is the first day excluded; for a single day, set it to the day after 'from'.",
        )
    return first, stop


def check_tag_keys(names) -> None:
    """Turn away tag keys that the engine would read as JSON-path syntax rather than as a key."""
    for name in names:
        if name.startswith(TAG_PREFIX) and not _TAG_KEY.fullmatch(name[len(TAG_PREFIX):]):
            raise ConfigError(
                f"Tag key {_shown(name[len(TAG_PREFIX):])} cannot be queried: tag keys here may hold letters, digits, "
                "spaces and _ - : / @ + =.",
                hint="Tags are looked up by JSON path, where '.', '*', '[', '$' and quotes have a meaning of their own.",
            )


def dimensions(by: str | None) -> list[str]:
    """The ``by`` list, with duplicates and overlong lists turned away."""
    names = [part.strip() for part in (by or "").split(",") if part.strip()]
    if len(names) > MAX_DIMENSIONS:
        raise ConfigError(f"by names {len(names)} dimensions; at most {MAX_DIMENSIONS} are allowed.")
    canonical = [dimension_name(n) for n in names]
    for name in canonical:
        if canonical.count(name) > 1:
            raise ConfigError(f"by names {name!r} twice.", hint="Name each dimension once, e.g. by=ServiceName,tag:team.")
    return canonical
