"""Oracle Cloud Infrastructure cost reports (CSV, CSV.gz) into FOCUS rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Mapping

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.ingest.base import Mappings
from spendscope.ingest.files import FileInfo
from spendscope.ingest.sources.native import MONEY, NativePlan, NativeSource, json_object, merge_json, split_tags
from spendscope.ingest.sources.oci import mapping as m
from spendscope.normalize import values as v

_MINUTES = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2})(Z|[+-][0-9:]+)?$"


@dataclass
class OciPlan(NativePlan):
    """How one OCI cost report maps to the ledger."""

    tags: dict[str, str] = field(default_factory=dict)  # the file's tag column -> tag key

    source: ClassVar[str] = "oci"
    NUMBERS = ("costmycost", "usagebilledquantity", "costunitprice", "usageconsumedquantity")
    DATES = ("lineitemintervalusagestart", "lineitemintervalusageend")
    RAW_OF = {"BilledCost": "costmycost", "EffectiveCost": "costmycost", "ListCost": "costmycost",
              "ContractedCost": "costmycost", "ChargePeriodStart": "lineitemintervalusagestart",
              "ChargePeriodEnd": "lineitemintervalusageend", "BillingPeriodStart": "lineitemintervalusagestart",
              "BillingPeriodEnd": "lineitemintervalusagestart"}

    def parse_time(self, value: ir.Value, strict: bool) -> ir.TimestampValue:
        """ISO 8601, also to the minute as OCI writes it (``2022-04-21T18:00Z``)."""
        if value.type().is_string():
            value = v.text(value).re_replace(_MINUTES, r"\1:00\2")
        return v.timestamp(value, strict=strict)

    def currency(self, raw: ir.Table) -> ir.StringValue:
        """The tenancy's currency: OCI leaves it blank on some rows that cost nothing."""
        given = self.text(raw, "costcurrencycode")
        return ibis.coalesce(given, given.max().over(ibis.window(group_by=[self.text(raw, "lineitemtenantid")])))

    def _column(self, raw: ir.Table, name: str, mappings: Mappings, strict: bool) -> ir.Value | None:  # noqa: C901
        def cost():
            return self.number(raw, "costmycost", strict)

        def quantity():
            return self.number(raw, "usagebilledquantity", strict)

        def unit():
            text = self.first_text(raw, "costskuunitdescription", "costbillingunitreadable", "usageconsumedquantityunits")
            return self.unit(raw, text, mappings)

        match name:
            case "BilledCost" | "EffectiveCost" | "ListCost" | "ContractedCost":
                return cost()
            case "ContractedUnitPrice":
                return self.number(raw, "costunitprice", strict)
            case "PricingQuantity" | "ConsumedQuantity":
                return quantity()
            case "PricingUnit" | "ConsumedUnit":
                return unit()
            case "ChargeCategory":
                return ibis.literal("Usage")
            case "ChargeClass":
                corrected = self.text(raw, "lineitemiscorrection").lower() == "true"
                return ibis.cases((corrected.fill_null(False), "Correction"), else_=ibis.null(dt.string))
            case "ChargeFrequency":
                return ibis.literal("Usage-Based")
            case "PricingCategory":
                return ibis.literal("Standard")
            case "BillingAccountId":
                return ibis.coalesce(self.first_text(raw, "costsubscriptionid"), self.text(raw, "lineitemtenantid"))
            case "BillingAccountType":
                return ibis.literal("Subscription")
            case "SubAccountId":
                return self.text(raw, "lineitemtenantid")
            case "SubAccountType":
                return ibis.literal("Tenancy")
            case "BillingCurrency" | "PricingCurrency":
                return self.currency(raw)
            case "BillingPeriodStart":
                return self.time(raw, "lineitemintervalusagestart", strict).truncate("M")
            case "BillingPeriodEnd":
                return self.time(raw, "lineitemintervalusagestart", strict).truncate("M") + ibis.interval(months=1)
            case "ChargePeriodStart":
                return self.time(raw, "lineitemintervalusagestart", strict)
            case "ChargePeriodEnd":
                return self.time(raw, "lineitemintervalusageend", strict)
            case "ChargeDescription" | "SkuMeter":
                return self.first_text(raw, "productdescription", "productresource")
            case "InvoiceIssuerName" | "ProviderName" | "ServiceProviderName" | "PublisherName":
                return ibis.literal("Oracle")
            case "ServiceName":
                return self.text(raw, "productservice")
            case "ServiceCategory":
                return self.text(raw, "productservice").upper().cases(*m.SERVICE_CATEGORIES.items(),
                                                                       else_=ibis.literal("Other"))
            case "ServiceSubcategory":
                return self.subcategory(raw, mappings, strict)
            case "RegionId" | "RegionName":
                return self.first_text(raw, "productregion")
            case "AvailabilityZone":
                return self.first_text(raw, "productavailabilitydomain")
            case "ResourceId":
                return self.first_text(raw, "productresourceid")
            case "SkuId":
                return self.first_text(raw, "costproductsku")
            case "Tags":
                if not self.tags:
                    return None
                return merge_json([json_object({key: v.text(raw[col]) for col, key in self.tags.items()})])
        return None

    def profile_keys(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        none = Mappings()
        keys: dict[str, ir.Value] = {
            name: self.column(raw, name, none, strict=False)
            for name in ("ProviderName", "BillingAccountId", "BillingPeriodStart", "ServiceName", "ChargeCategory",
                         "ChargeFrequency", "PricingCategory", "ServiceCategory", "ChargeClass")
        }
        keys["PricingUnit"] = self.first_text(raw, "costskuunitdescription", "costbillingunitreadable",
                                              "usageconsumedquantityunits")
        keys["BillingCurrency"] = self.currency(raw)
        keys["__subcategory_missing"] = ibis.literal(True)
        return keys

    def profile_flags(self, raw: ir.Table) -> Mapping[str, ir.BooleanValue]:
        return {"corrections": (self.text(raw, "lineitemiscorrection").lower() == "true").fill_null(False)}

    def describe_flag(self, flag: str, count: int) -> str:
        return f"{count:,} correction rows (lineItem/isCorrection): ChargeClass Correction."

    def source_amounts(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        cost = self.number(raw, "costmycost", strict=False).cast(MONEY)
        return {"billed": cost, "effective": cost}


class OciSource(NativeSource):
    """Reads Oracle Cloud Infrastructure cost reports."""

    name: ClassVar[str] = "oci"
    description: ClassVar[str] = (
        "Oracle Cloud Infrastructure cost reports (reports/cost-csv, CSV or CSV.gz): lineItem/, product/, usage/, "
        "cost/ and tags/ columns, any casing."
    )
    # OCI writes a report every six hours with the usage since the last one, and corrections as new
    # rows: each report adds to its month instead of restating it (the same file twice is still
    # recognised by its content).
    ADDITIVE: ClassVar[bool] = True
    REQUIRED = m.REQUIRED
    LAYOUT = "OCI cost report"
    HINT = "An OCI cost report (reports/cost-csv) must have these columns."

    def plan(self, info: FileInfo) -> OciPlan:
        self.require(info)
        columns, tags = split_tags(info, m.tag_key)
        plan = OciPlan(info, columns, "OCI cost report", tags=tags)
        plan.notes.append(f"OCI cost report; {len(tags)} tag columns.")
        return plan
