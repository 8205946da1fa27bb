"""``generate``: Northwind AI's bills for a window of months, as FOCUS 1.2 files, from a seed.

>>> result = generate("demo-out", seed=7, months=2, end=dt.date(2026, 1, 1))   # doctest: +SKIP
>>> result.rows, result.labels.name                                          # doctest: +SKIP
(14576, 'labels.json')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from spendscope.demo import anomalies, aws, azure, gcp, llm_apis, llm_usage
from spendscope.demo.calendar import Window
from spendscope.demo.context import Context
from spendscope.demo.money import COST_SCALE, to_decimal
from spendscope.demo.writers import BillWriter
from spendscope.errors import ConfigError

# (build, how to write) per provider, in the order their files are written
PROVIDERS = (
    (aws.build, aws.SPEC),
    (azure.build, azure.SPEC),
    (gcp.build, gcp.SPEC),
    (llm_apis.OPENAI.build, llm_apis.OPENAI.spec),
    (llm_apis.ANTHROPIC.build, llm_apis.ANTHROPIC.spec),
)


@dataclass(frozen=True)
class PartitionTotals:
    """Exact sums of one (provider, billing account, billing period) partition, as written: the
    ledger rows loading it gives, and its BilledCost and EffectiveCost by the provider's rules."""

    rows: int
    billed_cost: Decimal
    effective_cost: Decimal


@dataclass(frozen=True)
class DemoResult:
    """What ``generate`` wrote: the files, the labels, row counts and exact totals per partition.

    ``totals`` is keyed by (ProviderName, BillingAccountId, BillingPeriodStart as a date).
    """

    out_dir: Path
    files: tuple[Path, ...]
    labels: Path
    rows_by_file: dict[Path, int] = field(default_factory=dict)
    totals: dict[tuple[str, str, dt.date], PartitionTotals] = field(default_factory=dict)
    anomalies: tuple[dict, ...] = ()
    usage_files: tuple[Path, ...] = ()  # LLM usage (usage API pages, gateway events): native demos only
    price_file: Path | None = None  # a negotiated price change, for ``spendscope prices update``

    @property
    def rows(self) -> int:
        return sum(self.rows_by_file.values())

    @property
    def ledger_rows(self) -> int:
        """Rows loading every file gives the ledger: a native bill's can differ from its file's rows
        (a CUR fee row with unused commitment is two ledger rows; a GCP credit is a row of its own)."""
        return sum(t.rows for t in self.totals.values())


def generate(out_dir: str | Path, *, seed: int = 7, scale: float = 1.0, months: int = 12,
             end: dt.date | None = None, native: bool = True) -> DemoResult:
    """Write Northwind AI's bills for the ``months`` whole months before ``end`` into ``out_dir``.

    ``end`` defaults to the first day of the current month. The same arguments always give
    byte-identical files. ``scale`` multiplies the number of resources (and so of rows): 1 is a demo
    of about 80,000 rows a year, 50 a benchmark of about 3.7 million. Files already in ``out_dir``
    that this call does not write are left alone.

    ``native`` (the default) writes the cloud bills as their providers deliver them: AWS as CUR 2.0
    Parquet, Azure as an amortized cost export, Google Cloud as a billing export (``demo.native``);
    OpenAI and Anthropic as FOCUS CSV. ``native=False`` writes every bill as a FOCUS 1.2 export.
    """
    end = end or dt.date.today().replace(day=1)
    if not scale > 0:
        raise ConfigError(f"Demo scale {scale!r} is not positive.", hint="Use 1 for the demo, 50 for a benchmark.")
    if months < 1:
        raise ConfigError(f"Demo months {months!r} is less than 1.", hint="Use 12 for a year of bills.")
    if end.day != 1:
        raise ConfigError(f"Demo end {end.isoformat()} is not the first day of a month.",
                          hint=f"Use {end.replace(day=1).isoformat()}: the demo covers whole billing months.")
    ctx = Context(Window.ending(end, months), int(seed), float(scale))
    plan = anomalies.plan(ctx)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written, extra, llm = [], {}, {}
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        writer = BillWriter(out, ctx.window, con, native=native)
        for build, spec in PROVIDERS:
            lines, charges = build(ctx, plan)
            written += writer.write(spec, lines, charges)
            if native and spec in (llm_apis.OPENAI.spec, llm_apis.ANTHROPIC.spec):
                llm[spec.name] = (lines, charges)
            for a in plan.values():
                mine = charges.extra[charges.anomaly == a.code]
                if len(mine):
                    extra[a.code] = extra.get(a.code, Decimal(0)) + to_decimal(int(mine.sum()), COST_SCALE)
            del lines, charges
    finally:
        con.close()
    usage_files, price_file = (llm_usage.write(ctx, out, llm["OpenAI"], llm["Anthropic"]) if native else ([], None))
    items = anomalies.labels(ctx, plan, extra)
    labels = out / "labels.json"
    anomalies.write_labels(labels, items)
    totals: dict[tuple[str, str, dt.date], PartitionTotals] = {}
    for f in written:
        key = (f.provider, f.billing_account_id, f.billing_period_start)
        prior = totals.get(key, PartitionTotals(0, Decimal(0), Decimal(0)))
        totals[key] = PartitionTotals(prior.rows + f.ledger_rows, prior.billed_cost + f.billed_cost,
                                      prior.effective_cost + f.effective_cost)
    return DemoResult(out, tuple(f.path for f in written), labels, {f.path: f.rows for f in written}, totals,
                      tuple(items), tuple(usage_files), price_file)
