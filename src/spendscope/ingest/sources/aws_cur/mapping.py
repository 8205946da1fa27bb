"""AWS Cost and Usage Report to FOCUS 1.2: as data.

CUR comes in three spellings of the same columns: the legacy CSV (``lineItem/UnblendedCost``), the
snake_case of the Athena/Parquet integration (``line_item_unblended_cost``) and CUR 2.0 (AWS Data
Exports: snake_case, with ``product``, ``resource_tags`` and ``cost_category`` as map columns).
Columns are matched on a canonical key (lower case, letters and digits only), so
``savingsPlan/SavingsPlanARN``, ``savings_plan_savings_plan_a_r_n`` and ``..._arn`` are one column.

The line item type decides what a row means (AWS CUR user guide, "Line item details" and
"Understanding Savings Plans"; the FinOps Foundation's focus_converters AWS rules, MIT). Every CUR
row becomes one ledger row, so the ledger's sums can be checked against the file's own:

* BilledCost is ``line_item_unblended_cost`` on every row: summed, the invoice. A Savings Plan's
  covered usage carries its on-demand cost and the matching SavingsPlanNegation row cancels it.
* EffectiveCost is the amortised cost (``EFFECTIVE`` below): covered usage at the commitment's
  effective cost, negations and upfront fees at 0, the unused part of a commitment on its fee row.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from spendscope.ingest.sources.native import canonical  # noqa: F401 (re-exported)

# Columns a file must have to be read as CUR (canonical keys).
REQUIRED = (
    "lineitemlineitemtype", "lineitemunblendedcost", "lineitemusagestartdate", "lineitemusageenddate",
    "billbillingperiodstartdate", "billbillingperiodenddate", "billpayeraccountid", "lineitemcurrencycode",
    "lineitemproductcode",
)
# The same, in the snake_case spelling error messages use
REQUIRED_NAMES = {
    "lineitemlineitemtype": "line_item_line_item_type", "lineitemunblendedcost": "line_item_unblended_cost",
    "lineitemusagestartdate": "line_item_usage_start_date", "lineitemusageenddate": "line_item_usage_end_date",
    "billbillingperiodstartdate": "bill_billing_period_start_date",
    "billbillingperiodenddate": "bill_billing_period_end_date", "billpayeraccountid": "bill_payer_account_id",
    "lineitemcurrencycode": "line_item_currency_code", "lineitemproductcode": "line_item_product_code",
}

# Line item type -> (ChargeCategory, ChargeFrequency, PricingCategory, commitment kind, CommitmentDiscountStatus)
# commitment kind: "sp" (Savings Plan), "ri" (Reserved Instance) or None.
LINE_ITEM_TYPES: dict[str, tuple[str, str, str | None, str | None, str | None]] = {
    "Usage": ("Usage", "Usage-Based", "Standard", None, None),
    "DiscountedUsage": ("Usage", "Usage-Based", "Committed", "ri", "Used"),
    "SavingsPlanCoveredUsage": ("Usage", "Usage-Based", "Committed", "sp", "Used"),
    "SavingsPlanNegation": ("Usage", "Usage-Based", "Committed", "sp", "Used"),
    "SavingsPlanRecurringFee": ("Purchase", "Recurring", "Standard", "sp", None),
    "SavingsPlanUpfrontFee": ("Purchase", "One-Time", "Standard", "sp", None),
    "RIFee": ("Purchase", "Recurring", "Standard", "ri", None),
    "Fee": ("Purchase", "One-Time", "Standard", None, None),
    "Tax": ("Tax", "One-Time", None, None, None),
    "Credit": ("Credit", "One-Time", None, None, None),
    "Refund": ("Credit", "One-Time", None, None, None),
    "BundledDiscount": ("Credit", "Usage-Based", None, None, None),
    "EdpDiscount": ("Credit", "Usage-Based", None, None, None),
    "PrivateRateDiscount": ("Credit", "Usage-Based", None, None, None),
    "Discount": ("Credit", "Usage-Based", None, None, None),
}
# Unknown line item types are kept as adjustments (and counted in a note).
UNKNOWN_TYPE = ("Adjustment", "One-Time", None, None, None)

COMMITMENT_TYPES = {"sp": "Savings Plan", "ri": "Reserved Instance"}
COMMITMENT_CATEGORIES = {"sp": "Spend", "ri": "Usage"}

# Bedrock token usage types (FORMATS.md 1.4): "USE1-Claude3Haiku-input-tokens",
# "USE1-Llama3-1-405B-output-tokens-batch", "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard"
# (model, then token type; "-mantle" marks the newer shape); and Marketplace models, whose model is
# the product name: "USE1-MP:USE1_InputTokenCount-Units", "..._CacheReadInputTokenCount-Units",
# "..._cache_read_input_tokens_global_standard-Units".
BEDROCK_TOKEN_SQL = r"(?i)^(?:[A-Z]{2,4}[0-9]?-)?(.+?)(?:-mantle)?-(input|output|cache-read|cache-write)-tokens"
MARKETPLACE_TOKEN_SQL = r"(?i)_(cache_?read_?input|cache_?write_?input|input|output)_?token"
# A Bedrock model sold through AWS Marketplace: "Claude Sonnet 4.5 (Amazon Bedrock Edition)". Its
# product code is a Marketplace one, so its ServiceCategory comes from this name, not the code table.
BEDROCK_EDITION_SQL = r"\s*\(Amazon Bedrock Edition\)\s*$"
BEDROCK_EDITION = " (Amazon Bedrock Edition)"


def tag_key(column: str) -> str | None:
    """The tag key a legacy or snake_case tag column holds, or None for other columns.

    ``resourceTags/user:Team`` -> ``Team``; ``resource_tags_user_team`` -> ``team``;
    ``resourceTags/aws:createdBy`` -> ``aws:createdBy``; ``resource_tags_aws_created_by`` -> ``aws_created_by``.
    """
    for prefix in ("resourceTags/", "resource_tags_"):
        if column.startswith(prefix) and len(column) > len(prefix):
            key = column[len(prefix):]
            for user in ("user:", "user_"):
                if key.startswith(user):
                    return key[len(user):]
            return key
    return None


@cache
def service_categories() -> dict[str, str]:
    """AWS product code -> FOCUS ServiceCategory (data/aws_service_categories.csv)."""
    path = resources.files("spendscope.data").joinpath("aws_service_categories.csv")
    with path.open(newline="") as fh:
        return {r["ProductCode"]: r["ServiceCategory"] for r in csv.DictReader(fh)}
