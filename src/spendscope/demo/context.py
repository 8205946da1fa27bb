"""What every part of the generator shares: the window, the seed's random streams, the scale.

Each family of resources draws from its own named stream (``ctx.rng("aws/ec2-training")``), so
adding a family or changing one leaves the others' numbers as they were, and the same seed always
gives the same bill.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from dataclasses import dataclass

import numpy as np

from spendscope.demo.calendar import Window


@dataclass(frozen=True)
class Context:
    window: Window
    seed: int
    scale: float

    def rng(self, name: str) -> np.random.Generator:
        """A random stream for ``name``, fixed by the seed."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def count(self, base: float) -> int:
        """How many of a thing there are at this scale (at least one)."""
        return max(1, int(round(base * self.scale)))

    def frac(self, at: float) -> int:
        """The day index at fraction ``at`` of the window."""
        return min(self.window.days - 1, max(0, int(at * self.window.days)))


def hex_ids(rng: np.random.Generator, n: int, digits: int = 17) -> list[str]:
    """``n`` distinct-looking lowercase hex strings (instance ids, GUID parts)."""
    raw = rng.integers(0, 16, size=(n, digits))
    return ["".join("0123456789abcdef"[int(x)] for x in row) for row in raw]


def guid(rng: np.random.Generator) -> str:
    h = hex_ids(rng, 1, 32)[0]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def sku_code(*parts: str, length: int = 16) -> str:
    """A stable provider-style SKU code for a product (the same in every demo, whatever the seed)."""
    digest = hashlib.sha1("|".join(parts).encode()).digest()
    return base64.b32encode(digest).decode()[:length]
