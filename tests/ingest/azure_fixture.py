"""Hand-made Azure cost exports: EA actual and amortized, MCA (camelCase, BOM, another billing
currency), legacy pay-as-you-go and localised headers, each row with the FOCUS values it must produce.

The amounts follow Microsoft's documented mechanics: in the actual cost export a reservation's
purchase is a Purchase row and the usage it covers costs 0; in the amortized export the purchase is
absent, covered usage carries its share, and what went unused is an UnusedReservation row.
"""

from __future__ import annotations

import csv
from pathlib import Path

RESERVATION = "/providers/Microsoft.Capacity/reservationOrders/o-1/reservations/r-1"
SAVINGS_PLAN = "/providers/Microsoft.BillingBenefits/savingsPlanOrders/o-2/savingsPlans/sp-1"
VM = "/subscriptions/sub-1/resourceGroups/rg-ml/providers/Microsoft.Compute/virtualMachines/train-01"
AOAI = "/subscriptions/sub-1/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-prod"

# EA header (2024-08-01 schema, trimmed to what the rules read) -> default value
EA = {
    "InvoiceSectionName": "Research", "AccountName": "ml", "SubscriptionId": "sub-1", "SubscriptionName": "ml-prod",
    "ResourceGroup": "rg-ml", "ResourceLocation": "EastUS", "Date": "11/03/2026", "ProductName": "",
    "MeterCategory": "Virtual Machines", "MeterSubCategory": "", "MeterId": "m-1", "MeterName": "",
    "MeterRegion": "US East", "UnitOfMeasure": "1 Hour", "Quantity": "1", "EffectivePrice": "0",
    "CostInBillingCurrency": "0", "ConsumedService": "Microsoft.Compute", "ResourceId": VM, "Tags": "",
    "AdditionalInfo": "", "ResourceName": "train-01", "ReservationId": "", "ReservationName": "", "UnitPrice": "",
    "PublisherType": "Azure", "PublisherName": "", "ChargeType": "Usage", "Frequency": "UsageBased",
    "PricingModel": "OnDemand", "BillingAccountId": "8611537", "BillingAccountName": "Contoso",
    "BillingCurrencyCode": "USD", "BillingPeriodStartDate": "11/01/2026", "BillingPeriodEndDate": "11/30/2026",
    "BillingProfileId": "8611537", "BillingProfileName": "Contoso", "PartNumber": "AAA-0001", "PayGPrice": "",
    "benefitId": "", "benefitName": "",
}

# The actual cost export: (values, expected FOCUS values)
ACTUAL: list[tuple[dict, dict]] = [
    ({"ProductName": "Virtual Machines NDisrH100v5 Series - ND96isr H100 v5 - US East", "MeterName": "ND96isr H100 v5",
      "MeterSubCategory": "NDisrH100v5 Series", "Quantity": "24", "EffectivePrice": "98.32",
      "CostInBillingCurrency": "2359.68", "UnitPrice": "98.32", "PayGPrice": "98.32",
      "Tags": '"team": "research","project": "llm-pretrain"'},
     {"ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "Standard",
      "BilledCost": "2359.68", "EffectiveCost": "2359.68", "ListCost": "2359.68", "ContractedCost": "2359.68",
      "PricingQuantity": "24", "PricingUnit": "Hours", "ConsumedQuantity": "24", "ConsumedUnit": "Hours",
      "ServiceName": "Virtual Machines", "ServiceCategory": "Compute", "RegionId": "eastus", "RegionName": "East US",
      "x_Team": "research", "x_AiWorkload": "Training"}),
    ({"ProductName": "Virtual Machines NCadsA100v4 Series - NC24ads A100 v4 Spot - US East",
      "MeterName": "NC24ads A100 v4 Spot", "Quantity": "10", "EffectivePrice": "0.7348", "CostInBillingCurrency": "7.348",
      "UnitPrice": "3.673", "PayGPrice": "3.673", "PricingModel": "Spot"},
     {"ChargeCategory": "Usage", "PricingCategory": "Dynamic", "BilledCost": "7.348", "EffectiveCost": "7.348",
      "ListCost": "36.73", "x_AiWorkload": "Training"}),
    ({"ProductName": "Virtual Machines NDisrH100v5 Series - ND96isr H100 v5 - US East", "MeterName": "ND96isr H100 v5 ",
      "Quantity": "100", "EffectivePrice": "0", "CostInBillingCurrency": "0", "UnitPrice": "98.32",
      "PricingModel": "Reservation", "ReservationId": "r-1", "ReservationName": "h100-1y", "benefitId": RESERVATION,
      "benefitName": "h100-1y"},
     {"ChargeCategory": "Usage", "PricingCategory": "Committed", "CommitmentDiscountId": RESERVATION,
      "CommitmentDiscountType": "Reservation", "CommitmentDiscountCategory": "Usage",
      "CommitmentDiscountStatus": "Used", "CommitmentDiscountName": "h100-1y", "BilledCost": "0", "EffectiveCost": "0",
      "ListCost": "9832", "ContractedCost": "9832"}),
    ({"ProductName": "Reservation - ND96isr H100 v5", "MeterName": "", "MeterCategory": "Virtual Machines",
      "ConsumedService": "Microsoft.Capacity", "ResourceId": "", "Quantity": "1", "CostInBillingCurrency": "5000",
      "ChargeType": "Purchase", "Frequency": "Recurring", "PricingModel": "Reservation", "ReservationId": "r-1",
      "benefitId": RESERVATION, "benefitName": "h100-1y", "UnitOfMeasure": "1 Hour"},
     {"ChargeCategory": "Purchase", "ChargeFrequency": "Recurring", "CommitmentDiscountType": "Reservation",
      "CommitmentDiscountStatus": None, "PricingCategory": "Standard", "BilledCost": "5000", "EffectiveCost": "5000",
      "ConsumedQuantity": None}),
    ({"ProductName": "Reservation - ND96isr H100 v5 (refund)", "ConsumedService": "Microsoft.Capacity", "ResourceId": "",
      "CostInBillingCurrency": "-1200", "ChargeType": "Refund", "Frequency": "OneTime", "PricingModel": "Reservation",
      "benefitId": RESERVATION},
     {"ChargeCategory": "Purchase", "ChargeClass": "Correction", "ChargeFrequency": "One-Time", "BilledCost": "-1200",
      "EffectiveCost": "-1200"}),
    ({"ProductName": "Azure OpenAI - gpt 4o 0513 Input global Tokens", "MeterCategory": "Cognitive Services",
      "MeterSubCategory": "Azure OpenAI", "MeterName": "gpt 4o 0513 Input global Tokens", "UnitOfMeasure": "1K",
      "Quantity": "1500", "EffectivePrice": "0.0025", "CostInBillingCurrency": "3.75", "UnitPrice": "0.0025",
      "PayGPrice": "0.0025", "ConsumedService": "Microsoft.CognitiveServices", "ResourceId": AOAI,
      "ResourceName": "aoai-prod", "Tags": '"team": "search"'},
     {"ChargeCategory": "Usage", "ServiceName": "Azure AI Services", "ServiceCategory": "AI and Machine Learning",
      "PricingUnit": "1000 Units", "PricingQuantity": "1500", "ConsumedQuantity": "1500000", "ConsumedUnit": "Units",
      "BilledCost": "3.75", "x_AiWorkload": "Inference", "x_TokenClass": "Input", "x_Model": "gpt-4o-0513",
      "x_Team": "search"}),
    ({"ProductName": "Azure OpenAI - gpt-4o-mini-0718-Outp-glbl Tokens", "MeterCategory": "Cognitive Services",
      "MeterName": "gpt-4o-mini-0718-Outp-glbl Tokens", "UnitOfMeasure": "1M", "Quantity": "2",
      "EffectivePrice": "0.6", "CostInBillingCurrency": "1.2", "ConsumedService": "Microsoft.CognitiveServices",
      "ResourceId": AOAI},
     {"BilledCost": "1.2", "x_TokenClass": "Output", "x_Model": "gpt-4o-mini-0718", "PricingUnit": "1000000 Units"}),
    ({"ProductName": "Azure OpenAI - gpt 4o 1120 cached Inp glbl Tokens", "MeterCategory": "Cognitive Services",
      "MeterName": "gpt 4o 1120 cached Inp glbl Tokens", "UnitOfMeasure": "1K", "Quantity": "400",
      "EffectivePrice": "0.00125", "CostInBillingCurrency": "0.5", "ConsumedService": "Microsoft.CognitiveServices",
      "ResourceId": AOAI},
     {"BilledCost": "0.5", "x_TokenClass": "Cached Input", "x_Model": "gpt-4o-1120"}),
    ({"ProductName": "Azure Databricks", "MeterCategory": "Azure Databricks", "ConsumedService": "Microsoft.Databricks",
      "ResourceId": "", "PublisherType": "Marketplace", "PublisherName": "Databricks", "ChargeType": "Purchase",
      "Frequency": "Recurring", "CostInBillingCurrency": "50", "UnitOfMeasure": "1/Month"},
     {"ChargeCategory": "Purchase", "PublisherName": "Databricks", "BilledCost": "50", "EffectiveCost": "50",
      "PricingUnit": "Units/Month"}),
    ({"ProductName": "Rounding adjustment", "ChargeType": "RoundingAdjustment", "CostInBillingCurrency": "0.01",
      "Frequency": "OneTime", "PricingModel": "", "ResourceId": "", "MeterCategory": "", "ConsumedService": ""},
     {"ChargeCategory": "Adjustment", "BilledCost": "0.01", "EffectiveCost": "0.01", "PricingCategory": None,
      "PricingQuantity": None}),
]

# The amortized cost export of the same kind of month
AMORTIZED: list[tuple[dict, dict]] = [
    ({"ProductName": "Virtual Machines NDisrH100v5 Series - ND96isr H100 v5 - US East", "MeterName": "ND96isr H100 v5",
      "Quantity": "100", "EffectivePrice": "41.10", "CostInBillingCurrency": "4110", "UnitPrice": "98.32",
      "PricingModel": "Reservation", "benefitId": RESERVATION, "benefitName": "h100-1y"},
     {"ChargeCategory": "Usage", "CommitmentDiscountStatus": "Used", "BilledCost": "0", "EffectiveCost": "4110",
      "ContractedCost": "9832"}),
    ({"ProductName": "Reservation - ND96isr H100 v5", "MeterName": "ND96isr H100 v5", "Quantity": "12",
      "EffectivePrice": "41.10", "CostInBillingCurrency": "493.2", "ChargeType": "UnusedReservation",
      "PricingModel": "Reservation", "benefitId": RESERVATION, "ResourceId": ""},
     {"ChargeCategory": "Usage", "CommitmentDiscountStatus": "Unused", "CommitmentDiscountType": "Reservation",
      "BilledCost": "0", "EffectiveCost": "493.2", "ConsumedQuantity": None, "PricingQuantity": "12"}),
    ({"ProductName": "Virtual Machines NCadsA100v4 Series - NC24ads A100 v4 - US East", "MeterName": "NC24ads A100 v4",
      "Quantity": "20", "EffectivePrice": "2.5", "CostInBillingCurrency": "50", "UnitPrice": "3.673",
      "PricingModel": "SavingsPlan", "benefitId": SAVINGS_PLAN, "benefitName": "compute-sp"},
     {"CommitmentDiscountType": "Savings Plan", "CommitmentDiscountCategory": "Spend", "CommitmentDiscountStatus": "Used",
      "PricingCategory": "Committed", "BilledCost": "0", "EffectiveCost": "50"}),
    ({"ProductName": "Savings plan - compute", "MeterName": "", "Quantity": "1", "CostInBillingCurrency": "7.5",
      "ChargeType": "UnusedSavingsPlan", "PricingModel": "SavingsPlan", "benefitId": SAVINGS_PLAN, "ResourceId": ""},
     {"CommitmentDiscountStatus": "Unused", "CommitmentDiscountCategory": "Spend", "BilledCost": "0",
      "EffectiveCost": "7.5"}),
    ({"ProductName": "Storage - Hot LRS Data Stored", "MeterCategory": "Storage", "MeterName": "Hot LRS Data Stored",
      "ConsumedService": "Microsoft.Storage", "UnitOfMeasure": "1 GB/Month", "Quantity": "300",
      "EffectivePrice": "0.0184", "CostInBillingCurrency": "5.52", "PayGPrice": "0.0208",
      "ResourceId": "/subscriptions/sub-1/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/datasets"},
     {"ServiceName": "Storage Accounts", "ServiceCategory": "Storage", "PricingUnit": "GB/Month", "ListCost": "6.24",
      "BilledCost": "5.52", "EffectiveCost": "5.52"}),
]

# MCA camelCase names for the EA ones above (the rest keep their EA spelling, matched case-insensitively)
MCA_NAMES = {"CostInBillingCurrency": "costInBillingCurrency", "BillingCurrencyCode": "billingCurrency",
             "ResourceGroup": "resourceGroupName", "Date": "date", "Quantity": "quantity", "Tags": "tags",
             "UnitOfMeasure": "unitOfMeasure", "ChargeType": "chargeType", "PricingModel": "pricingModel"}
# MCA values that differ from the EA defaults, and MCA's own columns
MCA_VALUES = {"BillingAccountId": "acc-1:guid_2019-05-31", "BillingCurrencyCode": "EUR", "BillingProfileId": "BP-42",
              "BillingProfileName": "Contoso EU"}
MCA_EXTRA = {"invoiceId": "G012345678", "pricingCurrency": "USD", "exchangeRatePricingToBilling": "0.9",
             "paygCostInBillingCurrency": ""}

# Legacy pay-as-you-go usage details: (old header, EA concept it stands for)
PAYG_HEADER = {
    "SubscriptionGuid": "SubscriptionId", "ResourceGroup": "ResourceGroup", "ResourceLocation": "ResourceLocation",
    "UsageDateTime": "Date", "MeterCategory": "MeterCategory", "MeterSubCategory": "MeterSubCategory",
    "MeterId": "MeterId", "MeterName": "MeterName", "MeterRegion": "MeterRegion", "UsageQuantity": "Quantity",
    "ResourceRate": "EffectivePrice", "PreTaxCost": "CostInBillingCurrency", "ConsumedService": "ConsumedService",
    "ResourceType": None, "InstanceId": "ResourceId", "Tags": "Tags", "OfferId": None, "AdditionalInfo": "AdditionalInfo",
    "ServiceInfo1": None, "ServiceInfo2": None, "ServiceName": None, "ServiceTier": None, "Currency": "BillingCurrencyCode",
    "UnitOfMeasure": "UnitOfMeasure",
}

# The old EA portal's German headers, English name in parentheses
GERMAN_HEADER = {
    "Abonnement-GUID (SubscriptionGuid)": "SubscriptionId", "Name des Abonnements (SubscriptionName)": "SubscriptionName",
    "Datum (Date)": "Date", "Kategorie der Verbrauchseinheit (MeterCategory)": "MeterCategory",
    "Name der Verbrauchseinheit (MeterName)": "MeterName", "Verbrauchte Menge (ConsumedQuantity)": "Quantity",
    "Maßeinheit (UnitOfMeasure)": "UnitOfMeasure", "Kosten (Cost)": "CostInBillingCurrency",
    "Währung (Currency)": "BillingCurrencyCode", "ID der Instanz (InstanceId)": "ResourceId",
    "Verbrauchter Dienst (ConsumedService)": "ConsumedService", "Ressourcenstandort (ResourceLocation)": "ResourceLocation",
    "Tags (Tags)": "Tags", "Kontoinhaber-ID (AccountOwnerId)": None,
}


def _rows(rows):
    return [{**EA, **values} for values, _ in rows]


def write_ea(path: Path, rows=None, *, bom: bool = True) -> Path:
    """An EA export: PascalCase headers, MM/DD/YYYY dates, Tags without their outer braces, a BOM."""
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(EA))
        w.writeheader()
        w.writerows(_rows(ACTUAL if rows is None else rows))
    return path


def write_mca(path: Path, rows=None) -> Path:
    """An MCA export: camelCase headers, a billing profile, EUR billing of USD prices, Tags with braces."""
    header = [MCA_NAMES.get(h, h) for h in EA] + list(MCA_EXTRA)
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in _rows(AMORTIZED if rows is None else rows):
            row = {**row, **MCA_VALUES, "Tags": "{" + row["Tags"] + "}" if row["Tags"] else ""}
            w.writerow([row[h] for h in EA] + list(MCA_EXTRA.values()))
    return path


def write_mapped(path: Path, header: dict[str, str | None], rows=None, *, date=None) -> Path:
    """A file in another header generation: each column takes the EA value it stands for."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(list(header))
        for row in _rows(ACTUAL[:2] if rows is None else rows):
            if date:
                row = {**row, "Date": date}
            w.writerow([row[ea] if ea else "" for ea in header.values()])
    return path
