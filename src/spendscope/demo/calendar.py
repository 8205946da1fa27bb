"""The demo's time axis: whole billing months, one index per day, and the shapes spend follows.

Every generated row sits on a day index ``d`` (0 is the first day of the window); a month is a range
of day indices. The shapes (growth over the year, weekly seasonality, day-to-day noise, bursts of
training days) are numpy arrays over that axis, so a family of resources is generated as one
lines x days matrix rather than row by row.

>>> w = Window.ending(dt.date(2026, 1, 1), months=2)
>>> (w.start, w.days, [m.label for m in w.months])
(datetime.date(2025, 11, 1), 61, ['2025-11', '2025-12'])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Month:
    """One billing month of the window: its first day and its day indices [first, stop)."""

    start: dt.date
    first: int
    stop: int

    @property
    def days(self) -> int:
        return self.stop - self.first

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def next_start(self) -> dt.date:
        return _add_months(self.start, 1)

    @property
    def last(self) -> dt.date:
        return self.next_start - dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Window:
    """Whole months [start, end): ``end`` is the first day after the last month."""

    start: dt.date
    end: dt.date

    @classmethod
    def ending(cls, end: dt.date, months: int) -> Window:
        if months < 1:
            raise ValueError(f"months must be at least 1, not {months}.")
        if end.day != 1:
            raise ValueError(f"end must be the first day of a month, not {end.isoformat()}.")
        return cls(_add_months(end, -months), end)

    @cached_property
    def days(self) -> int:
        return (self.end - self.start).days

    @cached_property
    def months(self) -> tuple[Month, ...]:
        out, first, start = [], 0, self.start
        while start < self.end:
            nxt = _add_months(start, 1)
            out.append(Month(start, first, first + (nxt - start).days))
            first, start = out[-1].stop, nxt
        return tuple(out)

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(day))

    def day(self, date: dt.date) -> int:
        return (date - self.start).days

    @cached_property
    def axis(self) -> np.ndarray:
        return np.arange(self.days)

    @cached_property
    def weekday(self) -> np.ndarray:
        """0 = Monday ... 6 = Sunday, per day."""
        return (self.axis + self.start.weekday()) % 7

    @cached_property
    def month_days(self) -> np.ndarray:
        """Length of the month each day falls in (for prorating monthly prices to days)."""
        out = np.empty(self.days, dtype=np.int64)
        for m in self.months:
            out[m.first:m.stop] = m.days
        return out


# -- shapes -----------------------------------------------------------------------------------

def growth(window: Window, per_year: float | np.ndarray, start: float = 1.0) -> np.ndarray:
    """Compound growth from ``start``: x ``per_year`` every 365 days.

    A scalar ``per_year`` gives one series over the days; an array of rates gives lines x days.
    """
    rate = np.log(np.asarray(per_year, dtype=float))[..., None] / 365.0
    return start * np.exp(rate * window.axis)


def weekly(window: Window, weekend: float = 0.55) -> np.ndarray:
    """1 on weekdays and ``weekend`` on Saturdays and Sundays: how interactive inference moves."""
    return np.where(window.weekday >= 5, weekend, 1.0)


def noise(rng: np.random.Generator, shape, sigma: float = 0.12) -> np.ndarray:
    """Multiplicative day-to-day noise around 1 (log-normal, mean 1)."""
    return rng.lognormal(-sigma * sigma / 2, sigma, size=shape)


def bursts(rng: np.random.Generator, days: int, count: int, min_len: int, max_len: int) -> list[tuple[int, int]]:
    """``count`` runs as (first day, length), spread over the window in time order: training bursts."""
    if count <= 0 or days <= 0:
        return []
    starts = np.sort(rng.integers(0, days, size=count))
    lengths = rng.integers(min_len, max_len + 1, size=count)
    return [(int(s), int(min(n, days - s))) for s, n in zip(starts, lengths, strict=True) if days - s > 0]


def active(window: Window, first: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Lines x days mask: line i exists on days [first[i], stop[i])."""
    axis = window.axis[None, :]
    return (axis >= np.asarray(first)[:, None]) & (axis < np.asarray(stop)[:, None])
