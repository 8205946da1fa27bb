"""Google Cloud Billing export to FOCUS 1.2: as data.

The BigQuery export (standard and detailed) reaches spendscope three ways: newline-delimited JSON or
Parquet with nested records (``service.description`` is a field of ``service``, ``credits`` an array
of records), or flattened to CSV with dotted headers (``service.description``) and the arrays written
as text, JSON or Python's repr (``[{'name': ..., 'amount': -5e-06, 'full_name': None}]``). Columns are
found by path either way.

A row's cost is before credits; its credits (committed use and sustained use discounts, free tier,
promotions, ...) are negative amounts beside it, so net cost = ``cost`` + the sum of ``credits.amount``
(Google's billing docs, and its FOCUS view). spendscope gives each credit a ledger row of its own
(ChargeCategory Credit, its type in x_CreditType), so every kind stays visible and the ledger's sum is
the net cost.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from spendscope.ingest.sources.native import canonical  # noqa: F401 (re-exported)

# canonical key (dots and underscores dropped) -> the path of the field in the nested export
PATHS: dict[str, tuple[str, ...]] = {
    "billingaccountid": ("billing_account_id",),
    "serviceid": ("service", "id"), "servicedescription": ("service", "description"),
    "skuid": ("sku", "id"), "skudescription": ("sku", "description"),
    "usagestarttime": ("usage_start_time",), "usageendtime": ("usage_end_time",),
    "projectid": ("project", "id"), "projectname": ("project", "name"), "projectlabels": ("project", "labels"),
    "labels": ("labels",), "systemlabels": ("system_labels",),
    "locationlocation": ("location", "location"), "locationregion": ("location", "region"),
    "locationzone": ("location", "zone"),
    "cost": ("cost",), "currency": ("currency",), "costatlist": ("cost_at_list",),
    "usageamount": ("usage", "amount"), "usageunit": ("usage", "unit"),
    "usageamountinpricingunits": ("usage", "amount_in_pricing_units"), "usagepricingunit": ("usage", "pricing_unit"),
    "credits": ("credits",), "invoicemonth": ("invoice", "month"), "costtype": ("cost_type",),
    "adjustmentinfoid": ("adjustment_info", "id"), "adjustmentinfodescription": ("adjustment_info", "description"),
    "resourcename": ("resource", "name"), "resourceglobalname": ("resource", "global_name"),
    "priceeffectiveprice": ("price", "effective_price"), "subscriptioninstanceid": ("subscription", "instance_id"),
    "transactiontype": ("transaction_type",), "sellername": ("seller_name",),
}
REQUIRED = {
    "billingaccountid": "billing_account_id", "servicedescription": "service.description",
    "skudescription": "sku.description", "usagestarttime": "usage_start_time", "cost": "cost",
    "currency": "currency", "invoicemonth": "invoice.month",
}

# cost_type -> ChargeCategory
COST_TYPES = {"regular": "Usage", "tax": "Tax", "adjustment": "Adjustment", "rounding_error": "Adjustment"}
CUD_CREDITS = {"COMMITTED_USAGE_DISCOUNT": "Usage", "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE": "Spend"}
COMMITMENT_TYPE = "Committed Use Discount"
# A committed use discount's fee: "Commitment v1: Cpu in Montreal for 1 Year", "Commitment - dollar based v1: GCE"
COMMITMENT_SKU_SQL = r"(?i)^commitment\b"
SPEND_COMMITMENT_SQL = r"(?i)dollar based"
SPOT_SKU_SQL = r"(?i)\b(spot|preemptible)\b"
# Vertex AI / Gemini token SKUs: "Gemini 2.5 Flash GA Text Input - Predictions", "Gemini 1.5 Pro Cached Text Input"
TOKEN_SKU_SQL = (r"(?i)^(.+?)\s+(?:GA\s+|Preview\s+)?(?:(cached|cache)\s+)?(?:text|image|audio|video|multimodal)?"
                 r"\s*(input|output)\b")
AI_TOKEN_SERVICES = ("Vertex AI", "Gemini API", "Generative Language API")

REGIONS = {
    "us-central1": "Iowa", "us-east1": "South Carolina", "us-east4": "Northern Virginia", "us-east5": "Columbus",
    "us-west1": "Oregon", "us-west2": "Los Angeles", "us-west3": "Salt Lake City", "us-west4": "Las Vegas",
    "us-south1": "Dallas", "northamerica-northeast1": "Montréal", "northamerica-northeast2": "Toronto",
    "southamerica-east1": "São Paulo", "europe-west1": "Belgium", "europe-west2": "London",
    "europe-west3": "Frankfurt", "europe-west4": "Netherlands", "europe-west6": "Zurich", "europe-west8": "Milan",
    "europe-west9": "Paris", "europe-north1": "Finland", "europe-central2": "Warsaw", "europe-southwest1": "Madrid",
    "asia-east1": "Taiwan", "asia-east2": "Hong Kong", "asia-northeast1": "Tokyo", "asia-northeast2": "Osaka",
    "asia-northeast3": "Seoul", "asia-south1": "Mumbai", "asia-south2": "Delhi", "asia-southeast1": "Singapore",
    "asia-southeast2": "Jakarta", "australia-southeast1": "Sydney", "australia-southeast2": "Melbourne",
    "me-west1": "Tel Aviv", "me-central1": "Doha", "africa-south1": "Johannesburg", "us": "United States",
    "eu": "European Union", "global": "Global",
}




@cache
def service_categories() -> dict[str, str]:
    """service.description -> FOCUS ServiceCategory (data/gcp_service_categories.csv)."""
    path = resources.files("spendscope.data").joinpath("gcp_service_categories.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["ServiceName"]: r["ServiceCategory"] for r in csv.DictReader(fh)}
