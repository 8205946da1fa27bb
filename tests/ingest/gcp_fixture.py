"""A hand-made Google Cloud Billing export: GPU usage under a committed use discount, spot GPUs,
Vertex AI tokens and training, TPUs, both kinds of commitment fee, storage on the free tier, tax,
rounding and a manual adjustment, with credits of every common type. Written as newline-delimited
JSON with nested records (what BigQuery exports), as Parquet, and flattened to CSV with the arrays as
Python's repr (the way koku's test exports write them).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

ACCOUNT = "01ABCD-234567-89EF01"
BASE = {
    "billing_account_id": ACCOUNT,
    "service": {"id": "6F81-5844-456A", "description": "Compute Engine"},
    "sku": {"id": "0000-0000-0000", "description": ""},
    "usage_start_time": "2026-11-03 10:00:00 UTC", "usage_end_time": "2026-11-03 11:00:00 UTC",
    "project": {"id": "ml-prod", "number": "123", "name": "ML production", "labels": [{"key": "env", "value": "prod"}],
                "ancestry_numbers": "/1/123/"},
    "labels": [], "system_labels": [],
    "location": {"location": "us-central1", "country": "US", "region": "us-central1", "zone": "us-central1-a"},
    "export_time": "2026-11-04 01:00:00 UTC", "cost": 0, "currency": "USD", "currency_conversion_rate": 1.0,
    "usage": {"amount": 1, "unit": "seconds", "amount_in_pricing_units": 1, "pricing_unit": "hour"},
    "credits": [], "invoice": {"month": "202611"}, "cost_type": "regular",
    "adjustment_info": {"id": None, "description": None, "mode": None, "type": None},
    "resource": {"name": None, "global_name": None},
}


def credit(kind: str, amount: str, name: str, ident: str | None = None) -> dict:
    return {"name": name, "amount": amount, "full_name": None, "id": ident or name, "type": kind}


# Each row: what differs from BASE, then the FOCUS values its own ledger row must have.
ROWS: list[tuple[dict, dict]] = [
    ({"sku": {"id": "A3H1-0000-0001", "description": "Nvidia H100 80GB GPU running in Americas"}, "cost": "88.49",
      "usage": {"amount": 3600, "unit": "seconds", "amount_in_pricing_units": 1, "pricing_unit": "hour"},
      "labels": [{"key": "team", "value": "research"}, {"key": "env", "value": "training"}],
      "system_labels": [{"key": "compute.googleapis.com/machine_spec", "value": "a3-highgpu-8g"}],
      "resource": {"name": "trainer-0", "global_name": "//compute.googleapis.com/projects/ml-prod/zones/us-central1-a/instances/1"},
      "credits": [credit("COMMITTED_USAGE_DISCOUNT", "-60.00", "Committed Usage Discount: GPU", "cud-gpu-1")]},
     {"ChargeCategory": "Usage", "PricingCategory": "Committed", "CommitmentDiscountId": "cud-gpu-1",
      "CommitmentDiscountCategory": "Usage", "CommitmentDiscountStatus": "Used", "CommitmentDiscountType": "Committed Use Discount",
      "BilledCost": "88.49", "EffectiveCost": "88.49", "PricingUnit": "Hours", "PricingQuantity": "1",
      "ConsumedUnit": "Seconds", "ConsumedQuantity": "3600", "x_Team": "research", "x_AiWorkload": "Training",
      "ResourceName": "trainer-0", "RegionName": "Iowa", "AvailabilityZone": "us-central1-a"}),
    ({"sku": {"id": "A3CO-0000-0001", "description": "A3 Instance Core running in Americas"}, "cost": "2.30"},
     {"x_AiWorkload": "Training", "BilledCost": "2.30"}),
    ({"sku": {"id": "A100-SPOT-0001", "description": "Spot Preemptible Nvidia Tesla A100 GPU running in Americas"},
      "cost": "1.10"},
     {"PricingCategory": "Dynamic", "BilledCost": "1.10", "x_AiWorkload": "Training", "CommitmentDiscountId": None}),
    ({"service": {"id": "C7E2-9256-1C43", "description": "Vertex AI"},
      "sku": {"id": "FDAB-647C-5A22", "description": "Gemini 2.5 Flash GA Text Input - Predictions"}, "cost": "3.00",
      "usage": {"amount": 10000000, "unit": "count", "amount_in_pricing_units": 10000000, "pricing_unit": "count"},
      "labels": [{"key": "team", "value": "search"}],
      "credits": [credit("PROMOTION", "-1.00", "FreeTrial:Credit-01ABCD")]},
     {"ServiceCategory": "AI and Machine Learning", "BilledCost": "3.00", "x_AiWorkload": "Inference",
      "x_TokenClass": "Input", "x_Model": "gemini-2.5-flash", "PricingUnit": "Count", "x_Team": "search"}),
    ({"service": {"id": "C7E2-9256-1C43", "description": "Vertex AI"},
      "sku": {"id": "FDAB-647C-5A23", "description": "Gemini 2.5 Flash GA Text Output - Predictions"}, "cost": "5.00",
      "usage": {"amount": 2000000, "unit": "count", "amount_in_pricing_units": 2000000, "pricing_unit": "count"}},
     {"BilledCost": "5.00", "x_TokenClass": "Output", "x_Model": "gemini-2.5-flash"}),
    ({"service": {"id": "C7E2-9256-1C43", "description": "Vertex AI"},
      "sku": {"id": "VTX-TRAIN-0001", "description": "Custom Training: Nvidia A100 80GB GPU running in Americas"},
      "cost": "20.00",
      "credits": [credit("SUSTAINED_USAGE_DISCOUNT", "-2.00", "Sustained Usage Discount"),
                  credit("DISCOUNT", "-1.00", "Spending based discount")]},
     {"BilledCost": "20.00", "x_AiWorkload": "Training", "PricingCategory": "Standard"}),
    ({"service": {"id": "E000-3F24-B8AA", "description": "Cloud TPU"},
      "sku": {"id": "TPU-V5E-0001", "description": "TPU v5e chip running in Americas"}, "cost": "9.60"},
     {"ServiceCategory": "AI and Machine Learning", "BilledCost": "9.60", "x_AiWorkload": "Training"}),
    ({"sku": {"id": "001D-204A-23DA", "description": "Commitment v1: Nvidia H100 GPU in Americas for 1 Year"},
      "cost": "60.00", "subscription": {"instance_id": "commit-gpu-1y"}},
     {"ChargeCategory": "Purchase", "ChargeFrequency": "Recurring", "PricingCategory": "Standard",
      "CommitmentDiscountId": "commit-gpu-1y", "CommitmentDiscountCategory": "Usage",
      "CommitmentDiscountType": "Committed Use Discount", "CommitmentDiscountStatus": None,
      "BilledCost": "60.00", "EffectiveCost": "60.00"}),
    ({"sku": {"id": "5515-81A8-03A2", "description": "Commitment - dollar based v1: GCE"}, "cost": "30.00"},
     {"ChargeCategory": "Purchase", "CommitmentDiscountCategory": "Spend", "CommitmentDiscountId": "5515-81A8-03A2",
      "BilledCost": "30.00"}),
    ({"service": {"id": "95FF-2EF5-5EA1", "description": "Cloud Storage"},
      "sku": {"id": "E5F0-6A5D-7BAD", "description": "Standard Storage US Multi-region"}, "cost": "0.52",
      "usage": {"amount": 1000, "unit": "byte-seconds", "amount_in_pricing_units": 20, "pricing_unit": "gibibyte month"},
      "credits": [credit("FREE_TIER", "-0.10", "Free Tier")]},
     {"ServiceCategory": "Storage", "PricingUnit": "GiB-Months", "ConsumedUnit": "B-Seconds", "BilledCost": "0.52"}),
    ({"service": {"id": "0000-0000-TAX0", "description": "Invoice"}, "sku": {"id": "TAX-0000", "description": "Tax"},
      "cost": "12.50", "cost_type": "tax", "project": None, "usage": None, "location": None},
     {"ChargeCategory": "Tax", "ChargeFrequency": "One-Time", "PricingCategory": None, "PricingQuantity": None,
      "SubAccountId": None, "BilledCost": "12.50"}),
    ({"service": {"id": "0000-0000-TAX0", "description": "Invoice"},
      "sku": {"id": "ROUND-0000", "description": "Rounding error"}, "cost": "-0.01", "cost_type": "rounding_error",
      "project": None, "usage": None},
     {"ChargeCategory": "Adjustment", "ChargeClass": None, "BilledCost": "-0.01"}),
    ({"sku": {"id": "ADJ-0000", "description": "Billing adjustment"}, "cost": "-4.00", "cost_type": "adjustment",
      "adjustment_info": {"id": "adj-17", "description": "SLA credit for October", "mode": "MANUAL_ADJUSTMENT",
                          "type": "GENERAL_ADJUSTMENT"}},
     {"ChargeCategory": "Adjustment", "ChargeClass": "Correction", "BilledCost": "-4.00"}),
]


def records(rows=None) -> list[dict]:
    out = []
    for values, _ in rows or ROWS:
        record = {**BASE, "subscription": {"instance_id": None}, **values}
        out.append(record)
    return out


def totals(rows=None) -> tuple[Decimal, Decimal, int]:
    """(sum of cost, sum of credits, ledger rows)"""
    recs = records(rows)
    cost = sum((Decimal(str(r["cost"])) for r in recs), Decimal(0))
    credits = sum((Decimal(c["amount"]) for r in recs for c in r["credits"]), Decimal(0))
    return cost, credits, len(recs) + sum(len(r["credits"]) for r in recs)


def write_json(path: Path, rows=None) -> Path:
    """Newline-delimited JSON as BigQuery exports it: nested records, numbers as JSON numbers."""
    with open(path, "w") as fh:
        for r in records(rows):
            r = {**r, "cost": float(r["cost"]),
                 "credits": [{**c, "amount": float(c["amount"])} for c in r["credits"]]}
            fh.write(json.dumps(r) + "\n")
    return path


FLAT = [
    "billing_account_id", "service.id", "service.description", "sku.id", "sku.description", "usage_start_time",
    "usage_end_time", "project.id", "project.name", "project.labels", "project.ancestry_numbers", "labels",
    "system_labels", "location.location", "location.country", "location.region", "location.zone", "export_time",
    "cost", "currency", "currency_conversion_rate", "usage.amount", "usage.unit", "usage.amount_in_pricing_units",
    "usage.pricing_unit", "credits", "invoice.month", "cost_type", "adjustment_info.id", "resource.name",
    "resource.global_name", "subscription.instance_id",
]


def _get(record: dict, dotted: str):
    value = record
    for part in dotted.split("."):
        value = None if value is None else value.get(part)
    return value


def write_csv(path: Path, rows=None) -> Path:
    """Flattened to CSV: dotted headers, arrays as Python's repr, timestamps as +00:00."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(FLAT)
        for r in records(rows):
            out = []
            for col in FLAT:
                value = _get(r, col)
                if col in ("credits", "labels", "system_labels", "project.labels"):
                    value = repr([{**c, "amount": float(c["amount"])} if col == "credits" else c for c in (value or [])])
                elif isinstance(value, str) and value.endswith(" UTC"):
                    value = value[:-4] + "+00:00"
                out.append("" if value is None else value)
            w.writerow(out)
    return path


def write_parquet(path: Path, rows=None) -> Path:
    """Parquet with nested records, written from the JSON form by DuckDB."""
    import duckdb

    source = write_json(path.with_suffix(".jsonl"), rows)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_json('{source}', format='newline_delimited')) TO '{path}' (FORMAT parquet)")
    con.close()
    source.unlink()
    return path
