"""The ledger rows of a file: normalised FOCUS columns, then classification and allocation.

Built as three temporary views. Ibis inlines a derived value into every expression that uses it,
so without the views the tag lookup and the SKU text the rules read would be recomputed for every
rule (a 600 kB statement for one small file); with them each is computed once per row.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.focus.columns import ALLOCATION_COLUMNS, FOCUS_12_COLUMNS, FOCUS_13_COLUMNS
from spendscope.ingest.base import Mappings
from spendscope.ingest.reading import FILE_COLUMN, ROW_COLUMN, unique_name
from spendscope.normalize import classify as cl
from spendscope.normalize.tags import TagLookup

FOCUS_COLUMN_NAMES = [c.name for c in FOCUS_12_COLUMNS + FOCUS_13_COLUMNS]
HELPERS = ("__tags", "__sku", "__units", "__accounts", "__sku_text")


def _join_text(*parts: ir.StringValue) -> ir.StringValue:
    return ibis.literal(" ").join([p.fill_null("") for p in parts])


def view(con, expr: ir.Table) -> ir.Table:
    """``expr`` as a temporary view, so later stages read its columns instead of repeating it."""
    name = unique_name("stage")
    con.raw_sql(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {ibis.to_sql(expr, dialect="duckdb")}')
    return con.table(name)


def load_ids(raw: ir.Table, ids: dict[str, int] | int) -> ir.IntegerValue:
    """x_LoadId: one load per file, told apart by the file column."""
    if isinstance(ids, int):
        return ibis.literal(ids, type=dt.int64)
    return raw[FILE_COLUMN].cases(*ids.items(), else_=ibis.null(dt.int64)).cast(dt.int64)


def normalized_rows(con, plan, raw: ir.Table, mappings: Mappings, ids: dict[str, int] | int, rules: cl.Rules,
                    tag_keys: dict[str, tuple[str, ...]], *, strict: bool = True) -> ir.Table:
    """The ledger rows of the files in ``raw``; ``strict=False`` turns bad values into nulls (diagnostics)."""
    keep = {ROW_COLUMN: raw[ROW_COLUMN]} if ROW_COLUMN in raw.columns else {}
    focus = view(con, raw.select(
        **{name: plan.column(raw, name, mappings, strict=strict) for name in FOCUS_COLUMN_NAMES},
        __load=load_ids(raw, ids), **keep))
    wanted_tags = list(dict.fromkeys([k for keys in tag_keys.values() for k in keys] + rules.tag_keys()))
    tags = TagLookup(wanted_tags)
    sku = TagLookup(["ModelId", "TokenType"])
    helpers = focus.mutate(
        __tags=tags.extract(focus.Tags),
        __sku=sku.extract(focus.SkuPriceDetails),
        __units=_join_text(focus.ConsumedUnit, focus.PricingUnit),
        __accounts=_join_text(focus.BillingAccountName, focus.SubAccountName, focus.SubAccountId),
    )
    helpers = view(con, helpers.mutate(__sku_text=_join_text(
        helpers.SkuMeter, helpers.ChargeDescription, helpers.SkuId, helpers.ResourceType,
        sku.bind(helpers.__sku).value("TokenType"))))
    tags, sku = tags.bind(helpers.__tags), sku.bind(helpers.__sku)
    workload, rule_id = cl.classify(rules, cl.RowText(
        service_name=helpers.ServiceName, service_category=helpers.ServiceCategory,
        service_subcategory=helpers.ServiceSubcategory, sku_text=helpers.__sku_text, units=helpers.__units,
        accounts=helpers.__accounts, tags=tags,
    ))
    token_billed = helpers.__units.re_search(r"(?i)\btokens?\b").fill_null(False) | sku.value("TokenType").notnull()
    extra = {
        "x_Source": ibis.literal(plan.source),
        "x_LoadId": helpers.__load,
        "x_AiWorkload": workload,
        "x_AiRule": rule_id,
        "x_TokenClass": cl.token_class(token_billed, helpers.__sku_text),
    }
    for col in ALLOCATION_COLUMNS:
        value = tags.value(*tag_keys.get(col, ()))
        if col == "x_Model":
            value = ibis.coalesce(sku.value("ModelId"), value)
        extra[col] = value
    return view(con, helpers.mutate(**extra).drop(*HELPERS, "__load"))
