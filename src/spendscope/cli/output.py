"""Render rows as a Rich table, CSV or JSON (a list of objects, money as decimal strings)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sys
from decimal import Decimal
from typing import Iterable, Sequence

from rich.console import Console
from rich.table import Table

FORMATS = ("table", "csv", "json")


def money(value: Decimal | None, places: int = 2) -> str:
    """Money for people: thousands separators, fixed places."""
    if value is None:
        return ""
    return f"{value:,.{places}f}"


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


def console(stderr: bool = False) -> Console:
    """A console; off a terminal (pipes, files, tests) it is wide, so tables do not wrap."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 200
    return Console(file=stream, highlight=False, soft_wrap=False, width=width)


def render(
    rows: Sequence[dict],
    columns: Sequence[str],
    fmt: str,
    *,
    title: str | None = None,
    money_columns: Iterable[str] = (),
    out=None,
) -> None:
    """Write ``rows`` to stdout in the chosen format."""
    out = out or sys.stdout
    money_columns = set(money_columns)
    if fmt == "json":
        out.write(json.dumps([{c: plain(r.get(c)) for c in columns} for r in rows], indent=2) + "\n")
        return
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else plain(r.get(c)) for c in columns])
        return
    table = Table(title=title, show_edge=False, header_style="bold")
    for c in columns:
        table.add_column(c, justify="right" if c in money_columns else "left", overflow="fold")
    for r in rows:
        table.add_row(*[
            money(r.get(c)) if c in money_columns else ("" if r.get(c) is None else str(plain(r.get(c))))
            for c in columns
        ])
    console().print(table)
