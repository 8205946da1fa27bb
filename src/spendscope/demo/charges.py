"""What a demo bill is made of: lines (a resource's SKU, with its text columns) and numeric charges.

A *line* is everything about a charge that does not change from day to day: service, SKU, resource,
sub account, region, tags, commitment. A *charge* is one row of the bill: a line on a day, with
quantities and prices as integers of micro-units (``money``). Families of resources add charges as
numpy arrays, many rows at a time; the writer turns them into FOCUS columns one month at a time.

The kind of a charge sets the FOCUS columns that follow from FOCUS 1.2 semantics:

========================  ==============  ===============  ===============  ========================
kind                      ChargeCategory  ChargeFrequency  PricingCategory  CommitmentDiscountStatus
========================  ==============  ===============  ===============  ========================
``STANDARD``              Usage           Usage-Based      Standard
``DYNAMIC`` (spot)        Usage           Usage-Based      Dynamic
``COMMITTED``             Usage           Usage-Based      Committed        Used
``UNUSED`` (commitment)   Usage           Usage-Based      Committed        Unused
``PURCHASE`` (recurring)  Purchase        Recurring        Standard
========================  ==============  ===============  ===============  ========================

Committed usage has BilledCost 0 and EffectiveCost = the amortised commitment; a purchase has
EffectiveCost 0. Unused commitment and purchases have no ConsumedQuantity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from spendscope.demo.money import times

STANDARD, DYNAMIC, COMMITTED, UNUSED, PURCHASE = range(5)
KINDS = (
    ("Usage", "Usage-Based", "Standard", None),
    ("Usage", "Usage-Based", "Dynamic", None),
    ("Usage", "Usage-Based", "Committed", "Used"),
    ("Usage", "Usage-Based", "Committed", "Unused"),
    ("Purchase", "Recurring", "Standard", None),
)

LINE_COLUMNS = (
    "ServiceName", "ServiceCategory", "ServiceSubcategory", "PublisherName", "ChargeDescription",
    "SubAccountId", "SubAccountName", "SubAccountType", "RegionId", "RegionName", "AvailabilityZone",
    "ResourceId", "ResourceName", "ResourceType", "SkuId", "SkuPriceId", "SkuMeter", "SkuPriceDetails",
    "PricingUnit", "ConsumedUnit", "Tags", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountType", "CommitmentDiscountCategory", "CommitmentDiscountUnit",
)


class Lines:
    """The lines of one provider's bill; ``add`` returns the line's index."""

    def __init__(self, **defaults: str | None):
        self.defaults = defaults
        self._rows: list[dict[str, str | None]] = []

    def add(self, **attrs: str | None) -> int:
        unknown = set(attrs) - set(LINE_COLUMNS)
        if unknown:
            raise KeyError(f"Not line columns: {', '.join(sorted(unknown))}. Valid: {', '.join(LINE_COLUMNS)}")
        self._rows.append({**self.defaults, **attrs})
        return len(self._rows) - 1

    def __len__(self) -> int:
        return len(self._rows)

    def arrays(self) -> dict[str, pa.Array]:
        return {c: pa.array([r.get(c) for r in self._rows], type=pa.string()) for c in LINE_COLUMNS}


NUMERIC = ("line", "day", "span", "kind", "qty", "consumed", "has_consumed", "list_price",
           "contracted_price", "paid_price", "anomaly", "extra")


@dataclass
class ChargeTable:
    """All charges of one provider as equal-length numpy columns, sorted by (day, line)."""

    line: np.ndarray
    day: np.ndarray
    span: np.ndarray
    kind: np.ndarray
    qty: np.ndarray  # PricingQuantity, micro
    consumed: np.ndarray  # ConsumedQuantity, micro
    has_consumed: np.ndarray
    list_price: np.ndarray  # micro-USD per PricingUnit
    contracted_price: np.ndarray
    paid_price: np.ndarray  # the rate actually paid (spot, commitment, negotiated)
    anomaly: np.ndarray  # 0, or the 1-based index of the injected anomaly that made the row
    extra: np.ndarray  # EffectiveCost the anomaly added to the row, pico-USD

    def __len__(self) -> int:
        return len(self.day)

    def select(self, mask_or_slice) -> ChargeTable:
        return ChargeTable(**{name: getattr(self, name)[mask_or_slice] for name in NUMERIC})

    # Costs, in pico-USD, follow from prices, quantities and the kind of charge.
    @property
    def list_cost(self) -> np.ndarray:
        return times(self.list_price, self.qty)

    @property
    def contracted_cost(self) -> np.ndarray:
        return times(self.contracted_price, self.qty)

    @property
    def effective_cost(self) -> np.ndarray:
        return np.where(self.kind == PURCHASE, 0, times(self.paid_price, self.qty))

    @property
    def billed_cost(self) -> np.ndarray:
        return np.where((self.kind == COMMITTED) | (self.kind == UNUSED), 0, times(self.paid_price, self.qty))

    @property
    def commitment_quantity(self) -> tuple[np.ndarray, np.ndarray]:
        """CommitmentDiscountQuantity in USD (pico) and where it applies: Spend commitments only."""
        paid = times(self.paid_price, self.qty)
        return paid, (self.kind == COMMITTED) | (self.kind == UNUSED) | (self.kind == PURCHASE)


class Charges:
    """Collects charges from many families, then sorts them into one ``ChargeTable``."""

    def __init__(self):
        self._chunks: list[dict[str, np.ndarray]] = []

    def add(self, line, day, qty, list_price, *, contracted_price=None, paid_price=None, consumed=None,
            kind: int = STANDARD, span=1, anomaly: int = 0, baseline_qty=None) -> None:
        """Add rows; every argument broadcasts to the length of ``day``.

        ``contracted_price`` defaults to the list price and ``paid_price`` to the contracted one.
        ``consumed`` defaults to ``qty`` (same unit); pass ``False`` for rows without consumption.
        For rows an anomaly made or inflated, ``anomaly`` is its 1-based index and ``baseline_qty``
        what the quantity would have been without it (0 when the whole row is the anomaly).
        """
        day = np.asarray(day, dtype=np.int32)
        n = len(day)
        if n == 0:
            return

        def full(value, dtype):
            return np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()

        qty = full(qty, np.int64)
        if np.any(qty < 0):
            raise ValueError("demo quantities are never negative")
        list_price = full(list_price, np.int64)
        contracted = list_price if contracted_price is None else full(contracted_price, np.int64)
        paid = contracted if paid_price is None else full(paid_price, np.int64)
        has_consumed = np.full(n, consumed is not False)
        consumed_q = qty if consumed is None or consumed is False else full(consumed, np.int64)
        extra = np.zeros(n, dtype=np.int64)
        if anomaly:
            base = np.zeros(n, dtype=np.int64) if baseline_qty is None else full(baseline_qty, np.int64)
            extra = times(paid, qty) - times(paid, base)
        self._chunks.append({
            "line": full(line, np.int32), "day": day, "span": full(span, np.int32), "kind": full(kind, np.int8),
            "qty": qty, "consumed": np.where(has_consumed, consumed_q, 0), "has_consumed": has_consumed,
            "list_price": list_price, "contracted_price": contracted, "paid_price": paid,
            "anomaly": full(anomaly, np.int8), "extra": extra,
        })

    def table(self) -> ChargeTable:
        if not self._chunks:
            return ChargeTable(**{name: np.zeros(0, dtype=np.int64) for name in NUMERIC})
        cols = {name: np.concatenate([c[name] for c in self._chunks]) for name in NUMERIC}
        order = np.lexsort((cols["line"], cols["day"]))
        return ChargeTable(**{name: values[order] for name, values in cols.items()})
