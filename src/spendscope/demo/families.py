"""Shapes of spend that every provider reuses, generated as lines x days matrices.

* ``matrix`` turns a lines x days matrix of quantities into charges (zero means no row);
* ``token_streams`` is interactive LLM usage: growth over the year, weekly seasonality, noise, and a
  fixed mix of input, cached, output (and reasoning) tokens per stream;
* ``storage_gb`` is a bucket that grows, with occasional dataset uploads as steps;
* ``training_runs`` are bursts of GPU days, one line per instance of each run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spendscope.demo import calendar as cal
from spendscope.demo.charges import Charges
from spendscope.demo.context import Context
from spendscope.demo.money import MICRO


def pick(values, li: np.ndarray, di: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Values for the (line, day) cells: from a scalar, a per-day (D,), per-line (L, 1) or full array."""
    return np.broadcast_to(np.asarray(values), shape)[li, di]


def matrix(charges: Charges, lines: np.ndarray, qty: np.ndarray, price, *, contracted=None, paid=None,
           consumed: np.ndarray | None = None, anomaly: int = 0, anomaly_cells: np.ndarray | None = None,
           baseline: np.ndarray | None = None, **kw) -> None:
    """Charges for every non-zero cell of ``qty`` (lines x days, micro-units); prices as for ``pick``.

    Cells where ``anomaly_cells`` is true are marked with ``anomaly``; ``baseline`` (same shape)
    holds their quantity without the anomaly (zeros when absent: the whole row is the anomaly).
    """
    lines = np.asarray(lines)
    li, di = np.nonzero(qty)
    flagged = np.zeros(len(li), dtype=bool) if anomaly_cells is None else anomaly_cells[li, di]
    for part, marked in ((~flagged, False), (flagged, True)):
        if not part.any():
            continue
        a, d = li[part], di[part]
        args = dict(kw)
        if contracted is not None:
            args["contracted_price"] = pick(contracted, a, d, qty.shape)
        if paid is not None:
            args["paid_price"] = pick(paid, a, d, qty.shape)
        if consumed is not None:
            args["consumed"] = consumed[a, d]
        if marked:
            args["anomaly"] = anomaly
            args["baseline_qty"] = 0 if baseline is None else baseline[a, d]
        charges.add(lines[a], d, qty[a, d], pick(price, a, d, qty.shape), **args)


@dataclass(frozen=True)
class Stream:
    """One application's use of one model: daily input tokens at the start, and how it moves."""

    base_input: float  # input tokens per weekday at the start of the window
    growth: float = 2.0  # x per year
    weekend: float = 0.55
    launch: int = 0  # first day with traffic
    mix: tuple[tuple[str, float], ...] = (("Input", 1.0), ("Output", 0.12))  # tokens per input token


def token_streams(ctx: Context, rng: np.random.Generator, streams: list[Stream]) -> dict[str, np.ndarray]:
    """Tokens per token class as streams x days integer matrices (0 before a stream's launch)."""
    window = ctx.window
    base = np.array([s.base_input for s in streams])[:, None]
    shape = cal.growth(window, np.array([s.growth for s in streams]))
    weekend = np.array([s.weekend for s in streams])[:, None]
    season = np.where(window.weekday[None, :] >= 5, weekend, 1.0)
    launched = window.axis[None, :] >= np.array([s.launch for s in streams])[:, None]
    inputs = base * shape * season * cal.noise(rng, shape.shape) * launched
    classes = sorted({c for s in streams for c, _ in s.mix})
    out = {}
    for cls in classes:
        ratio = np.array([dict(s.mix).get(cls, 0.0) for s in streams])[:, None]
        jitter = cal.noise(rng, inputs.shape, 0.05)
        out[cls] = np.round(inputs * ratio * jitter).astype(np.int64)
    return out


def storage_gb(ctx: Context, rng: np.random.Generator, start_gb: np.ndarray, per_year: np.ndarray,
               uploads_per_year: float = 4.0, upload_share: float = 0.15) -> np.ndarray:
    """Stored GB per bucket and day: steady growth plus a few dataset uploads as steps."""
    window = ctx.window
    gb = start_gb[:, None] * cal.growth(window, per_year)
    steps = rng.random(gb.shape) < uploads_per_year / 365.0
    gb = gb * np.cumprod(np.where(steps, 1.0 + upload_share, 1.0), axis=1)
    return np.round(gb).astype(np.int64)


def gb_months(gb: np.ndarray, window: cal.Window) -> np.ndarray:
    """A day's storage as GB-months, micro-units: GB / days in the month (rounded to 10^-6)."""
    return np.round(gb * MICRO / window.month_days[None, :]).astype(np.int64)


def hours(value) -> np.ndarray:
    """Hours as micro-units."""
    return np.round(np.asarray(value, dtype=float) * MICRO).astype(np.int64)


@dataclass(frozen=True)
class Run:
    """A training run: ``instances`` machines busy from ``first`` for ``length`` days."""

    first: int
    length: int
    instances: int
    start_hour: int  # the first day starts at this hour (UTC); the last day ends at the same hour


def training_runs(rng: np.random.Generator, days: int, count: int, min_len: int, max_len: int,
                  min_instances: int, max_instances: int) -> list[Run]:
    """Bursts of training: ``count`` runs at random times, each a few days on several machines."""
    runs = []
    for first, length in cal.bursts(rng, days, count, min_len, max_len):
        runs.append(Run(first, length, int(rng.integers(min_instances, max_instances + 1)), int(rng.integers(0, 24))))
    return runs


def run_hours(run: Run, days: int) -> tuple[np.ndarray, np.ndarray]:
    """(day indices, hours micro) of one instance of ``run``, clipped to the window."""
    span = np.arange(run.first, run.first + run.length + (1 if run.start_hour else 0))
    h = np.full(len(span), 24.0)
    if run.start_hour:
        h[0] = 24 - run.start_hour
        h[-1] = run.start_hour
    keep = span < days
    return span[keep], hours(h[keep])
