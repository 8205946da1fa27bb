"""The ledger's column model, defined once, as data.

Every column of the ``costs`` table is a ``Column`` here: the FOCUS 1.2 Cost and Usage columns, the
two FOCUS 1.3 columns spendscope keeps (``ServiceProviderName``, ``HostProviderName``), then
spendscope's own ``x_`` columns. FOCUS columns come first and custom columns after, as the spec
requires. The DDL (``store.schema``), the docs (``docs/columns.md``), the ingest checks
(``focus.checks``) and the FOCUS export all read this table.

Levels, types and nullability follow FOCUS 1.2 (``specification/columns/*.md`` at tag v1.2, CC BY 4.0).
Rule ids are those of the FinOps Foundation's requirements model ``model-1.2.0.1.json``.

>>> COLUMNS["BilledCost"].data_type
'decimal'
>>> [c.name for c in FOCUS_12_COLUMNS][:3]
['AvailabilityZone', 'BilledCost', 'BillingAccountId']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DataType = Literal["string", "decimal", "datetime", "json", "integer"]
Level = Literal["Mandatory", "Conditional", "Recommended", "Custom"]

# Money and quantities are exact decimals with 18 places: enough for every provider's precision
# seen so far (AWS uses 10-15), and 20 integer digits.
DECIMAL_PRECISION = 38
DECIMAL_SCALE = 18


@dataclass(frozen=True)
class Column:
    """One column of the ledger's ``costs`` table."""

    name: str
    data_type: DataType
    level: Level
    description: str
    since: str  # FOCUS version that introduced it ("x" for spendscope's own)
    nullable: bool = True
    vocabulary: str | None = None  # key into focus.vocabulary.VOCABULARIES
    rules: dict[str, str] = field(default_factory=dict)  # check kind -> FOCUS rule id
    ledger_version: int = 1  # spendscope schema version that added the column

    @property
    def is_focus(self) -> bool:
        return not self.name.startswith("x_")

    @property
    def is_metric(self) -> bool:
        return self.data_type == "decimal"


def _m(name, data_type, description, since, **kw) -> Column:
    return Column(name, data_type, "Mandatory", description, since, **kw)


def _c(name, data_type, description, since, **kw) -> Column:
    return Column(name, data_type, "Conditional", description, since, **kw)


def _r(name, data_type, description, since, **kw) -> Column:
    return Column(name, data_type, "Recommended", description, since, **kw)


def _x(name, data_type, description, **kw) -> Column:
    return Column(name, data_type, "Custom", description, "x", **kw)


FOCUS_12_COLUMNS: tuple[Column, ...] = (
    _r("AvailabilityZone", "string", "Provider-assigned identifier for a physically separated and isolated area within a region.", "0.5"),
    _m("BilledCost", "decimal", "Cost that serves as the basis for invoicing, with reduced rates and discounts and without amortization of prepaid purchases.", "0.5",
       nullable=False, rules={"not_null": "BilledCost-C-003-M", "decimal": "BilledCost-C-001-M"}),
    _m("BillingAccountId", "string", "Identifier assigned to a billing account by the provider.", "0.5",
       nullable=False, rules={"not_null": "BillingAccountId-C-001-M"}),
    _m("BillingAccountName", "string", "Display name assigned to a billing account.", "0.5"),
    _c("BillingAccountType", "string", "Provider label for the kind of entity the BillingAccountId represents.", "1.2"),
    _m("BillingCurrency", "string", "Currency that a charge was billed in (ISO 4217).", "0.5",
       nullable=False, rules={"not_null": "BillingCurrency-C-004-M", "currency_format": "BillingCurrency-C-003-M"}),
    _m("BillingPeriodEnd", "datetime", "Exclusive end bound of the billing period.", "0.5",
       nullable=False, rules={"not_null": "BillingPeriodEnd-C-003-M", "datetime": "BillingPeriodEnd-C-001-M"}),
    _m("BillingPeriodStart", "datetime", "Inclusive start bound of the billing period.", "0.5",
       nullable=False, rules={"not_null": "BillingPeriodStart-C-003-M", "datetime": "BillingPeriodStart-C-001-M"}),
    _c("CapacityReservationId", "string", "Identifier assigned to a capacity reservation by the provider.", "1.1"),
    _c("CapacityReservationStatus", "string", "Whether the charge represents the consumption of a capacity reservation or its unused portion.", "1.1",
       vocabulary="CapacityReservationStatus", rules={"allowed_values": "CapacityReservationStatus-C-006-M"}),
    _m("ChargeCategory", "string", "Highest-level classification of a charge based on the nature of how it is billed.", "0.5",
       nullable=False, vocabulary="ChargeCategory",
       rules={"not_null": "ChargeCategory-C-002-M", "allowed_values": "ChargeCategory-C-003-M"}),
    _m("ChargeClass", "string", "Indicates whether the row is a correction to a previously invoiced billing period.", "1.0",
       vocabulary="ChargeClass"),
    _m("ChargeDescription", "string", "Self-contained summary of the charge's purpose and price.", "1.0"),
    _r("ChargeFrequency", "string", "How often a charge will occur.", "1.0",
       vocabulary="ChargeFrequency", rules={"allowed_values": "ChargeFrequency-C-003-M"}),
    _m("ChargePeriodEnd", "datetime", "Exclusive end bound of the period the charge applies to.", "0.5",
       nullable=False, rules={"not_null": "ChargePeriodEnd-C-003-M", "datetime": "ChargePeriodEnd-C-001-M"}),
    _m("ChargePeriodStart", "datetime", "Inclusive start bound of the period the charge applies to.", "0.5",
       nullable=False, rules={"not_null": "ChargePeriodStart-C-003-M", "datetime": "ChargePeriodStart-C-001-M"}),
    _c("CommitmentDiscountCategory", "string", "Whether the commitment discount is based on usage quantity or cost (spend).", "1.0",
       vocabulary="CommitmentDiscountCategory", rules={"allowed_values": "CommitmentDiscountCategory-C-005-M"}),
    _c("CommitmentDiscountId", "string", "Identifier assigned to a commitment discount by the provider.", "1.0"),
    _c("CommitmentDiscountName", "string", "Display name assigned to a commitment discount.", "1.0"),
    _c("CommitmentDiscountQuantity", "decimal", "Amount of a commitment discount purchased or accounted for in the charge.", "1.1",
       rules={"decimal": "CommitmentDiscountQuantity-C-001-M"}),
    _c("CommitmentDiscountStatus", "string", "Whether the charge is the consumption of a commitment discount or its unused portion.", "1.0",
       vocabulary="CommitmentDiscountStatus", rules={"allowed_values": "CommitmentDiscountStatus-C-005-M"}),
    _c("CommitmentDiscountType", "string", "Provider label for the kind of commitment discount (for example Savings Plan, Reservation).", "1.0"),
    _c("CommitmentDiscountUnit", "string", "Unit of measure of the CommitmentDiscountQuantity.", "1.1"),
    _c("ConsumedQuantity", "decimal", "Volume of a metered SKU used or consumed, in ConsumedUnit.", "1.0",
       rules={"decimal": "ConsumedQuantity-C-001-M"}),
    _c("ConsumedUnit", "string", "Provider unit of measure of ConsumedQuantity.", "1.0"),
    _m("ContractedCost", "decimal", "Cost at negotiated rates: ContractedUnitPrice x PricingQuantity; defaults to ListCost where no negotiated rate applies.", "1.0",
       nullable=False, rules={"not_null": "ContractedCost-C-003-M", "decimal": "ContractedCost-C-001-M"}),
    _c("ContractedUnitPrice", "decimal", "Agreed-upon unit price for a single PricingUnit of the SKU, inclusive of negotiated discounts.", "1.0",
       rules={"decimal": "ContractedUnitPrice-C-002-M"}),
    _m("EffectiveCost", "decimal", "Amortized cost after all reduced rates, discounts and the applicable portion of prepaid purchases.", "0.5",
       nullable=False, rules={"not_null": "EffectiveCost-C-003-M", "decimal": "EffectiveCost-C-001-M"}),
    _r("InvoiceId", "string", "Provider-assigned identifier of the invoice the charge is on.", "1.2"),
    _m("InvoiceIssuerName", "string", "Name of the entity responsible for invoicing for the resources or services consumed.", "0.5",
       nullable=False, rules={"not_null": "InvoiceIssuerName-C-003-M"}),
    _m("ListCost", "decimal", "Cost at public list prices: ListUnitPrice x PricingQuantity.", "1.0",
       nullable=False, rules={"not_null": "ListCost-C-003-M", "decimal": "ListCost-C-001-M"}),
    _c("ListUnitPrice", "decimal", "Suggested provider-published unit price for a single PricingUnit, without discounts.", "1.0",
       rules={"decimal": "ListUnitPrice-C-001-M"}),
    _c("PricingCategory", "string", "Pricing model used for the charge at the time of use or purchase.", "1.0",
       vocabulary="PricingCategory", rules={"allowed_values": "PricingCategory-C-007-M"}),
    _c("PricingCurrency", "string", "Currency (national or virtual) that a charge was priced in.", "1.2"),
    _c("PricingCurrencyContractedUnitPrice", "decimal", "ContractedUnitPrice denominated in PricingCurrency.", "1.2",
       rules={"decimal": "PricingCurrencyContractedUnitPrice-C-001-M"}),
    _c("PricingCurrencyEffectiveCost", "decimal", "EffectiveCost denominated in PricingCurrency.", "1.2",
       rules={"decimal": "PricingCurrencyEffectiveCost-C-001-M"}),
    _c("PricingCurrencyListUnitPrice", "decimal", "ListUnitPrice denominated in PricingCurrency.", "1.2",
       rules={"decimal": "PricingCurrencyListUnitPrice-C-001-M"}),
    _m("PricingQuantity", "decimal", "Volume of a SKU used or purchased, in PricingUnit.", "1.0",
       rules={"decimal": "PricingQuantity-C-001-M"}),
    _m("PricingUnit", "string", "Provider unit of measure for prices, in FOCUS Unit Format (for example 1000000 Tokens).", "1.0"),
    _m("ProviderName", "string", "Entity that made the resources or services available for purchase (deprecated in 1.3 for ServiceProviderName).", "0.5",
       nullable=False, rules={"not_null": "ProviderName-C-003-M"}),
    _m("PublisherName", "string", "Entity that produced the resources or services purchased.", "0.5",
       nullable=False, rules={"not_null": "PublisherName-C-003-M"}),
    _c("RegionId", "string", "Provider-assigned identifier for an isolated geographic area.", "1.0"),
    _c("RegionName", "string", "Display name of the isolated geographic area.", "1.0"),
    _c("ResourceId", "string", "Identifier assigned to a resource by the provider.", "0.5"),
    _c("ResourceName", "string", "Display name assigned to a resource.", "0.5"),
    _c("ResourceType", "string", "Display name of the kind of resource.", "1.0"),
    _m("ServiceCategory", "string", "Highest-level classification of a service based on its core function.", "0.5",
       nullable=False, vocabulary="ServiceCategory",
       rules={"not_null": "ServiceCategory-C-002-M", "allowed_values": "ServiceCategory-C-003-M"}),
    _m("ServiceName", "string", "Offering that can be purchased from a provider.", "0.5",
       nullable=False, rules={"not_null": "ServiceName-C-003-M"}),
    _r("ServiceSubcategory", "string", "Secondary classification of the service under its ServiceCategory.", "1.1",
       vocabulary="ServiceSubcategory", rules={"allowed_values": "ServiceSubcategory-C-003-M"}),
    _c("SkuId", "string", "Provider-assigned identifier of a product that can be purchased.", "1.0"),
    _c("SkuMeter", "string", "Functionality being metered or measured by a particular SKU in a charge.", "1.1"),
    _c("SkuPriceDetails", "json", "Key-value properties of a SKU price that help interpret the charge (JSON object).", "1.1",
       rules={"key_value_format": "SkuPriceDetails-C-001-M"}),
    _c("SkuPriceId", "string", "Identifier of the unit price used to calculate the charge.", "1.0"),
    _c("SubAccountId", "string", "Identifier of the grouping of resources or services, often used to manage access and cost.", "0.5"),
    _c("SubAccountName", "string", "Display name of the sub account.", "0.5"),
    _c("SubAccountType", "string", "Provider label for the kind of entity the SubAccountId represents.", "1.2"),
    _c("Tags", "json", "User-defined and provider-defined tags of the resource, as a JSON object.", "1.0",
       rules={"key_value_format": "Tags-C-001-M"}),
)

FOCUS_13_COLUMNS: tuple[Column, ...] = (
    _m("ServiceProviderName", "string", "Entity that made the resources or services available for purchase (FOCUS 1.3).", "1.3"),
    _m("HostProviderName", "string", "Entity that hosts the underlying resources, or Not Applicable (FOCUS 1.3).", "1.3"),
)

X_COLUMNS: tuple[Column, ...] = (
    _x("x_Source", "string", "Source adapter that produced the row (for example focus).", nullable=False),
    _x("x_LoadId", "integer", "Ingest batch that loaded the row; see `spendscope ingests`.", nullable=False),
    _x("x_AiWorkload", "string", "AI workload class: Training, Fine-Tuning, Inference, Experimentation, Data, Platform; null for non-AI spend.",
       vocabulary="AiWorkload"),
    _x("x_AiRule", "string", "Id of the classification rule that set x_AiWorkload, so every class can be explained."),
    _x("x_TokenClass", "string", "For token-billed rows, the token class (Input, Output, Cached Input, Cache Write, Reasoning, ...).",
       vocabulary="TokenClass"),
    _x("x_Model", "string", "AI model the cost is for (for example claude-3-5-sonnet, gpt-4o), where known."),
    _x("x_Team", "string", "Team the cost is attributed to."),
    _x("x_Project", "string", "Project the cost is attributed to."),
    _x("x_Application", "string", "Application or feature the cost is attributed to."),
    _x("x_Experiment", "string", "Experiment or training run the cost is attributed to."),
    _x("x_Environment", "string", "Environment (prod, staging, dev, ...) the cost is attributed to."),
    _x("x_CostCenter", "string", "Finance cost centre the cost is charged to."),
    _x("x_CreditType", "string", "For credits and discounts, the provider's own kind of credit (GCP: COMMITTED_USAGE_DISCOUNT, "
       "SUSTAINED_USAGE_DISCOUNT, FREE_TIER, PROMOTION, ...; AWS: the line item type, such as EdpDiscount).",
       ledger_version=2),
)

ALL_COLUMNS: tuple[Column, ...] = FOCUS_12_COLUMNS + FOCUS_13_COLUMNS + X_COLUMNS
COLUMNS: dict[str, Column] = {c.name: c for c in ALL_COLUMNS}
COLUMN_NAMES: tuple[str, ...] = tuple(COLUMNS)

METRICS = ("EffectiveCost", "BilledCost", "ListCost", "ContractedCost")
DEFAULT_METRIC = "EffectiveCost"

# The unit of load: loading a partition again replaces it (DESIGN.md, "The ledger").
PARTITION_KEY = ("x_Source", "ProviderName", "BillingAccountId", "BillingPeriodStart")

# The allocation dimensions that tags fill by default (analysis.allocation refines them later).
ALLOCATION_COLUMNS = ("x_Team", "x_Project", "x_Application", "x_Model", "x_Experiment", "x_Environment", "x_CostCenter")


def column(name: str) -> Column:
    """The column called ``name``, matched case-insensitively; raises UnknownNameError."""
    from spendscope.errors import UnknownNameError

    if name in COLUMNS:
        return COLUMNS[name]
    folded = {c.lower(): c for c in COLUMNS}
    if name.lower() in folded:
        return COLUMNS[folded[name.lower()]]
    raise UnknownNameError("column", name, COLUMN_NAMES, hint="Tags are addressed as tag:KEY, for example --by tag:team.")
