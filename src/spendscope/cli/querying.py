"""``spendscope costs`` and ``spendscope export focus``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from spendscope.cli.common import Format, friendly_errors, state
from spendscope.cli.output import console, money, render

export_app = typer.Typer(help="Write the ledger out in standard formats.", no_args_is_help=True)


@friendly_errors
def costs(
    ctx: typer.Context,
    by: Optional[list[str]] = typer.Option(None, "--by", "-b",
        help="Dimensions to group by, comma-separated: any FOCUS or x_ column, or tag:KEY (e.g. ServiceName,tag:team)."),
    start: Optional[str] = typer.Option(None, "--from", help="First day included (YYYY-MM-DD), by ChargePeriodStart."),
    end: Optional[str] = typer.Option(None, "--to", help="First day excluded (YYYY-MM-DD), like ChargePeriodEnd."),
    granularity: str = typer.Option("month", "--granularity", "-g", help="Time bucket: day, week, month, or none."),
    metric: str = typer.Option("EffectiveCost", "--metric", "-m",
        help="EffectiveCost (amortised, default), BilledCost (invoice), ListCost or ContractedCost."),
    where: Optional[list[str]] = typer.Option(None, "--where", "-w",
        help='Filter: COLUMN=VALUE, COLUMN!=VALUE or COLUMN~REGEX; repeat to combine. E.g. ServiceCategory="AI and Machine Learning".'),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
):
    """Cost by any dimension over time.

    \b
        spendscope costs --by ServiceName --granularity month
        spendscope costs --by x_AiWorkload,x_Team --from 2025-01-01 --to 2025-04-01
        spendscope costs --by tag:project --where ServiceCategory="AI and Machine Learning" --format csv
    """
    from spendscope.analysis.costs import CostQuery, cost_by

    query = CostQuery.parse(by=by, start=start, end=end, granularity=granularity, metric=metric, where=where or ())
    with state(ctx).ledger(read_only=True) as ledger:
        result = cost_by(ledger, query)
    render(result.rows, result.columns, fmt.value, money_columns=[result.metric],
           title=f"{result.metric} by {', '.join(('period',) * (query.granularity != 'none') + query.by) or 'total'}")
    if fmt == Format.table:
        console().print(f"Total {result.metric}: [bold]{money(result.total)}[/bold] over {len(result.rows):,} rows")


@friendly_errors
def focus(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .parquet or .csv."),
    start: Optional[str] = typer.Option(None, "--from", help="First day included (YYYY-MM-DD)."),
    end: Optional[str] = typer.Option(None, "--to", help="First day excluded (YYYY-MM-DD)."),
):
    """Export the ledger as a FOCUS 1.2 Cost and Usage dataset.

    \b
        spendscope export focus --out focus.parquet
        spendscope export focus --out 2025-q1.csv --from 2025-01-01 --to 2025-04-01
    """
    from spendscope.analysis.costs import CostQuery
    from spendscope.export.focus import export_focus

    q = CostQuery.parse(start=start, end=end)
    with state(ctx).ledger(read_only=True) as ledger:
        result = export_focus(ledger, out, start=q.start, end=q.end)
    console().print(f"Wrote {result.rows:,} rows, {len(result.columns)} columns (FOCUS 1.2) to {result.path}")


export_app.command()(focus)


def register(app: typer.Typer) -> None:
    app.command()(costs)
    app.add_typer(export_app, name="export")
