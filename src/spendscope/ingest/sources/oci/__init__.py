"""The Oracle Cloud Infrastructure cost report source."""

from spendscope.ingest.sources.oci.source import OciSource
from spendscope.plugins import hookimpl

__all__ = ["OciSource"]


@hookimpl
def register_sources():
    return [OciSource]
