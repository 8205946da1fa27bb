"""``spendscope pull openai|anthropic``: LLM usage live from the providers' admin APIs."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import typer
from rich.markup import escape

from spendscope.cli.common import friendly_errors, state
from spendscope.cli.output import console


@friendly_errors
def pull(
    ctx: typer.Context,
    provider: str = typer.Argument(..., help="Whose usage to pull: openai or anthropic."),
    since: Optional[str] = typer.Option(None, "--since", help="Pull from this date (YYYY-MM-DD, UTC) instead of "
                                        "the stored cursor less 2 days (30 days back on a first pull)."),
    endpoints: Optional[str] = typer.Option(None, "--endpoints", help="Comma-separated endpoints to pull (default "
                                            "all): OpenAI completions, embeddings, moderations, images, "
                                            "audio_speeches, audio_transcriptions, vector_stores, "
                                            "code_interpreter_sessions, file_search_calls, web_search_calls, "
                                            "costs; Anthropic messages, "
                                            "cost_report, and the analytics API's usage and cost (beta; "
                                            "named only)."),
    out: Optional[str] = typer.Option(None, "--out", help="Folder to save the API's pages in (default "
                                      "spendscope-pulls beside the ledger)."),
):
    """Pull LLM usage and billed costs from a provider's admin API into the ledger, saving every page.

    The admin key is read from the environment only: OPENAI_ADMIN_KEY or ANTHROPIC_ADMIN_KEY. Daily
    usage and cost report buckets are fetched page by page (retrying rate limits and server errors),
    saved as JSON under the pulls folder, and loaded all or nothing like `spendscope ingest` would
    load them. The cost report is what the provider billed: it wins over the usage priced from the
    catalog (`spendscope reconcile llm` shows the gap). The next pull starts 2 days before the last
    complete day it pulled, so buckets the provider restates replace the old numbers instead of
    adding to them.

    \b
        export OPENAI_ADMIN_KEY=sk-admin-...
        spendscope pull openai
        spendscope pull openai --since 2026-10-01 --endpoints completions,embeddings
        spendscope pull anthropic --out pulls/
        spendscope pull anthropic --endpoints usage,cost     # the Usage and Cost Analytics API
    """
    from spendscope.errors import ConfigError
    import os

    from spendscope.llm.pull import api_key, chosen_endpoints, fetch, load, plan, provider_named

    spec = provider_named(provider)  # a clear error before the ledger is opened
    try:
        start = dt.date.fromisoformat(since) if since else None
    except ValueError as exc:
        raise ConfigError(f"--since {since!r} is not a date.", hint="Use YYYY-MM-DD.") from exc
    chosen = [e for e in endpoints.split(",") if e.strip()] if endpoints is not None else None
    if chosen is not None and not chosen:
        raise ConfigError("--endpoints names no endpoint.",
                          hint=f"Valid {spec.name} endpoints: {', '.join(e.name for e in spec.endpoints)}.")
    chosen_endpoints(spec, chosen)  # endpoints and key checked before the ledger is opened (or made)
    api_key(spec, os.environ)
    err = console(stderr=True)

    def progress(message: str) -> None:
        err.print(f"[dim]{escape(message)}[/dim]")

    # the ledger is held only to read the cursors and to load, not while the API answers
    st = state(ctx)
    with st.ledger() as ledger:
        planned = plan(ledger, spec.name, since=start, endpoints=chosen, out=out)
    fetch(planned, progress=progress)
    with st.ledger() as ledger:
        result = load(ledger, planned, progress=progress)
    out_ = console()
    pages = result.pages
    per = ", ".join(f"{e.endpoint} {len(e.pages)}" for e in result.endpoints)
    where = escape(str(pages[0].parent.parent)) if pages else "no folder"
    out_.print(f"Pulled {len(pages):,} page{'s' if len(pages) != 1 else ''} from {spec.label} ({per}), "
               f"saved in {where}.")
    if result.ingest is None:
        out_.print("No usage in the pulled range: nothing to load.")
    else:
        unchanged = sum(1 for r in result.ingest.files if r.status == "unchanged")
        loaded = len(result.ingest.loaded)
        out_.print(f"Loaded {result.events:,} usage events from {loaded:,} page{'s' if loaded != 1 else ''}: "
                   f"{result.new_events:,} new, {result.events - result.new_events:,} replacing stored events of "
                   "the same buckets"
                   + (f"; {result.billed_lines:,} billed lines from the cost report" if result.billed_lines else "")
                   + (f"; {unchanged:,} page{'s' if unchanged != 1 else ''} already loaded." if unchanged else "."))
    for note in result.notes:
        if note.startswith("UNPRICED"):
            out_.print(f"[yellow]{escape(note)}[/yellow]")
        else:
            out_.print(f"  [dim]- {escape(note)}[/dim]")
    through: dict[dt.datetime, list[str]] = {}
    for e in result.endpoints:
        if e.cursor is not None:
            through.setdefault(e.cursor, []).append(e.endpoint)
    for cursor, names in through.items():
        out_.print(f"[dim]Complete through {cursor:%Y-%m-%d %H:%M} UTC ({', '.join(names)}): the next pull starts "
                   "2 days earlier, to pick up restated buckets.[/dim]")

def register(app: typer.Typer) -> None:
    app.command()(pull)
