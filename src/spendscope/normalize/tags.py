"""Read several tag keys out of the ``Tags`` JSON with one parse per row.

Allocation dimensions and classification rules each look for a tag under several spellings
(``team``, ``Team``, ``TEAM``). Extracting them one by one would parse the JSON once per key; DuckDB's
list form of ``->>`` parses it once and returns every value.

>>> variants("cost-center")
('cost-center', 'Cost-Center', 'COST-CENTER')
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.normalize.jsontext import json_extract_strings, json_valid

DEFAULT_TAG_KEYS: dict[str, tuple[str, ...]] = {
    "x_Team": ("team", "squad", "owner-team", "owning-team"),
    "x_Project": ("project", "project-name"),
    "x_Application": ("application", "app", "feature"),
    "x_Model": ("model", "ai-model", "model-name"),
    "x_Experiment": ("experiment", "experiment-id", "run", "run-id", "training-run"),
    "x_Environment": ("environment", "env", "stage"),
    "x_CostCenter": ("cost-center", "cost_center", "costcenter", "CostCenter", "business_unit", "business-unit"),
}


def variants(key: str) -> tuple[str, ...]:
    """The spellings a tag key is looked up under: as written, Capitalised, UPPER, lower."""
    out: list[str] = []
    title = "-".join(p[:1].upper() + p[1:] for p in key.split("-"))
    for v in (key, title, key.upper(), key.lower()):
        if v not in out:
            out.append(v)
    return tuple(out)


def _json_path(key: str) -> str:
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


class TagLookup:
    """Values of many tag keys from one ``Tags`` expression (DuckDB only: used at ingest).

    ``extract(tags)`` is the one list-valued extraction, to be computed once per row (for example as
    a column of a view); ``bind(column)`` then reads every key from that column.
    """

    def __init__(self, keys: list[str]):
        self.keys: list[str] = []
        for key in keys:
            for v in variants(key):
                if v not in self.keys:
                    self.keys.append(v)
        self._values: ir.ArrayValue | None = None

    def restrict(self, present: set[str]) -> "TagLookup":
        """Only the spellings that occur in the data: fewer paths to look up per tag set."""
        narrowed = TagLookup([])
        narrowed.keys = [k for k in self.keys if k in present]
        return narrowed

    def extract(self, tags: ir.StringValue) -> ir.ArrayValue:
        paths = [_json_path(k) for k in self.keys] or ['$."_"']
        # malformed tag text yields nothing here; the Tags-C-001-M check reports it with its row
        return ibis.ifelse(json_valid(tags), json_extract_strings(tags, ibis.literal(paths, type=dt.Array(dt.string))),
                           ibis.null(dt.Array(dt.string)))

    def bind(self, values: ir.ArrayValue) -> "TagLookup":
        bound = TagLookup([])
        bound.keys, bound._values = self.keys, values
        return bound

    def value(self, *keys: str) -> ir.StringValue:
        """The first non-empty value among ``keys`` (and their spellings), or null."""
        if self._values is None:
            raise RuntimeError("TagLookup.value needs bind() first")
        picks = [self._values[self.keys.index(v)].nullif("") for k in keys for v in variants(k) if v in self.keys]
        if not picks:
            return ibis.null(dt.string)
        return ibis.coalesce(*picks) if len(picks) > 1 else picks[0]
