"""Azure Cost Management exports to FOCUS 1.2: as data.

Azure writes one set of columns in three generations: Enterprise Agreement (``CostInBillingCurrency``,
PascalCase), Microsoft Customer Agreement (``costInBillingCurrency``, camelCase, billed per billing
profile) and the legacy pay-as-you-go usage details (``PreTaxCost``, ``UsageDateTime``). Old EA
portal files localise the headers and keep the English name in parentheses
("Abonnement-GUID (SubscriptionGuid)"). Columns are matched on a canonical key, and the old names on
their successors (Microsoft's rename tables: InstanceId -> ResourceId, PreTaxCost -> Cost, ...).

The rules follow Microsoft's own conversion (FinOps toolkit, "Convert Cost Management data to FOCUS",
MIT): ChargeType and PricingModel decide the charge; BilledCost is 0 on commitment-covered usage and
unused-commitment rows (what the invoice charged was the purchase); EffectiveCost is 0 on commitment
purchases and refunds (their cost is spread over the usage in amortized exports).
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

from spendscope.ingest.sources.native import canonical as spelling_free
from spendscope.normalize.units import is_focus_unit, normalize_unit

# The file's columns each concept may come from, newest spelling first (canonical keys).
ALIASES: dict[str, tuple[str, ...]] = {
    "cost": ("costinbillingcurrency", "cost", "pretaxcost", "extendedcost"),
    "date": ("date", "usagedatetime", "usagedate", "usagestart"),
    "quantity": ("quantity", "usagequantity", "consumedquantity"),
    "subscriptionid": ("subscriptionid", "subscriptionguid"),
    "resourceid": ("resourceid", "instanceid", "instancename"),
    "location": ("resourcelocation", "resourcelocationnormalized", "location"),
    "currency": ("billingcurrencycode", "billingcurrency", "currency"),
    "effectiveprice": ("effectiveprice", "resourcerate"),
    "productname": ("productname", "product"),
    "unitofmeasure": ("unitofmeasure", "unit"),
    "paygprice": ("paygprice", "marketprice"),
    "resourcegroup": ("resourcegroup", "resourcegroupname"),
    "metersubcategory": ("metersubcategory",),
}
# Concepts a file must have to be read as an Azure cost export, with the EA spelling for messages.
REQUIRED = {
    "cost": "CostInBillingCurrency", "date": "Date", "quantity": "Quantity", "subscriptionid": "SubscriptionId",
    "metercategory": "MeterCategory", "unitofmeasure": "UnitOfMeasure", "currency": "BillingCurrencyCode",
}

# ChargeType -> (ChargeCategory, ChargeClass). Anything else is an adjustment (RoundingAdjustment, ...).
CHARGE_TYPES: dict[str, tuple[str, str | None]] = {
    "Usage": ("Usage", None),
    "UnusedReservation": ("Usage", None),
    "UnusedSavingsPlan": ("Usage", None),
    "Purchase": ("Purchase", None),
    "Refund": ("Purchase", "Correction"),
    "Tax": ("Tax", None),
    "Credit": ("Credit", None),
}
UNKNOWN_CHARGE = ("Adjustment", None)
UNUSED = ("UnusedReservation", "UnusedSavingsPlan")
FREQUENCIES = {"UsageBased": "Usage-Based", "OneTime": "One-Time", "Recurring": "Recurring"}
# PricingModel (spaces removed: the schema docs write "On Demand") -> PricingCategory
PRICING_MODELS = {"OnDemand": "Standard", "Spot": "Dynamic", "Reservation": "Committed", "SavingsPlan": "Committed"}
COMMITMENT_MODELS = ("Reservation", "SavingsPlan")
COMMITMENT_TYPES = {"ri": "Reservation", "sp": "Savings Plan"}
COMMITMENT_CATEGORIES = {"ri": "Usage", "sp": "Spend"}

# Azure OpenAI / AI Foundry token meters (FORMATS.md 2.3): "gpt 4o 0513 Input global Tokens",
# "gpt-4o-mini-0718-Inp-glbl Tokens", "gpt 4o 1120 cached Inp glbl Tokens", "o3 Inpt DZone 1M Tokens",
# "gpt 4o 0806 Batch Inp Data Zone Tokens": the model, then the token direction, then "Tokens".
TOKEN_METER_SQL = (r"(?i)^(.+?)[ -]+(?:batch[ -]+)?(cached[ -]+)?(inp|inpt|input|outp|outpt|output)\b.*\btokens?\b")

# Azure region ids (ResourceLocation, lower case without spaces) -> display names.
REGIONS = {
    "eastus": "East US", "eastus2": "East US 2", "centralus": "Central US", "northcentralus": "North Central US",
    "southcentralus": "South Central US", "westcentralus": "West Central US", "westus": "West US",
    "westus2": "West US 2", "westus3": "West US 3", "canadacentral": "Canada Central", "canadaeast": "Canada East",
    "brazilsouth": "Brazil South", "mexicocentral": "Mexico Central", "northeurope": "North Europe",
    "westeurope": "West Europe", "uksouth": "UK South", "ukwest": "UK West", "francecentral": "France Central",
    "germanywestcentral": "Germany West Central", "switzerlandnorth": "Switzerland North",
    "norwayeast": "Norway East", "swedencentral": "Sweden Central", "polandcentral": "Poland Central",
    "italynorth": "Italy North", "spaincentral": "Spain Central", "eastasia": "East Asia",
    "southeastasia": "Southeast Asia", "japaneast": "Japan East", "japanwest": "Japan West",
    "koreacentral": "Korea Central", "australiaeast": "Australia East", "australiasoutheast": "Australia Southeast",
    "centralindia": "Central India", "southindia": "South India", "westindia": "West India",
    "uaenorth": "UAE North", "qatarcentral": "Qatar Central", "israelcentral": "Israel Central",
    "southafricanorth": "South Africa North", "global": "Global",
}
NO_REGION = ("", "unassigned", "unknown", "n/a")


def canonical(name: str) -> str:
    """The spelling-free key of an Azure column; a localised header keys on the English name in
    parentheses: "Abonnement-GUID (SubscriptionGuid)" -> "subscriptionguid"."""
    inner = re.search(r"\(([A-Za-z0-9_ ]+)\)\s*$", name)
    return spelling_free(inner.group(1) if inner else name)


def resolve(columns: tuple[str, ...]) -> dict[str, str]:
    """Concept or canonical key -> the file's column name."""
    keyed: dict[str, str] = {}
    for col in columns:
        keyed.setdefault(canonical(col), col)
    out = dict(keyed)
    for concept, aliases in ALIASES.items():
        for alias in aliases:
            if alias in keyed:
                out[concept] = keyed[alias]
                break
    return out


@cache
def pricing_units() -> dict[str, tuple[str, int, str, int]]:
    """UnitOfMeasure -> (PricingUnit, factor, ConsumedUnit, block size).

    Azure prices and quantities count blocks of the UnitOfMeasure ("10K", "100 Hours"): the sample
    export's costs are Quantity x EffectivePrice. Where the block reads as a FOCUS unit ("100 Hours",
    "10000 Units") the PricingUnit is the block and the prices stay as Azure gives them (factor 1);
    otherwise ("10 GB/Day") the PricingUnit is the distinct unit, and quantities are multiplied and
    prices divided by the block size (the factor)."""
    path = resources.files("spendscope.data").joinpath("azure_pricing_units.csv")
    out = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            block = int(float(row["PricingBlockSize"]))
            consumed = _focus(row["DistinctUnits"])
            if consumed is None:
                continue
            as_block = _focus(f"{block} {row['DistinctUnits']}") if block > 1 else consumed
            if as_block is not None:
                out[row["UnitOfMeasure"]] = (as_block, 1, consumed, block)
            else:
                out[row["UnitOfMeasure"]] = (consumed, block, consumed, block)
    return out


def _focus(unit: str) -> str | None:
    for candidate in (normalize_unit(unit), unit):
        if is_focus_unit(candidate):
            return candidate
    return None


@cache
def services() -> dict[str, tuple[str, str]]:
    """"consumedservice|resourcetype" (lower case) -> (ServiceName, ServiceCategory); "|resourcetype" for
    the resource type alone; and for each consumed service alone ("consumedservice|") the service most
    of its resource types belong to."""
    path = resources.files("spendscope.data").joinpath("azure_services.csv")
    exact: dict[str, tuple[str, str]] = {}
    by_service: dict[str, dict[tuple[str, str], int]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            consumed, rtype = row["ConsumedService"].lower(), row["ResourceType"].lower()
            value = (row["ServiceName"], row["ServiceCategory"])
            exact.setdefault(f"{consumed}|{rtype}", value)
            if consumed:
                counts = by_service.setdefault(consumed, {})
                counts[value] = counts.get(value, 0) + 1
            if rtype:
                exact.setdefault(f"|{rtype}", value)
    for consumed, counts in by_service.items():
        exact.setdefault(f"{consumed}|", max(counts.items(), key=lambda kv: kv[1])[0])
    return exact


@cache
def service_names() -> dict[str, str]:
    """ServiceName (lower case) -> ServiceCategory, to place a MeterCategory that names a service."""
    return {name.lower(): cat for name, cat in sorted(set(services().values()))}
