"""The ``spendscope`` command line: parse, call the library, render, and explain errors.

The command names are a contract with users (DESIGN.md, "Command line").
"""

from __future__ import annotations

from typing import Optional

import typer

from spendscope import __version__
from spendscope.cli import ingesting, pricing, pulling, querying, running
from spendscope.cli.common import DEBUG, State

app = typer.Typer(
    name="spendscope",
    help="Track and monitor AI spending: one FOCUS ledger for cloud bills, LLM tokens and GPUs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"spendscope {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(None, "--db", envvar="SPENDSCOPE_DB", show_envvar=True,
        help="Ledger: a DuckDB file (default ./spendscope.duckdb) or an Ibis URL such as pyspark:///path/to/warehouse."),
    config: Optional[str] = typer.Option(None, "--config", envvar="SPENDSCOPE_CONFIG", show_envvar=True,
        help="Config file (default ./spendscope.toml if present)."),
    busy_timeout: Optional[float] = typer.Option(None, "--busy-timeout",
        help="Seconds to wait while another process writes the ledger (default 60)."),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
):
    """Track and monitor AI spending with the FinOps framework."""
    ctx.obj = State(db=db, config=config, busy_timeout=busy_timeout, debug=debug)
    DEBUG.set(debug)


ingesting.register(app)
querying.register(app)
running.register(app)
pricing.register(app)
pulling.register(app)


def main() -> None:
    app()
