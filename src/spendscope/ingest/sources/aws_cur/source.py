"""AWS Cost and Usage Reports (legacy CSV, Athena/Parquet snake_case, CUR 2.0) into FOCUS rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Mapping

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.focus.columns import COLUMNS
from spendscope.ingest.base import Mappings
from spendscope.ingest.files import FileInfo
from spendscope.ingest.sources.aws_cur import mapping as m
from spendscope.normalize import values as v
from spendscope.ingest.sources.native import NativeSource, json_object, split_tags
from spendscope.normalize.jsontext import json_merge_patch

ZERO = ibis.literal(0, type=dt.Decimal(38, 18))
# Set by ``CurPlan.expand``: 0 for a file row, 1 for the unused-commitment row split off a fee row.
PART = "__spendscope_part"
COMMITMENT_FEES = ("RIFee", "SavingsPlanRecurringFee")
_NULLS = {"decimal": dt.Decimal(38, 18), "datetime": dt.Timestamp(timezone="UTC"), "integer": dt.int64}
# The row ``expand`` splits off a commitment's fee row: the FOCUS "Unused" commitment row.
_UNUSED_ROW: dict[str, object] = {
    "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "Committed",
    "CommitmentDiscountStatus": "Unused", "BilledCost": 0, "EffectiveCost": "unused", "ListCost": 0,
    "ContractedCost": 0, "PricingQuantity": 0, "ConsumedQuantity": None, "ConsumedUnit": None,
    "ChargeClass": None,
}
# Raw columns converted to numbers or datetimes, for the diagnostics of a failed load.
_NUMBERS = (
    "lineitemunblendedcost", "lineitemusageamount", "lineitemunblendedrate", "pricingpublicondemandcost",
    "pricingpublicondemandrate", "reservationeffectivecost", "savingsplansavingsplaneffectivecost",
    "savingsplantotalcommitmenttodate", "savingsplanusedcommitment",
    "reservationunusedamortizedupfrontfeeforbillingperiod", "reservationunusedrecurringfee",
)
_DATES = ("lineitemusagestartdate", "lineitemusageenddate", "billbillingperiodstartdate", "billbillingperiodenddate")
# Ledger columns computed from one raw number or date: missing where that text is.
_RAW_OF = {
    "BilledCost": "lineitemunblendedcost", "EffectiveCost": "lineitemunblendedcost", "ListCost": "lineitemunblendedcost",
    "ContractedCost": "lineitemunblendedcost",
    "BillingPeriodStart": "billbillingperiodstartdate", "BillingPeriodEnd": "billbillingperiodenddate",
    "ChargePeriodStart": "lineitemusagestartdate", "ChargePeriodEnd": "lineitemusageenddate",
}


@dataclass
class CurPlan:
    """How one CUR file maps to the ledger."""

    info: FileInfo
    columns: dict[str, str]  # canonical key -> the file's column name
    tags: dict[str, str]  # the file's tag column -> tag key
    format_version: str
    source: str = "aws_cur"
    notes: list[str] = field(default_factory=list)

    # -- raw access ----------------------------------------------------------------------------

    def raw(self, raw: ir.Table, key: str) -> ir.Value | None:
        name = self.columns.get(key)
        if name is not None:
            return raw[name]
        # CUR 2.0 keeps most product attributes in the ``product`` map: product_product_name -> product['product_name']
        if key.startswith("product") and "product" in self.columns and raw[self.columns["product"]].type().is_map():
            attr = {"productproductname": "product_name", "productregion": "region", "productlocation": "location",
                    "productregioncode": "region_code"}.get(key)
            if attr:
                return raw[self.columns["product"]].get(attr)
        return None

    def text(self, raw: ir.Table, key: str) -> ir.StringValue:
        value = self.raw(raw, key)
        return ibis.null(dt.string) if value is None else v.text(value)

    def prepare(self, raw: ir.Table) -> ir.Table:
        """The file with what many columns share computed once per row, as ``__h_*`` columns.

        Every cost column reads the unblended cost (several the public on-demand cost), and CUR writes
        small amounts in scientific notation (``1.81E-8``); half the columns depend on the line item
        type; the service category is a lookup over 200 product codes. Computing each once, instead
        of inline in every column that uses it, made a million-row CUR ingest 34 s -> 13.6 s and the
        generated SQL 20 times smaller (bench/cur.py). Numbers convert strictly: a malformed one fails
        the load, and the diagnostics (which read the file without this) name it."""
        helpers = {f"__h_n_{key}": v.decimal(raw[self.columns[key]], strict=True, scientific=True)
                   for key in _NUMBERS if key in self.columns}
        helpers["__h_lit"] = self.line_item_type(raw)
        prepared = raw.mutate(**helpers)
        return prepared.mutate(__h_category=self._by_type(prepared, 0), __h_kind=self._by_type(prepared, 3),
                               __h_service_category=self._service_category(prepared))

    def _service_category(self, raw: ir.Table) -> ir.StringValue:
        if "__h_service_category" in raw.columns:
            return raw["__h_service_category"]
        code = self.text(raw, "lineitemproductcode")
        known = code.cases(*m.service_categories().items(), else_=ibis.null(dt.string))
        # Bedrock models sold through AWS Marketplace have a Marketplace product code of their own: only
        # rows whose code is not in the table look at the product name (a million rows, no regex)
        bedrock = self.text(raw, "productproductname").endswith(m.BEDROCK_EDITION).fill_null(False)
        return ibis.coalesce(known, ibis.cases((bedrock, ibis.literal("AI and Machine Learning")), else_=ibis.literal("Other")))

    def number(self, raw: ir.Table, key: str, strict: bool = True) -> ir.DecimalValue:
        if f"__h_n_{key}" in raw.columns:
            return raw[f"__h_n_{key}"]
        value = self.raw(raw, key)
        return ibis.null(_NULLS["decimal"]) if value is None else v.decimal(value, strict=strict, scientific=True)

    def time(self, raw: ir.Table, key: str, strict: bool = True) -> ir.TimestampValue:
        value = self.raw(raw, key)
        return ibis.null(_NULLS["datetime"]) if value is None else v.timestamp(value, strict=strict)

    def line_item_type(self, raw: ir.Table) -> ir.StringValue:
        if "__h_lit" in raw.columns:
            return raw["__h_lit"]
        return self.text(raw, "lineitemlineitemtype")

    def _by_type(self, raw: ir.Table, index: int) -> ir.StringValue:
        """A column decided by the line item type (see ``mapping.LINE_ITEM_TYPES``)."""
        helper = {0: "__h_category", 3: "__h_kind"}.get(index)
        if helper in raw.columns:
            return raw[helper]
        lit = self.line_item_type(raw)
        cases = []
        for name, spec in m.LINE_ITEM_TYPES.items():
            cases.append((name, ibis.literal(spec[index], type=dt.string)))
        unknown = m.UNKNOWN_TYPE[index]
        return lit.cases(*cases, else_=ibis.literal(unknown, type=dt.string))

    # -- costs ---------------------------------------------------------------------------------

    def billed(self, raw: ir.Table, strict: bool = True) -> ir.DecimalValue:
        return self.number(raw, "lineitemunblendedcost", strict)

    def unused(self, raw: ir.Table, strict: bool = True) -> ir.DecimalValue:
        """The unused part of a commitment, on its fee rows (RIFee, SavingsPlanRecurringFee); else 0."""
        lit = self.line_item_type(raw)
        n = lambda key: self.number(raw, key, strict).fill_null(ZERO)  # noqa: E731
        return ibis.cases(
            (lit == "SavingsPlanRecurringFee", n("savingsplantotalcommitmenttodate") - n("savingsplanusedcommitment")),
            (lit == "RIFee", n("reservationunusedamortizedupfrontfeeforbillingperiod") + n("reservationunusedrecurringfee")),
            else_=ZERO,
        ).cast(_NULLS["decimal"])

    def effective(self, raw: ir.Table, strict: bool = True) -> ir.DecimalValue:
        """Amortised cost (AWS CUR user guide; focus_converters' EffectiveCost rule), per file row.

        The unused part of a commitment is the fee row's here; in the ledger it moves to the row
        ``expand`` splits off, so the fee itself (a Purchase) has EffectiveCost 0 as FOCUS requires.
        """
        lit = self.line_item_type(raw)
        n = lambda key: self.number(raw, key, strict).fill_null(ZERO)  # noqa: E731
        ri_arn = self.text(raw, "reservationreservationarn")
        return ibis.cases(
            (lit == "SavingsPlanCoveredUsage", n("savingsplansavingsplaneffectivecost")),
            (lit.isin(COMMITMENT_FEES), self.unused(raw, strict)),
            (lit.isin(("SavingsPlanNegation", "SavingsPlanUpfrontFee")), ZERO),
            (lit == "DiscountedUsage", n("reservationeffectivecost")),
            ((lit == "Fee") & ri_arn.notnull(), ZERO),
            else_=self.billed(raw, strict),
        ).cast(_NULLS["decimal"])

    def expand(self, raw: ir.Table) -> ir.Table:
        """Each fee row with unused commitment gets a second ledger row: FOCUS's "Unused" usage row,
        BilledCost 0 and EffectiveCost the unused amount (one scan: the rows are unnested, not unioned)."""
        parts = ibis.cases((self._splits(raw), ibis.literal([0, 1], type=dt.Array(dt.int8))),
                           else_=ibis.literal([0], type=dt.Array(dt.int8)))
        return raw.mutate(**{PART: parts.unnest()})

    def _splits(self, raw: ir.Table) -> ir.BooleanValue:
        """Whether a file row is a commitment fee with unused commitment (two ledger rows)."""
        lit = self.line_item_type(raw)
        return lit.isin(COMMITMENT_FEES).fill_null(False) & (self.unused(raw, strict=False).fill_null(ZERO) != ZERO)

    def _unused_row(self, raw: ir.Table) -> ir.BooleanValue | None:
        return (raw[PART] == 1) if PART in raw.columns else None

    # -- the ledger's columns --------------------------------------------------------------------

    def column(self, raw: ir.Table, name: str, mappings: Mappings, strict: bool = True) -> ir.Value:
        spec = COLUMNS[name]
        null = ibis.null(_NULLS.get(spec.data_type, dt.string))
        value = self._column(raw, name, mappings, strict)
        value = null if value is None else value
        unused = self._unused_row(raw)
        if unused is not None and name in _UNUSED_ROW:
            special = _UNUSED_ROW[name]
            if special == "unused":
                special = self.unused(raw, strict)
            elif special is None:
                special = null
            else:
                special = ibis.literal(special).cast(value.type())
            if name == "EffectiveCost":  # the fee row itself: the unused part moved to its own row
                value = ibis.cases((self.line_item_type(raw).isin(COMMITMENT_FEES), ZERO), else_=value)
            return ibis.cases((unused, special), else_=value)
        return value

    def _column(self, raw: ir.Table, name: str, mappings: Mappings, strict: bool) -> ir.Value | None:  # noqa: C901
        # Built only where a column needs them: each expression reads only the columns it names.
        def lit():
            return self.line_item_type(raw)

        def category():
            return self._by_type(raw, 0)

        def kind():
            return self._by_type(raw, 3)

        def usage():
            return lit().isin(("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"))

        def billed():
            return self.billed(raw, strict)

        def quantity():
            return self.number(raw, "lineitemusageamount", strict)

        def unit():
            text = self.text(raw, "pricingunit")
            if "PricingUnit" in mappings.values:  # the profile's unit rewrites ("Hrs" -> "Hours")
                text = v.remap(text, mappings.values["PricingUnit"])
            return text

        match name:
            case "BilledCost":
                return billed()
            case "EffectiveCost":
                return self.effective(raw, strict)
            case "ListCost":
                public = self.number(raw, "pricingpublicondemandcost", strict)
                return ibis.cases(
                    (lit() == "SavingsPlanNegation", ZERO),
                    (category() == "Credit", billed()),
                    (usage() | (category() == "Purchase"), public.fill_null(billed())),
                    else_=billed(),
                )
            case "ContractedCost":
                public = self.number(raw, "pricingpublicondemandcost", strict)
                return ibis.cases(
                    (lit() == "SavingsPlanNegation", ZERO),
                    (lit() == "DiscountedUsage", public.fill_null(billed())),
                    else_=billed(),
                )
            case "ListUnitPrice":
                return ibis.cases((usage(), self.number(raw, "pricingpublicondemandrate", strict)), else_=ibis.null(_NULLS["decimal"]))
            case "ContractedUnitPrice":
                return ibis.cases(
                    (lit() == "DiscountedUsage", self.number(raw, "pricingpublicondemandrate", strict)),
                    (usage(), self.number(raw, "lineitemunblendedrate", strict)),
                    else_=ibis.null(_NULLS["decimal"]),
                )
            case "PricingQuantity":
                return ibis.cases(((category() == "Usage") | (category() == "Purchase"), quantity()), else_=ibis.null(_NULLS["decimal"]))
            case "PricingUnit":
                return ibis.cases(((category() == "Usage") | (category() == "Purchase"), unit()), else_=ibis.null(dt.string))
            case "ConsumedQuantity":
                return ibis.cases((usage(), quantity()), else_=ibis.null(_NULLS["decimal"]))
            case "ConsumedUnit":
                return ibis.cases((usage(), unit()), else_=ibis.null(dt.string))
            case "ChargeCategory":
                return category()
            case "ChargeClass":
                # a refund or credit for usage() before this billing period corrects an earlier invoice
                earlier = self.time(raw, "lineitemusagestartdate", strict) < self.time(raw, "billbillingperiodstartdate", strict)
                return ibis.cases(((category() == "Credit") & earlier.fill_null(False), "Correction"), else_=ibis.null(dt.string))
            case "ChargeFrequency":
                return self._by_type(raw, 1)
            case "PricingCategory":
                spot = self.text(raw, "lineitemusagetype").contains("SpotUsage").fill_null(False)
                return ibis.cases(((lit() == "Usage") & spot, "Dynamic"), else_=self._by_type(raw, 2))
            case "CommitmentDiscountId":
                return ibis.cases(
                    (kind() == "sp", self.text(raw, "savingsplansavingsplanarn")),
                    (kind() == "ri", self.text(raw, "reservationreservationarn")),
                    ((lit() == "Fee"), self.text(raw, "reservationreservationarn")),
                    else_=ibis.null(dt.string),
                )
            case "CommitmentDiscountType" | "CommitmentDiscountCategory":
                labels = m.COMMITMENT_TYPES if name == "CommitmentDiscountType" else m.COMMITMENT_CATEGORIES
                has_id = self.column(raw, "CommitmentDiscountId", mappings, strict).notnull()
                ri_fee = (lit() == "Fee") & self.text(raw, "reservationreservationarn").notnull()
                return ibis.cases(
                    (has_id & (kind() == "sp"), labels["sp"]),
                    (has_id & ((kind() == "ri") | ri_fee), labels["ri"]),
                    else_=ibis.null(dt.string),
                )
            case "CommitmentDiscountStatus":
                has_id = self.column(raw, "CommitmentDiscountId", mappings, strict).notnull()
                return ibis.cases((has_id & (category() == "Usage"), "Used"), else_=ibis.null(dt.string))
            case "BillingAccountId":
                return self.text(raw, "billpayeraccountid")
            case "BillingAccountName":
                return self.text(raw, "billpayeraccountname")
            case "SubAccountId":
                return self.text(raw, "lineitemusageaccountid")
            case "SubAccountName":
                return self.text(raw, "lineitemusageaccountname")
            case "BillingCurrency":
                return self.text(raw, "lineitemcurrencycode")
            case "PricingCurrency":
                return ibis.coalesce(self.text(raw, "pricingcurrency"), self.text(raw, "lineitemcurrencycode"))
            case "BillingPeriodStart":
                return self.time(raw, "billbillingperiodstartdate", strict)
            case "BillingPeriodEnd":
                return self.time(raw, "billbillingperiodenddate", strict)
            case "ChargePeriodStart":
                return self.time(raw, "lineitemusagestartdate", strict)
            case "ChargePeriodEnd":
                return self.time(raw, "lineitemusageenddate", strict)
            case "ChargeDescription":
                return self.text(raw, "lineitemlineitemdescription")
            case "InvoiceId":
                return self.text(raw, "billinvoiceid")
            case "InvoiceIssuerName":
                return ibis.coalesce(self.text(raw, "billinvoicingentity"), ibis.literal("Amazon Web Services, Inc."))
            case "ProviderName" | "ServiceProviderName":
                return ibis.literal("AWS")
            case "PublisherName":
                # Marketplace rows name their seller; AWS's own services, AWS
                marketplace = self.text(raw, "billbillingentity") == "AWS Marketplace"
                return ibis.cases((marketplace.fill_null(False), self.text(raw, "lineitemlegalentity")), else_="AWS")
            case "ServiceName":
                return ibis.coalesce(self.text(raw, "productproductname"), self.text(raw, "productservicename"),
                                     self.text(raw, "lineitemproductcode"))
            case "ServiceCategory":
                return self._service_category(raw)
            case "ServiceSubcategory":
                if not mappings.subcategories:
                    return None
                service = self.column(raw, "ServiceName", mappings, strict)
                service_category = self.column(raw, "ServiceCategory", mappings, strict)
                lookup = {f"{s}\x1f{c}": sub for (s, c), sub in mappings.subcategories.items()}
                bedrock = service.endswith(m.BEDROCK_EDITION).fill_null(False)
                return ibis.cases((bedrock, ibis.literal("Generative AI")),
                                  else_=service.concat("\x1f", service_category).cases(*lookup.items(),
                                                                                       else_=ibis.null(dt.string)))
            case "RegionId":
                return ibis.coalesce(self.text(raw, "productregioncode"), self.text(raw, "productregion"))
            case "RegionName":
                return self.text(raw, "productlocation")
            case "AvailabilityZone":
                return self.text(raw, "lineitemavailabilityzone")
            case "ResourceId":
                return self.text(raw, "lineitemresourceid")
            case "SkuId":
                return self.text(raw, "productsku")
            case "SkuPriceId":
                return ibis.coalesce(self.text(raw, "pricingratecode"), self.text(raw, "pricingrateid"))
            case "SkuMeter":
                return self.text(raw, "lineitemusagetype")
            case "SkuPriceDetails":
                return self._token_details(raw)
            case "Tags":
                return self._tags(raw)
            case "x_CreditType":  # Credit, Refund, BundledDiscount, EdpDiscount, ...
                return ibis.cases((category() == "Credit", lit()), else_=ibis.null(dt.string))
        return None

    def _token_details(self, raw: ir.Table) -> ir.StringValue:
        """Bedrock token usage types as SkuPriceDetails: the model and the token type."""
        usage_type = self.text(raw, "lineitemusagetype")
        product = self.text(raw, "productproductname")
        model = ibis.cases(
            (usage_type.re_search(m.BEDROCK_TOKEN_SQL).fill_null(False), usage_type.re_extract(m.BEDROCK_TOKEN_SQL, 1)),
            (usage_type.re_search(m.MARKETPLACE_TOKEN_SQL).fill_null(False),
             product.re_replace(m.BEDROCK_EDITION_SQL, "")),
            else_=ibis.null(dt.string),
        )
        kind = ibis.cases(
            (usage_type.re_search(m.BEDROCK_TOKEN_SQL).fill_null(False), usage_type.re_extract(m.BEDROCK_TOKEN_SQL, 2).lower()),
            (usage_type.re_search(m.MARKETPLACE_TOKEN_SQL).fill_null(False),
             usage_type.re_extract(m.MARKETPLACE_TOKEN_SQL, 1).lower().replace("_", "")
             .replace("cachereadinput", "cache-read").replace("cachewriteinput", "cache-write")),
            else_=ibis.null(dt.string),
        )
        details = ibis.struct({"ModelId": model, "TokenType": kind}).cast(dt.json)
        return ibis.cases((model.notnull(), json_merge_patch(ibis.literal("{}").cast(dt.json), details).cast(dt.string)),
                          else_=ibis.null(dt.string))

    def _tags(self, raw: ir.Table) -> ir.StringValue | None:
        """Tags as a JSON object: the user tag columns and CUR 2.0's ``resource_tags`` map, with the
        ``user:``/``user_`` prefix dropped; AWS tags as named. Empty tag values are left out."""
        parts = []
        if self.tags:
            parts.append(json_object({key: v.text(raw[col]) for col, key in self.tags.items()}))
        mapped = self.columns.get("resourcetags")
        if mapped is not None and raw[mapped].type().is_map():
            # CUR 2.0 keys user tags "user_team": drop the prefix, as for the other spellings. Only
            # keys can match: inside a JSON string a quote is escaped.
            text = raw[mapped].cast(dt.json).cast(dt.string).re_replace(r'([{,])"user_', r'\1"')
            # an empty value becomes null, which the merge below drops (as v.text does for columns)
            text = text.re_replace(r':""([,}])', r':null\1')
            parts.append(text.cast(dt.json))
        if not parts:
            return None
        merged = ibis.literal("{}").cast(dt.json)
        for part in parts:
            merged = json_merge_patch(merged, part)
        text = merged.cast(dt.string)
        return ibis.cases((text == "{}", ibis.null(dt.string)), else_=text)

    # -- profiling -----------------------------------------------------------------------------

    def profile_keys(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        none = Mappings()
        keys: dict[str, ir.Value] = {
            name: self.column(raw, name, none, strict=False)
            for name in ("ProviderName", "BillingAccountId", "BillingPeriodStart", "ServiceName")
        }
        for name in ("ChargeCategory", "ChargeFrequency", "PricingCategory", "CommitmentDiscountCategory",
                     "CommitmentDiscountStatus", "ServiceCategory", "ChargeClass"):
            keys[name] = self.column(raw, name, none, strict=False)
        keys["PricingUnit"] = self.text(raw, "pricingunit")
        keys["BillingCurrency"] = self.text(raw, "lineitemcurrencycode")
        keys["__subcategory_missing"] = ibis.literal(True)
        return keys

    def missing(self, raw: ir.Table, name: str) -> ir.BooleanValue:
        """Where column ``name`` has no value. Numbers and dates are judged on the file's text, so a
        value that does not convert is reported as such (by the insert), not as missing."""
        key = _RAW_OF.get(name)
        if key is not None:
            return self.text(raw, key).isnull()
        return self.column(raw, name, Mappings(), strict=False).isnull()

    def profile_flags(self, raw: ir.Table) -> Mapping[str, ir.BooleanValue]:
        lit = self.line_item_type(raw)
        return {"unknown_type:": lit.notnull() & ~lit.isin(tuple(m.LINE_ITEM_TYPES))}

    def describe_flag(self, flag: str, count: int) -> str:
        return (f"{count:,} rows have a line item type spendscope does not know: kept with ChargeCategory "
                f"'Adjustment' and their unblended cost.")

    def source_amounts(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        """The file's own totals: unblended cost (the invoice) and amortised cost."""
        return {"billed": self.billed(raw, strict=False), "effective": self.effective(raw, strict=False),
                "rows": ibis.cases((self._splits(raw), 2), else_=1)}

    def conversions(self, raw: ir.Table) -> list[tuple[str, str, str, ir.Value]]:
        """(column, the file's column, kind, value or null where it does not convert), for diagnostics."""
        out = []
        for key in _NUMBERS:
            if key in self.columns:
                out.append((self.columns[key], self.columns[key], "decimal", self.number(raw, key, strict=False)))
        for key in _DATES:
            if key in self.columns:
                out.append((self.columns[key], self.columns[key], "datetime", self.time(raw, key, strict=False)))
        return out


class CurSource(NativeSource):
    """Reads AWS Cost and Usage Reports: legacy CSV, Athena/Parquet snake_case and CUR 2.0 (Data Exports)."""

    name: ClassVar[str] = "aws_cur"
    description: ClassVar[str] = (
        "AWS Cost and Usage Reports: legacy CSV (lineItem/UnblendedCost), Athena/Parquet snake_case "
        "(line_item_unblended_cost, resource_tags_user_*), CUR 2.0 Data Exports (resource_tags and product maps)."
    )
    LAYOUT = "Cost and Usage Report"
    HINT = "An AWS CUR export must have these columns; check that the file is a complete report."

    REQUIRED = m.REQUIRED_NAMES

    def plan(self, info: FileInfo) -> CurPlan:
        self.require(info)
        columns, tags = split_tags(info, m.tag_key)
        first = info.columns[0]
        if "/" in first:
            version = "CUR legacy CSV"
        elif "resourcetags" in columns or "product" in columns:
            version = "CUR 2.0"
        else:
            version = "CUR snake_case"
        plan = CurPlan(info, columns, tags, version)
        plan.notes.append(f"AWS Cost and Usage Report, {version} spelling; {len(tags)} tag columns"
                          f"{' (' + ', '.join(sorted(tags.values())[:6]) + ')' if tags else ''}.")
        return plan

