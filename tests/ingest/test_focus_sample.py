"""Loading the real FOCUS 1.0 sample: it reconciles to the cent and says what it normalised."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal

from spendscope.ingest.pipeline import ingest
from tests.conftest import SAMPLE_FOCUS


def exact_sums_by_period(path) -> dict[str, tuple[Decimal, Decimal]]:
    """The sample's BilledCost and EffectiveCost sums per billing period, in exact decimals."""
    sums = defaultdict(lambda: [Decimal(0), Decimal(0)])
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            period = row["BillingPeriodStart"][:7]
            sums[period][0] += Decimal(row["BilledCost"])
            sums[period][1] += Decimal(row["EffectiveCost"])
    return {k: (v[0], v[1]) for k, v in sums.items()}


def ledger_sums_by_period(ledger) -> dict[str, tuple[Decimal, Decimal]]:
    c = ledger.costs
    rows = (
        c.group_by(period=c.BillingPeriodStart.strftime("%Y-%m"))
        .aggregate(billed=c.BilledCost.sum(), effective=c.EffectiveCost.sum())
        .to_pyarrow().to_pylist()
    )
    return {r["period"]: (r["billed"], r["effective"]) for r in rows}


def test_sample_reconciles_exactly_per_billing_period(ledger):
    result = ingest(ledger, [str(SAMPLE_FOCUS)])
    assert result.rows == 1000
    assert ledger_sums_by_period(ledger) == exact_sums_by_period(SAMPLE_FOCUS)


def test_sample_quirks_are_normalised_and_reported(ledger):
    result = ingest(ledger, [str(SAMPLE_FOCUS)])
    notes = "\n".join(result.files[0].notes)
    assert "ChargeFrequency: 'Usage-based' -> 'Usage-Based' in 7 rows." in notes
    assert "PricingUnit: 'GB Hours' -> 'GB-Hours' in 2 rows." in notes
    assert "PricingUnit: 'Lambda-GB-Seconds' -> 'GB-Seconds' in 2 rows." in notes
    assert "ContractedCost was null in 7 rows: set to ListCost, as FOCUS allows." in notes
    assert "read as UTC" in notes
    assert "Columns not in FOCUS and not kept: Id." in notes
    c = ledger.costs
    freqs = set(c.ChargeFrequency.to_pyarrow().to_pylist())
    assert freqs == {"Usage-Based", "One-Time"}
    # the literal NULL text became real nulls
    assert c.filter(c.ChargeClass == "NULL").count().execute() == 0
    assert c.ChargeClass.isnull().sum().execute() == 1000
    # ContractedCost defaults to ListCost only where it was missing
    oracle = c.filter(c.ProviderName == "Oracle")
    assert (oracle.ContractedCost == oracle.ListCost).all().execute()


def test_sample_is_classified(ledger):
    ingest(ledger, [str(SAMPLE_FOCUS)])
    c = ledger.costs
    rows = c.group_by("x_AiWorkload", "x_AiRule").aggregate(n=c.count()).to_pyarrow().to_pylist()
    found = {(r["x_AiWorkload"], r["x_AiRule"]): r["n"] for r in rows}
    assert found[("Training", "gpu-instance")] == 8  # g5.4xlarge on-demand hours
    assert found[("Platform", "ai-category")] == 9  # Azure Machine Learning
    assert found[(None, None)] == 1000 - 17
