"""Load LLM usage files: read events, price them, keep them in ``usage_events``, roll them up into ``costs``.

Per batch of files (steps 1 and 2 in temporary tables, which change nothing in the ledger; steps 3
to 5 in one transaction):

1. *Read* each file with its usage source (``llm.sources``): events with exclusive token classes.
2. *Price* every (event, token class) at the catalog price in force on the event's day
   (``llm.prices``). Tokens of a model the catalog does not know stay unpriced: their event's
   ``cost`` is null, its tokens are counted in ``unpriced_tokens`` and reported, never priced at 0.
3. *Store*: an event replaces the stored event with the same (source, event_id), so loading a file
   twice changes nothing and a restated usage bucket replaces the old one.
4. *Roll up* each partition (source, provider, account, month) the batch touched: its ``costs`` rows
   are rebuilt from all its stored, priced events, one row per day, model, token class, service
   tier and attribution (team, project, application, environment, user, API key).
5. *Check*: the roll-up's total equals the exact sum of its events' costs, per partition.

Usage loads add to a partition (they are ``ADDITIVE``): a later file of the same month adds its
events instead of replacing the month. LLM usage needs a DuckDB ledger for now.
"""

from __future__ import annotations

import datetime as _dt
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Callable

import pyarrow as pa

from spendscope import __version__
from spendscope.errors import IngestError, ReconciliationError
from spendscope.ingest import files as f
from spendscope.llm.events import EVENT_COLUMNS, TOKEN_COLUMNS, EventBatch
from spendscope.llm.prices import Catalog
from spendscope.store import schema as s
from spendscope.store.ledger import Ledger

Progress = Callable[[str, int, int], None]

# Seller -> (ProviderName, ServiceName) of the roll-up rows
PROVIDERS = {
    "openai": ("OpenAI", "OpenAI API"),
    "anthropic": ("Anthropic", "Claude API"),
    "azure": ("Microsoft", "Azure OpenAI"),
    "bedrock": ("AWS", "Amazon Bedrock"),
    "vertex": ("Google Cloud", "Vertex AI"),
    "gemini": ("Google Cloud", "Gemini API"),
}


@dataclass
class UsageFile:
    path: Path
    source: object  # a UsageSource


@dataclass
class UnpricedModel:
    source: str
    provider: str
    model: str
    events: int
    tokens: int


@dataclass
class UsageResult:
    """What a usage ingest did, in the pipeline's result types (``ingest.pipeline``)."""

    files: list = field(default_factory=list)  # FileResult
    unpriced: list[UnpricedModel] = field(default_factory=list)


def _catalog(ledger: Ledger) -> Catalog:
    """The catalog in force for this ledger: bundled, its price updates, the config's overrides."""
    return Catalog.load(ledger, (ledger.settings.section("pricing") or {}).get("overrides", {}))


def provider_sql(column: str, index: int) -> str:
    """SQL for the ProviderName (``index`` 0) or ServiceName (1) of the seller in ``column``."""
    whens = " ".join(f"WHEN '{k}' THEN '{v[index]}'" for k, v in PROVIDERS.items())
    fallback = f"upper(substr({column}, 1, 1)) || substr({column}, 2)" if index == 0 else f"{column} || ' API'"
    return f"CASE {column} {whens} ELSE {fallback} END"


# Days and months of a TIMESTAMPTZ in UTC by arithmetic on its microseconds since the epoch: the same
# values as CAST(date_trunc('day', t) AS TIMESTAMPTZ), CAST(t AS DATE) and date_trunc('month', ...)
# under the ledger's UTC time zone, without the time-zone library those go through (ten times slower
# over a million events). The remainder is taken as a floor, so instants before 1970 fall on their day.
_DAY_US = 86_400_000_000


def _floor_day_us(column: str) -> str:
    return f"(epoch_us({column}) - ((epoch_us({column}) % {_DAY_US}) + {_DAY_US}) % {_DAY_US})"


def utc_day(column: str) -> str:
    """SQL: midnight UTC (TIMESTAMPTZ) of the day of the TIMESTAMPTZ ``column``."""
    return f"make_timestamptz({_floor_day_us(column)})"


def utc_date(column: str) -> str:
    """SQL: the UTC date (DATE) of the TIMESTAMPTZ ``column``."""
    return f"(DATE '1970-01-01' + CAST({_floor_day_us(column)} // {_DAY_US} AS INTEGER))"


def utc_month(column: str) -> str:
    """SQL: the first instant (TIMESTAMPTZ) of the UTC month of the TIMESTAMPTZ ``column``."""
    return f"make_timestamptz(epoch_us(CAST(date_trunc('month', {utc_date(column)}) AS TIMESTAMP)))"


@dataclass
class Prepared:
    """Usage files read and checked, not yet stored (``read_usage`` then ``store_usage``)."""

    todo: list  # (UsageFile, EventBatch, content hash)
    result: UsageResult
    catalog: Catalog


def ingest_usage(ledger: Ledger, files: list[UsageFile], catalog: Catalog | None = None,
                 progress: Progress | None = None) -> UsageResult:
    """Load usage files (see the module docstring); returns one FileResult per file."""
    return store_usage(ledger, read_usage(ledger, files, catalog, progress))


def read_usage(ledger: Ledger, files: list[UsageFile], catalog: Catalog | None = None,
               progress: Progress | None = None) -> Prepared:
    """Read every file (a malformed one raises, naming file, row and field); nothing is stored yet."""
    from spendscope.ingest.pipeline import FileResult

    if not ledger.target.is_duckdb:
        raise IngestError(f"LLM usage files can be loaded into a DuckDB ledger only for now, not {ledger.describe()}.",
                          hint="Load usage into a DuckDB ledger (--db spendscope.duckdb).")
    catalog = catalog or _catalog(ledger)
    con = ledger.duckdb
    result = UsageResult()
    loads = con.execute(f"SELECT content_hash, source, file, load_id FROM {s.LOADS} ORDER BY load_id").fetchall()
    known = {(r[0], r[1]): r[3] for r in loads}  # the latest load of each content
    loaded_paths = {r[2] for r in loads}
    todo: list[tuple[UsageFile, EventBatch, str]] = []
    for i, uf in enumerate(files):
        if progress:
            progress(f"reading {uf.path.name}", i, len(files))
        # a file staged from a path never loaded is most likely new: it is hashed while DuckDB reads it
        # (a large file's hash takes a third of a second), and set aside if it was loaded after all
        early = hasattr(uf.source, "stage") and str(uf.path) not in loaded_paths
        with ThreadPoolExecutor(max_workers=1) as pool:
            hashing = pool.submit(f.content_hash, uf.path)
            batch = _read_file(con, uf, i) if early else None
            digest = hashing.result()
        if (digest, uf.source.name) in known:
            if batch is not None and batch.staged:
                con.execute(f"DROP TABLE IF EXISTS {batch.staged}")
            result.files.append(FileResult(str(uf.path), uf.source.name, "unchanged",
                                           load_id=known[(digest, uf.source.name)], content_hash=digest))
            continue
        todo.append((uf, batch if batch is not None else _read_file(con, uf, i), digest))
    return Prepared(todo, result, catalog)


def _read_file(con, uf: UsageFile, i: int) -> EventBatch:
    """A usage file's events: kept in the ledger's connection where its source can check them there
    (``stage``), else read into Arrow."""
    stage = getattr(uf.source, "stage", None)
    return stage(uf.path, con, f"__staged_events_{i}") if stage is not None else uf.source.read(uf.path)


def store_usage(ledger: Ledger, prepared: Prepared) -> UsageResult:
    """Price, store and roll up what ``read_usage`` read, in one transaction."""
    todo, result, catalog = prepared.todo, prepared.result, prepared.catalog
    if not todo:
        return result
    first_id = ledger.next_load_id()
    loaded_at = _dt.datetime.now(_dt.timezone.utc)
    numbered = [(first_id + k, uf, batch, digest) for k, (uf, batch, digest) in enumerate(todo)]
    cost_reports = [n for n in numbered if n[2].billed is not None]
    numbered = [n for n in numbered if n[2].billed is None]
    con = ledger.duckdb
    try:
        if numbered:
            # staged and priced before the transaction, in temporary tables that change nothing in
            # the ledger: DuckDB stores a large insert read from committed tables faster (twice, for
            # a million events) than one read from tables the same transaction made
            _stage_batches(con, "__usage_new", [(load_id, batch) for load_id, _, batch, _ in numbered])
            _stage_prices(con, catalog)  # for the new events and the stored ones they roll up with
            unpriced = _price_new(con, dedupe=len(numbered) > 1)
        with ledger.transaction():
            if cost_reports:
                result.files += _store_billed(ledger, cost_reports, loaded_at)
            if numbered:
                _store_events(ledger, numbered, unpriced, loaded_at, result)
    finally:
        con.execute("DROP VIEW IF EXISTS __usage_priced")
        for name in [batch.staged for _, _, batch, _ in numbered if batch.staged] + ["__usage_new", "__usage_batch"]:
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return result


def _load_row(load_id: int, uf: UsageFile, digest: str, version: str, rows: int, cost: Decimal, loaded_at,
              notes: list[str]) -> dict:
    """A ``loads`` record (the bill pipeline's shape)."""
    return {"load_id": load_id, "file": str(uf.path), "content_hash": digest, "source": uf.source.name,
            "format_version": version, "rows": rows, "billed_cost": cost, "effective_cost": cost, "loaded_at": loaded_at,
            "notes": json.dumps(notes), "spendscope_version": __version__}


def _partition_row(load_id: int, key: tuple, rows: int, ledger_cost: Decimal, source_cost: Decimal) -> dict:
    """A ``load_partitions`` record: usage and cost-report rows have one cost for all four metrics."""
    return {"load_id": load_id, "x_Source": key[0], "ProviderName": key[1], "BillingAccountId": key[2],
            "BillingPeriodStart": key[3], "rows": rows, "billed_cost": ledger_cost, "effective_cost": ledger_cost,
            "list_cost": ledger_cost, "contracted_cost": ledger_cost, "source_billed_cost": source_cost,
            "source_effective_cost": source_cost}


def _store_events(ledger: Ledger, numbered: list, batch: str, loaded_at, result: UsageResult) -> None:
    """Usage events priced by ``_price_new`` (``batch``: its table of them unpriced): stored,
    rolled up (in the caller's transaction)."""
    from spendscope.ingest.pipeline import FileResult, PartitionResult

    con = ledger.duckdb
    load_ids = [n[0] for n in numbered]
    partitions, per_load, (covered, spread) = _replace_and_roll_up(con, max(load_ids), batch)
    for load_id, uf, batch, digest in numbered:
        parts = per_load.get(load_id, [])
        rows = batch.num_rows
        billed = sum((cost for _, cost in parts), Decimal(0))
        ledger.insert_rows(s.LOADS, [_load_row(load_id, uf, digest, batch.format_version, rows, billed, loaded_at,
                                               batch.notes)])
        fr = FileResult(str(uf.path), uf.source.name, "loaded", load_id, batch.format_version, rows, billed, billed,
                        list(batch.notes), content_hash=digest)
        for key, _ in parts:
            rows_, ledger_cost, event_cost = partitions[key]
            ledger.insert_rows(s.LOAD_PARTITIONS, [_partition_row(load_id, key, rows_, ledger_cost, event_cost)])
            fr.partitions.append(PartitionResult(key[1], key[2], key[3], rows_, ledger_cost,
                                                 ledger_cost, event_cost, event_cost))
        result.files.append(fr)
    result.unpriced = _unpriced(con, load_ids)
    mine = {str(uf.path) for _, uf, _, _ in numbered}
    for fr in result.files:
        if fr.status != "loaded" or fr.file not in mine:
            continue
        if covered:
            fr.notes.append(f"{covered:,} roll-up rows step aside for billed rows of the same provider, day and "
                            "model (the invoice wins; the events stay for spendscope reconcile llm).")
        if spread:
            fr.notes.append(f"{spread:,} billed rows of the same provider, day and model are spread over the events' "
                            "teams, projects and applications (their amounts split exactly).")
        for u in result.unpriced:
            if u.source == fr.source:
                fr.notes.append(f"UNPRICED: {u.events:,} events of model {u.model!r} ({u.provider}), "
                                f"{u.tokens:,} tokens, have no price in the catalog: they are kept in usage_events "
                                "and left out of costs. Add a price (spendscope prices update, or "
                                "pricing.overrides in spendscope.toml) and run spendscope reprice.")

def _partition(alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return (f"{a}source AS x_Source, {provider_sql(a + 'provider', 0)} AS ProviderName, "
            f"coalesce({a}account_id, 'unknown') AS BillingAccountId, "
            f"{utc_month(a + 'start_time')} AS BillingPeriodStart")


def _stage_prices(con, catalog: Catalog) -> None:
    """``__usage_prices``: USD per million tokens (and per token) for every (provider, model, tier,
    day, component) that the events of ``__usage_new`` need, and the stored events they are rolled
    up with (those of the same partition and day)."""
    key = f"provider, model, coalesce(service_tier, 'standard') AS tier, {utc_date('start_time')} AS day"
    day = utc_day("start_time")
    keys = con.execute(f"""
        WITH days AS (SELECT DISTINCT {_partition()}, {day} AS day FROM __usage_new)
        SELECT DISTINCT {key} FROM __usage_new WHERE model IS NOT NULL
        UNION
        SELECT DISTINCT {key} FROM {s.USAGE_EVENTS} u
        WHERE model IS NOT NULL AND EXISTS (
          SELECT 1 FROM days d WHERE d.x_Source = u.source AND d.ProviderName = {provider_sql('u.provider', 0)}
            AND d.BillingAccountId = coalesce(u.account_id, 'unknown') AND d.day = {utc_day('u.start_time')})
    """).fetchall()
    rows = {"provider": [], "model": [], "tier": [], "day": [], "component": [], "usd_per_million": [],
            "usd_per_token": [], "price_model": [], "long_at": [], "price_tier": []}
    resolved: dict[tuple[str, str], object] = {}
    for provider, model, tier, day in keys:
        found = resolved.setdefault((provider, model), catalog.resolve(provider, model))
        if found is None:
            continue
        long_at = catalog.long_context(found, tier)
        for component, _ in TOKEN_COLUMNS.values():
            price = catalog.price(found, component, tier, day)
            if price is None:
                continue
            # a long-context tier prices every component its base tier does: its own price where the
            # catalog has one, else the base price (a long prompt's output may cost the same)
            variants = [(None, tier, price)]
            if long_at is not None:
                long_tier = f"{tier}>{long_at // 1000}k"
                variants.append((long_at, long_tier, catalog.price(found, component, long_tier, day) or price))
            for threshold, price_tier, p in variants:
                per_token = p.usd_per_million.scaleb(-6)
                if per_token != per_token.quantize(Decimal(1).scaleb(-18)):
                    raise IngestError(f"The price {p.usd_per_million} USD per million tokens of {model} ({component}) "
                                      "has more than 12 decimal places.", hint=f"Its source: {p.source}.")
                for column, value in (("provider", provider), ("model", model), ("tier", tier), ("day", day),
                                      ("component", component), ("usd_per_million", p.usd_per_million),
                                      ("usd_per_token", per_token), ("price_model", f"{found.provider}/{found.model}"),
                                      ("long_at", threshold), ("price_tier", price_tier)):
                    rows[column].append(value)
    s.stage_rows(con, "__usage_prices", rows, {
        "provider": "VARCHAR", "model": "VARCHAR", "tier": "VARCHAR", "day": "DATE", "component": "VARCHAR",
        "usd_per_million": "DECIMAL(38, 18)", "usd_per_token": "DECIMAL(38, 18)", "price_model": "VARCHAR",
        "long_at": "BIGINT", "price_tier": "VARCHAR"})
    _pivot_prices(con, PRICE_ROW)


# Where the catalog has long-context prices for a model (``<tier>>Nk``), an event is billed at them when
# it is one request whose prompt (input, cached input, cache writes, audio input) is longer than N
# tokens, or when its source says it was in a long context window (Anthropic's 200k-1M)
PROMPT_COLUMNS = ("input_tokens", "cached_input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
                  "audio_input_tokens")
LONG_WINDOW = '%"context_window":"200k-1M"%'
PRICE_ROW = "__usage_price_row"


def _long_sql(e: str, threshold: str) -> str:
    """True where event ``e`` is billed at long-context prices, ``threshold`` being its price row's
    ``long_at`` (null: the model has none)."""
    prompt = " + ".join(f"coalesce({e}.{c}, 0)" for c in PROMPT_COLUMNS)
    return (f"coalesce({threshold} IS NOT NULL AND ({e}.tags LIKE '{LONG_WINDOW}' "
            f"OR ({e}.requests = 1 AND {prompt} > {threshold})), false)")


def _has_long_prices(con) -> bool:
    return con.execute(f"SELECT count(*) FROM {PRICE_ROW} WHERE long_at IS NOT NULL").fetchone()[0] > 0


def _components_sql(events: str) -> str:
    """One row per (event, token class) with tokens, from ``events`` (UNPIVOT of the token columns)."""
    parts = []
    for column, (component, token_class) in TOKEN_COLUMNS.items():
        parts.append(f"SELECT *, '{component}' AS component, '{token_class}' AS token_class, "
                     f"{column} AS tokens FROM {events} WHERE coalesce({column}, 0) <> 0")
    return " UNION ALL ".join(parts)


def _pivot_prices(con, name: str) -> None:
    """``__usage_prices`` as one row per (provider, model, tier, day), a USD-per-token column
    ``p_<component>`` per token class (null where the catalog has no price), and where the model has
    long-context prices, their threshold ``long_at`` and a column ``pl_<component>`` each."""
    columns = ", ".join(
        f"any_value(usd_per_token) FILTER (WHERE component = '{component}' AND long_at IS NULL) AS p_{component}, "
        f"any_value(usd_per_token) FILTER (WHERE component = '{component}' AND long_at IS NOT NULL) AS pl_{component}"
        for component, _ in TOKEN_COLUMNS.values())
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {name} AS
        SELECT provider, model, tier, day, any_value(price_model) AS price_model, max(long_at) AS long_at, {columns}
        FROM __usage_prices GROUP BY provider, model, tier, day
    """)


def _stage(con, name: str, table: pa.Table) -> None:
    """An Arrow table as the temporary table ``name`` (joins against DuckDB tables are faster than
    against registered Arrow data)."""
    con.register("__arrow", table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM __arrow")
    finally:
        con.unregister("__arrow")


def _stage_batches(con, name: str, batches: list[tuple[int, EventBatch]]) -> None:
    """The events of several batches, each with its load_id, as the temporary table ``name``: those
    a source staged in the connection and those it read into Arrow."""
    if len(batches) == 1 and batches[0][1].table is None:  # one staged table: renamed, not copied
        load_id, batch = batches[0]
        con.execute(f"ALTER TABLE {batch.staged} ADD COLUMN load_id BIGINT DEFAULT {int(load_id)}")
        con.execute(f"DROP TABLE IF EXISTS {name}")
        con.execute(f"ALTER TABLE {batch.staged} RENAME TO {name}")
        return
    parts, arrows = [], []
    cols = ", ".join(f'"{c}"' for c in EVENT_COLUMNS)
    for load_id, batch in batches:
        if batch.table is None:
            parts.append(f"SELECT {cols}, CAST({load_id} AS BIGINT) AS load_id FROM {batch.staged}")
        else:
            arrows.append(f"__arrow_{len(arrows)}")
            con.register(arrows[-1], batch.table)
            parts.append(f"SELECT {cols}, CAST({load_id} AS BIGINT) AS load_id FROM {arrows[-1]}")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {' UNION ALL '.join(parts)}")
    finally:
        for arrow in arrows:
            con.unregister(arrow)


def _stage_stored(con, where: str) -> int:
    """The stored events matching ``where`` as ``__usage_new`` (to price and roll up again); how many."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE __usage_new AS "
                f"SELECT {', '.join(EVENT_COLUMNS)}, load_id FROM {s.USAGE_EVENTS} {where}")
    return con.execute("SELECT count(*) FROM __usage_new").fetchone()[0]


def _delete_days(con, days: str) -> None:
    """Delete the ``costs`` rows of the (partition, day)s listed in the temporary table ``days``."""
    con.execute(f"""
        DELETE FROM {s.COSTS} c WHERE EXISTS (
          SELECT 1 FROM {days} p WHERE p.x_Source = c.x_Source AND p.ProviderName = c.ProviderName
            AND p.BillingAccountId = c.BillingAccountId AND p.BillingPeriodStart = c.BillingPeriodStart
            AND p.day = c.ChargePeriodStart)
    """)


def _checked_totals(con, days: str, source_table: str, amount: str, what: str) -> tuple[dict, dict]:
    """Per partition of ``days``: (ledger rows, ledger BilledCost, the source's exact total), after
    checking the two totals are equal; and per load of the source rows there, its partitions and
    their total (``{load_id: [(partition, amount), ...]}``). Only the touched partitions are read, in
    both tables, each once."""
    parts = f"(SELECT DISTINCT x_Source, ProviderName, BillingAccountId, BillingPeriodStart FROM {days})"
    part_columns = "(x_Source, ProviderName, BillingAccountId, BillingPeriodStart)"
    rows = con.execute(f"""
        WITH by_load AS (
          SELECT {_partition()}, load_id, coalesce(sum({amount}), 0) AS amount
          FROM {source_table} WHERE source IN (SELECT x_Source FROM {parts}) GROUP BY ALL
        ), src AS (
          SELECT x_Source, ProviderName, BillingAccountId, BillingPeriodStart, sum(amount) AS amount,
                 list({{'load_id': load_id, 'amount': amount}}) AS loads
          FROM by_load GROUP BY ALL
        ), led AS (
          SELECT x_Source, ProviderName, BillingAccountId, BillingPeriodStart, count(*) AS rows, sum(BilledCost) AS ledger
          FROM {s.COSTS} WHERE {part_columns} IN (FROM {parts}) GROUP BY ALL
        )
        SELECT p.x_Source, p.ProviderName, p.BillingAccountId, p.BillingPeriodStart,
               coalesce(led.rows, 0), coalesce(led.ledger, 0), coalesce(src.amount, 0), coalesce(src.loads, [])
        FROM {parts} p
        LEFT JOIN src USING (x_Source, ProviderName, BillingAccountId, BillingPeriodStart)
        LEFT JOIN led USING (x_Source, ProviderName, BillingAccountId, BillingPeriodStart)
        ORDER BY 1, 2, 3, 4
    """).fetchall()
    out, per_load = {}, {}
    for src, provider, account, period, n, ledger_cost, source_cost, loads in rows:
        if ledger_cost != source_cost:
            raise ReconciliationError(
                f"The {what} of {provider} {account} {period:%Y-%m} ({src}) cost {source_cost} but their ledger rows "
                f"{ledger_cost}.", hint="This is a bug in spendscope; the ledger was left unchanged.")
        key = (src, provider, account, period)
        out[key] = (n, ledger_cost, source_cost)
        for load in loads:
            per_load.setdefault(load["load_id"], []).append((key, load["amount"]))
    return out, per_load


def _store_and_roll_up(con, load_id: int, dedupe: bool = True) -> tuple[dict, dict, tuple[int, int]]:
    """Price the events of ``__usage_new``, replace the stored events with them, rebuild the touched
    days' costs rows; returns per partition (the roll-up's rows and cost, its events' exact cost), per
    load its partitions and their cost (``_checked_totals``), and how many roll-up rows a bill covers
    and how many billed rows are spread (``apply_coverage``)."""
    return _replace_and_roll_up(con, load_id, _price_new(con, dedupe))


def _price_new(con, dedupe: bool = True) -> str:
    """The view ``__usage_priced``: the events of ``__usage_new`` (the last of each (source,
    event_id) where ``dedupe``) priced per token class at the prices ``_stage_prices`` staged, with
    ``usage_events``' columns. Returns the table of the same events unpriced."""
    money = "DECIMAL(38, 18)"
    cols = ", ".join(EVENT_COLUMNS)
    # the batch's events, the last of each (source, event_id) winning (one file's ids are unique:
    # its reader keeps the last copy or refuses repeats), priced per token class
    if dedupe:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE __usage_batch AS
            SELECT * EXCLUDE (__n) FROM (SELECT *, row_number() OVER (PARTITION BY source, event_id
                                                                      ORDER BY load_id DESC) AS __n
                                         FROM __usage_new) WHERE __n = 1
        """)
    batch = "__usage_batch" if dedupe else "__usage_new"
    # each event priced per token class against its (provider, model, tier, day)'s one row of prices:
    # a join with a small table, where one row per (event, class) and a join back cost seconds per million
    components = [(column, component) for column, (component, _) in TOKEN_COLUMNS.items()]
    unpriced = " + ".join(f"CASE WHEN __{component} IS NULL THEN coalesce({column}, 0) ELSE 0 END"
                          for column, component in components)
    cost = " + ".join(f"coalesce(CAST({column} AS DECIMAL(20, 0)) * __{component}, 0)" for column, component in components)
    long = _long_sql("b", "b.__long_at") if _has_long_prices(con) else "false"
    # a view: the roll-up and the insert each price the events as they read them, which costs less
    # than storing a million priced events once more
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW __usage_priced AS
        SELECT {cols}, load_id, CASE WHEN ({unpriced}) = 0 THEN CAST({cost} AS {money}) END AS cost,
               {unpriced} AS unpriced_tokens, __price_model AS price_model,
               CASE WHEN __long THEN __long_at END AS long_context_at
        FROM (
          SELECT *, {', '.join(f'CASE WHEN __long THEN __pl_{c} ELSE __p_{c} END AS __{c}' for _, c in components)}
          FROM (
            SELECT b.*, {long} AS __long FROM (
              SELECT b.*, p.price_model AS __price_model, p.long_at AS __long_at,
                     {', '.join(f'p.p_{c} AS __p_{c}, p.pl_{c} AS __pl_{c}' for _, c in components)}
              FROM {batch} b LEFT JOIN {PRICE_ROW} p
                ON p.provider = b.provider AND p.model = b.model AND p.tier = coalesce(b.service_tier, 'standard')
               AND p.day = {utc_date('b.start_time')}) b))
    """)
    return batch


def _replace_and_roll_up(con, load_id: int, batch: str) -> tuple[dict, dict, tuple[int, int]]:
    """Replace the stored events with those of ``__usage_priced`` (``_price_new``; ``batch``: the
    same events unpriced), rebuild the touched days' costs rows; as ``_store_and_roll_up``."""
    cols = ", ".join(EVENT_COLUMNS)
    stored = f"{cols}, load_id, cost, unpriced_tokens, price_model, long_context_at"
    # partitions touched: by the new events and by the stored events they replace
    part = _partition()
    # the (partition, day)s whose cost rows change: the new events' and those of the events they replace.
    # Only those days are rebuilt (a day's rows come from that day's events only), so a receiver's
    # small batch costs little however large its month is.
    day = f"{utc_day('start_time')} AS day"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __usage_days AS
        SELECT DISTINCT {part}, {day} FROM {batch}
        UNION
        SELECT DISTINCT {part}, {day} FROM {s.USAGE_EVENTS} u
        WHERE EXISTS (SELECT 1 FROM {batch} b WHERE b.source = u.source AND b.event_id = u.event_id)
    """)
    con.execute(f"""
        DELETE FROM {s.USAGE_EVENTS} u
        WHERE EXISTS (SELECT 1 FROM {batch} b WHERE b.source = u.source AND b.event_id = u.event_id)
    """)
    _delete_days(con, "__usage_days")
    _roll_up(con, load_id, fresh="__usage_priced")
    con.execute(f"INSERT INTO {s.USAGE_EVENTS} ({stored}) SELECT {stored} FROM __usage_priced")
    out, per_load = _checked_totals(con, "__usage_days", s.USAGE_EVENTS, "cost", "usage events")
    covered = apply_coverage(con)
    # cost-report lines of these days are spread over their events: the events changed, so spread again
    con.execute(f"""CREATE OR REPLACE TEMP TABLE __billed_days AS
        SELECT DISTINCT {part}, {utc_day('start_time')} AS day FROM {s.LLM_BILLED}
        WHERE {utc_day('start_time')} IN (SELECT DISTINCT day FROM __usage_days)""")
    if con.execute("SELECT count(*) FROM __billed_days").fetchone()[0]:
        _roll_up_billed(con, load_id)
    return out, per_load, covered


def _roll_up(con, load_id: int, fresh: str | None = None) -> None:
    """Insert the ``costs`` rows of the (partition, day)s in ``__usage_days`` from their priced events:
    those stored in ``usage_events`` and, where given, the temporary table ``fresh`` of priced events
    not stored yet (usage_events' columns)."""
    money = "DECIMAL(38, 18)"
    dims = "team, project_id, application, environment, user_id, api_key_id, workspace_id"
    # Events are summed per day, model, tier and attribution before they are split per token class and
    # priced: a price is constant within such a group, so the product of the sums is exactly the sum
    # of the products. Tags and SkuPriceDetails as JSON text built by concatenation (to_json quotes
    # and escapes each value): json_object and json_merge_patch cost seconds per million rows
    tags = _tags_sql("")
    details = ("'{\"ModelId\":' || to_json(model)::VARCHAR || ',\"TokenType\":' || to_json(token_class)::VARCHAR "
               "|| ',\"ServiceTier\":' || to_json(tier)::VARCHAR || '}'")
    # (a fresh event has a cost exactly where none of its tokens is unpriced: filtering on that, the
    # view's cost of each event is not computed for the roll-up, which prices the sums)
    fresh_events = (f"UNION ALL BY NAME SELECT f.* EXCLUDE (long_context_at), f.long_context_at AS long_at "
                    f"FROM {fresh} f WHERE f.unpriced_tokens = 0") if fresh else ""
    # an event priced at long-context prices is summed apart (its threshold as long_at), priced at them
    con.execute(f"""
        INSERT INTO {s.COSTS} BY NAME
        WITH e AS (
          SELECT u.* EXCLUDE (long_context_at), u.long_context_at AS long_at FROM {s.USAGE_EVENTS} u
          WHERE u.cost IS NOT NULL AND EXISTS (
            SELECT 1 FROM __usage_days p WHERE p.x_Source = u.source
              AND p.ProviderName = {provider_sql('u.provider', 0)}
              AND p.BillingAccountId = coalesce(u.account_id, 'unknown')
              AND p.BillingPeriodStart = {utc_month('u.start_time')}
              AND p.day = {utc_day('u.start_time')})
          {fresh_events}
        ),
        a AS (
          SELECT source, provider, coalesce(account_id, 'unknown') AS account,
                 {utc_day('start_time')} AS day, {utc_date('start_time')} AS price_day,
                 model, coalesce(service_tier, 'standard') AS tier, long_at, region, {dims},
                 {', '.join(f'sum({column}) AS {column}' for column in TOKEN_COLUMNS)}
          FROM e GROUP BY ALL
        ),
        c AS ({_components_sql('a')}),
        priced AS (
          SELECT c.*, p.usd_per_million, p.usd_per_token, p.price_tier
          FROM c JOIN __usage_prices p
            ON p.provider = c.provider AND p.model = c.model AND p.tier = c.tier
           AND p.day = c.price_day AND p.component = c.component AND p.long_at IS NOT DISTINCT FROM c.long_at
        ),
        g AS (
          SELECT source, provider, account, day, model, tier, price_tier, long_at, component, token_class, region, {dims},
                 usd_per_million, sum(tokens) AS tokens,
                 CAST(sum(CAST(tokens AS DECIMAL(20, 0)) * usd_per_token) AS {money}) AS cost
          FROM priced GROUP BY ALL
        )
        SELECT
          CAST(date_trunc('month', day) AS TIMESTAMPTZ) AS BillingPeriodStart,
          CAST(date_trunc('month', day) + INTERVAL 1 MONTH AS TIMESTAMPTZ) AS BillingPeriodEnd,
          day AS ChargePeriodStart, day + INTERVAL 1 DAY AS ChargePeriodEnd,
          account AS BillingAccountId, 'USD' AS BillingCurrency, 'USD' AS PricingCurrency,
          cost AS BilledCost, cost AS EffectiveCost, cost AS ListCost, cost AS ContractedCost,
          'Usage' AS ChargeCategory, 'Usage-Based' AS ChargeFrequency, 'Standard' AS PricingCategory,
          model || ' ' || lower(token_class) || ' tokens' || CASE WHEN tier <> 'standard' THEN ' (' || tier || ')' ELSE '' END
            || CASE WHEN long_at IS NOT NULL THEN ' (long context, prompts over ' || (long_at // 1000) || 'k tokens)'
                    ELSE '' END AS ChargeDescription,
          {provider_sql('provider', 0)} AS ProviderName, {provider_sql('provider', 0)} AS PublisherName,
          {provider_sql('provider', 0)} AS InvoiceIssuerName, {provider_sql('provider', 0)} AS ServiceProviderName,
          {provider_sql('provider', 1)} AS ServiceName, 'AI and Machine Learning' AS ServiceCategory,
          'Generative AI' AS ServiceSubcategory,
          coalesce(project_id, workspace_id) AS SubAccountId, region AS RegionId,
          '1000000 Tokens' AS PricingUnit,
          CAST(CAST(tokens AS DECIMAL(20, 0)) * CAST(0.000001 AS DECIMAL(7, 6)) AS {money}) AS PricingQuantity,
          'Tokens' AS ConsumedUnit, CAST(tokens AS {money}) AS ConsumedQuantity,
          usd_per_million AS ListUnitPrice, usd_per_million AS ContractedUnitPrice,
          model || '/' || component AS SkuId, model || '/' || component || '/' || price_tier AS SkuPriceId,
          token_class || ' Tokens' AS SkuMeter,
          {details} AS SkuPriceDetails,
          {tags} AS Tags,
          source AS x_Source, {load_id} AS x_LoadId, 'Inference' AS x_AiWorkload, 'llm-usage' AS x_AiRule,
          token_class AS x_TokenClass, model AS x_Model, team AS x_Team, project_id AS x_Project,
          application AS x_Application, environment AS x_Environment
        FROM g
    """)


def _unpriced(con, load_ids: list[int]) -> list[UnpricedModel]:
    rows = con.execute(f"""
        SELECT source, provider, coalesce(model, '(no model)'), count(*), sum(unpriced_tokens)
        FROM {s.USAGE_EVENTS} WHERE load_id IN ({', '.join(map(str, load_ids))}) AND unpriced_tokens > 0
        GROUP BY ALL ORDER BY 5 DESC
    """).fetchall()
    return [UnpricedModel(*r) for r in rows]


@dataclass
class RepriceResult:
    start: _dt.date | None
    events: int
    partitions: int
    before: Decimal
    after: Decimal
    unpriced: list[UnpricedModel]
    load_id: int | None


def reprice(ledger: Ledger, start: _dt.date | None = None, catalog: Catalog | None = None) -> RepriceResult:
    """Price the stored usage events again with the current catalog, from the first day of
    ``start``'s month, and rebuild their ``costs`` rows."""
    if not ledger.target.is_duckdb:
        raise IngestError(f"LLM usage lives in DuckDB ledgers only for now, not {ledger.describe()}.")
    catalog = catalog or _catalog(ledger)
    con = ledger.duckdb
    month = start.replace(day=1) if start else None
    where = f"WHERE start_time >= TIMESTAMPTZ '{month.isoformat()} 00:00:00+00'" if month else ""
    before = con.execute(f"SELECT coalesce(sum(cost), 0) FROM {s.USAGE_EVENTS} {where}").fetchone()[0]
    load_id = ledger.next_load_id()
    with ledger.transaction():
        n = _stage_stored(con, where)
        if n == 0:
            return RepriceResult(month, 0, 0, before, before, [], None)
        _stage_prices(con, catalog)
        parts, _, _ = _store_and_roll_up(con, load_id, dedupe=False)
        con.execute("DROP VIEW __usage_priced")
        after = con.execute(f"SELECT coalesce(sum(cost), 0) FROM {s.USAGE_EVENTS} {where}").fetchone()[0]
        ledger.insert_rows(s.LOADS, [{
            "load_id": load_id, "file": f"(reprice from {month or 'the first event'})", "content_hash": f"reprice-{load_id}",
            "source": "llm_reprice", "format_version": "LLM usage repriced", "rows": n, "billed_cost": after,
            "effective_cost": after, "loaded_at": _dt.datetime.now(_dt.timezone.utc), "spendscope_version": __version__,
            "notes": json.dumps([f"repriced {n} events: {before} -> {after} USD"])}])
        unpriced = con.execute(f"""
            SELECT source, provider, coalesce(model, '(no model)'), count(*), sum(unpriced_tokens)
            FROM {s.USAGE_EVENTS} {where} {'AND' if where else 'WHERE'} unpriced_tokens > 0 GROUP BY ALL ORDER BY 5 DESC
        """).fetchall()
    return RepriceResult(month, n, len(parts), before, after, [UnpricedModel(*r) for r in unpriced], load_id)


# -- the bill wins ---------------------------------------------------------------------------------

def estimate_sources() -> list[str]:
    """The sources whose costs rows are estimates (not a provider's cost report)."""
    from spendscope.llm.sources import usage_sources

    return [name for name, cls in usage_sources().items() if not getattr(cls, "BILLED", False)]


def apply_coverage(con, days: str = "__usage_days") -> tuple[int, int]:
    """Remove the usage roll-up rows of every (provider, day, model) that a bill covers, on the
    days listed in the table ``days`` (column ``day``): where the provider's invoice or cost report
    (a FOCUS export, a cloud bill's Bedrock or Azure OpenAI rows) prices the same usage, the billed
    amount counts and the estimate does not. The events stay in ``usage_events``; ``spendscope
    reconcile llm`` compares the two. A bill's rows are then spread over their events' teams
    (``llm.spread``; a cost report's lines are spread as they are rolled up). Returns how many
    roll-up rows were removed and how many bill rows were spread."""
    from spendscope.llm import spread

    spread.restore(con, days)  # the bill rows as loaded, to be spread again over the events as they are now
    covered = _remove_covered(con, days)
    return covered, spread.spread(con, days)


def _remove_covered(con, days: str) -> int:
    """Delete the estimate rows of ``days`` that a bill covers (see ``apply_coverage``); how many."""
    from spendscope.llm.models import cover_key

    names = ", ".join(f"'{n}'" for n in estimate_sources())
    rows = con.execute(f"""
        SELECT DISTINCT x_Source IN ({names}) AS usage, ProviderName, {utc_date('ChargePeriodStart')} AS day, x_Model
        FROM {s.COSTS}
        WHERE x_Model IS NOT NULL AND x_TokenClass IS NOT NULL
          AND {utc_day('ChargePeriodStart')} IN (SELECT DISTINCT day FROM {days})
    """).fetchall()
    billed = {(provider, day, cover_key(model)) for usage, provider, day, model in rows if not usage}
    covered = [(provider, day, model) for usage, provider, day, model in rows
               if usage and (provider, day, cover_key(model)) in billed]
    if not covered:
        return 0
    s.stage_rows(con, "__covered", {"ProviderName": [c[0] for c in covered], "day": [c[1] for c in covered],
                                   "x_Model": [c[2] for c in covered]},
                {"ProviderName": "VARCHAR", "day": "DATE", "x_Model": "VARCHAR"})
    try:
        before = con.execute(f"SELECT count(*) FROM {s.COSTS}").fetchone()[0]
        con.execute(f"""
            DELETE FROM {s.COSTS} c WHERE c.x_Source IN ({names}) AND EXISTS (
              SELECT 1 FROM __covered v WHERE v.ProviderName = c.ProviderName AND v.x_Model = c.x_Model
                AND v.day = {utc_date('c.ChargePeriodStart')})
        """)
        return before - con.execute(f"SELECT count(*) FROM {s.COSTS}").fetchone()[0]
    finally:
        con.execute("DROP TABLE IF EXISTS __covered")


def refresh_usage(ledger: Ledger, start: _dt.date, end: _dt.date, catalog: Catalog | None = None) -> int:
    """Rebuild the usage roll-up rows of the days in [start, end) and apply the bills' coverage:
    after a bill is loaded or replaced, its days' estimates step aside (or come back). Runs in the
    caller's transaction; returns the roll-up rows removed as covered."""
    con = ledger.duckdb
    if s.USAGE_EVENTS not in ledger.tables():
        return 0
    window = (f"start_time >= TIMESTAMPTZ '{start.isoformat()} 00:00:00+00' "
              f"AND start_time < TIMESTAMPTZ '{end.isoformat()} 00:00:00+00'")
    if _stage_stored(con, f"WHERE {window}") == 0:
        return 0
    _stage_prices(con, catalog or _catalog(ledger))
    day = f"{utc_day('start_time')} AS day"
    con.execute(f"CREATE OR REPLACE TEMP TABLE __usage_days AS SELECT DISTINCT {_partition()}, {day} FROM __usage_new")
    _delete_days(con, "__usage_days")
    load_id = con.execute(f"SELECT max(x_LoadId) FROM {s.COSTS}").fetchone()[0] or 0
    _roll_up(con, load_id)
    return apply_coverage(con)[0]


# -- cost reports: the billed side -------------------------------------------------------------

def _store_billed(ledger: Ledger, numbered: list, loaded_at) -> list:
    """Cost report lines (OpenAI Costs API, Anthropic cost report): stored by (source, line_id), so a
    restated day replaces the old lines, and their days' ``costs`` rows rebuilt, one per day, model,
    token class, tier, project and line; then the usage estimates they cover step aside."""
    from spendscope.ingest.pipeline import FileResult, PartitionResult

    con = ledger.duckdb
    tables = [batch.billed.append_column("load_id", pa.array([load_id] * batch.billed.num_rows, pa.int64()))
              for load_id, _, batch, _ in numbered]
    lines = pa.concat_tables(tables)
    con.register("__arrow", lines)
    try:
        con.execute("""CREATE OR REPLACE TEMP TABLE __billed_new AS
            SELECT * EXCLUDE (__n) FROM (SELECT *, row_number() OVER (PARTITION BY source, line_id ORDER BY load_id DESC)
                                         AS __n FROM __arrow) WHERE __n = 1""")
    finally:
        con.unregister("__arrow")
    part = _partition()
    day = f"{utc_day('start_time')} AS day"
    same = "EXISTS (SELECT 1 FROM __billed_new n WHERE n.source = b.source AND n.line_id = b.line_id)"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE __billed_days AS
        SELECT DISTINCT {part}, {day} FROM __billed_new
        UNION SELECT DISTINCT {part}, {day} FROM {s.LLM_BILLED} b WHERE {same}""")
    con.execute(f"DELETE FROM {s.LLM_BILLED} b WHERE {same}")
    con.execute(f"INSERT INTO {s.LLM_BILLED} BY NAME SELECT * FROM __billed_new")
    _roll_up_billed(con, max(n[0] for n in numbered))
    parts, per_load = _checked_totals(con, "__billed_days", s.LLM_BILLED, "amount", "cost report lines")
    con.execute("CREATE OR REPLACE TEMP TABLE __usage_days AS SELECT DISTINCT day FROM __billed_days")
    covered, _ = apply_coverage(con)
    out = []
    for load_id_, uf, batch, digest in numbered:
        mine = per_load.get(load_id_, [])
        total = sum((amount for _, amount in mine), Decimal(0))
        notes = list(batch.notes)
        if covered:
            notes.append(f"{covered:,} usage roll-up rows step aside for these billed lines (the invoice wins).")
        ledger.insert_rows(s.LOADS, [_load_row(load_id_, uf, digest, batch.format_version, batch.billed.num_rows, total,
                                               loaded_at, notes)])
        fr = FileResult(str(uf.path), uf.source.name, "loaded", load_id_, batch.format_version, batch.billed.num_rows,
                        total, total, notes, content_hash=digest)
        for key, _ in mine:
            _, provider, account, period = key
            rows, ledger_cost, amount = parts[key]
            ledger.insert_rows(s.LOAD_PARTITIONS, [_partition_row(load_id_, key, rows, ledger_cost, amount)])
            fr.partitions.append(PartitionResult(provider, account, period, rows, ledger_cost, ledger_cost, amount,
                                                 amount))
        out.append(fr)
    return out


_SPLIT_DIMS = ("team", "project_id", "application", "environment", "user_id", "api_key_id", "workspace_id")


def _tags_sql(alias: str = "x") -> str:
    """The roll-up's Tags JSON from the attribution columns (of table ``alias`` where given)."""
    pairs = (("team", "team"), ("project", "project_id"), ("application", "application"), ("environment", "environment"),
             ("user", "user_id"), ("api_key", "api_key_id"), ("workspace", "workspace_id"))
    a = f"{alias}." if alias else ""
    members = ", ".join(f"CASE WHEN {a}{col} IS NOT NULL THEN '\"{key}\":' || to_json({a}{col})::VARCHAR END"
                        for key, col in pairs)
    return f"nullif('{{' || concat_ws(',', {members}) || '}}', '{{}}')"


def _distribute(con) -> pa.Table:
    """Each billed group of ``__billed_groups`` spread over the attribution of the usage events of the
    same provider, day, model (``cover_key``), token class and project, in proportion to their tokens:
    the invoice's amount, the events' teams, applications and keys. Shares are exact to 18 decimal
    places and sum to the amount (the remainder goes to the largest share). A group no event matches
    stays whole and unattributed."""
    from spendscope.llm.events import TOKEN_COLUMNS
    from spendscope.llm.models import cover_key

    groups = con.execute("""SELECT gid, provider, CAST(day AS DATE), model, token_class, project_id, amount
                            FROM __billed_groups""").fetchall()
    weights: dict[tuple, list[tuple[tuple, int]]] = {}
    if groups:
        classes = " UNION ALL ".join(
            f"SELECT provider, {utc_date('start_time')} AS day, model, '{cls}' AS token_class, "
            f"coalesce(project_id, workspace_id) AS project, {', '.join(_SPLIT_DIMS)}, {col} AS tokens "
            f"FROM {s.USAGE_EVENTS} WHERE coalesce({col}, 0) > 0 AND {utc_date('start_time')} IN "
            f"(SELECT DISTINCT CAST(day AS DATE) FROM __billed_groups)"
            for col, (_, cls) in TOKEN_COLUMNS.items())
        rows = con.execute(f"SELECT provider, day, model, token_class, project, {', '.join(_SPLIT_DIMS)}, "
                           f"sum(tokens) FROM ({classes}) GROUP BY ALL").fetchall()
        keys: dict[str, str] = {}
        for provider, day, model, cls, project, *dims, tokens in rows:
            key = keys.setdefault(model, cover_key(model)) if model else None
            for scope in ((provider, day, key, cls, project), (provider, day, key, cls, None)):
                weights.setdefault(scope, []).append((tuple(dims), int(tokens)))
    out = {"gid": [], "amount": [], **{d: [] for d in _SPLIT_DIMS}}
    quantum = Decimal(1).scaleb(-18)

    def add(gid: int, amount: Decimal, dims: tuple) -> None:
        out["gid"].append(gid)
        out["amount"].append(amount)
        for name, value in zip(_SPLIT_DIMS, dims):
            out[name].append(value)

    for gid, provider, day, model, cls, project, amount in groups:
        shares = weights.get((provider, day, cover_key(model) if model else None, cls, project)) if model else None
        total = sum(w for _, w in shares) if shares else 0
        if not total:
            add(gid, amount, (None,) * len(_SPLIT_DIMS))
            continue
        with localcontext() as ctx:
            ctx.prec = 80
            parts = [(dims, (amount * w / total).quantize(quantum, rounding="ROUND_DOWN")) for dims, w in shares]
        largest = max(range(len(parts)), key=lambda k: shares[k][1])
        rest = amount - sum(p for _, p in parts)
        for k, (dims, part) in enumerate(parts):
            add(gid, part + (rest if k == largest else 0), dims)
    return pa.table({"gid": pa.array(out["gid"], pa.int64()), "amount": pa.array(out["amount"], pa.decimal128(38, 18)),
                     **{d: pa.array(out[d], pa.string()) for d in _SPLIT_DIMS}})


def _roll_up_billed(con, load_id: int) -> None:
    """Rebuild the ``costs`` rows of the cost-report (partition, day)s in ``__billed_days``: each
    billed group spread over its events' attribution (``_distribute``)."""
    _delete_days(con, "__billed_days")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __billed_groups AS
        WITH b AS (
          SELECT {_partition('u')}, {utc_day('u.start_time')} AS day, u.*
          FROM {s.LLM_BILLED} u
        )
        SELECT row_number() OVER () AS gid, b.x_Source, b.ProviderName, b.BillingAccountId, b.BillingPeriodStart, b.day,
               b.provider, b.model, b.token_class, b.service_tier, b.project_id, b.description, b.currency,
               sum(b.amount) AS amount
        FROM b JOIN __billed_days p USING (x_Source, ProviderName, BillingAccountId, BillingPeriodStart, day)
        GROUP BY ALL
    """)
    split = _distribute(con)
    con.register("__billed_split", split)
    tags = _tags_sql()
    try:
        con.execute(f"""
            INSERT INTO {s.COSTS} BY NAME
            SELECT BillingPeriodStart, CAST(BillingPeriodStart + INTERVAL 1 MONTH AS TIMESTAMPTZ) AS BillingPeriodEnd,
              day AS ChargePeriodStart, day + INTERVAL 1 DAY AS ChargePeriodEnd, BillingAccountId,
              upper(currency) AS BillingCurrency,
              x.amount AS BilledCost, x.amount AS EffectiveCost, x.amount AS ListCost, x.amount AS ContractedCost,
              CASE WHEN g.amount < 0 THEN 'Credit' ELSE 'Usage' END AS ChargeCategory,
              CASE WHEN g.amount < 0 THEN NULL ELSE 'Usage-Based' END AS ChargeFrequency,
              description AS ChargeDescription, ProviderName, ProviderName AS PublisherName,
              ProviderName AS InvoiceIssuerName, ProviderName AS ServiceProviderName,
              {provider_sql('provider', 1)} AS ServiceName, 'AI and Machine Learning' AS ServiceCategory,
              'Generative AI' AS ServiceSubcategory, g.project_id AS SubAccountId, x_Source,
              {load_id} AS x_LoadId, CASE WHEN model IS NOT NULL THEN 'Inference' END AS x_AiWorkload,
              CASE WHEN model IS NOT NULL THEN 'llm-cost-report' END AS x_AiRule, token_class AS x_TokenClass,
              model AS x_Model, coalesce(g.project_id, x.project_id) AS x_Project, x.team AS x_Team,
              x.application AS x_Application, x.environment AS x_Environment, {tags} AS Tags
            FROM __billed_groups g JOIN __billed_split x USING (gid)
        """)
    finally:
        con.unregister("__billed_split")
