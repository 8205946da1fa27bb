"""The profiling pass: one projected scan of the raw files before anything is written.

Per file it finds the source's own totals per partition (for reconciliation), the raw values of
enum and unit columns (so they can be normalised, and each rewrite reported with its row count),
and counts for the other notes. Grouping by a few low-cardinality columns keeps it cheap: only
the columns named are read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import ibis.expr.types as ir

from spendscope.focus.vocabulary import VOCABULARIES
from spendscope.ingest.base import Mappings
from spendscope.ingest.reading import FILE_COLUMN
from spendscope.normalize.services import subcategory_for
from spendscope.normalize.units import normalize_unit

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


def profile(plan, raw: ir.Table, required: tuple[str, ...] = ()) -> dict[str, Profile]:
    """Profiles of the files in ``raw``, keyed by file path as read.

    ``required``: columns that must have a value; the profile counts the rows where they have none.
    """
    keys = {FILE_COLUMN: raw[FILE_COLUMN], **plan.profile_keys(raw)}
    amounts = plan.source_amounts(raw)
    flags = plan.profile_flags(raw)
    aggs = {"__rows": raw.count(), "__billed": amounts["billed"].sum(), "__effective": amounts["effective"].sum()}
    for i, cond in enumerate(flags.values()):
        aggs[f"__flag{i}"] = cond.sum()
    for i, name in enumerate(required):
        aggs[f"__missing{i}"] = plan.missing(raw, name).sum()
    grouped = raw.group_by(**keys).aggregate(**aggs).to_pyarrow().to_pylist()

    profiles: dict[str, Profile] = defaultdict(Profile)
    for g in grouped:
        prof = profiles[g[FILE_COLUMN]]
        key = (plan.source, g["ProviderName"], g["BillingAccountId"], g["BillingPeriodStart"])
        part = prof.partitions.setdefault(key, {"rows": 0, "billed": ZERO, "effective": ZERO})
        part["rows"] += g["__rows"]
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
    return dict(profiles)


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
