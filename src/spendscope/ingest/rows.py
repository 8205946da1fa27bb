"""The ledger rows of a file: normalised FOCUS columns, then classification and allocation.

Tags and classification depend on a few columns whose values repeat across millions of rows (one
tag set per resource, one SKU text per price). So they are worked out once per distinct value, in
two small temporary tables, and joined back onto the rows:

1. ``focus``: a view of the normalised FOCUS columns over the raw file;
2. tag values (allocation dimensions, the first tag rule that applies), once per distinct ``Tags``;
3. the first other rule that matches, the token class and the model, once per distinct combination
   of the SKU, service and account columns those rules read;
4. the rows: ``focus`` joined with both; the earlier rule of the two sets the workload.

Working per row instead cost 35 s per million rows: the tag lookup and the rule expressions were
recomputed wherever they were used.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.focus.columns import ALLOCATION_COLUMNS, FOCUS_12_COLUMNS, FOCUS_13_COLUMNS
from spendscope.ingest.base import Mappings
from spendscope.ingest.reading import FILE_COLUMN, ROW_COLUMN, unique_name
from spendscope.normalize import classify as cl
from spendscope.normalize.jsontext import json_keys, json_type, json_valid
from spendscope.normalize.tags import TagLookup
from spendscope.store.backends import fetch

FOCUS_COLUMN_NAMES = [c.name for c in FOCUS_12_COLUMNS + FOCUS_13_COLUMNS]
# x_ columns a source fills itself (from ``plan.column``, like the FOCUS columns)
SOURCE_X_COLUMNS = ["x_CreditType"]
# The columns the classification rules read (besides the tag verdicts).
CLASS_INPUTS = (
    "ServiceName", "ServiceCategory", "ServiceSubcategory", "SkuMeter", "ChargeDescription", "SkuId", "ResourceType",
    "ConsumedUnit", "PricingUnit", "BillingAccountName", "SubAccountName", "SubAccountId", "SkuPriceDetails",
)
# The ledger columns each lookup is computed from; the profiling scan collects their distinct raw inputs.
LOOKUP_INPUTS = {"tags": ("Tags",), "classes": CLASS_INPUTS}


def _join_text(*parts: ir.StringValue) -> ir.StringValue:
    return ibis.literal(" ").join([p.fill_null("") for p in parts])


def view(con, expr: ir.Table) -> ir.Table:
    """``expr`` as a temporary view, so later stages read its columns instead of repeating it."""
    name = unique_name("stage")
    con.raw_sql(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {ibis.to_sql(expr, dialect="duckdb")}')
    return con.table(name)


def temp_table(con, expr: ir.Table) -> ir.Table:
    """``expr`` computed once into a temporary table."""
    name = unique_name("lookup")
    con.raw_sql(f'CREATE TEMP TABLE "{name}" AS {ibis.to_sql(expr, dialect="duckdb")}')
    return con.table(name)


def load_ids(raw: ir.Table, ids: dict[str, int] | int) -> ir.IntegerValue:
    """x_LoadId: one load per file, told apart by the file column."""
    if isinstance(ids, int):
        return ibis.literal(ids, type=dt.int64)
    return raw[FILE_COLUMN].cases(*ids.items(), else_=ibis.null(dt.int64)).cast(dt.int64)


def _tag_values(con, focus: ir.Table, rules: cl.Rules, tag_keys: dict[str, tuple[str, ...]]) -> ir.Table:
    """Per distinct Tags text: the allocation dimensions and the first tag rule that applies."""
    distinct = temp_table(con, focus.select("Tags").distinct())
    objects = distinct.filter(json_valid(distinct.Tags) & (json_type(distinct.Tags) == "OBJECT"))
    present = {r["key"] for r in fetch(objects.select(key=json_keys(objects.Tags).unnest()).distinct())}
    lookup = TagLookup(list(dict.fromkeys([k for keys in tag_keys.values() for k in keys] + rules.tag_keys())))
    lookup = lookup.restrict(present)
    listed = view(con, distinct.mutate(__tags=lookup.extract(distinct.Tags)))
    bound = lookup.bind(listed.__tags)
    match = cl.match_tags(rules, bound)
    return temp_table(con, listed.select(
        "Tags", **{f"__tag_{col}": bound.value(*tag_keys.get(col, ())) for col in ALLOCATION_COLUMNS},
        __tag_rank=match.rank, __tag_workload=match.workload, __tag_rule=match.rule_id))


def _classes(con, rows: ir.Table, rules: cl.Rules) -> ir.Table:
    """Per distinct combination of the columns the non-tag rules read: their match, token class, model."""
    distinct = rows.select(*CLASS_INPUTS).distinct()
    sku = TagLookup(["ModelId", "TokenType"])
    helpers = view(con, distinct.mutate(__sku=sku.extract(distinct.SkuPriceDetails)))
    bound = sku.bind(helpers.__sku)
    sku_text = _join_text(helpers.SkuMeter, helpers.ChargeDescription, helpers.SkuId, helpers.ResourceType,
                          bound.value("TokenType"))
    units = _join_text(helpers.ConsumedUnit, helpers.PricingUnit)
    match = cl.match_others(rules, cl.RowText(
        service_name=helpers.ServiceName, service_category=helpers.ServiceCategory,
        service_subcategory=helpers.ServiceSubcategory, sku_text=sku_text, units=units,
        accounts=_join_text(helpers.BillingAccountName, helpers.SubAccountName, helpers.SubAccountId),
    ))
    token_billed = units.re_search(r"(?i)\btokens?\b").fill_null(False) | bound.value("TokenType").notnull()
    return temp_table(con, helpers.select(
        *CLASS_INPUTS, __class_rank=match.rank, __class_workload=match.workload, __class_rule=match.rule_id,
        x_TokenClass=cl.token_class(token_billed, sku_text), __sku_model=bound.value("ModelId"),
    ))


@dataclass(frozen=True)
class NormalizedRows:
    """The rows to load, and the lookup tables holding the distinct Tags and SkuPriceDetails they use."""

    table: ir.Table
    tags: ir.Table
    classes: ir.Table


def normalized_rows(con, plan, raw: ir.Table, mappings: Mappings, ids: dict[str, int] | int, rules: cl.Rules,
                    tag_keys: dict[str, tuple[str, ...]], *, strict: bool = True,
                    distinct: dict[str, ir.Table] | None = None) -> NormalizedRows:
    """The ledger rows of the files in ``raw``; ``strict=False`` turns bad values into nulls (diagnostics).

    ``distinct``: the distinct raw inputs of each lookup (``LOOKUP_INPUTS``), as the profiling scan
    collected them; without it they are read from the files once more.
    """
    if hasattr(plan, "expand"):
        raw = plan.expand(raw)  # sources that split some file rows into several ledger rows
    keep = [ROW_COLUMN] if ROW_COLUMN in raw.columns else []
    focus = view(con, raw.select(
        **{name: plan.column(raw, name, mappings, strict=strict) for name in FOCUS_COLUMN_NAMES + SOURCE_X_COLUMNS},
        __load=load_ids(raw, ids), **{k: raw[k] for k in keep}))

    def inputs(lookup: str) -> ir.Table:
        names = LOOKUP_INPUTS[lookup]
        if distinct is None:
            return focus.select(*names)
        d = distinct[lookup]
        return d.select(**{n: plan.column(d, n, mappings, strict=strict) for n in names})

    tags = _tag_values(con, inputs("tags"), rules, tag_keys)
    classes = _classes(con, inputs("classes"), rules)
    joined = (
        focus.left_join(tags, focus.Tags.identical_to(tags.Tags))
        .left_join(classes, [focus[c].identical_to(classes[c]) for c in CLASS_INPUTS])
    )
    workload, rule_id = cl.winner(
        cl.Match(tags.__tag_rank, tags.__tag_workload, tags.__tag_rule),
        cl.Match(classes.__class_rank, classes.__class_workload, classes.__class_rule),
    )
    extra = {
        "x_Source": ibis.literal(plan.source),
        "x_LoadId": focus.__load,
        "x_AiWorkload": workload,
        "x_AiRule": rule_id,
        "x_TokenClass": classes.x_TokenClass,
    }
    for col in ALLOCATION_COLUMNS:
        extra[col] = tags[f"__tag_{col}"]
    extra["x_Model"] = ibis.coalesce(classes.__sku_model, tags["__tag_x_Model"])
    table = view(con, joined.select(*[focus[n] for n in FOCUS_COLUMN_NAMES + SOURCE_X_COLUMNS], **extra, **{k: focus[k] for k in keep}))
    return NormalizedRows(table, tags, classes)
