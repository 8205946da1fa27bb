"""Azure Cost Management exports (EA, MCA, legacy pay-as-you-go; actual and amortized) into FOCUS rows."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Mapping

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.ingest.base import Mappings
from spendscope.ingest.files import FileInfo
from spendscope.ingest.reading import unique_name
from spendscope.ingest.sources import native
from spendscope.ingest.sources.azure import mapping as m
from spendscope.ingest.sources.native import MONEY, ZERO, NativePlan, NativeSource
from spendscope.normalize import values as v
from spendscope.normalize.jsontext import json_merge_patch

_FACTOR = dt.Decimal(38, 12)


@ibis.udf.scalar.builtin(name="strptime", signature=((dt.string, dt.string), dt.timestamp))
def _strptime(text, fmt):
    """DuckDB's strptime: an error where the text does not match."""


@ibis.udf.scalar.builtin(name="try_strptime", signature=((dt.string, dt.string), dt.timestamp))
def _try_strptime(text, fmt):
    """DuckDB's try_strptime: null where the text does not match."""


def _table(con, columns: dict[str, list]) -> ir.Table:
    """A small temporary lookup table."""
    import pyarrow as pa

    name = unique_name("lookup")
    con.con.register(f"{name}_arrow", pa.table(columns))
    try:
        con.raw_sql(f'CREATE TEMP TABLE "{name}" AS SELECT * FROM "{name}_arrow"')
    finally:
        con.con.unregister(f"{name}_arrow")
    return con.table(name)


def _lookup(table: dict[str, str]) -> ir.MapValue:
    """A constant lookup table: one MAP literal, which DuckDB binds at once (a CASE of hundreds of
    branches took seconds to bind, for every view stacked on it)."""
    return ibis.literal(table, type=dt.Map(dt.string, dt.string))


def _times(a: ir.DecimalValue, b: ir.DecimalValue) -> ir.DecimalValue:
    """a x b as money (factors to 12 decimals, so the product fits DECIMAL(38))."""
    return (a.cast(_FACTOR) * b.cast(_FACTOR)).cast(MONEY)


class AzurePlan(NativePlan):
    """How one Azure cost export maps to the ledger."""

    source: ClassVar[str] = "azure"
    NUMBERS = ("cost", "quantity", "effectiveprice", "paygprice", "unitprice", "paygcostinbillingcurrency",
               "exchangeratepricingtobilling")
    DATES = ("date", "billingperiodstartdate", "billingperiodenddate")
    RAW_OF = {"BilledCost": "cost", "EffectiveCost": "cost", "ListCost": "cost", "ContractedCost": "cost",
              "ChargePeriodStart": "date", "ChargePeriodEnd": "date", "BillingCurrency": "currency"}

    @property
    def mca(self) -> bool:
        """Microsoft Customer Agreement: invoiced per billing profile."""
        return self.has("billingprofileid") and any(
            self.has(k) for k in ("invoiceid", "costinusd", "paygcostinbillingcurrency", "pricingcurrency"))

    @property
    def payg(self) -> bool:
        """Legacy pay-as-you-go usage details: no billing account, usage only."""
        return not self.has("billingaccountid")

    # -- values computed once per row -------------------------------------------------------------

    def _h(self, raw: ir.Table, name: str, build):
        return raw[name] if name in raw.columns else build()

    def parse_time(self, value: ir.Value, strict: bool) -> ir.TimestampValue:
        """MM/DD/YYYY (EA and MCA exports) or ISO 8601."""
        if not value.type().is_string():
            return v.timestamp(value, strict=strict)
        text = v.text(value)
        us = text.re_extract(r"^\s*([0-9]{1,2}/[0-9]{1,2}/[0-9]{4})\b", 1)
        parse = _strptime if strict else _try_strptime
        as_us = parse(us, "%m/%d/%Y").cast(native.NULLS["datetime"])
        return ibis.cases(((us != "").fill_null(False), as_us), else_=v.timestamp(text, strict=strict))

    def charge_type(self, raw: ir.Table) -> ir.StringValue:
        """ChargeType in Microsoft's casing ("usage" -> "Usage"); Usage where the export has none."""
        def build():
            if not self.has("chargetype"):
                return ibis.literal("Usage")
            text = self.text(raw, "chargetype")
            known = [(k.lower(), ibis.literal(k)) for k in m.CHARGE_TYPES]
            return text.lower().cases(*known, else_=text).fill_null("Usage")
        return self._h(raw, "__h_ct", build)

    def pricing_model(self, raw: ir.Table) -> ir.StringValue:
        return self._h(raw, "__h_pm", lambda: self.text(raw, "pricingmodel").replace(" ", ""))

    def commitment_kind(self, raw: ir.Table) -> ir.StringValue:
        """"ri" (reservation), "sp" (savings plan) or null: from benefitId, else PricingModel/ChargeType."""
        def build():
            benefit = self.first_text(raw, "benefitid", "reservationid").lower()
            pm, ct = self.pricing_model(raw), self.charge_type(raw)
            return ibis.cases(
                (benefit.contains("/microsoft.capacity/").fill_null(False), "ri"),
                (benefit.contains("/microsoft.billingbenefits/").fill_null(False), "sp"),
                (((pm == "Reservation") | (ct == "UnusedReservation")).fill_null(False), "ri"),
                (((pm == "SavingsPlan") | (ct == "UnusedSavingsPlan")).fill_null(False), "sp"),
                else_=ibis.null(dt.string),
            )
        return self._h(raw, "__h_kind", build)

    def category(self, raw: ir.Table) -> ir.StringValue:
        def build():
            cases = [(name, ibis.literal(spec[0])) for name, spec in m.CHARGE_TYPES.items()]
            return self.charge_type(raw).cases(*cases, else_=ibis.literal(m.UNKNOWN_CHARGE[0]))
        return self._h(raw, "__h_category", build)

    def resource_type(self, raw: ir.Table) -> ir.StringValue:
        """The ARM resource type: the file's ResourceType column (legacy), else read from ResourceId."""
        return self._h(raw, "__h_rtype", lambda: self._resource_type(raw))

    def _resource_type(self, raw: ir.Table) -> ir.StringValue:
        rid = self.text(raw, "resourceid").lower()
        nested = rid.re_extract(r"/providers/([^/]+/[^/]+)/[^/]+/([^/]+)/", 1) + "/" + \
            rid.re_extract(r"/providers/([^/]+/[^/]+)/[^/]+/([^/]+)/", 2)
        top = rid.re_extract(r"/providers/([^/]+/[^/]+)", 1)
        parsed = ibis.cases((nested.re_search("^[^/]+/[^/]+/[^/]+$").fill_null(False), nested),
                            ((top != "").fill_null(False), top), else_=ibis.null(dt.string))
        if self.has("resourcetype"):
            return ibis.coalesce(self.text(raw, "resourcetype").lower(), parsed)
        return parsed

    def service(self, raw: ir.Table) -> ir.StringValue:
        """"ServiceName\x1fServiceCategory" from Microsoft's service list: by ConsumedService and resource
        type, then the resource type alone; then the MeterCategory where it names a listed service
        ("Virtual Network" under microsoft.compute); then the consumed service's main service; else the
        MeterCategory, category Other."""
        def build():
            table = _lookup({k: f"{name}\x1f{cat}" for k, (name, cat) in m.services().items()})
            consumed = self.first_text(raw, "consumedservice").lower().fill_null("")
            rtype = self.resource_type(raw).fill_null("")
            meter = self.first_text(raw, "servicename", "metercategory")
            named = meter + "\x1f" + _lookup(m.service_names()).get(meter.lower())
            fallback = ibis.coalesce(meter, self.first_text(raw, "consumedservice"), ibis.literal("Azure")) + "\x1fOther"
            return ibis.coalesce(table.get(consumed + "|" + rtype), table.get("|" + rtype), named,
                                 table.get(consumed + "|"), fallback)
        return self._h(raw, "__h_service", build)

    def uom(self, raw: ir.Table, index: int) -> ir.Value:
        """From the UnitOfMeasure lookup: 0 PricingUnit, 1 factor, 2 ConsumedUnit, 3 block size."""
        names = {0: "__h_punit", 1: "__h_factor", 2: "__h_cunit", 3: "__h_block"}

        def build():
            text = self.text(raw, "unitofmeasure")
            table = m.pricing_units()
            if index in (1, 3):
                factors = {k: spec[index] for k, spec in table.items() if spec[index] != 1}
                found = ibis.literal(factors, type=dt.Map(dt.string, dt.int64)).get(text)
                return found.fill_null(ibis.literal(1, type=dt.int64))
            return _lookup({k: spec[index] for k, spec in table.items()}).get(text)
        return self._h(raw, names[index], build)

    def prepare(self, raw: ir.Table) -> ir.Table:
        """Numbers, the charge type, commitment kind, service and unit lookups, once per row.

        The service and unit lookups are joins with small tables: as MAP literals, rebuilt for every
        chunk of rows, they made a million-row export 30 s to load instead of 19 s."""
        prepared = super().prepare(raw)
        prepared = prepared.mutate(__h_ct=self.charge_type(prepared), __h_pm=self.pricing_model(prepared),
                                   __h_rtype=self.resource_type(prepared),
                                   __h_uom=self.text(prepared, "unitofmeasure"),
                                   __h_consumed=self.first_text(prepared, "consumedservice").lower().fill_null(""),
                                   __h_meter=self.first_text(prepared, "servicename", "metercategory"))
        con = ibis.get_backend(raw)
        units = _table(con, {"__u_key": list(m.pricing_units()),
                             **{name: [spec[i] for spec in m.pricing_units().values()]
                                for i, name in enumerate(("__u_punit", "__u_factor", "__u_cunit", "__u_block"))}})
        prepared = prepared.left_join(units, prepared["__h_uom"] == units["__u_key"])
        services = _table(con, {"__s_key": list(m.services()),
                                "__s_value": [f"{n}\x1f{c}" for n, c in m.services().values()]})
        names = _table(con, {"__n_key": list(m.service_names()), "__n_value": list(m.service_names().values())})
        rtype = prepared["__h_rtype"].fill_null("")
        keys = {"__s1": prepared["__h_consumed"] + "|" + rtype, "__s2": "|" + rtype, "__s3": prepared["__h_consumed"] + "|"}
        prepared = prepared.mutate(**{f"{k}_key": v for k, v in keys.items()}, __n_lower=prepared["__h_meter"].lower())
        for k in keys:
            side = services.view().rename(**{f"{k}_match": "__s_key", k: "__s_value"})
            prepared = prepared.left_join(side, prepared[f"{k}_key"] == side[f"{k}_match"])
        prepared = prepared.left_join(names, prepared["__n_lower"] == names["__n_key"])
        meter = prepared["__h_meter"]
        fallback = ibis.coalesce(meter, prepared["__h_consumed"].nullif(""), ibis.literal("Azure")) + "\x1fOther"
        prepared = prepared.mutate(
            __h_service=ibis.coalesce(prepared["__s1"], prepared["__s2"], meter + "\x1f" + prepared["__n_value"],
                                      prepared["__s3"], fallback),
            __h_punit=prepared["__u_punit"], __h_cunit=prepared["__u_cunit"],
            __h_factor=prepared["__u_factor"].fill_null(1), __h_block=prepared["__u_block"].fill_null(1),
        )
        prepared = prepared.mutate(__h_kind=self.commitment_kind(prepared), __h_category=self.category(prepared))
        return prepared

    # -- costs --------------------------------------------------------------------------------------

    def cost(self, raw: ir.Table, strict: bool = True) -> ir.DecimalValue:
        return self.number(raw, "cost", strict)

    def _covered(self, raw: ir.Table) -> ir.BooleanValue:
        """Usage a reservation or savings plan paid for, or the unused part of one (amortized exports)."""
        ct, pm = self.charge_type(raw), self.pricing_model(raw)
        return (((ct == "Usage") & pm.isin(m.COMMITMENT_MODELS)) | ct.isin(m.UNUSED)).fill_null(False)

    def _commitment_purchase(self, raw: ir.Table) -> ir.BooleanValue:
        ct, pm = self.charge_type(raw), self.pricing_model(raw)
        return (ct.isin(("Purchase", "Refund")) & pm.isin(m.COMMITMENT_MODELS)).fill_null(False)

    def billed(self, raw: ir.Table, strict: bool = True) -> ir.DecimalValue:
        return ibis.cases((self._covered(raw), ZERO), else_=self.cost(raw, strict)).cast(MONEY)

    def effective(self, raw: ir.Table, strict: bool = True) -> ir.DecimalValue:
        """The cost. Commitment purchases and refunds appear only in actual cost exports, where the
        usage they pay for costs 0: their EffectiveCost stays what was paid, as Microsoft's own
        converter does for an actual export alone, so the month's amortised total is not lost (an
        amortized export spreads the purchase over the usage instead, and has no purchase rows)."""
        return self.cost(raw, strict).cast(MONEY)

    def _billed_currency(self, raw: ir.Table, amount: ir.DecimalValue, strict: bool) -> ir.DecimalValue:
        """A pricing-currency amount in the billing currency (MCA prices are in the pricing currency);
        as it is where the export has no exchange rate (EA, pay-as-you-go)."""
        if not self.has("exchangeratepricingtobilling"):
            return amount
        one = ibis.literal(Decimal(1), type=MONEY)
        return _times(amount, self.number(raw, "exchangeratepricingtobilling", strict).fill_null(one))

    def _unit_price(self, raw: ir.Table, key: str, strict: bool) -> ir.DecimalValue:
        """A price per PricingUnit: Azure's price per UnitOfMeasure block, divided where the PricingUnit
        is the distinct unit (see ``mapping.pricing_units``)."""
        price = self._billed_currency(raw, self.number(raw, key, strict), strict)
        factor = self.uom(raw, 1)
        divided = (price.cast(_FACTOR) / factor.cast(dt.Decimal(38, 0))).cast(dt.Decimal(38, 12)).cast(MONEY)
        return ibis.cases((factor == 1, price), else_=divided)

    # -- the ledger's columns -------------------------------------------------------------------------

    def _column(self, raw: ir.Table, name: str, mappings: Mappings, strict: bool) -> ir.Value | None:  # noqa: C901
        def usage_or_purchase():
            return self.category(raw).isin(("Usage", "Purchase"))

        def quantity():
            return self.number(raw, "quantity", strict)

        def commitment_id():
            return self.first_text(raw, "benefitid", "reservationid")

        match name:
            case "BilledCost":
                return self.billed(raw, strict)
            case "EffectiveCost":
                return self.effective(raw, strict)
            case "ListCost":
                listed = self._billed_currency(raw, _times(self.number(raw, "paygprice", strict), quantity()), strict)
                if self.has("paygcostinbillingcurrency"):  # MCA gives it; EA only the price
                    listed = ibis.coalesce(self.number(raw, "paygcostinbillingcurrency", strict), listed)
                # Azure leaves PayGPrice blank on reservation and Marketplace rows: the negotiated price, then the cost
                contracted = self._billed_currency(raw, _times(self.number(raw, "unitprice", strict), quantity()), strict)
                return ibis.cases((usage_or_purchase(), ibis.coalesce(listed, contracted, self.cost(raw, strict))),
                                  else_=self.cost(raw, strict))
            case "ContractedCost":
                contracted = self._billed_currency(raw, _times(self.number(raw, "unitprice", strict), quantity()), strict)
                return ibis.cases((usage_or_purchase(), contracted.fill_null(self.cost(raw, strict))),
                                  else_=self.cost(raw, strict))
            case "ListUnitPrice":
                price = ibis.coalesce(self._unit_price(raw, "paygprice", strict), self._unit_price(raw, "unitprice", strict))
                return ibis.cases((usage_or_purchase(), price), else_=ibis.null(MONEY))
            case "ContractedUnitPrice":
                return ibis.cases((usage_or_purchase(), self._unit_price(raw, "unitprice", strict)),
                                  else_=ibis.null(MONEY))
            case "PricingQuantity":
                factor = self.uom(raw, 1).cast(dt.Decimal(38, 0))
                return ibis.cases((usage_or_purchase(), (quantity() * factor).cast(MONEY)), else_=ibis.null(MONEY))
            case "PricingUnit":
                unit = ibis.coalesce(self.uom(raw, 0), self.unit(raw, self.text(raw, "unitofmeasure"), mappings))
                return ibis.cases((usage_or_purchase(), unit), else_=ibis.null(dt.string))
            case "ConsumedQuantity":
                block = self.uom(raw, 3).cast(dt.Decimal(38, 0))
                return ibis.cases((self.charge_type(raw) == "Usage", (quantity() * block).cast(MONEY)),
                                  else_=ibis.null(MONEY))
            case "ConsumedUnit":
                unit = ibis.coalesce(self.uom(raw, 2), self.unit(raw, self.text(raw, "unitofmeasure"), mappings))
                return ibis.cases((self.charge_type(raw) == "Usage", unit), else_=ibis.null(dt.string))
            case "ChargeCategory":
                return self.category(raw)
            case "ChargeClass":
                return ibis.cases((self.charge_type(raw) == "Refund", "Correction"), else_=ibis.null(dt.string))
            case "ChargeFrequency":
                given = self.text(raw, "frequency").cases(*m.FREQUENCIES.items(), else_=ibis.null(dt.string)) \
                    if self.has("frequency") else ibis.null(dt.string)
                default = ibis.cases((self.category(raw) == "Usage", "Usage-Based"), else_="One-Time")
                # FOCUS: a Purchase is never Usage-Based (Microsoft's hubs flag such rows as invalid)
                if self.has("frequency"):
                    given = ibis.cases(((self.category(raw) != "Usage") & (given == "Usage-Based"), ibis.null(dt.string)),
                                       else_=given)
                return ibis.coalesce(given, default)
            case "PricingCategory":
                model = self.pricing_model(raw).cases(*m.PRICING_MODELS.items(), else_=ibis.null(dt.string))
                # buying a commitment is at the standard rate (FOCUS); what it covers is Committed
                return ibis.cases((self.category(raw) == "Purchase", "Standard"),
                                  (usage_or_purchase(), ibis.coalesce(model, ibis.literal("Standard"))),
                                  else_=ibis.null(dt.string))
            case "CommitmentDiscountId":
                return ibis.cases((self.commitment_kind(raw).notnull(), commitment_id()), else_=ibis.null(dt.string))
            case "CommitmentDiscountName":
                name_ = self.first_text(raw, "benefitname", "reservationname")
                return ibis.cases((self.column(raw, "CommitmentDiscountId", mappings, strict).notnull(), name_),
                                  else_=ibis.null(dt.string))
            case "CommitmentDiscountType" | "CommitmentDiscountCategory":
                labels = m.COMMITMENT_TYPES if name == "CommitmentDiscountType" else m.COMMITMENT_CATEGORIES
                has_id = self.column(raw, "CommitmentDiscountId", mappings, strict).notnull()
                return ibis.cases((has_id, self.commitment_kind(raw).cases(*labels.items(), else_=ibis.null(dt.string))),
                                  else_=ibis.null(dt.string))
            case "CommitmentDiscountStatus":
                has_id = self.column(raw, "CommitmentDiscountId", mappings, strict).notnull()
                return ibis.cases(
                    (has_id & self.charge_type(raw).isin(m.UNUSED), "Unused"),
                    (has_id & (self.category(raw) == "Usage"), "Used"),
                    else_=ibis.null(dt.string),
                )
            case "BillingAccountId":
                if self.payg:
                    return "/subscriptions/" + self.text(raw, "subscriptionid")
                account = "/providers/Microsoft.Billing/billingAccounts/" + self.text(raw, "billingaccountid")
                if not self.mca:
                    return account
                profile = account + "/billingProfiles/" + self.text(raw, "billingprofileid")
                return ibis.coalesce(profile, account)  # a row without its billing profile: the account
            case "BillingAccountName":
                if self.payg:
                    return self.first_text(raw, "subscriptionname")
                return self.first_text(raw, "billingprofilename" if self.mca else "billingaccountname")
            case "BillingAccountType":
                return ibis.literal("Subscription" if self.payg else "Billing Profile" if self.mca else "Billing Account")
            case "SubAccountId":
                return "/subscriptions/" + self.text(raw, "subscriptionid")
            case "SubAccountName":
                return self.first_text(raw, "subscriptionname")
            case "SubAccountType":
                return ibis.literal("Subscription")
            case "BillingCurrency":
                return self.text(raw, "currency")
            case "PricingCurrency":
                return ibis.coalesce(self.first_text(raw, "pricingcurrency"), self.text(raw, "currency"))
            case "BillingPeriodStart":
                month = self.time(raw, "date", strict).truncate("M")
                if self.has("billingperiodstartdate"):  # blank in an open month's MCA export
                    return ibis.coalesce(self.time(raw, "billingperiodstartdate", strict), month)
                return month
            case "BillingPeriodEnd":
                month_end = self.time(raw, "date", strict).truncate("M") + ibis.interval(months=1)
                if self.has("billingperiodenddate"):  # the period's last day, inclusive
                    return ibis.coalesce(self.time(raw, "billingperiodenddate", strict) + ibis.interval(days=1), month_end)
                return month_end
            case "ChargePeriodStart":
                return self.time(raw, "date", strict)
            case "ChargePeriodEnd":  # rows are daily
                return self.time(raw, "date", strict) + ibis.interval(days=1)
            case "ChargeDescription":
                return self.first_text(raw, "productname", "metername")
            case "InvoiceId":
                return self.first_text(raw, "invoiceid")
            case "InvoiceIssuerName":
                return ibis.coalesce(self.first_text(raw, "partnername"), ibis.literal("Microsoft"))
            case "ProviderName" | "ServiceProviderName":
                return ibis.literal("Microsoft")
            case "PublisherName":
                return ibis.coalesce(self.first_text(raw, "publishername"), ibis.literal("Microsoft"))
            case "ServiceName":
                return self.service(raw).split("\x1f")[0]
            case "ServiceCategory":
                return self.service(raw).split("\x1f")[1]
            case "ServiceSubcategory":
                return self.subcategory(raw, mappings, strict)
            case "RegionId":
                loc = self.text(raw, "location").lower().replace(" ", "")
                return ibis.cases((loc.isin(m.NO_REGION).fill_null(True), ibis.null(dt.string)), else_=loc)
            case "RegionName":
                region = self.column(raw, "RegionId", mappings, strict)
                return region.cases(*m.REGIONS.items(), else_=self.text(raw, "location"))
            case "AvailabilityZone":
                return self.first_text(raw, "availabilityzone")
            case "ResourceId":
                return self.text(raw, "resourceid")
            case "ResourceName":
                return ibis.coalesce(self.first_text(raw, "resourcename"),
                                     self.text(raw, "resourceid").re_extract(r"/([^/]+)$", 1).nullif(""))
            case "ResourceType":
                return self.resource_type(raw)
            case "SkuId":
                return self.first_text(raw, "productid", "partnumber")
            case "SkuPriceId":
                return self.first_text(raw, "meterid")
            case "SkuMeter":
                return self.first_text(raw, "metername")
            case "SkuPriceDetails":
                return self._token_details(raw)
            case "Tags":
                tags = self.text(raw, "tags").strip()
                wrapped = ibis.cases((tags.startswith("{"), tags), else_="{" + tags + "}")
                return ibis.cases(((tags == "") | (tags == "{}"), ibis.null(dt.string)), else_=wrapped)
        return None

    def _token_details(self, raw: ir.Table) -> ir.StringValue:
        """Azure OpenAI / AI Foundry token meters as SkuPriceDetails: the model and the token type."""
        meter = self.first_text(raw, "metername")
        found = meter.re_search(m.TOKEN_METER_SQL).fill_null(False)
        model = meter.re_extract(m.TOKEN_METER_SQL, 1).strip().lower().re_replace(r"\s+", "-")
        cached = meter.re_extract(m.TOKEN_METER_SQL, 2) != ""
        direction = meter.re_extract(m.TOKEN_METER_SQL, 3).lower()
        kind = ibis.cases((cached, "cache-read"), (direction.startswith("o"), "output"), else_="input")
        details = ibis.struct({"ModelId": model, "TokenType": kind}).cast(dt.json)
        return ibis.cases((found, json_merge_patch(ibis.literal("{}").cast(dt.json), details).cast(dt.string)),
                          else_=ibis.null(dt.string))

    # -- profiling ----------------------------------------------------------------------------------

    def profile_keys(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        none = Mappings()
        keys: dict[str, ir.Value] = {
            name: self.column(raw, name, none, strict=False)
            for name in ("ProviderName", "BillingAccountId", "BillingPeriodStart", "ServiceName", "ChargeCategory",
                         "ChargeFrequency", "PricingCategory", "CommitmentDiscountCategory",
                         "CommitmentDiscountStatus", "ServiceCategory", "ChargeClass")
        }
        # only units the lookup does not know are rewritten by the profile
        keys["PricingUnit"] = ibis.cases((self.uom(raw, 0).isnull(), self.text(raw, "unitofmeasure")),
                                         else_=ibis.null(dt.string))
        keys["BillingCurrency"] = self.text(raw, "currency")
        keys["__subcategory_missing"] = ibis.literal(True)
        return keys

    def profile_flags(self, raw: ir.Table) -> Mapping[str, ir.BooleanValue]:
        ct, pm = self.charge_type(raw), self.pricing_model(raw)
        cost = self.cost(raw, strict=False).fill_null(ZERO)
        return {
            "unknown_charge_type": (~ct.isin(tuple(m.CHARGE_TYPES))).fill_null(False),
            "amortized": (ct.isin(m.UNUSED) | ((ct == "Usage") & pm.isin(m.COMMITMENT_MODELS) & (cost != ZERO)))
            .fill_null(False),
            "actual": self._commitment_purchase(raw),
        }

    def describe_flag(self, flag: str, count: int) -> str:
        if flag == "unknown_charge_type":
            return (f"{count:,} rows have a ChargeType spendscope does not know: kept with ChargeCategory "
                    f"'Adjustment' and their cost.")
        if flag == "amortized":
            return (f"Amortized cost export ({count:,} rows of commitment usage carry their share of the commitment): "
                    f"EffectiveCost is amortized; BilledCost leaves out commitment purchases, which only the "
                    f"actual cost export lists.")
        return (f"Actual cost export ({count:,} commitment purchase or refund rows): BilledCost matches the "
                f"invoice; those rows have EffectiveCost 0 as FOCUS asks, and their cost reaches EffectiveCost "
                f"only through the amortized export.")

    def source_amounts(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        """The export's own totals: the cost column, with commitments counted once as Microsoft's rules say."""
        return {"billed": self.billed(raw, strict=False), "effective": self.effective(raw, strict=False)}


class AzureSource(NativeSource):
    """Reads Azure Cost Management exports: EA, MCA and legacy pay-as-you-go; actual and amortized."""

    name: ClassVar[str] = "azure"
    description: ClassVar[str] = (
        "Azure Cost Management cost exports: Enterprise Agreement (CostInBillingCurrency), Microsoft Customer "
        "Agreement (costInBillingCurrency, camelCase), legacy pay-as-you-go (PreTaxCost, UsageDateTime) and "
        "localised headers; actual and amortized."
    )
    REQUIRED = m.REQUIRED
    LAYOUT = "Azure cost export"
    HINT = "An Azure cost export (EA, MCA or pay-as-you-go) must have these columns."

    def found(self, info: FileInfo) -> set[str]:
        return set(m.resolve(info.columns))

    def plan(self, info: FileInfo) -> AzurePlan:
        self.require(info)
        columns = m.resolve(info.columns)
        plan = AzurePlan(info, columns, "")
        kind = "pay-as-you-go" if plan.payg else "MCA" if plan.mca else "EA"
        plan.format_version = f"Azure {kind}"
        localised = any("(" in c for c in info.columns)
        plan.notes.append(f"Azure cost export, {kind} columns{' (localised headers)' if localised else ''}.")
        return plan
