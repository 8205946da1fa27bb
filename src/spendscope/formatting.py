"""How values are written for people and for machines, shared by the CLI and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def money(value: Decimal | None, places: int = 2) -> str:
    """Money for people: thousands separators, fixed places; an amount too small to show at
    ``places`` (a few LLM requests) gets the places it needs, up to 8, rather than reading 0.00.

    >>> money(Decimal("1234.5")), money(Decimal("0.0042")), money(Decimal("-0.000125")), money(Decimal(0))
    ('1,234.50', '0.004', '-0.0001', '0.00')
    """
    if value is None:
        return ""
    shown = f"{value:,.{places}f}"
    if value and not any(ch in "123456789" for ch in shown):
        for more in range(places + 1, 9):
            shown = f"{value:,.{more}f}"
            if any(ch in "123456789" for ch in shown):
                break
    return shown


def exact(value: Decimal) -> str:
    """Money for machines: the exact decimal, without exponent or trailing zeros.

    >>> exact(Decimal("20.520226728990000000"))
    '20.52022672899'
    >>> exact(Decimal("0E-18"))
    '0'
    """
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def plain(value) -> object:
    if isinstance(value, Decimal):
        return exact(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
