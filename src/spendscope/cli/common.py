"""What every command shares: global options, the ledger, errors turned into clear messages."""

from __future__ import annotations

import functools
import sys
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum

import typer

from spendscope.errors import SpendscopeError
from spendscope.settings import Settings

# Library modules (Ibis, DuckDB, pyarrow) are imported inside the commands that use them, so
# `spendscope --help` and `--version` answer at once.


DEBUG: ContextVar[bool] = ContextVar("spendscope_debug", default=False)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@dataclass
class State:
    db: str | None = None
    config: str | None = None
    busy_timeout: float | None = None
    debug: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.load(self.config, db=self.db, busy_timeout=self.busy_timeout)
        return self._settings

    def ledger(self, *, read_only: bool = False):
        from spendscope.store.ledger import Ledger

        return Ledger.open(self.settings, read_only=read_only)


def state(ctx: typer.Context) -> State:
    ctx.ensure_object(State)
    return ctx.obj


def friendly_errors(fn):
    """Turn a SpendscopeError into its message on stderr and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SpendscopeError as exc:
            if DEBUG.get():
                raise
            typer.echo(f"Error: {exc.message}", err=True)
            if exc.hint:
                typer.echo(exc.hint, err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def interactive() -> bool:
    """Progress bars only on a terminal; quiet in a pipe or a test."""
    return sys.stderr.isatty()
