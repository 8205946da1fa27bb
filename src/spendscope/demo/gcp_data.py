"""Google Cloud data services for Northwind AI: Cloud Storage buckets and BigQuery (on-demand
analysis in TiB scanned, and storage), including the runaway full-scan query anomaly.
"""

from __future__ import annotations

import numpy as np

from spendscope.demo import calendar as cal
from spendscope.demo import families as fam
from spendscope.demo import prices
from spendscope.demo.money import MICRO


def storage_and_bigquery(bill) -> None:
    """Add Cloud Storage and BigQuery to a ``gcp.Bill``."""
    _buckets(bill)
    _bigquery(bill)


def _buckets(bill) -> None:
    ctx, window = bill.ctx, bill.ctx.window
    rng = ctx.rng("gcp/gcs")
    buckets = [("nw-gcs-datasets", "research", "rlhf", "nw-research-tpu", None, "rlhf-preferences-v4", 35_000, 2.0),
               ("nw-gcs-checkpoints", "research", "foundation-lm", "nw-research-tpu", "training", None, 25_000, 2.4),
               ("nw-search-index", "search", "semantic-search", "nw-search-prod", None, None, 9_000, 1.6)]
    copies = [(b, c) for c in range(ctx.count(1)) for b in buckets]
    gb = fam.storage_gb(ctx, rng, np.array([b[6] for b, _ in copies], dtype=float), np.array([b[7] for b, _ in copies]))
    price = prices.price_at("gcp/gcs/standard", window.start)
    for i, ((name, team, project, gproject, workload, dataset, _, _), copy) in enumerate(copies):
        bucket = name if copy == 0 else f"{name}-{copy + 1:02d}"
        tags = bill.tag(team, project=project, workload=workload, dataset=dataset)
        line = bill.line(service="Cloud Storage", category="Storage", sub="Object Storage",
                         meter="Standard Storage US Regional", unit="GB-Months", project=gproject, tags=tags,
                         resource=(f"projects/_/buckets/{bucket}", bucket, "Bucket"))
        fam.matrix(bill.charges, np.array([line]), fam.gb_months(gb[i:i + 1], window), price)


def _bigquery(bill) -> None:
    ctx, window = bill.ctx, bill.ctx.window
    rng = ctx.rng("gcp/bigquery")
    anomaly = bill.plan["bigquery-full-scan"]
    scan_price = prices.price_at("gcp/bigquery/analysis", window.start)
    store_price = prices.price_at("gcp/bigquery/storage", window.start)
    uses = [("nw-data-lake", "data-eng", "feature-store", "data", 6.0, 80_000),
            ("nw-growth-prod", "growth", "personalization", None, 2.0, 15_000)]
    for copy in range(ctx.count(1)):
        for i, (project, team, proj, workload, tib, stored) in enumerate(uses):
            tags = bill.tag(team, project=proj, workload=workload, complete=(i == 0 and copy == 0))
            scan = bill.line(service="BigQuery", category="Databases", sub="Data Warehouses",
                             meter="Analysis", unit="TiB", project=project, tags=tags,
                             desc="BigQuery on-demand analysis, per TiB scanned in US (multi-region)")
            weekday = np.where(window.weekday < 5, 1.0, 0.35)
            scanned = tib * cal.growth(window, 1.8) * weekday * cal.noise(rng, window.days, 0.3)
            base = np.round(scanned * MICRO).astype(np.int64)[None, :]  # TiB as micro-units
            if i == 0 and copy == 0:
                cells = np.zeros(base.shape, dtype=bool)
                cells[0, anomaly.first:anomaly.stop] = True
                qty = np.where(cells, base + 40 * MICRO, base)
                fam.matrix(bill.charges, np.array([scan]), qty, scan_price, anomaly=anomaly.code,
                           anomaly_cells=cells, baseline=base)
            else:
                fam.matrix(bill.charges, np.array([scan]), base, scan_price)
            dataset = f"{proj.replace('-', '_')}"
            store = bill.line(service="BigQuery", category="Databases", sub="Data Warehouses",
                              meter="Active Logical Storage", unit="GB-Months", project=project, tags=tags,
                              resource=(f"projects/{project}/datasets/{dataset}", dataset, "Dataset"),
                              desc="BigQuery active logical storage in US (multi-region)")
            gb = np.round(stored * cal.growth(window, 1.5)).astype(np.int64)[None, :]
            fam.matrix(bill.charges, np.array([store]), fam.gb_months(gb, window), store_price)
