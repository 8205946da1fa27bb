"""FOCUS exports from any provider (AWS Data Exports, Azure FocusCost, GCP FOCUS view, OCI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Mapping

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.errors import SchemaError
from spendscope.focus.columns import COLUMNS, FOCUS_12_COLUMNS, FOCUS_13_COLUMNS
from spendscope.ingest.base import Mappings
from spendscope.ingest.files import FileInfo
from spendscope.ingest.sources.focus import mapping as m
from spendscope.normalize import values as v

FOCUS_NAMES = {c.name.lower(): c.name for c in FOCUS_12_COLUMNS + FOCUS_13_COLUMNS}
ALIAS_NAMES = {k.lower(): val for k, val in m.ALIASES.items()}


def resolve(columns: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """Map ledger column -> the file's column name; also the file's columns that were not used."""
    resolved: dict[str, str] = {}
    unused: list[str] = []
    for raw in columns:
        key = raw.strip().lower()
        target = FOCUS_NAMES.get(key) or ALIAS_NAMES.get(key)
        if target and target not in resolved:
            resolved[target] = raw
        else:
            unused.append(raw)
    return resolved, unused


@dataclass
class FocusPlan:
    """How one FOCUS file maps to the ledger."""

    info: FileInfo
    resolved: dict[str, str]
    format_version: str
    source: str = "focus"
    notes: list[str] = field(default_factory=list)

    def raw(self, raw: ir.Table, name: str) -> ir.Value | None:
        col = self.resolved.get(name)
        return raw[col] if col is not None else None

    def typed(self, raw: ir.Table, name: str, mappings: Mappings, strict: bool = True) -> ir.Value:
        spec = COLUMNS[name]
        value = self.raw(raw, name)
        target_null = {
            "decimal": dt.Decimal(38, 18), "datetime": dt.Timestamp(timezone="UTC"), "integer": dt.int64,
        }.get(spec.data_type, dt.string)
        if value is None:
            return ibis.null(target_null)
        if spec.data_type == "decimal":
            return v.decimal(value, strict=strict)
        if spec.data_type == "datetime":
            return v.timestamp(value, strict=strict)
        out = v.text(value)
        if name in mappings.values:
            out = v.remap(out, mappings.values[name])
        return out

    def column(self, raw: ir.Table, name: str, mappings: Mappings, strict: bool = True) -> ir.Value:
        value = self.typed(raw, name, mappings, strict)
        # follow the derivation chain (PublisherName <- ProviderName <- ServiceProviderName)
        seen = {name}
        source = m.DERIVED.get(name)
        while source is not None and source not in seen:
            seen.add(source)
            if source in self.resolved:
                value = ibis.coalesce(value, self.typed(raw, source, mappings, strict))
            source = m.DERIVED.get(source)
        if name == "ServiceSubcategory" and mappings.subcategories:
            service = self.typed(raw, "ServiceName", mappings)
            category = self.typed(raw, "ServiceCategory", mappings)
            key = service.concat("\x1f", category)
            lookup = {f"{s}\x1f{c}": sub for (s, c), sub in mappings.subcategories.items()}
            value = ibis.coalesce(value, key.cases(*lookup.items(), else_=ibis.null(dt.string)))
        return value

    def conversions(self, raw: ir.Table) -> list[tuple[str, str, str, ir.Value]]:
        """(column, the file's column, kind, value or null where it does not convert), for diagnostics."""
        out = []
        for name, raw_col in self.resolved.items():
            kind = COLUMNS[name].data_type
            if kind in ("decimal", "datetime"):
                out.append((name, raw_col, kind, self.typed(raw, name, Mappings(), strict=False)))
        return out

    def profile_keys(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        keys: dict[str, ir.Value] = {
            "ProviderName": self.column(raw, "ProviderName", Mappings()),
            "BillingAccountId": self.column(raw, "BillingAccountId", Mappings()),
            "BillingPeriodStart": self.column(raw, "BillingPeriodStart", Mappings(), strict=False),
            "ServiceName": self.column(raw, "ServiceName", Mappings()),
        }
        for name in m.VOCABULARY_COLUMNS + m.UNIT_COLUMNS + ("BillingCurrency",):
            if name in self.resolved:
                keys[name] = v.text(self.raw(raw, name))
        keys["__subcategory_missing"] = (
            v.text(self.raw(raw, "ServiceSubcategory")).isnull() if "ServiceSubcategory" in self.resolved else ibis.literal(True)
        )
        return keys

    def missing(self, raw: ir.Table, name: str) -> ir.BooleanValue:
        """Where column ``name`` has no value in the file, after the derivations FOCUS allows."""
        cond = ibis.literal(True)
        source, seen = name, set()
        while source is not None and source not in seen:
            seen.add(source)
            if source in self.resolved:
                col = self.raw(raw, source)
                cond &= _absent(col)
            source = m.DERIVED.get(source)
        return cond

    def profile_flags(self, raw: ir.Table) -> Mapping[str, ir.BooleanValue]:
        """Row conditions counted in the profiling pass, for the notes."""
        flags = {}
        for name, source in m.DERIVED.items():
            if name in self.resolved and source in self.resolved:
                flags[f"derived:{name}"] = _absent(self.raw(raw, name)) & ~_absent(self.raw(raw, source))
        for name in ("ChargePeriodStart",):
            value = self.raw(raw, name)
            if value is not None and value.type().is_string():
                flags[f"no_zone:{name}"] = v.text(value).notnull() & ~value.re_search(r"(Z|[+-]\d\d:?\d\d)$")
        return flags

    def describe_flag(self, flag: str, count: int) -> str:
        """The note for a profile flag that ``count`` rows raised."""
        kind, col = flag.split(":")
        if kind == "derived":
            return f"{col} was null in {count:,} rows: set to {m.DERIVED[col]}, as FOCUS allows."
        return f"Datetimes without a time zone (e.g. in {col}, {count:,} rows) were read as UTC."

    def source_amounts(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        return {
            "billed": v.decimal(self.raw(raw, "BilledCost"), strict=False),
            "effective": v.decimal(self.raw(raw, "EffectiveCost"), strict=False),
        }


def _absent(col: ir.Value) -> ir.BooleanValue:
    """Where ``col`` has no value. Typed columns (Parquet) have real nulls; only text can hold
    placeholders like "NULL" (and casting a typed column to text to look costs half a second per
    million rows)."""
    return v.text(col).isnull() if col.type().is_string() else col.isnull()


class FocusSource:
    """Reads FOCUS 1.0, 1.1, 1.2 and 1.3 Cost and Usage exports (CSV, CSV.gz, Parquet)."""

    name: ClassVar[str] = "focus"
    description: ClassVar[str] = (
        "FOCUS 1.0-1.3 Cost and Usage exports (CSV, CSV.gz, Parquet) from any provider: "
        "AWS Data Exports (FOCUS), Azure FocusCost, GCP FOCUS view, OCI FOCUS reports."
    )

    def detect(self, info: FileInfo) -> float:
        if info.format not in ("csv", "parquet"):
            return 0.0
        resolved, _ = resolve(info.columns)
        wanted = m.REQUIRED + ("ProviderName",)
        have = sum(1 for c in wanted if c in resolved or (c == "ProviderName" and "ServiceProviderName" in resolved))
        return have / len(wanted)

    def missing_columns(self, info: FileInfo) -> list[str]:
        """The mandatory FOCUS columns ``info`` lacks."""
        resolved, _ = resolve(info.columns)
        missing = [c for c in m.REQUIRED if c not in resolved]
        if not any(c in resolved for c in m.PROVIDER_COLUMNS):
            missing.append("ProviderName")
        return missing

    def plan(self, info: FileInfo) -> FocusPlan:
        resolved, unused = resolve(info.columns)
        missing = [c for c in m.REQUIRED if c not in resolved]
        if not any(c in resolved for c in m.PROVIDER_COLUMNS):
            missing.append("ProviderName")
        if missing:
            raise SchemaError(
                f"{info.name}, row 1 (header): missing mandatory FOCUS column"
                f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}.",
                hint="A FOCUS Cost and Usage export must have these columns; check that the file is a complete FOCUS export.",
            )
        version = "1.0"
        for ver, markers in m.VERSION_MARKERS:
            if any(c in resolved for c in markers):
                version = ver
                break
        plan = FocusPlan(info, resolved, version)
        renamed = [f"{raw} -> {col}" for col, raw in resolved.items() if raw != col]
        if renamed:
            plan.notes.append("Columns matched by another spelling: " + ", ".join(renamed) + ".")
        if unused:
            plan.notes.append("Columns not in FOCUS and not kept: " + ", ".join(unused) + ".")
        absent_12 = [c.name for c in FOCUS_12_COLUMNS if c.name not in resolved and c.name not in m.DERIVED]
        if absent_12 and version != "1.2":
            plan.notes.append(
                f"FOCUS {version} file: {len(absent_12)} FOCUS 1.2 columns it lacks are null "
                f"({', '.join(absent_12[:8])}{', ...' if len(absent_12) > 8 else ''})."
            )
        return plan
