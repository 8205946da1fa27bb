"""The profiling pass: one projected scan of the raw files before anything is written.

Per file it finds the source's own totals per partition (for reconciliation), the raw values of
enum and unit columns (so they can be normalised, and each rewrite reported with its row count),
and counts for the other notes. Grouping by a few low-cardinality columns keeps it cheap: only
the columns named are read. The same scan collects the distinct inputs of the tag and
classification lookups (see ``ingest.rows``), so a CSV file is parsed twice in all: here, and
when its rows are inserted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

from spendscope.focus.vocabulary import VOCABULARIES
from spendscope.ingest.base import Mappings
from spendscope.ingest.reading import FILE_COLUMN, unique_name
from spendscope.normalize.services import subcategory_for
from spendscope.normalize.units import normalize_unit
from spendscope.store.backends import fetch

ZERO = Decimal(0)
_KEY_COLUMNS = ("ProviderName", "BillingAccountId", "BillingPeriodStart", "ServiceName", "__subcategory_missing")
# Columns whose raw values the profile keeps without rewriting them.
_AS_IS = ("BillingCurrency",)


@dataclass
class Profile:
    """What the profiling pass learned about one file."""

    partitions: dict[tuple, dict] = field(default_factory=dict)  # partition key -> {rows, billed, effective}
    values: dict[str, dict[str, int]] = field(default_factory=dict)  # column -> raw value -> rows
    flags: dict[str, int] = field(default_factory=dict)
    subcategory_pairs: set[tuple[str, str]] = field(default_factory=set)
    missing: dict[str, int] = field(default_factory=dict)  # mandatory column -> rows without a value
    category_pairs: dict[tuple[str, str], int] = field(default_factory=dict)  # given (category, subcategory) -> rows


def canonical(vocabulary: tuple[str, ...], raw: str) -> str:
    """The allowed value ``raw`` means, matched ignoring case, spaces and underscores; else ``raw``."""
    folded = {v.lower().replace(" ", "").replace("_", "-"): v for v in vocabulary}
    return folded.get(raw.lower().replace(" ", "").replace("_", "-"), raw)


@dataclass
class Scan:
    """What the profiling pass found: per-file profiles, and the distinct raw inputs of each lookup."""

    profiles: dict[str, Profile]
    distinct: dict[str, ir.Table]  # lookup -> distinct combinations of the raw columns it reads


def referenced(expr: ir.Value, table: ir.Table) -> list[str]:
    """The columns of ``table`` that ``expr`` reads."""
    return sorted({node.name for node in expr.op().find(ops.Field) if node.rel == table.op()})


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def profile(con, plan, raw: ir.Table, required: tuple[str, ...] = (),
            lookups: Mapping[str, tuple[str, ...]] | None = None) -> Scan:
    """Profile the files in ``raw`` (keyed by file path as read), in one scan.

    ``required``: columns that must have a value; the profile counts the rows where they have none.
    ``lookups``: lookup name -> the ledger columns it is computed from. The same scan also collects
    the distinct values of the raw columns behind them (found in the plan's own expressions), with
    ``GROUPING SETS``: for CSV every separate scan would be another full parse of the file.
    """
    lookups = lookups or {}
    keys = {FILE_COLUMN: raw[FILE_COLUMN], **plan.profile_keys(raw)}
    amounts = plan.source_amounts(raw)
    flags = plan.profile_flags(raw)
    counted = {**{f"__flag{i}": cond for i, cond in enumerate(flags.values())},
               **{f"__missing{i}": plan.missing(raw, name) for i, name in enumerate(required)}}

    key_names = {name: f"__key{i}" for i, name in enumerate(keys)}
    pre: dict[str, ir.Value] = {key_names[name]: value for name, value in keys.items()}
    sets = [list(pre)]
    columns: dict[str, list[str]] = {}
    for j, (lookup, names) in enumerate(lookups.items()):
        cols = sorted({c for n in names for c in referenced(plan.column(raw, n, Mappings()), raw)})
        columns[lookup] = cols
        pre[f"__set{j}"] = ibis.literal(j, type=dt.int16)  # marks the rows of this grouping set
        pre.update({f"__in{j}_{i}": raw[c] for i, c in enumerate(cols)})
        sets.append([f"__set{j}"] + [f"__in{j}_{i}" for i in range(len(cols))])
    # "rows": the ledger rows a file row becomes, where a source splits some (default 1)
    ledger_rows = amounts.get("rows", ibis.literal(1, type=dt.int64)).cast(dt.int64)
    sums = {"__billed": amounts["billed"], "__effective": amounts["effective"], "__ledger_rows": ledger_rows,
            **{name: cond.cast(dt.int64) for name, cond in counted.items()}}
    pre.update({f"{name}_value": value for name, value in sums.items()})

    grouping = ", ".join("(" + ", ".join(_q(c) for c in group) + ")" for group in sets)
    selected = [_q(c) for group in sets for c in group]
    selected += ["count(*) AS __rows"] + [f"sum({_q(n + '_value')}) AS {_q(n)}" for n in sums]
    name = unique_name("scan")
    con.raw_sql(
        f"CREATE TEMP TABLE {_q(name)} AS SELECT {', '.join(selected)} "
        f"FROM ({ibis.to_sql(raw.select(**pre), dialect='duckdb')}) GROUP BY GROUPING SETS ({grouping})"
    )
    table = con.table(name)
    mine = table.filter(*[table[f"__set{j}"].isnull() for j in range(len(lookups))]) if lookups else table
    grouped = fetch(mine.select(**{k: mine[key_names[k]] for k in keys}, __rows=mine.__rows,
                                **{n: mine[n] for n in sums}))
    distinct = {}
    for j, lookup in enumerate(lookups):
        part = table.filter(table[f"__set{j}"].notnull())
        distinct[lookup] = part.select(**{c: part[f"__in{j}_{i}"] for i, c in enumerate(columns[lookup])}
                                       or {"__set": part[f"__set{j}"]})

    profiles: dict[str, Profile] = defaultdict(Profile)
    for g in grouped:
        prof = profiles[g[FILE_COLUMN]]
        key = (plan.source, g["ProviderName"], g["BillingAccountId"], g["BillingPeriodStart"])
        part = prof.partitions.setdefault(key, {"rows": 0, "billed": ZERO, "effective": ZERO})
        part["rows"] += g["__ledger_rows"]
        part["billed"] += g["__billed"] or ZERO
        part["effective"] += g["__effective"] or ZERO
        for name in keys:
            if name in _KEY_COLUMNS or name == FILE_COLUMN or g[name] is None:
                continue
            seen = prof.values.setdefault(name, {})
            seen[g[name]] = seen.get(g[name], 0) + g["__rows"]
        for i, name in enumerate(flags):
            prof.flags[name] = prof.flags.get(name, 0) + (g[f"__flag{i}"] or 0)
        for i, name in enumerate(required):
            prof.missing[name] = prof.missing.get(name, 0) + (g[f"__missing{i}"] or 0)
        if g.get("ServiceCategory") is not None and g.get("ServiceSubcategory") is not None:
            pair = (g["ServiceCategory"], g["ServiceSubcategory"])
            prof.category_pairs[pair] = prof.category_pairs.get(pair, 0) + g["__rows"]
        if g["__subcategory_missing"] and g["ServiceName"] is not None and g.get("ServiceCategory") is not None:
            prof.subcategory_pairs.add((g["ServiceName"], canonical(VOCABULARIES["ServiceCategory"], g["ServiceCategory"])))
    return Scan(dict(profiles), distinct)


def rewrites(prof: Profile) -> dict[str, dict[str, str]]:
    """Raw value -> normalised value, per column, for the values that change."""
    out = {}
    for name, seen in prof.values.items():
        if name in _AS_IS:
            continue
        if name in VOCABULARIES:
            changed = {raw: canonical(VOCABULARIES[name], raw) for raw in seen}
        else:
            changed = {raw: normalize_unit(raw) for raw in seen}
        changed = {raw: new for raw, new in changed.items() if raw != new}
        if changed:
            out[name] = changed
    return out


def file_mappings(plan, prof: Profile) -> tuple[Mappings, list[str]]:
    """The rewrites one file needs, and a note for each (what was normalised, in how many rows)."""
    mappings, notes = Mappings(), []
    for name, changed in rewrites(prof).items():
        mappings.values[name] = changed
        for raw, new in sorted(changed.items()):
            notes.append(f"{name}: {raw!r} -> {new!r} in {prof.values[name][raw]:,} rows.")
    for service, category in sorted(prof.subcategory_pairs):
        sub = subcategory_for(service, category)
        if sub is not None:
            mappings.subcategories[(service, category)] = sub
    if mappings.subcategories:
        notes.append(f"ServiceSubcategory derived from ServiceName and ServiceCategory for "
                     f"{len(mappings.subcategories)} services.")
    for flag, count in sorted(prof.flags.items()):
        if count:
            notes.append(plan.describe_flag(flag, count))
    return mappings, notes


def check_values(prof: Profile, mappings: Mappings) -> list[dict]:
    """The distinct normalised values the checks read, with their row counts (see checks.count_in_values)."""
    out = []
    for name, seen in prof.values.items():
        if name in VOCABULARIES or name in _AS_IS:
            rewrite = mappings.values.get(name, {})
            out.extend({"__family": name, name: rewrite.get(raw, raw), "__rows": n} for raw, n in seen.items())
    categories, subcategories = mappings.values.get("ServiceCategory", {}), mappings.values.get("ServiceSubcategory", {})
    for (category, subcategory), n in prof.category_pairs.items():
        out.append({"__family": "pair", "ServiceCategory": categories.get(category, category),
                    "ServiceSubcategory": subcategories.get(subcategory, subcategory), "__rows": n})
    return out


def merged(all_mappings: list[Mappings]) -> Mappings:
    """One set of rewrites for files read together (each rewrite depends only on the raw value)."""
    out = Mappings()
    for m in all_mappings:
        for name, changed in m.values.items():
            out.values.setdefault(name, {}).update(changed)
        out.subcategories.update(m.subcategories)
    return out
