"""The allowed values of FOCUS 1.2 columns, and of spendscope's own ``x_`` columns.

Source: FOCUS 1.2 (tag v1.2 of FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, CC BY 4.0),
``specification/columns/*.md``. The ServiceSubcategory table keeps the spec's parent categories.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
CHARGE_CLASSES = ("Correction",)
CHARGE_FREQUENCIES = ("One-Time", "Recurring", "Usage-Based")
PRICING_CATEGORIES = ("Standard", "Dynamic", "Committed", "Other")
COMMITMENT_DISCOUNT_CATEGORIES = ("Spend", "Usage")
COMMITMENT_DISCOUNT_STATUSES = ("Used", "Unused")
CAPACITY_RESERVATION_STATUSES = ("Used", "Unused")

SERVICE_SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "AI and Machine Learning": (
        "AI Platforms", "Bots", "Generative AI", "Machine Learning", "Natural Language Processing",
        "Other (AI and Machine Learning)",
    ),
    "Analytics": (
        "Analytics Platforms", "Business Intelligence", "Data Processing", "Search", "Streaming Analytics",
        "Other (Analytics)",
    ),
    "Business Applications": ("Productivity and Collaboration", "Other (Business Applications)"),
    "Compute": (
        "Containers", "End User Computing", "Quantum Compute", "Serverless Compute", "Virtual Machines",
        "Other (Compute)",
    ),
    "Databases": (
        "Caching", "Data Warehouses", "Ledger Databases", "NoSQL Databases", "Relational Databases",
        "Time Series Databases", "Other (Databases)",
    ),
    "Developer Tools": (
        "Developer Platforms", "Continuous Integration and Deployment", "Development Environments",
        "Source Code Management", "Quality Assurance", "Other (Developer Tools)",
    ),
    "Identity": ("Identity and Access Management", "Other (Identity)"),
    "Integration": ("API Management", "Messaging", "Workflow Orchestration", "Other (Integration)"),
    "Internet of Things": ("IoT Analytics", "IoT Platforms", "Other (Internet of Things)"),
    "Management and Governance": (
        "Architecture", "Compliance", "Cost Management", "Data Governance", "Disaster Recovery",
        "Endpoint Management", "Observability", "Support", "Other (Management and Governance)",
    ),
    "Media": ("Content Creation", "Gaming", "Media Streaming", "Mixed Reality", "Other (Media)"),
    "Migration": ("Data Migration", "Resource Migration", "Other (Migration)"),
    "Mobile": ("Other (Mobile)",),
    "Multicloud": ("Multicloud Integration", "Other (Multicloud)"),
    "Networking": (
        "Application Networking", "Content Delivery", "Network Connectivity", "Network Infrastructure",
        "Network Routing", "Network Security", "Other (Networking)",
    ),
    "Security": (
        "Secret Management", "Security Posture Management", "Threat Detection and Response", "Other (Security)",
    ),
    "Storage": (
        "Backup Storage", "Block Storage", "File Storage", "Object Storage", "Storage Platforms", "Other (Storage)",
    ),
    "Web": ("Application Platforms", "Other (Web)"),
    "Other": ("Other (Other)",),
}
SERVICE_CATEGORIES = tuple(SERVICE_SUBCATEGORIES)
ALL_SERVICE_SUBCATEGORIES = tuple(s for subs in SERVICE_SUBCATEGORIES.values() for s in subs)

# spendscope's own vocabularies
AI_WORKLOADS = ("Training", "Fine-Tuning", "Inference", "Experimentation", "Data", "Platform")
TOKEN_CLASSES = (
    "Input", "Output", "Cached Input", "Cache Write", "Reasoning", "Audio Input", "Audio Output",
    "Image", "Other",
)

VOCABULARIES: dict[str, tuple[str, ...]] = {
    "ChargeCategory": CHARGE_CATEGORIES,
    "ChargeClass": CHARGE_CLASSES,
    "ChargeFrequency": CHARGE_FREQUENCIES,
    "PricingCategory": PRICING_CATEGORIES,
    "CommitmentDiscountCategory": COMMITMENT_DISCOUNT_CATEGORIES,
    "CommitmentDiscountStatus": COMMITMENT_DISCOUNT_STATUSES,
    "CapacityReservationStatus": CAPACITY_RESERVATION_STATUSES,
    "ServiceCategory": SERVICE_CATEGORIES,
    "ServiceSubcategory": ALL_SERVICE_SUBCATEGORIES,
    "AiWorkload": AI_WORKLOADS,
    "TokenClass": TOKEN_CLASSES,
}


@cache
def currency_codes() -> frozenset[str]:
    """ISO 4217 national currency codes (the FOCUS Currency Format for national currencies)."""
    text = resources.files("spendscope.data").joinpath("iso4217.txt").read_text()
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
