"""What the sources of providers' own bills (Azure, GCP, OCI) share: columns found by a spelling-free
key, typed reads of them, and the diagnostics and profiling the pipeline asks every plan for.

A native plan names the file's columns it converts (``NUMBERS``, ``DATES``) and which raw column each
ledger number or date comes from (``RAW_OF``); ``prepare`` converts each number once per row, so
the several cost columns that read the same amount do not parse it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar, Mapping

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.errors import SchemaError
from spendscope.focus.columns import COLUMNS
from spendscope.ingest.base import Mappings
from spendscope.ingest.files import FileInfo
from spendscope.normalize import values as v
from spendscope.normalize.jsontext import json_merge_patch

MONEY = dt.Decimal(38, 18)
ZERO = ibis.literal(0, type=MONEY)
NULLS = {"decimal": MONEY, "datetime": dt.Timestamp(timezone="UTC"), "integer": dt.int64}


def canonical(name: str) -> str:
    """The spelling-free key of a column name: ``CostInBillingCurrency``, ``costInBillingCurrency`` and
    ``cost_in_billing_currency`` are one column; so are GCP's ``usage.amount`` and ``usage_amount``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def split_tags(info: FileInfo, tag_key) -> tuple[dict[str, str], dict[str, str]]:
    """(canonical key -> column, tag column -> tag key) for a header with one column per tag; the tag
    key is read from the name as the file writes it."""
    columns: dict[str, str] = {}
    tags: dict[str, str] = {}
    for col, written in info.names:
        key = tag_key(written)
        if key is not None:
            tags[col] = key
        else:
            columns.setdefault(canonical(col), col)
    return columns, tags


def null(name: str) -> ir.Value:
    """A typed null for ledger column ``name``."""
    return ibis.null(NULLS.get(COLUMNS[name].data_type, dt.string))


@dataclass
class NativePlan:
    """Typed access to a native bill's columns, by canonical key (see ``canonical``)."""

    info: FileInfo
    columns: dict[str, str]  # canonical key -> the file's column name
    format_version: str
    notes: list[str] = field(default_factory=list)

    source: ClassVar[str] = ""
    NUMBERS: ClassVar[tuple[str, ...]] = ()  # canonical keys read as exact decimals
    DATES: ClassVar[tuple[str, ...]] = ()  # canonical keys read as timestamps
    RAW_OF: ClassVar[dict[str, str]] = {}  # ledger column -> the canonical key it converts
    SCIENTIFIC: ClassVar[bool] = True  # whether numbers may be written as 1.2E-05

    # -- raw access ----------------------------------------------------------------------------

    def has(self, key: str) -> bool:
        return key in self.columns

    def raw(self, raw: ir.Table, key: str) -> ir.Value | None:
        name = self.columns.get(key)
        return None if name is None else raw[name]

    def text(self, raw: ir.Table, key: str) -> ir.StringValue:
        value = self.raw(raw, key)
        return ibis.null(dt.string) if value is None else v.text(value)

    def first_text(self, raw: ir.Table, *keys: str) -> ir.StringValue:
        """The first value among ``keys`` the row has, as text (null when it has none)."""
        present = [self.text(raw, key) for key in keys if self.has(key)]
        if not present:
            return ibis.null(dt.string)
        return present[0] if len(present) == 1 else ibis.coalesce(*present)

    def number(self, raw: ir.Table, key: str, strict: bool = True) -> ir.DecimalValue:
        if strict and f"__h_n_{key}" in raw.columns:
            return raw[f"__h_n_{key}"]
        value = self.raw(raw, key)
        if value is None:
            return ibis.null(MONEY)
        return v.decimal(value, strict=strict, scientific=self.SCIENTIFIC)

    def time(self, raw: ir.Table, key: str, strict: bool = True) -> ir.TimestampValue:
        value = self.raw(raw, key)
        return ibis.null(NULLS["datetime"]) if value is None else self.parse_time(value, strict)

    def parse_time(self, value: ir.Value, strict: bool) -> ir.TimestampValue:
        return v.timestamp(value, strict=strict)

    def prepare(self, raw: ir.Table) -> ir.Table:
        """The file with each number converted once per row (``__h_n_<key>``); strict, so a malformed
        number fails the load, and the diagnostics (which read the file without this) name it."""
        helpers = {f"__h_n_{key}": self.number(raw, key) for key in self.NUMBERS if self.has(key)}
        return raw.mutate(**helpers) if helpers else raw

    # -- the contract's shared parts ------------------------------------------------------------

    def missing(self, raw: ir.Table, name: str) -> ir.BooleanValue:
        """Where column ``name`` has no value. Numbers and dates are judged on the file's text, so a
        value that does not convert is reported as such (by the insert), not as missing."""
        key = self.RAW_OF.get(name)
        if key is not None:
            return self.text(raw, key).isnull()
        return self.column(raw, name, Mappings(), strict=False).isnull()

    def conversions(self, raw: ir.Table) -> list[tuple[str, str, str, ir.Value]]:
        """(column, the file's column, kind, value or null where it does not convert), for diagnostics."""
        out = []
        for key in self.NUMBERS:
            if key in self.columns:
                out.append((self.columns[key], self.columns[key], "decimal", self.number(raw, key, strict=False)))
        for key in self.DATES:
            if key in self.columns:
                out.append((self.columns[key], self.columns[key], "datetime", self.time(raw, key, strict=False)))
        return out

    def column(self, raw: ir.Table, name: str, mappings: Mappings, strict: bool = True) -> ir.Value:
        value = self._column(raw, name, mappings, strict)
        return null(name) if value is None else value

    def _column(self, raw: ir.Table, name: str, mappings: Mappings, strict: bool) -> ir.Value | None:
        raise NotImplementedError

    def subcategory(self, raw: ir.Table, mappings: Mappings, strict: bool) -> ir.StringValue | None:
        """ServiceSubcategory from the profile's (ServiceName, ServiceCategory) lookup."""
        if not mappings.subcategories:
            return None
        service = self.column(raw, "ServiceName", mappings, strict)
        category = self.column(raw, "ServiceCategory", mappings, strict)
        lookup = {f"{s}\x1f{c}": sub for (s, c), sub in mappings.subcategories.items()}
        return service.concat("\x1f", category).cases(*lookup.items(), else_=ibis.null(dt.string))

    def unit(self, raw: ir.Table, text: ir.StringValue, mappings: Mappings) -> ir.StringValue:
        """A unit with the profile's FOCUS rewrites applied ("1K Tokens" -> "1000 Tokens")."""
        if "PricingUnit" in mappings.values:
            text = v.remap(text, mappings.values["PricingUnit"])
        return text

    def profile_flags(self, raw: ir.Table) -> Mapping[str, ir.BooleanValue]:
        return {}

    def describe_flag(self, flag: str, count: int) -> str:
        return f"{count:,} rows: {flag}"


@ibis.udf.scalar.builtin(name="to_json", signature=((dt.string,), dt.string))
def _to_json(text):
    """A string as a JSON string literal (quoted and escaped); null stays null."""


def json_object(values: dict[str, ir.StringValue]) -> ir.Value:
    """A JSON object of ``values`` (key -> text; a null value is written null, which ``merge_json`` drops).

    Built as text, not as a struct: struct field names are case-insensitive, and a bill may carry tag
    keys that differ only in case (AWS's ``user:Team`` and ``user:team`` are two tags)."""
    import json

    parts = [ibis.literal(json.dumps(key) + ":") + ibis.coalesce(_to_json(value), ibis.literal("null"))
             for key, value in values.items()]
    text = ibis.literal("{") + ibis.literal(",").join(parts) + ibis.literal("}") if parts else ibis.literal("{}")
    return text.cast(dt.json)


def merge_json(parts: list[ir.Value]) -> ir.StringValue | None:
    """JSON objects merged left to right into one (null values dropped), or null when empty."""
    if not parts:
        return None
    merged = ibis.literal("{}").cast(dt.json)
    for part in parts:
        merged = json_merge_patch(merged, part)
    text = merged.cast(dt.string)
    return ibis.cases((text == "{}", ibis.null(dt.string)), else_=text)


class NativeSource:
    """What the native bill sources share: detection by the share of required columns a file has, and
    the error naming the ones it lacks."""

    name: ClassVar[str]
    description: ClassVar[str]
    FORMATS: ClassVar[tuple[str, ...]] = ("csv", "parquet")
    REQUIRED: ClassVar[dict[str, str]] = {}  # canonical key -> the column as the provider spells it
    LAYOUT: ClassVar[str] = ""  # "Azure cost export", for messages
    HINT: ClassVar[str] = ""

    def found(self, info: FileInfo) -> set[str]:
        """The canonical keys of the columns ``info`` has."""
        return {canonical(c) for c in info.columns}

    def detect(self, info: FileInfo) -> float:
        if info.format not in self.FORMATS or not info.columns:
            return 0.0
        found = self.found(info)
        return sum(1 for k in self.REQUIRED if k in found) / len(self.REQUIRED)

    def missing_columns(self, info: FileInfo) -> list[str]:
        found = self.found(info)
        return [label for k, label in self.REQUIRED.items() if k not in found]

    def require(self, info: FileInfo) -> None:
        """Raise SchemaError naming the required columns ``info`` lacks."""
        missing = self.missing_columns(info)
        if missing:
            raise SchemaError(
                f"{info.name}, row 1 (header): missing {self.LAYOUT} column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)}.",
                hint=self.HINT,
            )
