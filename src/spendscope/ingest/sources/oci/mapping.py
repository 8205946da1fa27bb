"""Oracle Cloud Infrastructure cost reports to FOCUS 1.2: as data.

OCI writes cost reports (``reports/cost-csv/*.csv.gz`` in the tenancy's bucket) with slash-separated
headers: ``lineItem/intervalUsageStart``, ``cost/myCost``, ``product/service``, one ``tags/...``
column per tag. Oracle's documentation and its files disagree on casing (``lineItem/TenantId`` and
``lineItem/tenantId``), so columns are matched on a canonical key.

Oracle's own FOCUS mapping ("FOCUS Cost Report Schema") is followed: BilledCost and EffectiveCost are
``cost/myCost`` (the cost after discounts, overage included), the billing account is the subscription,
the sub-account the tenancy; OCI has no commitment discounts of the FOCUS kind.
"""

from __future__ import annotations

from spendscope.ingest.sources.native import canonical  # noqa: F401 (re-exported)

REQUIRED = {
    "lineitemtenantid": "lineItem/tenantId", "lineitemintervalusagestart": "lineItem/intervalUsageStart",
    "lineitemintervalusageend": "lineItem/intervalUsageEnd", "productservice": "product/service",
    "costmycost": "cost/myCost", "costcurrencycode": "cost/currencyCode", "usagebilledquantity": "usage/billedQuantity",
}

# product/service -> FOCUS ServiceCategory (spendscope's own, from OCI's service list)
SERVICE_CATEGORIES = {
    "COMPUTE": "Compute", "FUNCTIONS": "Compute", "OKE": "Compute", "CONTAINER_ENGINE": "Compute",
    "CONTAINER_INSTANCES": "Compute", "BLOCK_STORAGE": "Storage", "OBJECTSTORE": "Storage",
    "OBJECT_STORAGE": "Storage", "FILE_STORAGE": "Storage", "ARCHIVE_STORAGE": "Storage", "NETWORK": "Networking",
    "LOAD_BALANCER": "Networking", "NETWORK_LOAD_BALANCER": "Networking", "FASTCONNECT": "Networking",
    "DNS": "Networking", "VCN": "Networking", "DATABASE": "Databases", "AUTONOMOUS_DATABASE": "Databases",
    "MYSQL": "Databases", "NOSQL": "Databases", "API_GATEWAY": "Web", "TELEMETRY": "Management and Governance",
    "MONITORING": "Management and Governance", "LOGGING": "Management and Governance",
    "NOTIFICATIONS": "Integration", "STREAMING": "Integration", "VAULT": "Security", "KMS": "Security",
    "DATA_SCIENCE": "AI and Machine Learning", "GENERATIVE_AI": "AI and Machine Learning",
    "AI_LANGUAGE": "AI and Machine Learning", "AI_VISION": "AI and Machine Learning",
    "AI_SPEECH": "AI and Machine Learning", "AI_DOCUMENT_UNDERSTANDING": "AI and Machine Learning",
    "DIGITAL_ASSISTANT": "AI and Machine Learning", "DATA_LABELING": "AI and Machine Learning",
}


def tag_key(column: str) -> str | None:
    """``tags/Oracle-Tags.CreatedBy`` -> ``Oracle-Tags.CreatedBy``; None for other columns."""
    if column.lower().startswith("tags/") and len(column) > 5:
        return column[5:]
    return None
