"""The anomalies injected into the demo bill, and the labels that tell a detector what it should find.

Each anomaly sits at a fixed fraction of the window, so it exists whatever the number of months.
The provider modules read the plan to inject it; every row it made or inflated carries its code,
with the EffectiveCost it added, so the label's ``extra_effective_cost`` is exact. Label dates are
inclusive: ``end`` is the last day affected. ``dimensions`` name ledger columns (``x_Team``,
``x_Model``, ...) and the values that locate the anomaly's rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

from spendscope.demo.context import Context


@dataclass(frozen=True)
class Anomaly:
    code: int  # stored on the rows it made (1-based)
    id: str
    kind: str
    provider: str
    service: str
    first: int  # first day index affected
    stop: int  # first day index after it
    dimensions: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    def days(self) -> np.ndarray:
        return np.arange(self.first, self.stop)


def plan(ctx: Context) -> dict[str, Anomaly]:
    """Where each anomaly goes in this window, by kind."""
    days = ctx.window.days

    def span(at: float, length: int) -> tuple[int, int]:
        first = ctx.frac(at)
        return first, min(days, first + length)

    planned_run = span(0.58, 4)
    items = [
        ("runaway-training", "AWS", "Amazon Elastic Compute Cloud",
         (planned_run[1], min(days, planned_run[1] + 3)),
         {"x_Team": "research", "x_Project": "foundation-lm", "x_Experiment": "flm-7b-long-context"},
         "A p5.48xlarge pre-training run kept its 4 instances busy for 3 days after the job had "
         "converged: the stop hook failed and nobody was paged."),
        ("token-retry-loop", "Anthropic", "Claude API", span(0.47, 2),
         {"x_Application": "support-bot", "x_Model": "claude-sonnet-4-20250514"},
         "A retry loop in support-bot resent failed requests to claude-sonnet-4 with exponential fan-out: "
         "input and output tokens were 6x normal for 2 days."),
        ("forgotten-endpoint", "AWS", "Amazon SageMaker",
         span(0.30, min(35, max(7, days // 3))),
         {"x_Team": "ml-platform", "x_Project": "model-serving",
          "ResourceId": "arn:aws:sagemaker:us-east-1:518236904477:endpoint/llama-8b-demo"},
         "A SageMaker real-time endpoint on ml.g5.12xlarge, created for a demo, was left running with "
         "no traffic until someone noticed."),
        ("duplicated-dataset", "AWS", "Amazon Simple Storage Service",
         span(0.74, min(21, max(5, days // 6))),
         {"x_Team": "research", "ResourceId": "arn:aws:s3:::nw-training-data"},
         "A pre-processing job wrote a second full copy of the pre-training dataset to nw-training-data; "
         "it was deleted after review."),
        ("bigquery-full-scan", "Google Cloud", "BigQuery", span(0.40, 4),
         {"x_Team": "data-eng", "x_Project": "feature-store", "SubAccountName": "nw-data-lake"},
         "A scheduled feature query lost its partition filter and scanned the full events table "
         "(+40 TiB a day) until it was fixed."),
    ]
    out = {}
    for code, (kind, provider, service, (first, stop), dims, summary) in enumerate(items, start=1):
        out[kind] = Anomaly(code, f"A{code}-{kind}", kind, provider, service, first, stop, dims, summary)
    return out


def labels(ctx: Context, planned: dict[str, Anomaly], extra_by_code: dict[int, Decimal]) -> list[dict]:
    """The labels file's content: one object per anomaly that made rows in this window."""
    out = []
    for a in sorted(planned.values(), key=lambda a: a.code):
        extra = extra_by_code.get(a.code, Decimal(0))
        if a.stop <= a.first or extra == 0:
            continue
        out.append({
            "id": a.id,
            "kind": a.kind,
            "description": a.summary,
            "start": ctx.window.date(a.first).isoformat(),
            "end": ctx.window.date(a.stop - 1).isoformat(),
            "provider": a.provider,
            "service": a.service,
            "dimensions": dict(a.dimensions),
            "extra_effective_cost": format(extra.normalize(), "f") if extra else "0",
        })
    return out


def write_labels(path: Path, items: list[dict]) -> None:
    path.write_text(json.dumps(items, indent=2) + "\n", encoding="utf-8")
