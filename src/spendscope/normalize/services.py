"""ServiceSubcategory from ServiceName and ServiceCategory, where a file does not give it.

The lookup (``data/service_subcategories.csv``) combines Microsoft's FinOps toolkit service list (MIT)
with spendscope's own entries for AWS, GCP, OCI and LLM API services. A service it does not know gets
its category's "Other (...)" subcategory, which FOCUS defines for exactly that case.

>>> subcategory_for("Amazon Elastic Compute Cloud", "Storage")
'Block Storage'
>>> subcategory_for("Some New Service", "Compute")
'Other (Compute)'
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

from spendscope.focus.vocabulary import SERVICE_SUBCATEGORIES


@cache
def _table() -> dict[tuple[str, str], str]:
    text = resources.files("spendscope.data").joinpath("service_subcategories.csv").read_text()
    return {(r["ServiceName"], r["ServiceCategory"]): r["ServiceSubcategory"] for r in csv.DictReader(io.StringIO(text))}


def subcategory_for(service_name: str, service_category: str) -> str | None:
    """The FOCUS ServiceSubcategory of a service; None when the category itself is not valid."""
    if service_category not in SERVICE_SUBCATEGORIES:
        return None
    return _table().get((service_name, service_category), f"Other ({service_category})")
