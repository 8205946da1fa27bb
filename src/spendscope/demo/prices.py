"""Public list prices the demo bills at, as dated data (USD, exact decimal strings).

Sources: GPU instances from ``reference/FORMATS.md`` section 7 (AWS p4d/p5 were cut on 1 June 2025;
Azure ND H100 v5, GCP a3-highgpu-8g, g5.xlarge); LLM token prices from LiteLLM's
``model_prices_and_context_window.json`` (saved in ``shared/data/prices``). Other compute, storage
and managed-service prices are rounded public on-demand rates for us-east-1 / eastus / us-central1,
good enough for a realistic demo, not a price list. A key's entries are (effective from, price);
the first applies from the beginning of time.

>>> price_at("aws/ec2/p5.48xlarge", dt.date(2025, 5, 31)), price_at("aws/ec2/p5.48xlarge", dt.date(2025, 6, 1))
(98320000, 55040000)
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from spendscope.demo.calendar import Window
from spendscope.demo.money import micro

P = tuple[tuple[str | None, str], ...]


def _one(price: str) -> P:
    return ((None, price),)


PRICES: dict[str, P] = {
    # AWS EC2, Linux on-demand, per hour
    "aws/ec2/p5.48xlarge": ((None, "98.32"), ("2025-06-01", "55.04")),
    "aws/ec2/p4d.24xlarge": ((None, "32.7726"), ("2025-06-01", "21.957642")),
    "aws/ec2/g5.xlarge": _one("1.006"),
    "aws/ec2/g5.12xlarge": _one("5.672"),
    "aws/ec2/m6i.2xlarge": _one("0.384"),
    "aws/ec2/c6i.4xlarge": _one("0.68"),
    "aws/ec2/r6i.2xlarge": _one("0.504"),
    "aws/ebs/gp3": _one("0.08"),  # per GB-month
    "aws/eks/cluster": _one("0.10"),
    # Amazon SageMaker, per instance hour
    "aws/sagemaker/ml.p4d.24xlarge": _one("37.688"),
    "aws/sagemaker/ml.g5.12xlarge": _one("7.09"),
    "aws/sagemaker/ml.g5.2xlarge": _one("1.515"),
    "aws/sagemaker/ml.g5.xlarge": _one("1.408"),
    "aws/sagemaker/ml.t3.xlarge": _one("0.20"),
    "aws/sagemaker/ml.m5.4xlarge": _one("0.922"),
    # Amazon S3 and data transfer
    "aws/s3/standard": _one("0.023"),  # per GB-month
    "aws/s3/put": _one("0.005"),  # per 1,000 requests
    "aws/s3/get": _one("0.0004"),
    "aws/transfer/inter-region": _one("0.02"),  # per GB
    "aws/transfer/internet": _one("0.09"),
    "aws/rds/db.r6g.2xlarge": _one("1.038"),
    "aws/rds/storage": _one("0.115"),
    "aws/cloudwatch/metric": _one("0.30"),  # per metric-month
    "aws/cloudwatch/logs": _one("0.50"),  # per GB ingested
    # Azure, per hour unless noted
    "azure/vm/ND96isr_H100_v5": _one("98.32"),
    "azure/vm/NC24ads_A100_v4": _one("3.673"),
    "azure/vm/D4s_v5": _one("0.192"),
    "azure/vm/DS3_v2": _one("0.293"),
    "azure/blob/hot": _one("0.0184"),  # per GB-month
    "azure/blob/write": _one("0.065"),  # per 10K transactions
    # Google Cloud, per hour unless noted
    "gcp/gce/a3-highgpu-8g": _one("88.49"),
    "gcp/gce/a2-highgpu-1g": _one("3.673"),
    "gcp/gce/n2-standard-8": _one("0.388472"),
    "gcp/tpu/v5e": _one("1.20"),  # per chip-hour
    "gcp/tpu/v5p": _one("4.20"),
    "gcp/vertex/training-a2-highgpu-8g": _one("29.387"),
    "gcp/vertex/prediction-n1-standard-8-t4": _one("0.8397"),
    "gcp/gcs/standard": _one("0.020"),  # per GB-month
    "gcp/bigquery/analysis": _one("6.25"),  # per TiB scanned
    "gcp/bigquery/storage": _one("0.02"),  # per GB-month
}

# USD per 1,000,000 tokens, by token class (Azure OpenAI bills per 1,000 tokens: see azure.py)
TOKEN_PRICES: dict[str, dict[str, str]] = {
    "claude-sonnet-4": {"Input": "3", "Output": "15", "Cache Read Input": "0.30", "Cache Write Input": "3.75"},
    "claude-3-5-haiku": {"Input": "0.80", "Output": "4", "Cache Read Input": "0.08", "Cache Write Input": "1"},
    "claude-haiku-4-5": {"Input": "1", "Output": "5", "Cache Read Input": "0.10", "Cache Write Input": "1.25"},
    "gpt-4o": {"Input": "2.50", "Cached Input": "1.25", "Output": "10"},
    "gpt-4o-mini": {"Input": "0.15", "Cached Input": "0.075", "Output": "0.60"},
    "o3-mini": {"Input": "1.10", "Cached Input": "0.55", "Output": "4.40", "Reasoning": "4.40"},
    "text-embedding-3-small": {"Input": "0.02"},
    "gemini-2.5-flash": {"Input": "0.30", "Cached Input": "0.03", "Output": "2.50"},
    "gemini-2.5-pro": {"Input": "1.25", "Cached Input": "0.125", "Output": "10"},
}


def _entries(key: str) -> list[tuple[dt.date | None, int]]:
    if key not in PRICES:
        raise KeyError(f"No demo price for {key!r}. Known: {', '.join(sorted(PRICES))}")
    return [(None if d is None else dt.date.fromisoformat(d), micro(p)) for d, p in PRICES[key]]


def price_at(key: str, day: dt.date) -> int:
    """The list price of ``key`` on ``day``, in micro-USD."""
    out = 0
    for since, price in _entries(key):
        if since is None or since <= day:
            out = price
    return out


def daily(key: str, window: Window) -> np.ndarray:
    """The list price of ``key`` on every day of the window, in micro-USD (int64)."""
    out = np.zeros(window.days, dtype=np.int64)
    for since, price in _entries(key):
        first = 0 if since is None else max(0, min(window.days, window.day(since)))
        out[first:] = price
    return out


def token_price(model: str, token_class: str) -> int:
    """USD per 1,000,000 tokens of ``model`` for ``token_class``, in micro-USD."""
    return micro(TOKEN_PRICES[model][token_class])


def dynamic(rng: np.random.Generator, list_price: np.ndarray, low: float, high: float) -> np.ndarray:
    """A spot price per day: a slow random walk between ``low`` and ``high`` times the list price."""
    steps = rng.normal(0, 0.03, size=len(list_price))
    walk = np.clip((low + high) / 2 + np.cumsum(steps), low, high)
    return np.round(list_price * walk).astype(np.int64)
