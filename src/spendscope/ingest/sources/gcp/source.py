"""Google Cloud Billing exports (standard and detailed; NDJSON, Parquet, flattened CSV) into FOCUS rows."""

from __future__ import annotations

from typing import ClassVar, Mapping

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.ingest.base import Mappings
from spendscope.ingest.files import FileInfo
from spendscope.ingest.sources.gcp import mapping as m
from spendscope.ingest.sources.native import MONEY, ZERO, NativePlan, NativeSource, merge_json, null
from spendscope.normalize import values as v
from spendscope.normalize.jsontext import json_merge_patch, json_valid

# Set by ``GcpPlan.expand``: 0 for the file row, k for its k-th credit.
PART = "__spendscope_part"
CREDIT = dt.Struct({"name": dt.string, "amount": dt.string, "full_name": dt.string, "id": dt.string, "type": dt.string})
LABEL = dt.Struct({"key": dt.string, "value": dt.string})
_CREDIT_SHAPE = '[{"name": "VARCHAR", "amount": "VARCHAR", "full_name": "VARCHAR", "id": "VARCHAR", "type": "VARCHAR"}]'
_LABEL_SHAPE = '[{"key": "VARCHAR", "value": "VARCHAR"}]'


@ibis.udf.scalar.builtin(name="from_json", signature=((dt.string, dt.string), dt.Array(CREDIT)))
def _credits_json(text, shape):
    """DuckDB's from_json, reading credit records (amounts kept as their exact text)."""


@ibis.udf.scalar.builtin(name="from_json", signature=((dt.string, dt.string), dt.Array(LABEL)))
def _labels_json(text, shape):
    """DuckDB's from_json, reading key/value records."""


@ibis.udf.scalar.builtin(name="map_from_entries", signature=((dt.Array(LABEL),), dt.Map(dt.string, dt.string)))
def _entries_map(entries):
    """A MAP from key/value records."""


@ibis.udf.scalar.builtin(name="timezone", signature=((dt.string, dt.timestamp), dt.Timestamp(timezone="UTC")))
def _in_zone(zone, local):
    """The instant a wall-clock time in ``zone`` names."""


def _json_text(value: ir.Value) -> ir.StringValue:
    """Array or record values as JSON text: nested fields as they are, CSV text as written (JSON, or
    Python's repr of it, as koku's flattened exports write it)."""
    if not value.type().is_string():
        return value.cast(dt.json).cast(dt.string)
    text = v.text(value)
    # Python's repr: quotes swapped and None/True/False spelled as JSON. A heuristic: a name with an
    # apostrophe in a repr-written file still fails (the load stops, nothing is loaded).
    python = (text.replace("'", '"').re_replace(r"([\[{:,]\s*)None\b", r"\1null")
              .re_replace(r"([\[{:,]\s*)True\b", r"\1true").re_replace(r"([\[{:,]\s*)False\b", r"\1false"))
    return ibis.cases((json_valid(text).fill_null(False), text), else_=python)


class GcpPlan(NativePlan):
    """How one GCP billing export maps to the ledger."""

    source: ClassVar[str] = "gcp"
    NUMBERS = ("cost", "costatlist", "usageamount", "usageamountinpricingunits", "priceeffectiveprice")
    DATES = ("usagestarttime", "usageendtime")
    # a credit's row has its own description and units: the lookups must read the expanded rows
    EXPANDS_LOOKUPS = True
    RAW_OF = {"BilledCost": "cost", "EffectiveCost": "cost", "ListCost": "cost", "ContractedCost": "cost",
              "ChargePeriodStart": "usagestarttime", "ChargePeriodEnd": "usageendtime", "BillingCurrency": "currency",
              "BillingPeriodStart": "invoicemonth", "BillingPeriodEnd": "invoicemonth"}

    # -- raw access: a flattened column, or a field of a nested record --------------------------------

    def has(self, key: str) -> bool:
        return key in self.columns or (key in m.PATHS and m.canonical(m.PATHS[key][0]) in self.columns
                                       and len(m.PATHS[key]) > 1)

    def raw(self, raw: ir.Table, key: str) -> ir.Value | None:
        if key in self.columns:
            return raw[self.columns[key]]
        path = m.PATHS.get(key)
        if not path or m.canonical(path[0]) not in self.columns:
            return None
        value = raw[self.columns[m.canonical(path[0])]]
        for part in path[1:]:
            typ = value.type()
            if not typ.is_struct() or part not in typ.names:
                return None
            value = value[part]
        return value

    # -- values computed once per row -----------------------------------------------------------------

    def credits(self, raw: ir.Table) -> ir.ArrayValue:
        """The row's credits: name, amount (exact text), full_name, id, type."""
        if "__h_credits" in raw.columns:
            return raw["__h_credits"]
        value = self.raw(raw, "credits")
        if value is None:
            return ibis.literal([], type=dt.Array(CREDIT))
        text = _json_text(value)
        return ibis.cases(((text == "") | text.isnull(), ibis.literal([], type=dt.Array(CREDIT))),
                          else_=_credits_json(text, _CREDIT_SHAPE))

    def credit_sum(self, raw: ir.Table, strict: bool = True) -> ir.DecimalValue:
        if strict and "__h_credit_sum" in raw.columns:
            return raw["__h_credit_sum"]
        amounts = self.credits(raw).map(lambda c: v.decimal(c["amount"], strict=strict, scientific=True))
        return ibis.cases((amounts.length() > 0, amounts.sums()), else_=ZERO).fill_null(ZERO).cast(MONEY)

    def prepare(self, raw: ir.Table) -> ir.Table:
        prepared = super().prepare(raw).mutate(__h_credits=self.credits(raw))
        return prepared.mutate(__h_credit_sum=self.credit_sum(prepared))

    def expand(self, raw: ir.Table) -> ir.Table:
        """One ledger row for the file row, and one per credit (in one scan: the parts are unnested)."""
        count = self.credits(raw).length().fill_null(0)
        return raw.mutate(**{PART: ibis.range(0, count + 1).unnest()})

    def _credit(self, raw: ir.Table) -> tuple[ir.BooleanValue | None, ir.StructValue | None]:
        if PART not in raw.columns:
            return None, None
        return raw[PART] > 0, self.credits(raw)[(raw[PART] - 1).cast(dt.int64)]

    def parse_month(self, raw: ir.Table, strict: bool, months: int = 0) -> ir.TimestampValue:
        """invoice.month ("202208") as the billing period's start (``months`` later for its end): midnight
        Pacific time, Google's invoicing time zone."""
        day = self.text(raw, "invoicemonth") + "01"
        local = day.as_timestamp("%Y%m%d")
        if not strict:
            local = ibis.cases((day.re_search(r"^[0-9]{8}$").fill_null(False), local), else_=ibis.null(dt.timestamp))
        if months:
            local = local + ibis.interval(months=months)
        return _in_zone("America/Los_Angeles", local)

    def cost_type(self, raw: ir.Table) -> ir.StringValue:
        return self.text(raw, "costtype").lower().fill_null("regular") if self.has("costtype") \
            else ibis.literal("regular")

    def _fee(self, raw: ir.Table) -> ir.BooleanValue:
        """A committed use discount's fee row."""
        return (self.text(raw, "skudescription").re_search(m.COMMITMENT_SKU_SQL).fill_null(False)
                & (self.cost_type(raw) == "regular"))

    def _cud(self, raw: ir.Table) -> ir.StructValue:
        """The row's first committed use discount credit (null when it has none)."""
        cuds = self.credits(raw).filter(lambda c: c["type"].isin(tuple(m.CUD_CREDITS)))
        return ibis.cases((cuds.length() > 0, cuds[0]), else_=ibis.null(CREDIT))

    # -- the ledger's columns --------------------------------------------------------------------------

    def column(self, raw: ir.Table, name: str, mappings: Mappings, strict: bool = True) -> ir.Value:
        value = super().column(raw, name, mappings, strict)
        is_credit, credit = self._credit(raw)
        if is_credit is None:
            return value
        special = self._credit_column(raw, credit, name, strict)
        if special is _SAME:
            return value
        return ibis.cases((is_credit, special), else_=value)

    def _credit_column(self, raw: ir.Table, credit: ir.StructValue, name: str, strict: bool):
        """Column ``name`` of a credit's own row; ``_SAME`` where it shares the usage row's value."""
        if name in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
            return v.decimal(credit["amount"], strict=strict, scientific=True)
        match name:
            case "ChargeCategory":
                return ibis.literal("Credit")
            case "ChargeClass":
                return ibis.null(dt.string)
            case "ChargeFrequency":
                return ibis.literal("Usage-Based")
            case "ChargeDescription":
                return ibis.coalesce(credit["full_name"].nullif(""), credit["name"])
            case "x_CreditType":
                return credit["type"]
            case "CommitmentDiscountId":
                return ibis.cases((credit["type"].isin(tuple(m.CUD_CREDITS)), credit["id"]), else_=ibis.null(dt.string))
            case "CommitmentDiscountName":
                return ibis.cases((credit["type"].isin(tuple(m.CUD_CREDITS)), credit["name"]), else_=ibis.null(dt.string))
            case "CommitmentDiscountCategory":
                return credit["type"].cases(*m.CUD_CREDITS.items(), else_=ibis.null(dt.string))
            case "CommitmentDiscountType":
                return ibis.cases((credit["type"].isin(tuple(m.CUD_CREDITS)), m.COMMITMENT_TYPE), else_=ibis.null(dt.string))
            case ("PricingCategory" | "PricingQuantity" | "PricingUnit" | "ConsumedQuantity" | "ConsumedUnit"
                  | "ListUnitPrice" | "ContractedUnitPrice" | "CommitmentDiscountStatus" | "SkuPriceDetails"):
                return null(name)
        return _SAME

    def _column(self, raw: ir.Table, name: str, mappings: Mappings, strict: bool) -> ir.Value | None:  # noqa: C901
        def category():
            base = self.cost_type(raw).cases(*m.COST_TYPES.items(), else_=ibis.literal("Adjustment"))
            return ibis.cases((self._fee(raw), "Purchase"), else_=base)

        def usage():
            return category() == "Usage"

        def cost():
            return self.number(raw, "cost", strict)

        match name:
            case "BilledCost" | "EffectiveCost" | "ContractedCost":
                return cost()
            case "ListCost":
                return ibis.coalesce(self.number(raw, "costatlist", strict), cost()) if self.has("costatlist") else cost()
            case "ContractedUnitPrice":
                return ibis.cases((usage(), self.number(raw, "priceeffectiveprice", strict)), else_=ibis.null(MONEY))
            case "PricingQuantity":
                return ibis.cases((category().isin(("Usage", "Purchase")), self.number(raw, "usageamountinpricingunits", strict)),
                                  else_=ibis.null(MONEY))
            case "PricingUnit":
                unit = self.unit(raw, self.text(raw, "usagepricingunit"), mappings)
                return ibis.cases((category().isin(("Usage", "Purchase")), unit), else_=ibis.null(dt.string))
            case "ConsumedQuantity":
                return ibis.cases((usage(), self.number(raw, "usageamount", strict)), else_=ibis.null(MONEY))
            case "ConsumedUnit":
                unit = self.text(raw, "usageunit")
                if "ConsumedUnit" in mappings.values:
                    unit = v.remap(unit, mappings.values["ConsumedUnit"])
                return ibis.cases((usage(), unit), else_=ibis.null(dt.string))
            case "ChargeCategory":
                return category()
            case "ChargeClass":
                corrected = ibis.coalesce(self.first_text(raw, "adjustmentinfoid"),
                                          self.first_text(raw, "adjustmentinfodescription")).notnull()
                return ibis.cases((corrected & (category() == "Adjustment"), "Correction"), else_=ibis.null(dt.string))
            case "ChargeFrequency":
                return ibis.cases((usage(), "Usage-Based"), (category() == "Purchase", "Recurring"), else_="One-Time")
            case "PricingCategory":
                sku = self.text(raw, "skudescription")
                return ibis.cases(
                    (category() == "Purchase", "Standard"),
                    (usage() & self._cud(raw).notnull(), "Committed"),
                    (usage() & sku.re_search(m.SPOT_SKU_SQL).fill_null(False), "Dynamic"),
                    (usage(), "Standard"),
                    else_=ibis.null(dt.string),
                )
            case "CommitmentDiscountId":
                fee_id = ibis.coalesce(self.first_text(raw, "subscriptioninstanceid"), self.text(raw, "skuid"))
                return ibis.cases((self._fee(raw), fee_id), (usage(), self._cud(raw)["id"]), else_=ibis.null(dt.string))
            case "CommitmentDiscountName":
                return ibis.cases((self._fee(raw), self.text(raw, "skudescription")), (usage(), self._cud(raw)["name"]),
                                  else_=ibis.null(dt.string))
            case "CommitmentDiscountCategory":
                spend = self.text(raw, "skudescription").re_search(m.SPEND_COMMITMENT_SQL).fill_null(False)
                return ibis.cases(
                    (self._fee(raw) & spend, "Spend"), (self._fee(raw), "Usage"),
                    (usage(), self._cud(raw)["type"].cases(*m.CUD_CREDITS.items(), else_=ibis.null(dt.string))),
                    else_=ibis.null(dt.string))
            case "CommitmentDiscountType":
                has_id = self.column(raw, "CommitmentDiscountId", mappings, strict).notnull()
                return ibis.cases((has_id, m.COMMITMENT_TYPE), else_=ibis.null(dt.string))
            case "CommitmentDiscountStatus":
                return ibis.cases((usage() & self._cud(raw).notnull(), "Used"), else_=ibis.null(dt.string))
            case "BillingAccountId":
                return self.text(raw, "billingaccountid")
            case "BillingAccountType":
                return ibis.literal("Billing Account")
            case "SubAccountId":
                return self.first_text(raw, "projectid")
            case "SubAccountName":
                return self.first_text(raw, "projectname")
            case "SubAccountType":
                return ibis.cases((self.first_text(raw, "projectid").notnull(), "Project"), else_=ibis.null(dt.string))
            case "BillingCurrency" | "PricingCurrency":
                return self.text(raw, "currency")
            case "BillingPeriodStart":
                return self.parse_month(raw, strict)
            case "BillingPeriodEnd":
                return self.parse_month(raw, strict, months=1)
            case "ChargePeriodStart":
                return self.time(raw, "usagestarttime", strict)
            case "ChargePeriodEnd":
                return self.time(raw, "usageendtime", strict)
            case "ChargeDescription":
                return self.text(raw, "skudescription")
            case "InvoiceIssuerName" | "ProviderName" | "ServiceProviderName":
                return ibis.literal("Google Cloud")
            case "PublisherName":
                third_party = self.first_text(raw, "transactiontype").startswith("THIRD_PARTY").fill_null(False)
                return ibis.cases((third_party, ibis.coalesce(self.first_text(raw, "sellername"), ibis.literal("Google Cloud"))),
                                  else_="Google Cloud")
            case "ServiceName":
                return self.text(raw, "servicedescription")
            case "ServiceCategory":
                service = self.text(raw, "servicedescription")
                return service.cases(*m.service_categories().items(), else_=ibis.literal("Other"))
            case "ServiceSubcategory":
                return self.subcategory(raw, mappings, strict)
            case "RegionId":
                return ibis.coalesce(self.first_text(raw, "locationregion"), self.first_text(raw, "locationlocation"))
            case "RegionName":
                region = self.column(raw, "RegionId", mappings, strict)
                return region.cases(*m.REGIONS.items(), else_=region)
            case "AvailabilityZone":
                return self.first_text(raw, "locationzone")
            case "ResourceId":
                return self.first_text(raw, "resourceglobalname")
            case "ResourceName":
                return self.first_text(raw, "resourcename")
            case "SkuId":
                return self.text(raw, "skuid")
            case "SkuMeter":
                return self.text(raw, "skudescription")
            case "SkuPriceDetails":
                return self._token_details(raw)
            case "Tags":
                return self._tags(raw)
        return None

    def _token_details(self, raw: ir.Table) -> ir.StringValue:
        """Vertex AI and Gemini token SKUs as SkuPriceDetails: the model and the token type."""
        sku = self.text(raw, "skudescription")
        ai = self.text(raw, "servicedescription").isin(m.AI_TOKEN_SERVICES).fill_null(False)
        found = ai & sku.re_search(m.TOKEN_SKU_SQL).fill_null(False)
        model = sku.re_extract(m.TOKEN_SKU_SQL, 1).strip().lower().re_replace(r"\s+", "-")
        kind = ibis.cases((sku.re_extract(m.TOKEN_SKU_SQL, 2) != "", "cache-read"),
                          else_=sku.re_extract(m.TOKEN_SKU_SQL, 3).lower())
        details = ibis.struct({"ModelId": model, "TokenType": kind}).cast(dt.json)
        return ibis.cases((found, json_merge_patch(ibis.literal("{}").cast(dt.json), details).cast(dt.string)),
                          else_=ibis.null(dt.string))

    def _tags(self, raw: ir.Table) -> ir.StringValue | None:
        """Project labels, then system labels, then the resource's own labels (which win), as one object."""
        parts = []
        for key in ("projectlabels", "systemlabels", "labels"):
            value = self.raw(raw, key)
            if value is None:
                continue
            text = _json_text(value)
            entries = ibis.cases(((text == "") | text.isnull(), ibis.literal([], type=dt.Array(LABEL))),
                                 else_=_labels_json(text, _LABEL_SHAPE))
            parts.append(_entries_map(entries).cast(dt.json))
        return merge_json(parts)

    # -- profiling ------------------------------------------------------------------------------------

    def profile_keys(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        none = Mappings()
        keys: dict[str, ir.Value] = {
            name: self.column(raw, name, none, strict=False)
            for name in ("ProviderName", "BillingAccountId", "BillingPeriodStart", "ServiceName", "ChargeCategory",
                         "ChargeFrequency", "PricingCategory", "CommitmentDiscountCategory",
                         "CommitmentDiscountStatus", "ServiceCategory", "ChargeClass")
        }
        keys["PricingUnit"] = self.text(raw, "usagepricingunit")
        keys["ConsumedUnit"] = self.text(raw, "usageunit")
        keys["BillingCurrency"] = self.text(raw, "currency")
        keys["__subcategory_missing"] = ibis.literal(True)
        return keys

    def profile_flags(self, raw: ir.Table) -> Mapping[str, ir.BooleanValue]:
        return {"credits": self.credits(raw).length().fill_null(0) > 0, "fees": self._fee(raw)}

    def describe_flag(self, flag: str, count: int) -> str:
        if flag == "credits":
            return (f"{count:,} rows carry credits: each credit is a ledger row of its own (ChargeCategory Credit, "
                    f"its kind in x_CreditType), so the ledger's total is the net cost.")
        return (f"{count:,} committed use discount fee rows: ChargeCategory Purchase, ChargeFrequency Recurring; "
                f"their EffectiveCost is the fee, since the export does not spread it over the usage it covers.")

    def source_amounts(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        """The export's net cost: cost plus its credits; one ledger row per file row and per credit."""
        net = self.number(raw, "cost", strict=False) + self.credit_sum(raw, strict=False)
        return {"billed": net, "effective": net, "rows": self.credits(raw).length().fill_null(0) + 1}

    def missing(self, raw: ir.Table, name: str) -> ir.BooleanValue:
        """Where ``name`` would have no value: also on a credit's own row, for a credit without an amount
        (its row's costs would be null: the load stops instead)."""
        base = super().missing(raw, name)
        if name in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
            no_amount = self.credits(raw).filter(lambda c: c["amount"].isnull()).length() > 0
            return base | no_amount.fill_null(False)
        return base

    def conversions(self, raw: ir.Table) -> list[tuple[str, str, str, ir.Value]]:
        out = super().conversions(raw)
        if "invoicemonth" in self.columns:
            col = self.columns["invoicemonth"]
            out.append((col, col, "datetime", self.parse_month(raw, strict=False)))
        return out


_SAME = object()


class GcpSource(NativeSource):
    """Reads Google Cloud Billing exports: standard and detailed, as NDJSON, Parquet or flattened CSV."""

    name: ClassVar[str] = "gcp"
    description: ClassVar[str] = (
        "Google Cloud Billing export to BigQuery (standard and detailed usage cost): newline-delimited JSON or "
        "Parquet with nested records, or flattened CSV (service.description, credits as text); each credit "
        "becomes a ledger row."
    )
    FORMATS = ("csv", "parquet", "json")
    REQUIRED = m.REQUIRED
    LAYOUT = "GCP billing export"
    HINT = "A Cloud Billing export (standard or detailed usage cost) must have these columns."

    def found(self, info: FileInfo) -> set[str]:
        """The export's fields ``info`` has: flattened columns, or the records that hold them."""
        keys = {m.canonical(c) for c in info.columns}
        return {k for k, path in m.PATHS.items() if k in keys or m.canonical(path[0]) in keys}

    def plan(self, info: FileInfo) -> GcpPlan:
        self.require(info)
        columns = {}
        for col in info.columns:
            columns.setdefault(m.canonical(col), col)
        nested = any(m.canonical(m.PATHS[k][0]) in columns and m.canonical(m.PATHS[k][0]) != k
                     for k in ("servicedescription", "skudescription"))
        flavour = "nested records" if nested else "flattened"
        plan = GcpPlan(info, columns, f"GCP billing export ({flavour})")
        plan.notes.append(f"Google Cloud Billing export, {flavour} ({info.format}).")
        return plan

