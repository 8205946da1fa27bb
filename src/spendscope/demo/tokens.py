"""Token-billed model usage, as the FOCUS AI-billing draft shapes it: one row per token SKU per day.

``SkuMeter`` names the token class ("Input Tokens", "Cache Read Input Tokens", ...),
``ConsumedQuantity`` is raw tokens in ``Tokens`` and ``PricingQuantity`` counts priced blocks
(``1000000 Tokens``, or ``1K Tokens`` where the provider writes it that way), and
``SkuPriceDetails`` carries the model (ModelDeveloper, ModelFamily, ModelId, ModelVersion, TokenType).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from spendscope.demo import families
from spendscope.demo.anomalies import Anomaly
from spendscope.demo.charges import Charges
from spendscope.demo.context import Context
from spendscope.demo.money import MICRO
from spendscope.demo.prices import token_price


@dataclass(frozen=True)
class Model:
    """A model as one provider sells it: ``key`` prices it, ``model_id`` is the provider's name."""

    key: str
    model_id: str
    developer: str
    family: str
    version: str
    display: str


SKU_METERS = {
    "Input": "Input Tokens",
    "Output": "Output Tokens",
    "Cached Input": "Cached Input Tokens",
    "Cache Read Input": "Cache Read Input Tokens",
    "Cache Write Input": "Cache Write Input Tokens",
    "Reasoning": "Reasoning Tokens",
}


def price_details(model: Model, token_class: str) -> str:
    return json.dumps({
        "ModelDeveloper": model.developer, "ModelFamily": model.family, "ModelId": model.model_id,
        "ModelVersion": model.version, "TokenType": token_class,
    }, separators=(",", ":"))


def description(model: Model, token_class: str, where: str) -> str:
    return f"{model.display} {token_class.lower()} tokens{where}"


@dataclass(frozen=True)
class Spike:
    """An anomaly that multiplies some token classes of one stream on the anomaly's days."""

    anomaly: Anomaly
    stream: int
    classes: tuple[str, ...]
    factor: int


def emit(ctx: Context, charges: Charges, rng: np.random.Generator, streams: list[families.Stream], models: list[Model],
         line_of: list[dict[str, int]], *, block: int = 1_000_000, spike: Spike | None = None) -> None:
    """Charges for token streams: ``line_of[s][token class]`` is stream s's line for that class.

    ``block`` is the PricingUnit's size in tokens (10^6, or 1,000 for per-1K pricing).
    """
    if block > MICRO or MICRO % block:
        raise ValueError(f"block must divide 10^6 tokens, not {block}")
    scale = MICRO // block  # PricingQuantity = tokens / block, which in micro-units is tokens * scale
    tokens = families.token_streams(ctx, rng, streams)
    for cls, matrix in tokens.items():
        has = np.array([cls in line_of[s] for s in range(len(streams))])
        if not has.any():
            continue
        idx = np.nonzero(has)[0]
        lines = np.array([line_of[s][cls] for s in idx])
        per_million = np.array([token_price(models[s].key, cls) for s in idx])
        if np.any((per_million * block) % 1_000_000):
            raise ValueError(f"a {cls} token price is not exact per {block} tokens")
        price = (per_million * block // 1_000_000)[:, None]
        baseline = matrix[idx]
        qty = baseline.copy()
        cells = None
        if spike is not None and cls in spike.classes and spike.stream in idx:
            row = int(np.nonzero(idx == spike.stream)[0][0])
            cells = np.zeros(qty.shape, dtype=bool)
            cells[row, spike.anomaly.first:spike.anomaly.stop] = True
            qty[cells] *= spike.factor
        families.matrix(charges, lines, qty * scale, price, consumed=qty * MICRO,
                        anomaly=0 if cells is None else spike.anomaly.code, anomaly_cells=cells,
                        baseline=None if cells is None else baseline * scale)
