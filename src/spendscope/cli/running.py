"""``spendscope demo`` and ``spendscope serve``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from spendscope.cli.common import friendly_errors, interactive, state
from spendscope.cli.ingesting import _progress_bar
from spendscope.cli.output import console, money


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:+.1f}%"


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, show_edge=False, header_style="bold", title_justify="left")
    for c in columns:
        table.add_column(c, justify="right" if c in ("cost", "share", "change") else "left")
    for r in rows:
        table.add_row(*r)
    return table


def _share_rows(items) -> list[list[str]]:
    return [[name, money(cost), "" if share is None else f"{share * 100:.1f}%"] for name, cost, share in items]


def render_summary(summary) -> None:
    out = console()
    ov = summary.overview
    if ov.first_day is None:
        out.print("The ledger is empty: load data with `spendscope ingest` or `spendscope demo`.")
        return
    share = "" if ov.ai_share is None else f" ({ov.ai_share * 100:.1f}%)"
    out.print(
        f"\n[bold]{ov.metric}[/bold] {ov.first_day:%d %b %Y} - {ov.last_day:%d %b %Y}: "
        f"[bold]{money(ov.total)}[/bold] {' '.join(ov.currencies)} in all, AI [bold]{money(ov.ai_total)}[/bold]{share}\n"
    )
    out.print(_table("By provider", ["provider", "cost", "share"], _share_rows(summary.shares(ov.by_provider.series))))
    out.print(_table("By AI workload", ["workload", "cost", "share"], _share_rows(summary.shares(ov.by_workload.series))))
    out.print(_table("Top services", ["service", "cost", "share"],
                     _share_rows((r.name, r.cost, r.share) for r in ov.top_services)))
    if ov.top_models:
        # the same model can be sold by several providers (gpt-4o by OpenAI and by Azure)
        rows = [[r.name, r.provider or ""] + _share_rows([(r.name, r.cost, r.share)])[0][1:] for r in ov.top_models]
        out.print(_table("Top models", ["model", "provider", "cost", "share"], rows))
    out.print(_table("Month over month", ["month", "cost", "change"],
                     [[f"{m.month:%Y-%m}", money(m.cost), _pct(m.change)] for m in summary.months]))


def demo(
    ctx: typer.Context,
    seed: int = typer.Option(7, "--seed", help="Seed: the same seed builds the same organisation."),
    scale: float = typer.Option(1.0, "--scale", help="Size multiplier; 50 or more makes benchmark-sized data."),
    months: int = typer.Option(12, "--months", help="Months of history, ending last month."),
    out: Path = typer.Option(Path("spendscope-demo"), "--out", help="Folder for the generated billing files."),
    focus_exports: bool = typer.Option(False, "--focus-exports",
                                       help="Write the cloud bills as FOCUS 1.2 exports instead of native bills "
                                            "(CUR 2.0, Azure amortized export, GCP billing export)."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the dashboard after the summary."),
    host: Optional[str] = typer.Option(None, "--host", help="Dashboard address (default 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, "--port", help="Dashboard port (default 8000)."),
):
    """Build a realistic AI organisation, ingest it, summarise it and serve the dashboard.

    The organisation (teams, GPU training on AWS, Azure and GCP, managed AI services, OpenAI and
    Anthropic tokens, datasets) is written as real billing files under --out, loaded through the
    normal ingest, and its injected anomalies are listed in labels.json there. The cloud bills are
    in their providers' own formats (AWS CUR 2.0 Parquet, an Azure amortized cost export, a Google
    Cloud billing export); --focus-exports writes them as FOCUS 1.2 exports instead.

    \b
        spendscope demo
        spendscope demo --no-serve --seed 42
        spendscope --db bench.duckdb demo --scale 50 --no-serve
    """
    run_demo(ctx, seed=seed, scale=scale, months=months, out=out, serve=serve, host=host, port=port,
             native=not focus_exports)


@friendly_errors
def run_demo(ctx, *, seed, scale, months, out, serve, host, port, native=True) -> None:
    from spendscope.analysis.summary import summarize
    from spendscope.demo import generate
    from spendscope.ingest.pipeline import ingest as run_ingest

    st = state(ctx)
    out_console = console()
    today = dt.date.today()
    result = generate(out, seed=seed, scale=scale, months=months, end=today.replace(day=1), native=native)
    out_console.print(f"Generated {result.rows:,} rows of billing data in {len(result.files)} files under {out}/ "
                      f"(anomalies injected: {result.labels}).")
    if result.usage_files:
        out_console.print(f"Generated LLM usage in {len(result.usage_files)} files (OpenAI and Anthropic usage API pages, "
                          f"gateway events) and a price change ({result.price_file}).")
    bar, update = _progress_bar()
    paths = [str(f) for f in (*result.files, *result.usage_files)]
    with st.ledger() as ledger:
        if result.price_file is not None:
            from spendscope.llm.prices import read_price_file, store_prices

            store_prices(ledger, read_price_file(result.price_file, today))
        if bar:
            with bar:
                loaded = run_ingest(ledger, paths, progress=update)
        else:
            loaded = run_ingest(ledger, paths)
        fresh = len(loaded.loaded)
        out_console.print(f"Loaded {loaded.rows:,} rows from {fresh} new files into {ledger.describe()} "
                          f"({len(loaded.files) - fresh} already loaded).")
        _warn_stale_demo_loads(ledger, out, (*result.files, *result.usage_files))
        for u in loaded.unpriced:
            out_console.print(f"[yellow]Unpriced LLM usage:[/yellow] {u.events:,} events of model {u.model!r} "
                              f"({u.provider}), {u.tokens:,} tokens: no catalog price, kept out of costs "
                              "(`spendscope reconcile llm`, `spendscope prices update`).")
        summary = summarize(ledger)
    render_summary(summary)
    if serve:
        _serve(st, host, port)


def _warn_stale_demo_loads(ledger, out: Path, written) -> None:
    """Say so when the ledger still counts demo files this run did not write: an earlier version's
    formats (the cloud bills were FOCUS exports before they were native) or other --months/--seed."""
    from spendscope.analysis.loads import load_history

    root = str(Path(out).resolve())
    mine = {str(Path(f).resolve()) for f in written}
    stale = [r for r in load_history(ledger) if r["status"] != "replaced" and r.get("file")
             and str(Path(r["file"]).resolve()).startswith(root + "/") and str(Path(r["file"]).resolve()) not in mine]
    if stale:
        console().print(f"[yellow]Note:[/yellow] the ledger also holds {len(stale)} load(s) of demo files under {out}/ "
                        "that this run did not write (an earlier spendscope or other demo settings); its totals "
                        "include them. Start again with `make clean && make run` or `spendscope --db NEW.duckdb demo`.")


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
    """Serve the dashboard, the JSON API and the OpenTelemetry span receiver over the ledger.

    The server reads the ledger through short-lived read-only connections, so `spendscope ingest`
    can load new data while it runs. POST /v1/traces takes OTLP/JSON GenAI spans (an OpenTelemetry
    exporter with encoding json): their tokens are priced and appear in costs within seconds.

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
    from spendscope.analysis.summary import summarize

    metric = CostQuery.parse(metric=metric).metric
    with state(ctx).ledger(read_only=True) as ledger:
        render_summary(summarize(ledger, metric))


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command()(summary)
    app.command()(serve)
