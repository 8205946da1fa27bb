"""A hand-made AWS Cost and Usage Report: one row per line item type and AI pattern, with the FOCUS
values each must produce. Written in the legacy CSV spelling or the snake_case one.

The amounts follow AWS's documented mechanics: a Savings Plan's covered usage carries its on-demand
cost and a negation row cancels it; the fee rows carry what was paid and, in CUR's amortisation,
the unused part of the commitment (which the ledger moves to a row of its own).
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

SP_ARN = "arn:aws:savingsplans::111122223333:savingsplan/sp-0abc"
RI_ARN = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/ri-0def"

# legacy header -> default value
COLUMNS = {
    "identity/LineItemId": "", "bill/InvoiceId": "INV-2026-11", "bill/InvoicingEntity": "Amazon Web Services, Inc.",
    "bill/BillingEntity": "AWS", "bill/BillType": "Anniversary", "bill/PayerAccountId": "111122223333",
    "bill/BillingPeriodStartDate": "2026-11-01T00:00:00Z", "bill/BillingPeriodEndDate": "2026-12-01T00:00:00Z",
    "lineItem/UsageAccountId": "444455556666", "lineItem/LineItemType": "Usage",
    "lineItem/UsageStartDate": "2026-11-03T00:00:00Z", "lineItem/UsageEndDate": "2026-11-03T01:00:00Z",
    "lineItem/ProductCode": "AmazonEC2", "lineItem/UsageType": "", "lineItem/Operation": "RunInstances",
    "lineItem/AvailabilityZone": "us-east-1a", "lineItem/ResourceId": "", "lineItem/UsageAmount": "1",
    "lineItem/CurrencyCode": "USD", "lineItem/UnblendedRate": "", "lineItem/UnblendedCost": "0",
    "lineItem/LineItemDescription": "charge", "lineItem/LegalEntity": "Amazon Web Services, Inc.",
    "product/ProductName": "Amazon Elastic Compute Cloud", "product/region": "us-east-1",
    "product/location": "US East (N. Virginia)", "product/sku": "SKU1", "pricing/RateCode": "",
    "pricing/publicOnDemandCost": "", "pricing/publicOnDemandRate": "", "pricing/unit": "Hrs",
    "reservation/ReservationARN": "", "reservation/EffectiveCost": "",
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": "", "reservation/UnusedRecurringFee": "",
    "savingsPlan/SavingsPlanARN": "", "savingsPlan/SavingsPlanEffectiveCost": "",
    "savingsPlan/TotalCommitmentToDate": "", "savingsPlan/UsedCommitment": "",
    "resourceTags/user:team": "", "resourceTags/user:project": "",
}

# Each row: the CUR values that differ from the defaults, then the FOCUS values expected.
ROWS: list[tuple[dict, dict]] = [
    ({"lineItem/UsageType": "USE1-BoxUsage:p5.48xlarge", "lineItem/UnblendedRate": "98.32", "lineItem/UnblendedCost": "98.32",
      "pricing/publicOnDemandCost": "98.32", "pricing/publicOnDemandRate": "98.32", "lineItem/ResourceId": "i-0p5",
      "resourceTags/user:team": "ml-research", "resourceTags/user:project": "llm-pretrain"},
     {"ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "Standard", "BilledCost": "98.32",
      "EffectiveCost": "98.32", "ListCost": "98.32", "x_Team": "ml-research", "x_AiWorkload": "Training", "x_CreditType": None}),
    ({"lineItem/UsageType": "USE1-SpotUsage:g5.xlarge", "lineItem/UnblendedRate": "0.50", "lineItem/UnblendedCost": "0.50",
      "pricing/publicOnDemandCost": "1.006", "pricing/publicOnDemandRate": "1.006"},
     {"ChargeCategory": "Usage", "PricingCategory": "Dynamic", "BilledCost": "0.50", "EffectiveCost": "0.50",
      "ListCost": "1.006"}),
    ({"lineItem/LineItemType": "SavingsPlanCoveredUsage", "lineItem/UsageType": "USE1-BoxUsage:p4d.24xlarge",
      "lineItem/UnblendedRate": "32.77", "lineItem/UnblendedCost": "32.77", "pricing/publicOnDemandCost": "32.77",
      "pricing/publicOnDemandRate": "32.77", "savingsPlan/SavingsPlanARN": SP_ARN,
      "savingsPlan/SavingsPlanEffectiveCost": "20.00"},
     {"ChargeCategory": "Usage", "PricingCategory": "Committed", "CommitmentDiscountId": SP_ARN,
      "CommitmentDiscountType": "Savings Plan", "CommitmentDiscountCategory": "Spend", "CommitmentDiscountStatus": "Used",
      "BilledCost": "32.77", "EffectiveCost": "20.00", "ListCost": "32.77"}),
    ({"lineItem/LineItemType": "SavingsPlanNegation", "lineItem/UsageType": "USE1-BoxUsage:p4d.24xlarge",
      "lineItem/UnblendedCost": "-32.77", "savingsPlan/SavingsPlanARN": SP_ARN},
     {"ChargeCategory": "Usage", "CommitmentDiscountStatus": "Used", "BilledCost": "-32.77", "EffectiveCost": "0",
      "ListCost": "0"}),
    ({"lineItem/LineItemType": "SavingsPlanRecurringFee", "lineItem/UsageType": "ComputeSP:1yrNoUpfront",
      "lineItem/UnblendedCost": "25.00", "savingsPlan/SavingsPlanARN": SP_ARN,
      "savingsPlan/TotalCommitmentToDate": "25.00", "savingsPlan/UsedCommitment": "20.00",
      "product/ProductName": "Savings Plans for AWS Compute usage", "lineItem/ProductCode": "ComputeSavingsPlans"},
     {"ChargeCategory": "Purchase", "ChargeFrequency": "Recurring", "CommitmentDiscountId": SP_ARN,
      "CommitmentDiscountStatus": None, "BilledCost": "25.00", "EffectiveCost": "0", "_unused": "5.00"}),
    ({"lineItem/LineItemType": "SavingsPlanUpfrontFee", "lineItem/UnblendedCost": "1000", "savingsPlan/SavingsPlanARN": SP_ARN,
      "product/ProductName": "Savings Plans for AWS Compute usage", "lineItem/ProductCode": "ComputeSavingsPlans"},
     {"ChargeCategory": "Purchase", "ChargeFrequency": "One-Time", "BilledCost": "1000", "EffectiveCost": "0"}),
    ({"lineItem/LineItemType": "DiscountedUsage", "lineItem/UsageType": "USE1-BoxUsage:g6.12xlarge",
      "lineItem/UnblendedCost": "0", "pricing/publicOnDemandCost": "4.60", "pricing/publicOnDemandRate": "4.60",
      "reservation/ReservationARN": RI_ARN, "reservation/EffectiveCost": "2.90"},
     {"ChargeCategory": "Usage", "PricingCategory": "Committed", "CommitmentDiscountId": RI_ARN,
      "CommitmentDiscountType": "Reserved Instance", "CommitmentDiscountCategory": "Usage",
      "CommitmentDiscountStatus": "Used", "BilledCost": "0", "EffectiveCost": "2.90", "ListCost": "4.60",
      "ContractedCost": "4.60"}),
    ({"lineItem/LineItemType": "RIFee", "lineItem/UsageType": "HeavyUsage:g6.12xlarge", "lineItem/UnblendedCost": "36.00",
      "reservation/ReservationARN": RI_ARN, "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": "3.00",
      "reservation/UnusedRecurringFee": "2.00"},
     {"ChargeCategory": "Purchase", "ChargeFrequency": "Recurring", "CommitmentDiscountType": "Reserved Instance",
      "BilledCost": "36.00", "EffectiveCost": "0", "_unused": "5.00"}),
    ({"lineItem/LineItemType": "Fee", "lineItem/UnblendedCost": "500", "reservation/ReservationARN": RI_ARN},
     {"ChargeCategory": "Purchase", "BilledCost": "500", "EffectiveCost": "0"}),
    ({"lineItem/LineItemType": "Fee", "lineItem/UnblendedCost": "100", "lineItem/ProductCode": "AWSSupportBusiness",
      "product/ProductName": "AWS Support (Business)"},
     {"ChargeCategory": "Purchase", "BilledCost": "100", "EffectiveCost": "100"}),
    ({"lineItem/LineItemType": "Tax", "lineItem/UnblendedCost": "10.00", "lineItem/UsageAmount": ""},
     {"ChargeCategory": "Tax", "PricingCategory": None, "BilledCost": "10.00", "EffectiveCost": "10.00"}),
    ({"lineItem/LineItemType": "Credit", "lineItem/UnblendedCost": "-50.00", "lineItem/UsageAmount": ""},
     {"ChargeCategory": "Credit", "ChargeClass": None, "BilledCost": "-50.00", "EffectiveCost": "-50.00", "x_CreditType": "Credit"}),
    ({"lineItem/LineItemType": "Refund", "lineItem/UnblendedCost": "-5.00", "lineItem/UsageAmount": "",
      "lineItem/UsageStartDate": "2026-10-10T00:00:00Z", "lineItem/UsageEndDate": "2026-10-11T00:00:00Z"},
     {"ChargeCategory": "Credit", "ChargeClass": "Correction", "BilledCost": "-5.00", "EffectiveCost": "-5.00"}),
    ({"lineItem/LineItemType": "BundledDiscount", "lineItem/UnblendedCost": "-1.00"},
     {"ChargeCategory": "Credit", "BilledCost": "-1.00", "EffectiveCost": "-1.00"}),
    ({"lineItem/LineItemType": "EdpDiscount", "lineItem/UnblendedCost": "-2.00"},
     {"ChargeCategory": "Credit", "BilledCost": "-2.00", "EffectiveCost": "-2.00", "x_CreditType": "EdpDiscount"}),
    ({"lineItem/ProductCode": "AmazonBedrock", "product/ProductName": "Amazon Bedrock",
      "lineItem/UsageType": "USE1-Claude3Haiku-input-tokens", "lineItem/UsageAmount": "1000",
      "lineItem/UnblendedRate": "0.00025", "lineItem/UnblendedCost": "0.25", "pricing/unit": "1K tokens",
      "lineItem/Operation": "InvokeModelInference", "resourceTags/user:team": "search"},
     {"ServiceCategory": "AI and Machine Learning", "PricingUnit": "1000 Tokens", "x_TokenClass": "Input",
      "x_Model": "Claude3Haiku", "x_AiWorkload": "Inference", "BilledCost": "0.25"}),
    ({"lineItem/ProductCode": "AmazonBedrock", "bill/BillingEntity": "AWS Marketplace",
      "lineItem/LegalEntity": "Anthropic, PBC", "product/ProductName": "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
      "lineItem/UsageType": "USE1-MP:USE1_OutputTokenCount-Units", "lineItem/UsageAmount": "0.05",
      "lineItem/UnblendedRate": "15", "lineItem/UnblendedCost": "0.75", "pricing/unit": "Units"},
     {"PublisherName": "Anthropic, PBC", "x_TokenClass": "Output", "x_Model": "Claude Sonnet 4.5",
      "x_AiWorkload": "Inference", "BilledCost": "0.75"}),
    # a Marketplace model billed under its own Marketplace product code: AI by its product name
    ({"lineItem/ProductCode": "prod-4pmewlybdftbs", "bill/BillingEntity": "AWS Marketplace",
      "lineItem/LegalEntity": "Anthropic, PBC", "product/ProductName": "Claude Sonnet 4 (Amazon Bedrock Edition)",
      "lineItem/UsageType": "USE1-MP:USE1_CacheReadInputTokenCount-Units", "lineItem/UsageAmount": "2",
      "lineItem/UnblendedRate": "0.3", "lineItem/UnblendedCost": "0.6", "pricing/unit": "1M tokens"},
     {"ServiceCategory": "AI and Machine Learning", "ServiceSubcategory": "Generative AI", "PricingUnit": "1000000 Tokens",
      "x_TokenClass": "Cached Input", "x_Model": "Claude Sonnet 4", "x_AiWorkload": "Inference", "BilledCost": "0.6"}),
    ({"lineItem/ProductCode": "AmazonSageMaker", "product/ProductName": "Amazon SageMaker",
      "lineItem/UsageType": "USE1-Host:ml.g5.12xlarge", "lineItem/UnblendedRate": "7.09", "lineItem/UnblendedCost": "7.09",
      "pricing/publicOnDemandCost": "7.09", "pricing/publicOnDemandRate": "7.09"},
     {"ServiceCategory": "AI and Machine Learning", "BilledCost": "7.09", "EffectiveCost": "7.09"}),
]

BILLED_TOTAL = sum(Decimal(r[1]["BilledCost"]) for r in ROWS)
# "_unused": the unused commitment on a fee row; the ledger gives it a row of its own (FOCUS "Unused")
UNUSED = [Decimal(r[1]["_unused"]) for r in ROWS if "_unused" in r[1]]
# amortised: every row's EffectiveCost as AWS's amortisation defines it, unused commitment included
EFFECTIVE_TOTAL = sum(Decimal(r[1].get("EffectiveCost", r[1]["BilledCost"])) for r in ROWS) + sum(UNUSED)


def snake(legacy: str) -> str:
    """The Athena/Parquet spelling of a legacy CUR header."""
    if legacy.startswith("resourceTags/user:"):
        return "resource_tags_user_" + legacy.split(":", 1)[1].lower()
    group, name = legacy.split("/", 1)
    part = lambda s: re.sub(r"(?<!^)([A-Z])", r"_\1", s).lower()  # noqa: E731
    return f"{part(group)}_{part(name)}"


def write(path: Path, *, spelling: str = "legacy", rows=None, header: list[str] | None = None) -> Path:
    header = header or list(COLUMNS)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header if spelling == "legacy" else [snake(h) for h in header])
        for i, (values, _) in enumerate(rows or ROWS, start=1):
            row = {**COLUMNS, "identity/LineItemId": f"li-{i:03d}", **values}
            w.writerow([row[h] for h in header])
    return path
