"""FOCUS 1.0-1.3 files to the ledger's 1.2 (+1.3) columns: as data.

Columns are matched case-insensitively; ``ALIASES`` maps names used by pre-1.0 drafts and by the
FinOps Foundation's converter to their 1.2 names. Columns a version lacks are null, or derived
where the spec allows (``DERIVED``).
"""

from __future__ import annotations

ALIASES = {
    # FOCUS 0.5 / 1.0-preview names and focus-converter 1.0 output
    "Provider": "ProviderName",
    "Publisher": "PublisherName",
    "InvoiceIssuer": "InvoiceIssuerName",
    "Region": "RegionId",
    "ChargeType": "ChargeCategory",
    "UsageQuantity": "ConsumedQuantity",
    "UsageUnit": "ConsumedUnit",
    "AmortizedCost": "EffectiveCost",
}

# Columns without which a file cannot be loaded as FOCUS (Mandatory and non-nullable in 1.0-1.2,
# and not derivable). ProviderName may come as the 1.3 ServiceProviderName instead.
REQUIRED = (
    "BilledCost", "EffectiveCost", "ListCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart",
    "BillingPeriodEnd", "ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd", "InvoiceIssuerName",
    "ServiceCategory", "ServiceName",
)
PROVIDER_COLUMNS = ("ProviderName", "ServiceProviderName")

# Columns whose presence tells the FOCUS version of a file, newest first.
VERSION_MARKERS = (
    ("1.3", ("ServiceProviderName", "HostProviderName", "AllocatedMethodId", "AllocatedResourceId", "ContractApplied")),
    ("1.2", ("InvoiceId", "PricingCurrency", "BillingAccountType", "SubAccountType", "PricingCurrencyEffectiveCost")),
    ("1.1", ("ServiceSubcategory", "SkuMeter", "SkuPriceDetails", "CapacityReservationId", "CommitmentDiscountQuantity")),
)

# Derivations the spec allows, applied where the value is missing (absent column or null value).
DERIVED = {
    "ContractedCost": "ListCost",  # "if negotiated discounts are not applicable, the Contracted Cost defaults to the List Cost"
    "ProviderName": "ServiceProviderName",  # 1.3 renamed the concept; same definition
    "ServiceProviderName": "ProviderName",
    "PublisherName": "ProviderName",
}

VOCABULARY_COLUMNS = (
    "ChargeCategory", "ChargeClass", "ChargeFrequency", "PricingCategory", "CommitmentDiscountCategory",
    "CommitmentDiscountStatus", "CapacityReservationStatus", "ServiceCategory", "ServiceSubcategory",
)
UNIT_COLUMNS = ("ConsumedUnit", "PricingUnit", "CommitmentDiscountUnit")
