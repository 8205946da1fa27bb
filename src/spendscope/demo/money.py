"""Exact money for the demo: integers of fixed decimal scale, never floats.

Prices and quantities are integers of micro-units (10^-6); a cost is price x quantity, an integer
of pico-units (10^-12), so ``ListCost == ListUnitPrice x PricingQuantity`` holds exactly. Arrays of
these integers become Arrow ``decimal128`` columns (Parquet) or plain decimal text (CSV) without
passing through a float.

>>> micro("98.32"), micro("0.000005")
(98320000, 5)
>>> decimal_text(np.array([12_500_000_000_000, 0, 1]), 12).to_pylist()
['12.5', '0', '0.000000000001']
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MICRO = 10**6
PRICE_SCALE = 6  # unit prices and quantities: integers of 10^-6
COST_SCALE = 12  # costs: price x quantity, integers of 10^-12
INT64_MAX = 2**63 - 1


def micro(text: str) -> int:
    """A decimal string as an exact integer of micro-units; refuses anything finer than 10^-6."""
    value = Decimal(text) * MICRO
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} has more than {PRICE_SCALE} decimal places.")
    return int(value)


def to_decimal(unscaled: int, scale: int) -> Decimal:
    """The exact Decimal of an integer of 10^-scale units."""
    return Decimal(int(unscaled)).scaleb(-scale)


def times(price: np.ndarray, quantity: np.ndarray) -> np.ndarray:
    """price x quantity in int64, refusing to overflow (checked in floating point, with margin)."""
    price, quantity = np.asarray(price, dtype=np.int64), np.asarray(quantity, dtype=np.int64)
    if price.size and quantity.size:
        bound = float(np.max(np.abs(price.astype(float) * quantity.astype(float))))
        if bound > INT64_MAX / 2:
            raise OverflowError(f"a demo cost would overflow int64 ({bound:.3g}); lower the per-row amounts.")
    return price * quantity


def decimal_array(unscaled: np.ndarray, scale: int, valid: np.ndarray | None = None) -> pa.Array:
    """An Arrow decimal128(38, scale) array whose unscaled values are ``unscaled`` (int64)."""
    values = np.ascontiguousarray(unscaled, dtype=np.int64)
    words = np.empty(2 * len(values), dtype=np.int64)
    words[0::2] = values
    words[1::2] = values >> 63  # the high 64 bits of a two's-complement 128-bit integer
    out = pa.Array.from_buffers(pa.decimal128(38, scale), len(values), [None, pa.py_buffer(words.tobytes())])
    if valid is not None:
        out = pc.if_else(pa.array(valid, type=pa.bool_()), out, pa.scalar(None, type=out.type))
    return out


def decimal_text(unscaled: np.ndarray, scale: int, valid: np.ndarray | None = None) -> pa.Array:
    """Plain decimal strings (no exponent, no trailing zeros) for integers of 10^-scale units."""
    values = np.asarray(unscaled, dtype=np.int64)
    base = 10**scale
    whole, frac = np.divmod(np.abs(values), base)
    sign = pa.array(np.where(values < 0, "-", ""))
    whole_text = pc.cast(pa.array(whole), pa.string())
    # base + frac has scale + 1 digits; dropping the leading 1 leaves frac zero-padded
    frac_text = pc.utf8_slice_codeunits(pc.cast(pa.array(frac + base), pa.string()), 1)
    frac_text = pc.replace_substring_regex(frac_text, "0+$", "")
    dot = pc.if_else(pc.equal(pc.utf8_length(frac_text), 0), "", ".")
    out = pc.binary_join_element_wise(sign, whole_text, dot, frac_text, "")
    if valid is not None:
        out = pc.if_else(pa.array(valid, type=pa.bool_()), out, pa.scalar(None, type=pa.string()))
    return out
