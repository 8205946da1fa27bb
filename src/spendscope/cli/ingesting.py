"""``spendscope ingest``, ``ingests`` and ``sources``."""

from __future__ import annotations

from typing import Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from spendscope.cli.common import Format, friendly_errors, interactive, state
from spendscope.cli.output import console, render


def _progress_bar():
    if not interactive():
        return None, None
    bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console(stderr=True),
                   transient=True)
    task = bar.add_task("Ingesting", total=1)

    def update(message: str, step: int, total: int) -> None:
        bar.update(task, description=message, completed=step, total=total)

    return bar, update


def ingest_result_rows(result) -> list[dict]:
    rows = []
    for r in result.files:
        if not r.partitions:
            rows.append({"file": r.file, "status": r.status, "load": r.load_id, "source": r.source})
        for p in r.partitions:
            rows.append({
                "file": r.file, "status": r.status, "load": r.load_id, "source": r.source,
                "version": r.format_version, "provider": p.provider, "billing_account": p.billing_account,
                "billing_period": p.period, "rows": p.rows,
                "source_billed": p.source_billed_cost, "ledger_billed": p.billed_cost,
                "source_effective": p.source_effective_cost, "ledger_effective": p.effective_cost,
                "replaced_load": p.replaced_load_id,
            })
    return rows


@friendly_errors
def ingest(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="Files, folders, globs, zip archives or export manifests: CSV, CSV.gz, Parquet or NDJSON billing exports."),
    source: Optional[str] = typer.Option(None, "--source", "-s", help="Force a source adapter instead of detecting it from the header."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
):
    """Load billing exports into the ledger, all or nothing.

    Each file's source is detected from its header. Loading a (provider, billing account, billing
    period) partition again replaces it, so re-running an ingest never duplicates; a file already
    loaded is skipped. After each load the source's own totals are shown next to the ledger's.

    \b
        spendscope ingest exports/focus-2024-09.csv.gz
        spendscope ingest 'exports/**/*.parquet' --source focus
    """
    from spendscope.ingest.pipeline import ingest as run_ingest

    st = state(ctx)
    bar, update = _progress_bar()
    with st.ledger() as ledger:
        if bar:
            with bar:
                result = run_ingest(ledger, paths, source=source, progress=update)
        else:
            result = run_ingest(ledger, paths, source=source)
    rows = ingest_result_rows(result)
    if fmt != Format.table:
        render(rows, list(rows[0]) if rows else [], fmt.value)
        return
    out = console()
    if result.superseded:
        out.print(f"[dim]Left out {len(result.superseded):,} file{'s' if len(result.superseded) > 1 else ''} an export "
                  f"manifest does not list (an older assembly): {', '.join(result.superseded[:3])}"
                  f"{', ...' if len(result.superseded) > 3 else ''}[/dim]")
    for r in result.files:
        if r.status == "unchanged":
            out.print(f"[dim]{r.file}: already loaded (load {r.load_id}), nothing changed.[/dim]")
            continue
        version = f"FOCUS {r.format_version}" if r.source == "focus" else r.format_version
        out.print(f"[bold]{r.file}[/bold]: {r.rows:,} rows from {r.source} ({version}), load {r.load_id}")
        for note in r.notes:
            out.print(f"  [dim]- {note}[/dim]")
    loaded = [row for row in rows if row["status"] == "loaded"]
    if loaded:
        render(loaded, ["provider", "billing_account", "billing_period", "rows", "source_billed", "ledger_billed",
                        "source_effective", "ledger_effective"], "table",
               title="Reconciliation: source totals = ledger totals",
               money_columns=["source_billed", "ledger_billed", "source_effective", "ledger_effective"])
        replaced = sorted({row.get("replaced_load") for row in loaded if row.get("replaced_load")})
        if replaced:
            out.print(f"Replaced partitions of earlier load{'s' if len(replaced) > 1 else ''} {', '.join(map(str, replaced))}.")


@friendly_errors
def ingests(
    ctx: typer.Context,
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
):
    """List every load: file, content hash, partitions, rows and cost sums, and whether it is current."""
    from spendscope.analysis.loads import load_history

    with state(ctx).ledger(read_only=True) as ledger:
        rows = load_history(ledger)
    cols = ["load_id", "loaded_at", "source", "file", "content_hash", "partitions", "rows", "billed_cost",
            "effective_cost", "status"]
    if fmt == Format.table:
        for r in rows:
            r["content_hash"] = r["content_hash"][:12]
        cols.remove("loaded_at")
    render(rows, cols, fmt.value, money_columns=["billed_cost", "effective_cost"], title="Loads")


@friendly_errors
def sources(fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format.")):
    """List the source adapters and what each reads."""
    from spendscope.plugins import sources as all_sources

    from spendscope.llm.sources import usage_sources

    rows = [{"source": name, "kind": "bill", "reads": cls.description} for name, cls in all_sources().items()]
    rows += [{"source": name, "kind": "LLM usage", "reads": cls.description} for name, cls in usage_sources().items()]
    for row in rows:
        if getattr(usage_sources().get(row["source"]), "BILLED", False):
            row["kind"] = "LLM cost report"
    render(rows, ["source", "kind", "reads"], fmt.value)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(ingests)
    app.command()(sources)


