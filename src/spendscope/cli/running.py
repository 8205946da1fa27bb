"""``spendscope demo`` and ``spendscope serve``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from spendscope.analysis.summary import Summary, summarize
from spendscope.cli.common import friendly_errors, interactive, state
from spendscope.cli.ingesting import _progress_bar
from spendscope.cli.output import console, money
from spendscope.ingest.pipeline import ingest as run_ingest


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:+.1f}%" if value else "0.0%"


def _share_table(title: str, shares, total_label: str = "share") -> Table:
    table = Table(title=title, show_edge=False, header_style="bold", title_justify="left")
    table.add_column("name")
    table.add_column("cost", justify="right")
    table.add_column(total_label, justify="right")
    for s in shares:
        table.add_row(s.name, money(s.cost), f"{s.share * 100:.1f}%")
    return table


def render_summary(summary: Summary) -> None:
    out = console()
    if summary.first_month is None:
        out.print("The ledger is empty.")
        return
    out.print(
        f"\n[bold]{summary.metric}[/bold] {summary.first_month:%b %Y} - {summary.last_month:%b %Y}: "
        f"[bold]{money(summary.total)}[/bold] in all, AI [bold]{money(summary.ai_total)}[/bold] "
        f"({summary.ai_share * 100:.1f}%)\n"
    )
    out.print(_share_table("By provider", summary.by_provider))
    out.print(_share_table("By AI workload", summary.by_workload))
    out.print(_share_table("Top services", summary.top_services))
    if summary.top_models:
        out.print(_share_table("Top models", summary.top_models))
    months = Table(title="Month over month", show_edge=False, header_style="bold", title_justify="left")
    months.add_column("month")
    months.add_column("cost", justify="right")
    months.add_column("change", justify="right")
    for m in summary.months:
        months.add_row(f"{m.month:%Y-%m}", money(m.cost), _pct(m.change))
    out.print(months)


def demo(
    ctx: typer.Context,
    seed: int = typer.Option(7, "--seed", help="Seed: the same seed builds the same organisation."),
    scale: float = typer.Option(1.0, "--scale", help="Size multiplier; 50 or more makes benchmark-sized data."),
    months: int = typer.Option(12, "--months", help="Months of history, ending last month."),
    out: Path = typer.Option(Path("spendscope-demo"), "--out", help="Folder for the generated billing files."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the dashboard after the summary."),
    host: Optional[str] = typer.Option(None, "--host", help="Dashboard address (default 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, "--port", help="Dashboard port (default 8000)."),
):
    """Build a realistic AI organisation, ingest it, summarise it and serve the dashboard.

    The organisation (teams, GPU training on AWS, Azure and GCP, managed AI services, OpenAI and
    Anthropic tokens, datasets) is written as real billing files under --out, loaded through the
    normal ingest, and its injected anomalies are listed in labels.json there.

    \b
        spendscope demo
        spendscope demo --no-serve --seed 42
        spendscope --db bench.duckdb demo --scale 50 --no-serve
    """
    run_demo(ctx, seed=seed, scale=scale, months=months, out=out, serve=serve, host=host, port=port)


@friendly_errors
def run_demo(ctx, *, seed, scale, months, out, serve, host, port) -> None:
    from spendscope.demo import generate

    st = state(ctx)
    out_console = console()
    today = dt.date.today()
    result = generate(out, seed=seed, scale=scale, months=months, end=today.replace(day=1))
    out_console.print(f"Generated {result.rows:,} rows of billing data in {len(result.files)} files under {out}/ "
                      f"(anomalies injected: {result.labels_path}).")
    bar, update = _progress_bar()
    with st.ledger() as ledger:
        if bar:
            with bar:
                loaded = run_ingest(ledger, [str(f) for f in result.files], progress=update)
        else:
            loaded = run_ingest(ledger, [str(f) for f in result.files])
        fresh = len(loaded.loaded)
        out_console.print(f"Loaded {loaded.rows:,} rows from {fresh} new files into {ledger.describe()} "
                          f"({len(loaded.files) - fresh} already loaded).")
        summary = summarize(ledger)
    render_summary(summary)
    if serve:
        _serve(st, host, port)


def _serve(st, host, port) -> None:
    from spendscope.api import serve as serve_api

    settings = st.settings
    host = host or settings.host
    port = port or settings.port
    console().print(f"\nDashboard: [bold]http://{host}:{port}[/bold]  (JSON API under /api, Ctrl+C to stop)")
    serve_api(settings, host=host, port=port)


@friendly_errors
def serve(
    ctx: typer.Context,
    host: Optional[str] = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port to listen on (default 8000)."),
):
    """Serve the dashboard and the JSON API over the ledger.

    The server reads the ledger through short-lived read-only connections, so `spendscope ingest`
    can load new data while it runs.

    \b
        spendscope serve
        spendscope --db pyspark:///data/warehouse serve --port 8080
    """
    _serve(state(ctx), host, port)


def summary(
    ctx: typer.Context,
    metric: str = typer.Option("EffectiveCost", "--metric", "-m", help="EffectiveCost, BilledCost, ListCost or ContractedCost."),
):
    """Print the one-screen summary of the ledger (as `spendscope demo` does)."""
    _summary(ctx, metric)


@friendly_errors
def _summary(ctx, metric) -> None:
    from spendscope.analysis.costs import CostQuery

    metric = CostQuery.parse(metric=metric).metric
    with state(ctx).ledger(read_only=True) as ledger:
        render_summary(summarize(ledger, metric))


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command()(summary)
    app.command()(serve)
