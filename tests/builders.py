"""Build small, valid FOCUS 1.2 files for tests: give only the columns a test is about."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from spendscope.focus.columns import FOCUS_12_COLUMNS

DEFAULTS = {
    "BilledCost": "10", "EffectiveCost": "10", "ListCost": "10", "ContractedCost": "10",
    "BillingAccountId": "111122223333", "BillingAccountName": "Acme", "BillingCurrency": "USD",
    "BillingPeriodStart": "2025-01-01T00:00:00Z", "BillingPeriodEnd": "2025-02-01T00:00:00Z",
    "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "ChargeDescription": "something",
    "ChargePeriodStart": "2025-01-05T00:00:00Z", "ChargePeriodEnd": "2025-01-06T00:00:00Z",
    "InvoiceIssuerName": "Amazon Web Services", "ProviderName": "Amazon Web Services",
    "PublisherName": "Amazon Web Services", "ServiceCategory": "Compute", "ServiceName": "Amazon Elastic Compute Cloud",
    "ServiceSubcategory": "Virtual Machines", "PricingCategory": "Standard", "PricingQuantity": "1", "PricingUnit": "Hours",
}


def focus_file(path: Path, rows: list[dict]) -> Path:
    """Write ``rows`` (each a partial FOCUS row) as a FOCUS 1.2 CSV, defaults filling the rest."""
    names = [c.name for c in FOCUS_12_COLUMNS]
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            full = {**DEFAULTS, **{k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in row.items()}}
            unknown = set(full) - set(names)
            assert not unknown, f"not FOCUS 1.2 columns: {unknown}"
            writer.writerow([full.get(n, "") for n in names])
    return path
