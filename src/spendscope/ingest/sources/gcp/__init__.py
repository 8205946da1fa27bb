"""The Google Cloud Billing export source: standard and detailed, NDJSON, Parquet and flattened CSV."""

from spendscope.ingest.sources.gcp.source import GcpSource
from spendscope.plugins import hookimpl

__all__ = ["GcpSource"]


@hookimpl
def register_sources():
    return [GcpSource]
