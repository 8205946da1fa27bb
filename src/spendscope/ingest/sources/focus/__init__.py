"""The FOCUS source: FOCUS 1.0-1.3 exports from any provider."""

from spendscope.ingest.sources.focus.source import FocusSource
from spendscope.plugins import hookimpl

__all__ = ["FocusSource"]


@hookimpl
def register_sources():
    return [FocusSource]
