"""The Azure Cost Management export source: EA, MCA and pay-as-you-go; actual and amortized."""

from spendscope.ingest.sources.azure.source import AzureSource
from spendscope.plugins import hookimpl

__all__ = ["AzureSource"]


@hookimpl
def register_sources():
    return [AzureSource]
