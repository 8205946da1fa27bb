"""``spendscope prices show|update`` and ``spendscope reprice``: the LLM price catalog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from spendscope.cli.common import Format, friendly_errors, state
from spendscope.cli.output import console, money, render

prices_app = typer.Typer(help="The LLM price catalog: what each model costs per million tokens, and since when.",
                         no_args_is_help=True)


@friendly_errors
def show(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="A model as any seller spells it: gpt-4o, azure/gpt-4o, "
                                          "us.anthropic.claude-3-5-haiku-20241022-v1:0, claude-sonnet-4-5@20250929."),
    provider: str = typer.Option("openai", "--provider", "-p",
                                 help="Who sells it: openai, anthropic, azure, bedrock, vertex, gemini, ..."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
):
    """Every price of a model: component, service tier, USD per million tokens, from when, and its source.

    \b
        spendscope prices show gpt-4o
        spendscope prices show claude-sonnet-4-5 --provider anthropic
        spendscope prices show us.anthropic.claude-3-5-haiku-20241022-v1:0 --provider bedrock
    """
    from spendscope.errors import NotFoundError
    from spendscope.llm.prices import Catalog

    st = state(ctx)
    overrides = (st.settings.section("pricing") or {}).get("overrides", {})
    try:
        with st.ledger(read_only=True) as ledger:
            catalog = Catalog.load(ledger, overrides)
    except NotFoundError:
        catalog = Catalog.load(None, overrides)
    found = catalog.resolve(provider.lower(), model)
    if found is None:
        raise NotFoundError(f"No price for model {model!r} sold by {provider!r}: spendscope would leave its usage unpriced.",
                            hint="Add one with `spendscope prices update FILE` or [pricing.overrides] in spendscope.toml.")
    rows = [{"component": p.component, "tier": p.tier, "usd_per_million": format(p.usd_per_million.normalize(), "f"),
             "from": p.effective_from.isoformat() if p.effective_from else "always", "source": p.source}
            for p in catalog.history(provider.lower(), model)]
    render(rows, ["component", "tier", "usd_per_million", "from", "source"], fmt.value,
           title=f"{model}: priced as {found.provider}/{found.model} ({found.via})")
    if fmt == Format.table and any(">" in r["tier"] for r in rows):
        console().print("A tier written TIER>Nk prices one request whose prompt is longer than N thousand tokens "
                        "(or usage its provider reports in a long context window).")


@friendly_errors
def update(
    ctx: typer.Context,
    location: str = typer.Argument(..., help="A LiteLLM price table (JSON) or a price CSV, as a file or an http(s) URL."),
    start: Optional[str] = typer.Option(None, "--from", help="The date the prices apply from (default today)."),
):
    """Load newer prices into the ledger; usage before --from keeps the prices in force then.

    A price CSV has the columns provider, model, component, tier, usd_per_million (and optionally
    effective_from). Run `spendscope reprice --from DATE` afterwards to price stored usage again.

    \b
        spendscope prices update litellm_model_prices.json --from 2026-07-01
        spendscope prices update negotiated.csv
    """
    import tempfile
    import urllib.request

    from spendscope.analysis.costs import parse_date
    from spendscope.llm.prices import read_price_file, store_prices

    since = parse_date(start, "from") or dt.datetime.now(dt.timezone.utc).date()
    if location.startswith(("http://", "https://")):
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / ("prices.json" if location.lower().split("?")[0].endswith(".json") else "prices.csv")
            with urllib.request.urlopen(location, timeout=60) as response:  # noqa: S310 (http(s) only, checked above)
                target.write_bytes(response.read())
            prices = read_price_file(target, since, source=location)
    else:
        prices = read_price_file(Path(location), since)
    with state(ctx).ledger() as ledger:
        n = store_prices(ledger, prices)
    console().print(f"Stored {n:,} prices from {location}, in force from {since.isoformat()}. "
                    f"Run `spendscope reprice --from {since.isoformat()}` to price stored usage with them.")


@friendly_errors
def reprice(
    ctx: typer.Context,
    start: Optional[str] = typer.Option(None, "--from", help="Reprice usage from this date's month on (default: all)."),
):
    """Price stored LLM usage again with the current catalog and rebuild its cost rows.

    \b
        spendscope reprice --from 2026-07-01
    """
    from spendscope.analysis.costs import parse_date
    from spendscope.llm.ingest import reprice as run

    since = parse_date(start, "from")
    with state(ctx).ledger() as ledger:
        result = run(ledger, since)
    out = console()
    if not result.events:
        out.print("No stored LLM usage to reprice.")
        return
    out.print(f"Repriced {result.events:,} usage events from {result.start or 'the first event'}: "
              f"{money(result.before)} -> {money(result.after)} USD ({result.partitions} partitions rebuilt).")
    for u in result.unpriced:
        out.print(f"[yellow]Unpriced:[/yellow] {u.events:,} events of {u.model!r} ({u.provider}), {u.tokens:,} tokens.")


reconcile_app = typer.Typer(help="Check estimates against what was billed.", no_args_is_help=True)


@friendly_errors
def llm(
    ctx: typer.Context,
    start: Optional[str] = typer.Option(None, "--from", help="First day included (YYYY-MM-DD)."),
    end: Optional[str] = typer.Option(None, "--to", help="First day excluded (YYYY-MM-DD)."),
    gaps_only: bool = typer.Option(False, "--gaps", help="Only the lines that do not match."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
):
    """LLM usage: per provider, day and model, the events' cost at catalog prices, the billed cost, the gap
    and its likely causes (unknown price, cached tokens, batch, tier, missing events, not billed yet).

    Where both exist the ledger counts the billed amount; this is how the estimate is checked against it.

    \b
        spendscope reconcile llm --from 2026-11-01
        spendscope reconcile llm --gaps --format csv
    """
    from spendscope.analysis.costs import parse_date
    from spendscope.llm.reconcile import reconcile_llm

    since, until = parse_date(start, "from"), parse_date(end, "to")
    with state(ctx).ledger(read_only=True) as ledger:
        lines = reconcile_llm(ledger, since, until)
    if not lines and fmt == Format.table:
        console().print("No LLM usage in the ledger to check: load usage (spendscope ingest, spendscope pull, "
                        "or spans to spendscope serve) and the provider's bill.")
        return
    rows = [line.as_row() for line in lines if not gaps_only or line.causes() != ["matches"]]
    render(rows, ["provider", "day", "model", "events", "event_cost", "billed_cost", "gap", "causes"], fmt.value,
           money_columns=["event_cost", "billed_cost", "gap"], title="LLM usage: events against billed cost")
    if fmt == Format.table:
        billed = [line for line in lines if line.billed_cost is not None]
        console().print(f"{len(lines):,} lines; {len(billed):,} billed; "
                        f"{sum(1 for line in billed if line.causes() == ['matches']):,} match within 1%.")


prices_app.command()(show)
prices_app.command()(update)
reconcile_app.command()(llm)


def register(app: typer.Typer) -> None:
    app.add_typer(prices_app, name="prices")
    app.command()(reprice)
    app.add_typer(reconcile_app, name="reconcile")
