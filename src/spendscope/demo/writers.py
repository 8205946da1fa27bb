"""Write a provider's demo bill as FOCUS 1.2 files, one per billing month, in the provider's format;
or, for the cloud providers, as the provider's own bill (``demo.native``), converted from those rows.

Formats differ as real exports do: Parquet with typed decimals and UTC timestamps (AWS Data
Exports), CSV with a UTF-8 byte-order mark and every value quoted (Azure), gzipped CSV (GCP), plain
CSV (the LLM APIs). In CSV, nulls are empty cells, datetimes are ``YYYY-MM-DDTHH:MM:SSZ`` and money
is plain decimal text. Mandatory and Recommended FOCUS columns are always written; Conditional
ones only where the provider uses the feature.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from spendscope.demo.calendar import Month, Window
from spendscope.demo.charges import KINDS, ChargeTable, Lines
from spendscope.demo.money import COST_SCALE, PRICE_SCALE, decimal_array, decimal_text, to_decimal
from spendscope.focus.columns import FOCUS_12_COLUMNS

FORMATS = ("parquet", "csv", "csv-bom", "csv.gz")
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Provider:
    """How one provider's bill is labelled and written."""

    name: str  # ProviderName and InvoiceIssuerName
    billing_account_id: str
    billing_account_name: str
    billing_account_type: str
    invoice_prefix: str
    format: str
    path: Callable[[Month], str]  # file path under the output folder, per billing month
    conditional: tuple[str, ...]  # Conditional FOCUS columns the provider writes
    # the provider's own format (demo.native), its file format and path; None: FOCUS only
    native: Callable | None = None
    native_format: str | None = None
    native_path: Callable[[Month], str] | None = None

    def columns(self) -> list[str]:
        unknown = set(self.conditional) - {c.name for c in FOCUS_12_COLUMNS}
        if unknown:
            raise ValueError(f"Not FOCUS 1.2 columns: {sorted(unknown)}")
        return [c.name for c in FOCUS_12_COLUMNS if c.level != "Conditional" or c.name in self.conditional]


@dataclass(frozen=True)
class Written:
    """One file written, with what it holds."""

    path: Path
    provider: str
    billing_account_id: str
    billing_period_start: dt.date
    rows: int
    billed_cost: Decimal
    effective_cost: Decimal
    ledger_rows: int = 0  # rows the ledger gets from the file (a native bill's may differ from ``rows``)


def _iso(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


class BillWriter:
    """Writes one provider's months. Plain CSV goes through DuckDB, which quotes only where needed;
    Azure's quote-everything CSV through Arrow, which is ten times faster at it."""

    def __init__(self, out_dir: Path, window: Window, con, native: bool = False):
        self.out_dir, self.window, self.con, self.native = out_dir, window, con, native
        self.day_text = pa.array([_iso(window.date(d)) for d in range(window.days + 32)])
        epoch = (window.start - dt.date(1970, 1, 1)).days
        self.day_ms = (np.arange(window.days + 32, dtype=np.int64) + epoch) * 86_400_000

    def write(self, provider: Provider, lines: Lines, charges: ChargeTable) -> list[Written]:
        attrs = lines.arrays()
        bounds = np.searchsorted(charges.day, [m.first for m in self.window.months] + [self.window.days])
        out = []
        for i, month in enumerate(self.window.months):
            part = charges.select(slice(bounds[i], bounds[i + 1]))
            if len(part) == 0:
                continue
            if self.native and provider.native is not None:
                out.append(self._write_native(provider, attrs, part, month))
                continue
            path = self.out_dir / provider.path(month)
            path.parent.mkdir(parents=True, exist_ok=True)
            table = self.table(provider, attrs, part, month, typed=provider.format == "parquet")
            self._write(provider.format, table, path)
            out.append(Written(path, provider.name, provider.billing_account_id, month.start, len(part),
                               to_decimal(int(part.billed_cost.sum()), COST_SCALE),
                               to_decimal(int(part.effective_cost.sum()), COST_SCALE), len(part)))
        return out

    def _write_native(self, provider: Provider, attrs, part: ChargeTable, month: Month) -> Written:
        """The month in the provider's own format (``demo.native``), with the totals its rules give."""
        path = self.out_dir / provider.native_path(month)
        path.parent.mkdir(parents=True, exist_ok=True)
        bill = provider.native(self.con, self.table(provider, attrs, part, month, typed=True))
        self._write(provider.native_format, bill.table, path)
        return Written(path, provider.name, provider.billing_account_id, month.start, bill.table.num_rows,
                       bill.billed_cost, bill.effective_cost, bill.ledger_rows)

    def table(self, provider: Provider, attrs: dict[str, pa.Array], c: ChargeTable, month: Month, typed: bool) -> pa.Table:
        n = len(c)
        line = pa.array(c.line)

        def const(value):
            return pc.take(pa.array([value], type=pa.string()), pa.array(np.zeros(n, dtype=np.int32)))

        def money(values, scale, valid=None):
            return decimal_array(values, scale, valid) if typed else decimal_text(values, scale, valid)

        def when(day_index: np.ndarray):
            if typed:
                return pa.array(self.day_ms[day_index], type=pa.timestamp("ms", tz="UTC"))
            return pc.take(self.day_text, pa.array(day_index))

        def from_kind(position: int):
            return pc.take(pa.array([k[position] for k in KINDS], type=pa.string()), pa.array(c.kind.astype(np.int32)))

        commitment_qty, has_commitment = c.commitment_quantity
        first, stop = month.first, month.stop
        consumed_unit = pc.take(attrs["ConsumedUnit"], line)
        cols = {
            "BilledCost": money(c.billed_cost, COST_SCALE),
            "BillingAccountId": const(provider.billing_account_id),
            "BillingAccountName": const(provider.billing_account_name),
            "BillingAccountType": const(provider.billing_account_type),
            "BillingCurrency": const("USD"),
            "BillingPeriodEnd": when(np.full(n, stop)),
            "BillingPeriodStart": when(np.full(n, first)),
            "ChargeCategory": from_kind(0),
            "ChargeClass": pa.nulls(n, type=pa.string()),
            "ChargeFrequency": from_kind(1),
            "ChargePeriodEnd": when(c.day + c.span),
            "ChargePeriodStart": when(c.day),
            "CommitmentDiscountQuantity": money(commitment_qty, COST_SCALE, has_commitment),
            "CommitmentDiscountStatus": from_kind(3),
            "ConsumedQuantity": money(c.consumed, PRICE_SCALE, c.has_consumed),
            "ConsumedUnit": pc.if_else(pa.array(c.has_consumed), consumed_unit, pa.scalar(None, pa.string())),
            "ContractedCost": money(c.contracted_cost, COST_SCALE),
            "ContractedUnitPrice": money(c.contracted_price, PRICE_SCALE),
            "EffectiveCost": money(c.effective_cost, COST_SCALE),
            "InvoiceId": const(f"{provider.invoice_prefix}-{month.start:%Y%m}"),
            "InvoiceIssuerName": const(provider.name),
            "ListCost": money(c.list_cost, COST_SCALE),
            "ListUnitPrice": money(c.list_price, PRICE_SCALE),
            "PricingCategory": from_kind(2),
            "PricingQuantity": money(c.qty, PRICE_SCALE),
            "ProviderName": const(provider.name),
        }
        names = provider.columns()
        arrays = [cols[name] if name in cols else pc.take(attrs[name], line) for name in names]
        return pa.table(arrays, names=names)

    def _write(self, fmt: str, table: pa.Table, path: Path) -> None:
        if fmt == "parquet":
            pq.write_table(table, path, compression="snappy")
            return
        if fmt == "csv-bom":
            with open(path, "wb") as out:
                out.write(BOM)
                pacsv.write_csv(table, out, pacsv.WriteOptions(quoting_style="all_valid"))
            return
        if fmt not in FORMATS:
            raise ValueError(f"Unknown demo file format {fmt!r}. Valid: {', '.join(FORMATS)}")
        options = ["FORMAT csv", "HEADER true"] + (["COMPRESSION gzip"] if fmt == "csv.gz" else [])
        self.con.register("demo_month", table)
        try:
            quoted = str(path).replace("'", "''")
            self.con.execute(f"COPY (SELECT * FROM demo_month) TO '{quoted}' ({', '.join(options)})")
        finally:
            self.con.unregister("demo_month")


# Conditional columns by feature, for providers to combine
PRICED = ("ConsumedQuantity", "ConsumedUnit", "ContractedUnitPrice", "ListUnitPrice", "PricingCategory",
          "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId")
ACCOUNTS = ("BillingAccountType", "SubAccountId", "SubAccountName", "SubAccountType")
TAGS = ("Tags",)
REGIONS = ("RegionId", "RegionName")
RESOURCES = ("ResourceId", "ResourceName", "ResourceType")
COMMITMENTS = ("CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
               "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
               "CommitmentDiscountUnit")
