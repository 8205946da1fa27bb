"""Load files into the ledger: detect, profile, normalise, check, reconcile, replace, record.

>>> from spendscope.store.ledger import Ledger
>>> with Ledger.open(db=":memory:") as ledger:                        # doctest: +SKIP
...     result = ingest(ledger, ["../shared/data/focus/focus-1.0_sample.csv"])

Per file, in order:

1. *Profile* (one projected scan of the raw file): the source's own totals per partition, the raw
   values of enum and unit columns (so they can be normalised and reported), and counts for notes.
2. *Insert* the normalised rows (strict casts: a malformed value aborts the batch).
3. *Check* the rows just inserted against the FOCUS rules (one aggregate query).
4. *Reconcile*: the ledger's BilledCost and EffectiveCost per partition must equal the source's
   exact decimal totals from step 1.

Then superseded partitions are deleted and the loads recorded, and everything commits at once.
Any failure rolls the whole batch back; the error names file, row and column, found by a slower
diagnostic pass over the raw file.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

import duckdb
import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope import __version__
from spendscope.errors import IngestError, ReconciliationError, RowError, UnknownFormatError
from spendscope.focus import checks as focus_checks
from spendscope.focus.columns import ALLOCATION_COLUMNS, FOCUS_12_COLUMNS, FOCUS_13_COLUMNS, PARTITION_KEY
from spendscope.focus.vocabulary import SERVICE_SUBCATEGORIES, VOCABULARIES
from spendscope.ingest import files as f
from spendscope.ingest import writers
from spendscope.ingest.base import Mappings
from spendscope.normalize import classify as cl
from spendscope.normalize.services import subcategory_for
from spendscope.normalize.tags import DEFAULT_TAG_KEYS, TagLookup
from spendscope.normalize.units import normalize_unit
from spendscope.plugins import source as get_source
from spendscope.plugins import sources as all_sources
from spendscope.store.ledger import Ledger

FOCUS_COLUMN_NAMES = [c.name for c in FOCUS_12_COLUMNS + FOCUS_13_COLUMNS]
ZERO = Decimal(0)

Progress = Callable[[str, int, int], None]  # (message, step, total)


@dataclass
class PartitionResult:
    provider: str
    billing_account: str
    billing_period_start: _dt.datetime
    rows: int
    billed_cost: Decimal
    effective_cost: Decimal
    source_billed_cost: Decimal
    source_effective_cost: Decimal
    replaced_load_id: int | None = None

    @property
    def period(self) -> str:
        return self.billing_period_start.strftime("%Y-%m")


@dataclass
class FileResult:
    file: str
    source: str
    status: str  # "loaded" or "unchanged"
    load_id: int | None = None
    format_version: str = ""
    rows: int = 0
    billed_cost: Decimal = ZERO
    effective_cost: Decimal = ZERO
    notes: list[str] = field(default_factory=list)
    partitions: list[PartitionResult] = field(default_factory=list)
    content_hash: str = ""


@dataclass
class IngestResult:
    files: list[FileResult]

    @property
    def loaded(self) -> list[FileResult]:
        return [r for r in self.files if r.status == "loaded"]

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.loaded)


# -- reading ----------------------------------------------------------------------------------

_reads = iter(range(1, 1 << 62))


def open_raw(con, info: f.FileInfo, *, numbered: bool = False) -> tuple[ir.Table, str | None]:
    """An Ibis table over the raw file in DuckDB, and the name of its rejects table (CSV)."""
    n = next(_reads)
    if info.format == "parquet":
        raw = con.read_parquet(str(info.path), table_name=f"spendscope_raw_{n}", file_row_number=numbered)
        if numbered:
            raw = raw.mutate(__row=raw.file_row_number + 1).drop("file_row_number")
        return raw, None
    rejects = f"spendscope_rejects_{n}"
    raw = con.read_csv(
        str(info.path),
        table_name=f"spendscope_raw_{n}",
        all_varchar=True,
        header=True,
        delim=info.delimiter,
        quote='"',
        escape='"',
        nullstr=["NULL", ""],
        store_rejects=True,
        rejects_table=rejects,
        rejects_scan=f"spendscope_rejects_scan_{n}",
    )
    if numbered:
        raw = raw.mutate(__row=ibis.row_number() + 1)
    return raw, rejects


def _rejects_error(con, info: f.FileInfo, rejects: str) -> None:
    row = con.raw_sql(
        f'SELECT line, column_name, error_type, error_message FROM "{rejects}" ORDER BY line, column_idx LIMIT 1'
    ).fetchone()
    if row is None:
        return
    line, column, kind, message = row
    if kind == "MISSING COLUMNS":
        problem = f"the row ends early ({message}); the file may be truncated."
    elif kind == "TOO MANY COLUMNS":
        problem = f"the row has too many values ({message})."
    elif kind == "UNQUOTED VALUE" or kind == "INVALID UNICODE":
        problem = f"the row is malformed ({message})."
    else:
        problem = message
    raise RowError(info.name, int(line) - 1, column, f"{problem} (line {line})")


# -- profiling --------------------------------------------------------------------------------

@dataclass
class Profile:
    partitions: dict[tuple, dict]  # partition key -> {rows, billed, effective}
    values: dict[str, dict[str, int]]  # column -> raw value -> rows
    flags: dict[str, int]
    subcategory_pairs: set[tuple[str, str]]


def _canonical(vocabulary: tuple[str, ...], raw: str) -> str:
    folded = {v.lower().replace(" ", "").replace("_", "-"): v for v in vocabulary}
    return folded.get(raw.lower().replace(" ", "").replace("_", "-"), raw)


def profile(plan, raw: ir.Table) -> Profile:
    keys = dict(plan.profile_keys(raw))
    amounts = plan.source_amounts(raw)
    flags = plan.profile_flags(raw)
    aggs = {
        "__rows": raw.count(),
        "__billed": amounts["billed"].sum(),
        "__effective": amounts["effective"].sum(),
    }
    for i, (name, cond) in enumerate(flags.items()):
        aggs[f"__flag{i}"] = cond.sum()
    grouped = raw.group_by(**keys).aggregate(**aggs).to_pyarrow().to_pylist()
    partitions: dict[tuple, dict] = defaultdict(lambda: {"rows": 0, "billed": ZERO, "effective": ZERO})
    values: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[str, int] = defaultdict(int)
    pairs: set[tuple[str, str]] = set()
    for g in grouped:
        key = (plan.source, g["ProviderName"], g["BillingAccountId"], g["BillingPeriodStart"])
        p = partitions[key]
        p["rows"] += g["__rows"]
        p["billed"] += g["__billed"] or ZERO
        p["effective"] += g["__effective"] or ZERO
        for name in keys:
            if name in ("ProviderName", "BillingAccountId", "BillingPeriodStart", "ServiceName", "__subcategory_missing"):
                continue
            if g[name] is not None:
                values[name][g[name]] += g["__rows"]
        for i, name in enumerate(flags):
            counts[name] += g[f"__flag{i}"] or 0
        if g["__subcategory_missing"] and g["ServiceName"] is not None:
            category = g.get("ServiceCategory")
            if category is not None:
                pairs.add((g["ServiceName"], _canonical(VOCABULARIES["ServiceCategory"], category)))
    return Profile(dict(partitions), {k: dict(v) for k, v in values.items()}, dict(counts), pairs)


def mappings_from(profile_: Profile, notes: list[str]) -> Mappings:
    """Value rewrites to apply, and a note for each (what was normalised, in how many rows)."""
    mappings = Mappings()
    for name, seen in profile_.values.items():
        if name in VOCABULARIES:
            rewrite = {raw: _canonical(VOCABULARIES[name], raw) for raw in seen}
        else:
            rewrite = {raw: normalize_unit(raw) for raw in seen}
        changed = {raw: new for raw, new in rewrite.items() if raw != new}
        if changed:
            mappings.values[name] = changed
            for raw, new in sorted(changed.items()):
                notes.append(f"{name}: {raw!r} -> {new!r} in {seen[raw]:,} rows.")
    derived = 0
    for service, category in sorted(profile_.subcategory_pairs):
        sub = subcategory_for(service, category)
        if sub is not None:
            mappings.subcategories[(service, category)] = sub
            derived += 1
    if derived:
        notes.append(f"ServiceSubcategory derived from ServiceName and ServiceCategory for {derived} services.")
    for flag, count in sorted(profile_.flags.items()):
        if not count:
            continue
        kind, col = flag.split(":")
        if kind == "derived":
            from spendscope.ingest.sources.focus.mapping import DERIVED

            notes.append(f"{col} was null in {count:,} rows: set to {DERIVED[col]}, as FOCUS allows.")
        elif kind == "no_zone":
            notes.append(f"Datetimes without a time zone (e.g. in {col}, {count:,} rows) were read as UTC.")
    return mappings


# -- normalising ------------------------------------------------------------------------------

def _join_text(*parts: ir.StringValue) -> ir.StringValue:
    return ibis.literal(" ").join([p.fill_null("") for p in parts])


def _view(con, expr: ir.Table) -> ir.Table:
    """Materialise ``expr`` as a temporary view, so later stages read its columns instead of
    repeating its expressions (Ibis would otherwise inline them into every use)."""
    name = f"spendscope_stage_{next(_reads)}"
    con.raw_sql(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {ibis.to_sql(expr, dialect="duckdb")}')
    return con.table(name)


def normalized_rows(con, plan, raw: ir.Table, mappings: Mappings, load_id: int, rules: cl.Rules,
                    tag_keys: dict[str, tuple[str, ...]], *, strict: bool = True) -> ir.Table:
    """The ledger rows of one file: FOCUS columns, then classification and allocation columns.

    Built in three views: the normalised FOCUS columns; helper values computed once per row (the
    tag values, the SKU text the rules read); then the x_ columns.
    """
    keep_row = {"__row": raw["__row"]} if "__row" in raw.columns else {}
    focus = _view(con, raw.select(
        **{name: plan.column(raw, name, mappings, strict=strict) for name in FOCUS_COLUMN_NAMES}, **keep_row))
    wanted_tags = list(dict.fromkeys([k for keys in tag_keys.values() for k in keys] + rules.tag_keys()))
    tags = TagLookup(wanted_tags)
    sku = TagLookup(["ModelId", "TokenType"])
    helpers = focus.mutate(
        __tags=tags.extract(focus.Tags),
        __sku=sku.extract(focus.SkuPriceDetails),
        __units=_join_text(focus.ConsumedUnit, focus.PricingUnit),
        __accounts=_join_text(focus.BillingAccountName, focus.SubAccountName, focus.SubAccountId),
    )
    helpers = _view(con, helpers.mutate(__sku_text=_join_text(
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
        "x_LoadId": ibis.literal(load_id, type=dt.int64),
        "x_AiWorkload": workload,
        "x_AiRule": rule_id,
        "x_TokenClass": cl.token_class(token_billed, helpers.__sku_text),
    }
    for col in ALLOCATION_COLUMNS:
        value = tags.value(*tag_keys.get(col, ()))
        if col == "x_Model":
            value = ibis.coalesce(sku.value("ModelId"), value)
        extra[col] = value
    final = helpers.mutate(**extra).drop("__tags", "__sku", "__units", "__accounts", "__sku_text")
    return _view(con, final)


# -- diagnostics ------------------------------------------------------------------------------

def _first_row(table: ir.Table, cond: ir.BooleanValue) -> int | None:
    value = table.filter(cond).__row.min().to_pyarrow().as_py()
    return None if value is None else int(value)


def _single_thread(con):
    """Row numbers of a CSV scan follow the file only when one thread reads it."""
    class _Ctx:
        def __enter__(self_):
            self_.before = con.raw_sql("SELECT current_setting('threads')").fetchone()[0]
            con.raw_sql("SET threads = 1")

        def __exit__(self_, *exc):
            con.raw_sql(f"SET threads = {int(self_.before)}")
    return _Ctx()


def locate_cast_error(con, plan, info: f.FileInfo, cause: Exception) -> RowError:
    """Find the first value that could not be converted, by row and column."""
    with _single_thread(con):
        raw, _ = open_raw(con, info, numbered=True)
        best: tuple[int, str, str] | None = None
        for name, raw_col in plan.resolved.items():
            kind = {"decimal": "a decimal number", "datetime": "a date/time"}.get(_data_type(name))
            if kind is None:
                continue
            col = raw[raw_col]
            strict = plan.column(raw, name, Mappings(), strict=False) if name not in ("ContractedCost", "ProviderName") else None
            if strict is None:
                continue
            bad = col.notnull() & (col.cast(dt.string).isin(("", "NULL")) == False) & strict.isnull()  # noqa: E712
            row = _first_row(raw, bad)
            if row is not None and (best is None or row < best[0]):
                value = raw.filter(raw.__row == row)[raw_col].cast(dt.string).to_pyarrow().to_pylist()[0]
                best = (row, name, f"{value!r} is not {kind}.")
    if best is None:
        return RowError(info.name, None, None, f"a value could not be converted: {cause}")
    return RowError(info.name, best[0], best[1], best[2])


def locate_violation(con, plan, info, mappings, rules, tag_keys, failures: dict[str, int]) -> RowError:
    """Find the first row breaking one of the failed rules, and say which rule, in the spec's words."""
    by_id = {c.rule_id: c for c in focus_checks.CHECKS}
    with _single_thread(con):
        raw, _ = open_raw(con, info, numbered=True)
        rows = normalized_rows(con, plan, raw, mappings, 0, rules, tag_keys, strict=False)
        best = None
        for rule_id in failures:
            check = by_id[rule_id]
            row = _first_row(rows, check.violation(rows))
            if row is not None and (best is None or row < best[0]):
                best = (row, check)
    total = sum(failures.values())
    if best is None:
        check = by_id[next(iter(failures))]
        return RowError(info.name, None, check.column, f"{check.rule_id}: {check.sentence} ({total} rows)")
    row, check = best
    value = rows.filter(rows.__row == row)[check.column].cast(dt.string).to_pyarrow().to_pylist()[0]
    hint = f"Valid values: {', '.join(check.valid)}." if check.valid else None
    shown = "null" if value is None else repr(value)
    return RowError(info.name, row, check.column,
                    f"{shown} breaks {check.rule_id}: {check.sentence} ({failures[check.rule_id]:,} rows in all)", hint=hint)


def _data_type(name: str) -> str:
    from spendscope.focus.columns import COLUMNS

    return COLUMNS[name].data_type


# -- the batch --------------------------------------------------------------------------------

def _choose_source(info: f.FileInfo, forced: str | None):
    if forced:
        return get_source(forced)
    scored = sorted(((cls().detect(info), name) for name, cls in all_sources().items()), reverse=True)
    if not scored or scored[0][0] < 0.6:
        best = scored[0][1] if scored else "none"
        raise UnknownFormatError(
            f"{info.name}: no source recognises this file (columns: {', '.join(info.columns[:8])}"
            f"{', ...' if len(info.columns) > 8 else ''}). Closest: {best}.",
            hint="Run `spendscope sources` to see what each source reads, or force one with --source.",
        )
    return get_source(scored[0][1])


def _already_loaded(ledger: Ledger, digest: str) -> int | None:
    loads = ledger.loads
    prior = loads.filter(loads.content_hash == digest).load_id.max().to_pyarrow().as_py()
    if prior is None:
        return None
    parts = ledger.load_partitions
    mine = parts.filter(parts.load_id == prior)
    if mine.count().to_pyarrow().as_py() == 0:
        return None
    # still current only if no later load replaced any of its partitions
    later = parts.filter(parts.load_id > prior).semi_join(mine, list(PARTITION_KEY))
    return None if later.count().to_pyarrow().as_py() else int(prior)


def ingest(
    ledger: Ledger,
    paths: list[str],
    *,
    source: str | None = None,
    progress: Progress | None = None,
    now: _dt.datetime | None = None,
) -> IngestResult:
    """Load the files at ``paths`` (files, folders, globs) in one all-or-nothing batch."""
    progress = progress or (lambda message, step, total: None)
    settings = ledger.settings
    rules = cl.load_rules(settings.section("classification"))
    tag_keys = {**DEFAULT_TAG_KEYS, **{k: tuple(v) for k, v in settings.section("allocation").get("tag_keys", {}).items()}}
    now = now or _dt.datetime.now(_dt.timezone.utc)

    infos = [f.sniff(p) for p in f.expand(paths)]
    plans = []
    results: list[FileResult] = []
    for info in infos:
        src = _choose_source(info, source)
        plan = src.plan(info)
        digest = f.content_hash(info.path)
        prior = _already_loaded(ledger, digest)
        if prior is not None:
            results.append(FileResult(info.name, src.name, "unchanged", load_id=prior, content_hash=digest,
                                      notes=[f"Already loaded (load {prior}); nothing changed."]))
        else:
            plans.append((info, plan, digest))
    if not plans:
        return IngestResult(results)

    if not ledger.target.is_duckdb:
        writers.recover(ledger)
    writer = writers.writer_for(ledger)
    first_id = ledger.next_load_id()
    total_steps = len(plans) * 3 + 1
    step = 0
    try:
        writer.begin()
        loaded: list[tuple[FileResult, Profile]] = []
        for i, (info, plan, digest) in enumerate(plans):
            load_id = first_id + i
            notes = list(plan.notes)
            progress(f"Profiling {info.path.name}", step, total_steps)
            rejects = None
            try:
                raw, rejects = open_raw(writer.work, info)
                prof = profile(plan, raw)
            except duckdb.Error as exc:
                writer.after_error()
                raise _read_error(writer.work, plan, info, rejects, exc) from exc
            if rejects:
                _rejects_error(writer.work, info, rejects)
            mappings = mappings_from(prof, notes)
            step += 1
            progress(f"Loading {info.path.name}", step, total_steps)
            try:
                writer.insert(normalized_rows(writer.work, plan, raw, mappings, load_id, rules, tag_keys))
            except duckdb.Error as exc:
                writer.after_error()
                raise _read_error(writer.work, plan, info, rejects, exc) from exc
            if rejects:
                _rejects_error(writer.work, info, rejects)
            step += 1
            progress(f"Checking {info.path.name}", step, total_steps)
            failures = focus_checks.count_violations(writer.rows([load_id]))
            if failures:
                writer.after_error()
                raise locate_violation(writer.work, plan, info, mappings, rules, tag_keys, failures)
            step += 1
            loaded.append((FileResult(info.name, plan.source, "loaded", load_id, plan.format_version,
                                      notes=notes, content_hash=digest), prof))

        progress("Reconciling and replacing partitions", step, total_steps)
        load_ids = [r.load_id for r, _ in loaded]
        partitions = _reconcile(writer, loaded, load_ids)
        replaced = _replaced_loads(writer, load_ids)
        writer.replace(load_ids)
        load_rows, part_rows = [], []
        for result, _ in loaded:
            mine = [p for p in partitions if p[0] == result.load_id]
            result.partitions = []
            for _, key, p in mine:
                pr = PartitionResult(key[1], key[2], key[3], p["rows"], p["billed"], p["effective"],
                                     p["source_billed"], p["source_effective"], replaced.get(key))
                result.partitions.append(pr)
                part_rows.append({
                    "load_id": result.load_id, "x_Source": key[0], "ProviderName": key[1], "BillingAccountId": key[2],
                    "BillingPeriodStart": key[3], "rows": pr.rows, "billed_cost": pr.billed_cost,
                    "effective_cost": pr.effective_cost, "list_cost": p["list"], "contracted_cost": p["contracted"],
                    "source_billed_cost": pr.source_billed_cost, "source_effective_cost": pr.source_effective_cost,
                    "replaced_load_id": pr.replaced_load_id,
                })
            result.rows = sum(p.rows for p in result.partitions)
            result.billed_cost = sum((p.billed_cost for p in result.partitions), ZERO)
            result.effective_cost = sum((p.effective_cost for p in result.partitions), ZERO)
            load_rows.append({
                "load_id": result.load_id, "file": result.file, "content_hash": result.content_hash,
                "source": result.source, "format_version": result.format_version, "rows": result.rows,
                "billed_cost": result.billed_cost, "effective_cost": result.effective_cost, "loaded_at": now,
                "notes": json.dumps(result.notes), "spendscope_version": __version__,
            })
        writer.record(load_rows, part_rows)
        writer.commit()
        progress("Done", total_steps, total_steps)
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.close()
    return IngestResult(results + [r for r, _ in loaded])


def _read_error(con, plan, info, rejects, exc: Exception) -> IngestError:
    if rejects:
        try:
            _rejects_error(con, info, rejects)
        except RowError as err:
            return err
        except duckdb.Error:
            pass
    first = str(exc).splitlines()[0]
    if "sniffing file" in first or "gzip" in first.lower() or "compress" in first.lower():
        return RowError(info.name, None, None, f"cannot be read as CSV ({first}); it may be truncated or corrupt.")
    if isinstance(exc, (duckdb.ConversionException, duckdb.InvalidInputException)):
        return locate_cast_error(con, plan, info, exc)
    return RowError(info.name, None, None, f"cannot be read: {str(exc).splitlines()[0]}")


def _reconcile(writer, loaded, load_ids: list[int]) -> list[tuple[int, tuple, dict]]:
    """Ledger sums per (load, partition), checked against the source's own exact totals."""
    rows = writer.rows(load_ids)
    sums = (
        rows.group_by("x_LoadId", *PARTITION_KEY)
        .aggregate(rows=rows.count(), billed=rows.BilledCost.sum(), effective=rows.EffectiveCost.sum(),
                   list=rows.ListCost.sum(), contracted=rows.ContractedCost.sum())
        .to_pyarrow().to_pylist()
    )
    out = []
    by_load = {r.load_id: prof for r, prof in loaded}
    for s in sums:
        key = tuple(s[k] for k in PARTITION_KEY)
        src = by_load[s["x_LoadId"]].partitions.get(key)
        file = next(r.file for r, _ in loaded if r.load_id == s["x_LoadId"])
        if src is None or src["rows"] != s["rows"] or src["billed"] != s["billed"] or src["effective"] != s["effective"]:
            raise ReconciliationError(
                f"{file}: partition {key[1]} / {key[2]} / {key[3]:%Y-%m} does not reconcile: the file has "
                f"{src and src['rows']} rows, BilledCost {src and src['billed']}, EffectiveCost {src and src['effective']}; "
                f"the ledger would hold {s['rows']} rows, {s['billed']}, {s['effective']}.",
                hint="Nothing was loaded. Please report this with the file: it is a bug in spendscope.",
            )
        out.append((s["x_LoadId"], key, {**s, "source_billed": src["billed"], "source_effective": src["effective"]}))
    return out


def _replaced_loads(writer, load_ids: list[int]) -> dict[tuple, int]:
    old = writer.superseded(load_ids)
    found = old.group_by(*PARTITION_KEY).aggregate(load_id=old.x_LoadId.max()).to_pyarrow().to_pylist()
    return {tuple(r[k] for k in PARTITION_KEY): r["load_id"] for r in found}
