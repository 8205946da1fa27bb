"""The AWS Cost and Usage Report source: legacy CSV, Athena/Parquet snake_case and CUR 2.0."""

from spendscope.ingest.sources.aws_cur.source import CurSource
from spendscope.plugins import hookimpl

__all__ = ["CurSource"]


@hookimpl
def register_sources():
    return [CurSource]
