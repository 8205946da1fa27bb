"""DuckDB's JSON functions as Ibis builtins, for ingest-time work on JSON text (Tags, SkuPriceDetails).

Ingest always normalises in DuckDB, so these are safe there; queries that must run on every engine
use ``analysis.costs.tag_value`` instead.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt


@ibis.udf.scalar.builtin(name="json_valid", signature=((dt.string,), dt.boolean))
def json_valid(text):
    """Whether the text is valid JSON."""


@ibis.udf.scalar.builtin(name="json_type", signature=((dt.string,), dt.string))
def json_type(text):
    """'OBJECT', 'ARRAY', 'VARCHAR', ... for JSON text."""


@ibis.udf.scalar.builtin(name="json_keys", signature=((dt.string,), dt.Array(dt.string)))
def json_keys(text):
    """The keys of a JSON object."""


@ibis.udf.scalar.builtin(name="json_extract_string", signature=((dt.string, dt.Array(dt.string)), dt.Array(dt.string)))
def json_extract_strings(text, paths):
    """The values at several JSON paths, with one parse (DuckDB's ``json ->> [paths]``)."""


@ibis.udf.scalar.builtin(name="json_merge_patch", signature=((dt.json, dt.json), dt.json))
def json_merge_patch(target, patch):
    """RFC 7386 merge: keys of ``patch`` set on ``target``; a null value removes the key."""
