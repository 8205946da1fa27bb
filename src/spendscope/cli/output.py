"""Render rows as a Rich table, CSV or JSON (a list of objects, money as decimal strings)."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from typing import Iterable, Sequence

from rich.console import Console
from rich.table import Table

from spendscope.formatting import exact, money, plain

FORMATS = ("table", "csv", "json")
__all__ = ["FORMATS", "console", "exact", "money", "plain", "render"]


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
