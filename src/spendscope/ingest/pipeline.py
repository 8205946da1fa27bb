"""Load files into the ledger: detect, profile, normalise, check, reconcile, replace, record.

>>> from spendscope.store.ledger import Ledger
>>> with Ledger.open(db=":memory:") as ledger:                        # doctest: +SKIP
...     result = ingest(ledger, ["../shared/data/focus/focus-1.0_sample.csv"])

Files with the same source and header are read together, as one export's part files are; each
file is still its own load. Per group, in order:

1. *Profile* (one projected scan of the raw files): the source's own totals per partition, the raw
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
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Mapping

import duckdb

from spendscope import __version__
from spendscope.analysis.loads import additive_sources
from spendscope.analysis.loads import batches as _batches
from spendscope.errors import IngestError, ReconciliationError, RowError, UnknownFormatError
from spendscope.focus import checks as focus_checks
from spendscope.focus.columns import PARTITION_KEY
from spendscope.ingest import diagnostics, profiling
from spendscope.ingest import files as f
from spendscope.ingest import manifests
from spendscope.ingest import writers
from spendscope.ingest.reading import open_raw, raise_rejected
from spendscope.llm.ingest import UsageFile, read_usage, store_usage
from spendscope.ingest.rows import LOOKUP_INPUTS, normalized_rows, view
from spendscope.normalize import classify as cl
from spendscope.normalize.tags import DEFAULT_TAG_KEYS
from spendscope.plugins import source as get_source
from spendscope.plugins import sources as all_sources
from spendscope.store.ledger import Ledger
from spendscope.store.backends import fetch

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
    skipped: list[str] = field(default_factory=list)  # side files a folder held that no source reads
    superseded: list[str] = field(default_factory=list)  # data files an export's manifest does not list
    unpriced: list = field(default_factory=list)  # LLM usage of models the price catalog does not know

    @property
    def loaded(self) -> list[FileResult]:
        return [r for r in self.files if r.status == "loaded"]

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.loaded)


# -- the batch --------------------------------------------------------------------------------

def _choose_source(info: f.FileInfo, forced: str | None):
    """The source that reads ``info``: forced, or the one whose detection is surest."""
    if forced:
        return get_source(forced)
    scored = sorted(((cls().detect(info), name) for name, cls in all_sources().items()), reverse=True)
    if not scored or scored[0][0] == 0:
        raise UnknownFormatError(
            f"{info.name}: no source recognises this file (columns: {', '.join(info.columns[:8])}"
            f"{', ...' if len(info.columns) > 8 else ''}); it shares no column with any layout spendscope reads "
            f"({', '.join(name for _, name in sorted(scored, key=lambda s: s[1]))}).",
            hint="Run `spendscope sources` to see what each source reads, or force one with --source.",
        )
    if scored[0][0] < 0.6:
        best = scored[0][1]
        lacking = ""
        if scored and hasattr(all_sources()[best], "missing_columns"):
            missing = all_sources()[best]().missing_columns(info)
            lacking = f", which lacks {', '.join(missing[:10])}{', ...' if len(missing) > 10 else ''}" if missing else ""
        raise UnknownFormatError(
            f"{info.name}: no source recognises this file (columns: {', '.join(info.columns[:8])}"
            f"{', ...' if len(info.columns) > 8 else ''}). Closest: {best}{lacking}.",
            hint="Run `spendscope sources` to see what each source reads, or force one with --source.",
        )
    return get_source(scored[0][1])


def _current_loads(ledger: Ledger, digests: list[str]) -> dict[str, int]:
    """For each content hash already loaded: its latest load, if all that load's partitions are current."""
    loads = ledger.loads
    prior = loads.filter(loads.content_hash.isin(digests)).group_by("content_hash").aggregate(load_id=loads.load_id.max())
    dated, latest = _batches(ledger)
    mine = dated.join(prior, dated.load_id == prior.load_id).select(
        prior.content_hash, *[dated[k] for k in PARTITION_KEY], load_id=dated.load_id, batch=dated.batch)
    joined = mine.left_join(latest, list(PARTITION_KEY))
    status = fetch(
        joined.group_by("content_hash")
        .aggregate(load_id=joined.load_id.max(),
                   superseded=(joined.latest.notnull() & (joined.latest > joined.batch)).sum())
    )
    return {r["content_hash"]: int(r["load_id"]) for r in status if not r["superseded"]}


@dataclass
class _Planned:
    info: f.FileInfo
    plan: object
    digest: str
    load_id: int = 0


def _plan(ledger: Ledger, paths: list[str], forced: str | Mapping[str, str] | None):
    """Sniff, detect and plan every file; (to load, already loaded, skipped side files)."""
    todo, unchanged, skipped, usage_files = [], [], [], []
    found = []
    selection = manifests.select(f.expand_named(paths), f.is_data)
    superseded = selection.superseded
    per_file = {str(Path(k).resolve()): v for k, v in forced.items()} if isinstance(forced, Mapping) else None
    for path, named in selection.files:
        source = per_file.get(str(Path(path).resolve())) if per_file is not None else forced
        usage = _usage_source(path, source)
        if usage is not None:
            usage_files.append(UsageFile(path, usage))
            continue
        info = f.sniff(path)
        try:
            src = _choose_source(info, source)
        except UnknownFormatError:
            if info.format == "json" and not named and source is None:
                skipped.append(info.name)  # a manifest or labels file beside the data
                continue
            raise
        found.append(_Planned(info, src.plan(info), f.content_hash(info.path)))
    current = _current_loads(ledger, [p.digest for p in found]) if found else {}
    # A file to load replaces its partitions, so the unchanged part files of the same export that were
    # named with it load again too: otherwise the new load would delete their rows.
    reloading = {(p.plan.source, p.info.format, p.info.columns) for p in found if p.digest not in current}
    for p in found:
        prior = current.get(p.digest)
        if prior is None or ((p.plan.source, p.info.format, p.info.columns) in reloading
                             and p.plan.source not in additive_sources()):
            todo.append(p)
        else:
            unchanged.append(FileResult(p.info.name, p.plan.source, "unchanged", load_id=prior, content_hash=p.digest,
                                        notes=[f"Already loaded (load {prior}); nothing changed."]))
    return todo, unchanged, skipped, superseded, usage_files


def _add_usage(result: IngestResult, usage) -> None:
    result.files += usage.files
    result.unpriced += usage.unpriced


def _refresh_llm_usage(ledger: Ledger, loaded) -> None:
    """After bills load, the LLM usage estimates of their periods step aside where the bills now
    price the same usage, or come back where a restated bill no longer does (``llm.ingest``)."""
    from spendscope.llm.ingest import refresh_usage
    from spendscope.store import schema as s

    if not loaded or not ledger.target.is_duckdb or s.USAGE_EVENTS not in ledger.tables():
        return
    periods = [p.billing_period_start for r, _ in loaded for p in r.partitions]
    if not periods or not ledger.duckdb.execute(f"SELECT count(*) FROM {s.USAGE_EVENTS}").fetchone()[0]:
        return
    start = min(periods).date()
    last = max(periods).date()
    end = (last.replace(day=28) + _dt.timedelta(days=4)).replace(day=1)  # the first day after the last month
    with ledger.transaction():
        refresh_usage(ledger, start, end)


def _usage_source(path, forced: str | None):
    """The LLM usage source that reads ``path`` (API responses, gateway logs, spans), or None."""
    from spendscope.llm.sources import detect, usage_sources

    if forced:
        cls = usage_sources().get(forced)
        return cls() if cls else None
    if not f.is_data(path) or path.name.lower().endswith((".csv", ".csv.gz")):
        return detect(path)
    return None


def _groups(todo: list[_Planned]) -> list[list[_Planned]]:
    """Files that can be read as one relation: same source, format, delimiter and header."""
    groups: dict[tuple, list[_Planned]] = {}
    for p in todo:
        key = (p.plan.source, p.info.format, p.info.delimiter, p.info.columns)
        groups.setdefault(key, []).append(p)
    return list(groups.values())


def ingest(
    ledger: Ledger,
    paths: list[str],
    *,
    source: str | Mapping[str, str] | None = None,
    progress: Progress | None = None,
    now: _dt.datetime | None = None,
) -> IngestResult:
    """Load the files at ``paths`` (files, folders, globs) in one all-or-nothing batch.

    ``source`` forces the source that reads every file, or, as a mapping of file path to source name,
    each file's own (files it does not name are detected)."""
    progress = progress or (lambda message, step, total: None)
    settings = ledger.settings
    rules = cl.load_rules(settings.section("classification"))
    tag_keys = {**DEFAULT_TAG_KEYS, **{k: tuple(v) for k, v in settings.section("allocation").get("tag_keys", {}).items()}}
    now = now or _dt.datetime.now(_dt.timezone.utc)

    todo, unchanged, skipped, superseded, usage_files = _plan(ledger, paths, source)
    # LLM usage files are read (and any malformed one refused) before anything is stored
    usage = read_usage(ledger, usage_files, progress=progress) if usage_files else None
    if not todo:
        result = IngestResult(unchanged, skipped, superseded)
        if usage is not None:
            _add_usage(result, store_usage(ledger, usage))
        return result
    if not ledger.target.is_duckdb:
        writers.recover(ledger)
    writer = writers.writer_for(ledger)
    first_id = ledger.next_load_id()
    for i, p in enumerate(todo):
        p.load_id = first_id + i
    groups = _groups(todo)
    total_steps, step = len(groups) * 3 + 1, 0
    loaded: list[tuple[FileResult, profiling.Profile]] = []
    try:
        writer.begin()
        for group in groups:
            plan, infos = group[0].plan, [p.info for p in group]
            label = infos[0].path.name if len(infos) == 1 else f"{len(infos)} {plan.source} files"
            progress(f"Profiling {label}", step, total_steps)
            rejects = None
            try:
                raw, rejects = open_raw(writer.work, infos)
                if hasattr(plan, "prepare"):
                    # values a source computes once for all the columns that use them; a view, so
                    # that Ibis refers to them instead of inlining them into every column
                    raw = view(writer.work, plan.prepare(raw))
                # CSV: collect the lookups' distinct inputs in the profiling scan, sparing two more
                # parses of the file. Parquet reads them column by column for less than the wider scan costs.
                # (Not where ``expand`` makes rows whose lookup inputs no file row has, as GCP's credits.)
                lookups = LOOKUP_INPUTS if infos[0].format == "csv" and not getattr(plan, "EXPANDS_LOOKUPS", False) \
                    else None
                scanned = profiling.profile(writer.work, plan, raw, focus_checks.REQUIRED, lookups)
                profiles = scanned.profiles
            except duckdb.Error as exc:
                writer.after_error()
                raise _read_error(writer.work, group, rejects, exc) from exc
            raise_rejected(writer.work, rejects)
            strays = set(profiles) - {p.info.key for p in group}
            if strays:
                raise ReconciliationError(f"Rows were read from unexpected files: {', '.join(sorted(strays))}.",
                                          hint="Nothing was loaded. Please report this: it is a bug in spendscope.")
            per_file = {}
            for p in group:
                prof = profiles.get(p.info.key, profiling.Profile())
                mappings, notes = profiling.file_mappings(plan, prof)
                per_file[p.info.name] = (prof, mappings, list(p.plan.notes) + notes)
            mappings = profiling.merged([m for _, m, _ in per_file.values()])
            step += 1
            progress(f"Checking {label}", step, total_steps)
            for p in group:
                prof, file_mappings, _ = per_file[p.info.name]
                failures = focus_checks.count_in_values(profiling.check_values(prof, file_mappings), prof.missing,
                                                         con=writer.work)
                if failures:
                    writer.after_error()
                    raise _violation(writer.work, plan, [p], file_mappings, rules, tag_keys, failures)
            try:
                rows = normalized_rows(writer.work, plan, raw, mappings, {p.info.key: p.load_id for p in group},
                                       rules, tag_keys, distinct=scanned.distinct or None)
                failures = {**focus_checks.count_in_json(rows.tags, "Tags"),
                            **focus_checks.count_in_json(rows.classes, "SkuPriceDetails")}
                if failures:
                    writer.after_error()
                    raise _violation(writer.work, plan, group, mappings, rules, tag_keys, failures)
                step += 1
                progress(f"Loading {label}", step, total_steps)
                writer.insert(rows.table)
            except duckdb.Error as exc:
                writer.after_error()
                raise _read_error(writer.work, group, rejects, exc) from exc
            raise_rejected(writer.work, rejects)
            step += 1
            for p in group:
                prof, _, notes = per_file[p.info.name]
                loaded.append((FileResult(p.info.name, plan.source, "loaded", p.load_id, plan.format_version,
                                          notes=notes, content_hash=p.digest), prof))

        progress("Reconciling and replacing partitions", step, total_steps)
        _finish(writer, loaded, now)
        progress("Done", total_steps, total_steps)
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.close()
    result = IngestResult(unchanged + [r for r, _ in loaded], skipped, superseded)
    _refresh_llm_usage(ledger, loaded)
    if usage is not None:
        _add_usage(result, store_usage(ledger, usage))
    return result


def _one_kind_per_partition(loaded) -> None:
    """Refuse an actual and an amortized cost export of the same month in one ingest: both hold the
    month's usage, so loading them together would count it twice."""
    kinds: dict[tuple, dict[str, str]] = {}
    for result, prof in loaded:
        kind = "amortized" if prof.flags.get("amortized") else "actual" if prof.flags.get("actual") else None
        for key in prof.partitions if kind else ():
            kinds.setdefault(key, {})[kind] = result.file
    for key, files in kinds.items():
        if len(files) > 1:
            raise IngestError(
                f"{files['actual']} and {files['amortized']} are both the actual and the amortized cost export of "
                f"{key[1]} / {key[2]} / {key[3]:%Y-%m}: loaded together they would count the month twice.",
                hint="Load one of them: the amortized export for amortized EffectiveCost, the actual one for the "
                     "invoice's purchases. Nothing was loaded.")


def _finish(writer, loaded, now) -> None:
    """Reconcile, replace superseded partitions, record the loads, commit."""
    _one_kind_per_partition(loaded)
    load_ids = [r.load_id for r, _ in loaded]
    partitions = _reconcile(writer, loaded, load_ids)
    replaced = _replaced_loads(writer, load_ids)
    writer.replace(load_ids)
    load_rows, part_rows = [], []
    for result, _ in loaded:
        result.partitions = []
        for load_id, key, p in partitions:
            if load_id != result.load_id:
                continue
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


def _violation(con, plan, group: list[_Planned], mappings, rules, tag_keys, failures: dict[str, int]) -> RowError:
    """The error for failed checks: the first file of ``group`` with a row that breaks them."""
    for p in group:
        found = diagnostics.rule_violation(con, plan, p.info, mappings, rules, tag_keys, failures)
        if found is not None:
            return found
    rule = next(iter(failures))
    return RowError(", ".join(p.info.name for p in group), None, None, f"breaks {rule} ({failures[rule]:,} rows)")


def _read_error(con, group: list[_Planned], rejects, exc: Exception) -> IngestError:
    """The error a failed read or insert means for the user: structural, a bad value, or unreadable."""
    try:
        raise_rejected(con, rejects)
    except RowError as err:
        return err
    except duckdb.Error:
        pass
    first = str(exc).splitlines()[0]
    names = ", ".join(p.info.name for p in group)
    if "sniffing file" in first or "gzip" in first.lower() or "compress" in first.lower():
        return RowError(names, None, None, f"cannot be read as CSV ({first}); it may be truncated or corrupt.")
    if isinstance(exc, (duckdb.ConversionException, duckdb.InvalidInputException)):
        for p in group:
            found = diagnostics.cast_error(con, p.plan, p.info)
            if found is not None:
                return found
        return RowError(names, None, None, f"a value could not be converted: {first}")
    return RowError(names, None, None, f"cannot be read: {first}")


def _reconcile(writer, loaded, load_ids: list[int]) -> list[tuple[int, tuple, dict]]:
    """Ledger sums per (load, partition), checked against the source's own exact totals."""
    rows = writer.rows(load_ids)
    sums = fetch(
        rows.group_by("x_LoadId", *PARTITION_KEY)
        .aggregate(rows=rows.count(), billed=rows.BilledCost.sum(), effective=rows.EffectiveCost.sum(),
                   list=rows.ListCost.sum(), contracted=rows.ContractedCost.sum())
    )
    by_load = {r.load_id: (r, prof) for r, prof in loaded}
    out, seen = [], set()
    for s in sums:
        key = tuple(s[k] for k in PARTITION_KEY)
        result, prof = by_load[s["x_LoadId"]]
        src = prof.partitions.get(key)
        seen.add((s["x_LoadId"], key))
        if src is None or src["rows"] != s["rows"] or src["billed"] != s["billed"] or src["effective"] != s["effective"]:
            raise _mismatch(result.file, key, src, s)
        out.append((s["x_LoadId"], key, {**s, "source_billed": src["billed"], "source_effective": src["effective"]}))
    for result, prof in loaded:
        for key, src in prof.partitions.items():
            if (result.load_id, key) not in seen:
                raise _mismatch(result.file, key, src, {"rows": 0, "billed": ZERO, "effective": ZERO})
    return out


def _mismatch(file, key, src, got) -> ReconciliationError:
    period = f"{key[3]:%Y-%m}" if key[3] is not None else "?"
    return ReconciliationError(
        f"{file}: partition {key[1]} / {key[2]} / {period} does not reconcile: the file has "
        f"{src and src['rows']} rows, BilledCost {src and src['billed']}, EffectiveCost {src and src['effective']}; "
        f"the ledger would hold {got['rows']} rows, {got['billed']}, {got['effective']}.",
        hint="Nothing was loaded. Please report this with the file: it is a bug in spendscope.",
    )


def _replaced_loads(writer, load_ids: list[int]) -> dict[tuple, int]:
    old = writer.superseded(load_ids)
    found = fetch(old.group_by(*PARTITION_KEY).aggregate(load_id=old.x_LoadId.max()))
    return {tuple(r[k] for k in PARTITION_KEY): r["load_id"] for r in found}
