"""Pull LLM usage and cost reports live from the providers' admin APIs into the ledger (``spendscope pull``).

Per run, for one provider:

1. *Key*: only from the environment (``OPENAI_ADMIN_KEY``, ``ANTHROPIC_ADMIN_KEY``), held as a
   ``settings.Secret``. It goes into one request header and nowhere else: not into output, errors,
   logs or saved files (an API answer that echoes it is saved and shown with ``***`` in its place).
   Base URLs default to the providers' and can be pointed elsewhere with
   ``SPENDSCOPE_OPENAI_BASE_URL`` / ``SPENDSCOPE_ANTHROPIC_BASE_URL`` (a proxy, or a test server).
2. *Fetch* each endpoint's daily buckets (``bucket_width=1d``, grouped by the fields the usage
   adapters turn into event attributes), page by page while ``has_more``. OpenAI:
   ``GET /v1/organization/usage/{endpoint}`` with ``start_time`` (unix seconds) and ``group_by``
   repeated per field (OpenAPI's form style; the openai cookbook sends it so); Anthropic:
   ``GET /v1/organizations/usage_report/messages`` with ``starting_at`` (RFC 3339) and ``group_by[]``.
   Each provider's cost report is an endpoint too (OpenAI ``GET /v1/organization/costs`` grouped by
   project and line item, Anthropic ``GET /v1/organizations/cost_report`` by workspace and
   description): what was billed, the invoice side of ``reconcile llm``. Anthropic's Usage and Cost
   Analytics API (beta: ``/v1/organizations/analytics/usage`` and ``/analytics/cost``, header
   ``anthropic-beta``) is pulled when named: flat rows with ``time_bucket_width=1d``, at most 31 days
   a request (a longer range goes in parts), from 2026-01-01 and the last 365 days only.
   429, 5xx and connection errors are retried with exponential backoff and jitter, honouring
   ``Retry-After``, up to ``attempts`` tries; any other 4xx fails at once with the API's own message,
   and so does a 429 whose error is ``insufficient_quota`` (used-up credit: waiting does not cure it).
   Redirects are not followed (a redirect would carry the key's header to another host).
3. *Save* every page as it came under the pulls folder (default ``<ledger dir>/spendscope-pulls``):
   ``<provider>/<endpoint>/<YYYYMMDDTHHMMSSZ>-<n>.json``, so every pull can be audited and loaded
   again with ``spendscope ingest``. A run the API fails part-way removes its pages again.
4. *Load* all pages of the run that hold results in ONE call of ``ingest.pipeline.ingest`` (all or
   nothing), each read by its endpoint's adapter (``openai_usage``, ``openai_costs``,
   ``anthropic_usage``, ``anthropic_costs``). Their event and line ids are the bucket start and
   grouping values, so a bucket pulled again (restated) replaces its events and billed lines.
5. *Cursor*: after the load, the end of the last closed bucket (one that ended before the run
   began) is kept per (provider, endpoint) in the ledger table ``pull_state``. The next run without
   ``since`` starts at the cursor minus a restatement window (2 days), so recent buckets the
   provider restates are pulled again and replace the old events; a first run starts 30 days back.
   Starts are UTC midnights: OpenAI starts its first bucket at ``start_time`` itself, and a bucket
   starting mid-day would get another event id than the whole day's bucket.

``pull`` runs it all; ``plan`` (checks, cursors), ``fetch`` (requests and pages, no ledger) and
``load`` (ingest, cursors) are its steps, so that the command line holds the ledger's DuckDB file
only while it reads the cursors and loads, not while an API answers slowly or asks to wait. LLM
usage needs a DuckDB ledger (as ``llm.ingest``), so this does too.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import httpx

from spendscope.errors import ConfigError, IngestError, UnknownNameError
from spendscope.settings import Secret

UTC = _dt.timezone.utc
DAY = _dt.timedelta(days=1)
WINDOW = _dt.timedelta(days=2)  # restatement window: buckets this far before the cursor are pulled again
FIRST_PULL = _dt.timedelta(days=30)  # how far back a pull without a cursor starts
ATTEMPTS = 5
PAGE_LIMIT = 31  # buckets per page with bucket_width=1d: the maximum of both APIs
MAX_PAGES = 1000  # per endpoint and run: a guard against a server that never stops paging
BACKOFF = 1.0  # seconds before the second try; doubled for each further try
MAX_BACKOFF = 60.0
MAX_RETRY_AFTER = 600.0
TIMEOUT = 60.0
PULLS_FOLDER = "spendscope-pulls"
STATE_TABLE = "pull_state"
ANTHROPIC_VERSION = "2023-06-01"
ANALYTICS_BETA = "analytics-usage-cost-2026-08-24"  # the anthropic-beta header of the analytics API
ANALYTICS_RANGE = _dt.timedelta(days=31)  # the range one analytics request covers (its default ending_at)
ANALYTICS_FIRST_DAY = _dt.datetime(2026, 1, 1, tzinfo=UTC)  # no earlier starting_at is answered
ANALYTICS_HISTORY = _dt.timedelta(days=365)  # nor one further back than this

Progress = Callable[[str], None]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    group_by: tuple[str, ...]
    source: str = ""  # the source that reads its pages; empty: the provider's usage source
    what: str = "usage"  # what its pages hold, as messages name it: usage, or costs (what was billed)
    default: bool = True  # pulled when no endpoints are named
    analytics: bool = False  # Anthropic's Usage and Cost Analytics API (beta): flat rows, 31-day ranges


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    key_env: str
    base_env: str
    base_url: str
    source: str  # the usage source that reads the saved pages
    endpoints: tuple[Endpoint, ...]

    def endpoint(self, name: str) -> Endpoint:
        """The endpoint called ``name``; an unknown name is a ConfigError listing the valid ones."""
        for e in self.endpoints:
            if e.name == name:
                return e
        raise UnknownNameError(f"{self.name} endpoint", name, [e.name for e in self.endpoints])

    def headers(self, key: Secret) -> dict[str, str]:
        """The request headers, the key's one included."""
        if self.name == "openai":
            return {"Authorization": f"Bearer {key.reveal()}", "Accept": "application/json"}
        return {"x-api-key": key.reveal(), "anthropic-version": ANTHROPIC_VERSION, "Accept": "application/json"}

    def params(self, endpoint: Endpoint, start: _dt.datetime, limit: int,
               end: _dt.datetime | None = None) -> list[tuple[str, str]]:
        """The query of a first page (a later page adds ``page``)."""
        if self.name == "openai":
            return [("start_time", str(int(start.timestamp()))), ("bucket_width", "1d"),
                    *[("group_by", g) for g in endpoint.group_by], ("limit", str(limit))]
        if endpoint.analytics:  # rows, not buckets: ``limit`` is a page's rows, left to the API's default
            return [("starting_at", _rfc3339(start)), *([("ending_at", _rfc3339(end))] if end else []),
                    ("time_bucket_width", "1d"), *[("group_by[]", g) for g in endpoint.group_by]]
        return [("starting_at", _rfc3339(start)), ("bucket_width", "1d"),
                *[("group_by[]", g) for g in endpoint.group_by], ("limit", str(limit))]

    def source_of(self, endpoint: Endpoint) -> str:
        """The source that reads ``endpoint``'s pages."""
        return endpoint.source or self.source

    def bucket_end(self, bucket: Any) -> _dt.datetime | None:
        """When a bucket of a page ends (None when the page does not say)."""
        if not isinstance(bucket, dict):
            return None
        value = bucket.get("end_time" if self.name == "openai" else "ending_at")
        try:
            if self.name == "openai":
                return _dt.datetime.fromtimestamp(value, tz=UTC) if isinstance(value, (int, float)) else None
            when = _dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except (ValueError, OverflowError, OSError):
            return None
        if when is None:
            return None
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


# group_by per endpoint: the fields each endpoint documents (OpenAI API reference, "Usage") that the
# openai_usage adapter keeps (user_id is left out: one event per user and day is more than spend needs)
_OPENAI_TOKENS = ("model", "project_id", "api_key_id")
PROVIDERS: dict[str, Provider] = {
    "openai": Provider(
        "openai", "OpenAI", "OPENAI_ADMIN_KEY", "SPENDSCOPE_OPENAI_BASE_URL", "https://api.openai.com",
        "openai_usage", (
            Endpoint("completions", "/v1/organization/usage/completions", (*_OPENAI_TOKENS, "batch", "service_tier")),
            Endpoint("embeddings", "/v1/organization/usage/embeddings", _OPENAI_TOKENS),
            Endpoint("moderations", "/v1/organization/usage/moderations", _OPENAI_TOKENS),
            Endpoint("images", "/v1/organization/usage/images", (*_OPENAI_TOKENS, "size", "source")),
            Endpoint("audio_speeches", "/v1/organization/usage/audio_speeches", _OPENAI_TOKENS),
            Endpoint("audio_transcriptions", "/v1/organization/usage/audio_transcriptions", _OPENAI_TOKENS),
            Endpoint("vector_stores", "/v1/organization/usage/vector_stores", ("project_id",)),
            Endpoint("code_interpreter_sessions", "/v1/organization/usage/code_interpreter_sessions",
                     ("project_id",)),
            # tool calls (organization.usage.file_searches / web_searches results), counted per call
            Endpoint("file_search_calls", "/v1/organization/usage/file_search_calls",
                     ("project_id", "api_key_id", "vector_store_id")),
            Endpoint("web_search_calls", "/v1/organization/usage/web_search_calls",
                     ("model", "project_id", "api_key_id", "context_level")),
            # what OpenAI billed (the Costs API: bucket_width 1d only), read into billed lines
            Endpoint("costs", "/v1/organization/costs", ("project_id", "line_item"), "openai_costs", "costs"),
        )),
    "anthropic": Provider(
        "anthropic", "Anthropic", "ANTHROPIC_ADMIN_KEY", "SPENDSCOPE_ANTHROPIC_BASE_URL", "https://api.anthropic.com",
        "anthropic_usage", (
            Endpoint("messages", "/v1/organizations/usage_report/messages",
                     ("model", "workspace_id", "api_key_id", "service_tier", "context_window")),
            # what Anthropic billed (cost_report: bucket_width 1d only), read into billed lines
            Endpoint("cost_report", "/v1/organizations/cost_report", ("workspace_id", "description"),
                     "anthropic_costs", "costs"),
            # their successors (beta), pulled when named: usage grouped as above, so its events replace
            # the legacy report's; cost by what the legacy report's description spelled out
            Endpoint("usage", "/v1/organizations/analytics/usage",
                     ("model", "workspace_id", "api_key_id", "service_tier", "context_window"),
                     default=False, analytics=True),
            Endpoint("cost", "/v1/organizations/analytics/cost",
                     ("workspace_id", "model", "cost_type", "token_type", "service_tier", "context_window"),
                     "anthropic_costs", "costs", default=False, analytics=True),
        )),
}


@dataclass
class EndpointPull:
    """One endpoint's part of a run: where it starts, then what it gave."""

    endpoint: str
    start: _dt.datetime
    pages: list[Path] = field(default_factory=list)
    loadable: list[Path] = field(default_factory=list)  # the pages holding results
    buckets: int = 0
    results: int = 0
    closed: _dt.datetime | None = None  # the end of the last bucket that had ended when the run began
    cursor: _dt.datetime | None = None  # stored after the load: the next run starts before it


@dataclass
class Plan:
    """A pull before (``plan``) and after (``fetch``) its requests; ``load`` puts it in the ledger."""

    provider: Provider
    endpoints: list[EndpointPull]
    stored: dict[str, _dt.datetime]  # the cursors when the run was planned
    base: str
    key: Secret
    folder: Path  # the pulls folder: pages go to <folder>/<provider>/<endpoint>/
    now: _dt.datetime

    @property
    def pages(self) -> list[Path]:
        return [p for e in self.endpoints for p in e.pages]


@dataclass
class PullResult:
    """What a pull did: the pages saved, the ingest of those holding results, the cursors kept."""

    provider: str
    endpoints: list[EndpointPull]
    ingest: Any = None  # ingest.pipeline.IngestResult, None when no page held results
    events_before: int = 0  # the provider's stored usage events before and after the load
    events_after: int = 0
    usage_source: str = ""

    @property
    def pages(self) -> list[Path]:
        return [p for e in self.endpoints for p in e.pages]

    @property
    def events(self) -> int:
        """Events loaded (new ones and ones replacing a stored event of the same bucket)."""
        return sum(r.rows for r in self.ingest.loaded if r.source == self.usage_source) if self.ingest else 0

    @property
    def billed_lines(self) -> int:
        """Billed lines loaded from cost reports (each replacing a stored line of the same bucket and grouping)."""
        return sum(r.rows for r in self.ingest.loaded if r.source != self.usage_source) if self.ingest else 0

    @property
    def new_events(self) -> int:
        return self.events_after - self.events_before

    @property
    def notes(self) -> list[str]:
        """The loaded files' notes, each once; the 'later pages are not in the file' note is left out:
        the run loaded every page."""
        seen: dict[str, None] = {}
        for r in self.ingest.files if self.ingest else []:
            for note in r.notes:
                if not note.startswith("The file's last page says has_more"):
                    seen.setdefault(note, None)
        return list(seen)


# --- the run ---------------------------------------------------------------------------------------

def provider_named(name: str) -> Provider:
    """The provider called ``name``; an unknown name is a ConfigError listing the valid ones."""
    found = PROVIDERS.get(name.strip().lower())
    if found is None:
        raise UnknownNameError("provider", name, list(PROVIDERS), hint="Run `spendscope pull openai` or "
                               "`spendscope pull anthropic`.")
    return found


def pull(ledger, provider: str, *, since: _dt.date | None = None, endpoints: list[str] | None = None,
         out: str | Path | None = None, environ: Mapping[str, str] | None = None, sleep: Sleep | None = None,
         attempts: int = ATTEMPTS, window: _dt.timedelta = WINDOW, first: _dt.timedelta = FIRST_PULL,
         limit: int = PAGE_LIMIT, now: _dt.datetime | None = None, client: httpx.Client | None = None,
         progress: Progress | None = None) -> PullResult:
    """Pull ``provider``'s usage into ``ledger`` (see the module docstring); returns what was pulled and loaded.

    The same as ``load(ledger, fetch(plan(ledger, ...)))``; a caller that must not hold the ledger
    during the requests (the CLI) opens it for ``plan`` and again for ``load``."""
    planned = plan(ledger, provider, since=since, endpoints=endpoints, out=out, environ=environ, window=window,
                   first=first, now=now)
    fetch(planned, sleep=sleep, attempts=attempts, limit=limit, client=client, progress=progress)
    return load(ledger, planned, progress=progress)


def chosen_endpoints(spec: Provider, endpoints: list[str] | None) -> list[Endpoint]:
    """The endpoints named (default: the provider's default ones), checked: known, and not two
    reports of the same bill."""
    names = [e.strip().lower() for e in endpoints or [] if e.strip()]
    chosen = ([spec.endpoint(n) for n in dict.fromkeys(names)] if endpoints is not None
              else [e for e in spec.endpoints if e.default])
    if not chosen:
        raise ConfigError("No endpoint to pull.", hint=f"Valid {spec.name} endpoints: "
                          f"{', '.join(e.name for e in spec.endpoints)}.")
    billed = [e.name for e in chosen if e.what == "costs"]
    if len(billed) > 1:
        raise ConfigError(f"{' and '.join(billed)} are two reports of the same bill: pulling both would count it "
                          "twice.", hint="Pull one of them (the legacy cost_report, or cost from the analytics API).")
    return chosen


def plan(ledger, provider: str, *, since: _dt.date | None = None, endpoints: list[str] | None = None,
         out: str | Path | None = None, environ: Mapping[str, str] | None = None, window: _dt.timedelta = WINDOW,
         first: _dt.timedelta = FIRST_PULL, now: _dt.datetime | None = None) -> Plan:
    """Check the provider, endpoints, key and ledger, and read the cursors; gives where each endpoint starts."""
    spec = provider_named(provider)
    chosen = chosen_endpoints(spec, endpoints)
    if not ledger.target.is_duckdb:
        raise IngestError(f"LLM usage can be pulled into a DuckDB ledger only for now, not {ledger.describe()}.",
                          hint="Pull usage into a DuckDB ledger (--db spendscope.duckdb).")
    environ = os.environ if environ is None else environ
    key = api_key(spec, environ)
    base = (environ.get(spec.base_env) or spec.base_url).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ConfigError(f"{spec.base_env}={base!r} is not an http(s) URL.",
                          hint=f"Leave it unset for {spec.base_url}.")
    now = (now or _dt.datetime.now(UTC)).astimezone(UTC)
    if since is not None and since > now.date():
        raise ConfigError(f"The start date {since.isoformat()} is in the future.", hint="Give a past date, YYYY-MM-DD.")
    stored = cursors(ledger, spec.name)
    runs = [EndpointPull(e.name, _earliest(e, start_time(stored.get(e.name), since, now, window, first), now))
            for e in chosen]
    return Plan(spec, runs, stored, base, key, Path(out) if out is not None else pulls_folder(ledger), now)


def fetch(planned: Plan, *, sleep: Sleep | None = None, attempts: int = ATTEMPTS, limit: int = PAGE_LIMIT,
          client: httpx.Client | None = None, progress: Progress | None = None) -> Plan:
    """Request and save every page of the plan (no ledger needed); a run that fails removes its pages."""
    if attempts < 1:
        raise ConfigError(f"attempts must be at least 1, not {attempts}.")
    if not 1 <= limit <= PAGE_LIMIT:
        raise ConfigError(f"limit must be 1 to {PAGE_LIMIT} daily buckets a page, not {limit}.")
    spec = planned.provider
    getter = _Fetcher(client, spec.headers(planned.key), planned.key, attempts, sleep or time.sleep)
    try:
        for run in planned.endpoints:
            _pull_endpoint(spec, spec.endpoint(run.endpoint), planned.base, run,
                           planned.folder / spec.name / run.endpoint, getter, planned.now, limit,
                           progress or (lambda message: None))
    except BaseException:
        for page in planned.pages:  # an incomplete pull leaves no pages behind
            page.unlink(missing_ok=True)
        raise
    finally:
        getter.close()
    return planned


def load(ledger, planned: Plan, *, progress: Progress | None = None) -> PullResult:
    """Load the fetched pages that hold results in one ingest, then store the cursors."""
    from spendscope.ingest.pipeline import ingest

    spec = planned.provider
    sources = {str(p): spec.source_of(spec.endpoint(run.endpoint)) for run in planned.endpoints for p in run.loadable}
    before = _count_events(ledger, spec.source)
    result = None
    if sources:
        if progress:
            progress(f"Loading {len(sources):,} page{'s' if len(sources) != 1 else ''} into the ledger")
        result = ingest(ledger, list(sources), source=sources)
    after = _count_events(ledger, spec.source)
    for run in planned.endpoints:
        ends = [c for c in (planned.stored.get(run.endpoint), run.closed) if c is not None]
        run.cursor = max(ends) if ends else None
    _store_cursors(ledger, spec.name, {r.endpoint: r.cursor for r in planned.endpoints}, planned.now)
    return PullResult(spec.name, planned.endpoints, result, before, after, spec.source)


def api_key(spec: Provider, environ: Mapping[str, str]) -> Secret:
    """The provider's admin key from the environment, as a Secret; missing is a ConfigError naming the variable."""
    value = (environ.get(spec.key_env) or "").strip()
    if not value:
        raise ConfigError(f"{spec.key_env} is not set: pulling {spec.label} usage needs an admin API key.",
                          hint=f"Export {spec.key_env} with an admin key of your {spec.label} organisation "
                               "(keys are read from the environment only, never from files or options).")
    return Secret(value)


def start_time(cursor: _dt.datetime | None, since: _dt.date | None, now: _dt.datetime,
               window: _dt.timedelta = WINDOW, first: _dt.timedelta = FIRST_PULL) -> _dt.datetime:
    """Where an endpoint's pull starts (a UTC midnight): ``since``; else the cursor less the
    restatement window; else ``first`` before now."""
    if since is not None:
        return _dt.datetime(since.year, since.month, since.day, tzinfo=UTC)
    return _midnight(cursor - window if cursor is not None else now - first)


def _earliest(endpoint: Endpoint, start: _dt.datetime, now: _dt.datetime) -> _dt.datetime:
    """``start``, or the earliest the analytics API answers for (2026-01-01, and the last 365 days)."""
    if not endpoint.analytics:
        return start
    return max(start, ANALYTICS_FIRST_DAY, _midnight(now - ANALYTICS_HISTORY) + DAY)


def _rfc3339(when: _dt.datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pulls_folder(ledger) -> Path:
    """The default pulls folder: beside a DuckDB ledger file, else in the current directory."""
    location = ledger.target.location if ledger.target.is_duckdb else ":memory:"
    home = Path.cwd() if location == ":memory:" else Path(location).absolute().parent
    return home / PULLS_FOLDER


def _midnight(when: _dt.datetime) -> _dt.datetime:
    when = when.astimezone(UTC)
    return _dt.datetime(when.year, when.month, when.day, tzinfo=UTC)


def _pull_endpoint(spec: Provider, endpoint: Endpoint, base: str, run: EndpointPull, folder: Path, fetch: "_Fetcher",
                   now: _dt.datetime, limit: int, progress: Progress) -> None:
    """Fetch and save every page of one endpoint, noting in ``run`` its pages and its last closed bucket.

    An analytics endpoint answers for at most 31 days a request: a longer range is asked for in
    31-day parts (each with its ``ending_at``; the last one ends now, the API's default)."""
    url = base + endpoint.path
    what = f"{spec.label} {endpoint.name}{' usage' if endpoint.what == 'usage' else ''} (GET {url})"
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    headers = {"anthropic-beta": ANALYTICS_BETA} if endpoint.analytics else {}
    number = _next_page_number(folder, stamp)
    start, pages = run.start, 0
    while True:
        end = start + ANALYTICS_RANGE if endpoint.analytics and now - start > ANALYTICS_RANGE else None
        token: str | None = None
        tokens: set[str] = set()
        while True:
            pages += 1
            if pages > MAX_PAGES:
                raise IngestError(f"{what}: more than {MAX_PAGES:,} pages.", hint="Nothing was loaded. Pull a "
                                  "shorter range with --since.")
            progress(f"Pulling {spec.label} {endpoint.name}, page {pages} (from {start:%Y-%m-%d})")
            params = spec.params(endpoint, start, limit, end) + ([("page", token)] if token else [])
            body = fetch.get(url, params, what, headers)
            page = _page(body, what, pages)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{stamp}-{number}.json"
            number += 1
            with open(path, "xb") as fh:  # never overwrite an earlier pull's page
                fh.write(body)
            run.pages.append(path)
            items = [b for b in page["data"] if isinstance(b, dict)]
            run.buckets += len(page["data"])
            # a legacy bucket holds results; an analytics row is one
            results = sum(len(b.get("results") or []) if "results" in b else 1 for b in items)
            run.results += results
            if results:
                run.loadable.append(path)
            for bucket in items:
                bucket_end = spec.bucket_end(bucket)
                if bucket_end is not None and bucket_end <= now and (run.closed is None or bucket_end > run.closed):
                    run.closed = bucket_end
            token = page.get("next_page")
            more = page.get("has_more")
            if more is not True and (more is not None or not token):  # the analytics API may give next_page only
                break
            if not isinstance(token, str) or not token:
                raise IngestError(f"{what}: page {pages} says has_more but gives no next_page.",
                                  hint="Nothing was loaded. Try again; if it persists, report it to the provider.")
            if token in tokens:
                raise IngestError(f"{what}: page {pages} gives the same next_page as an earlier page.",
                                  hint="Nothing was loaded: the API would page forever.")
            tokens.add(token)
        if end is None:
            return
        start = end


def _next_page_number(folder: Path, stamp: str) -> int:
    """The first page number free for ``stamp`` (two pulls within one second share it)."""
    taken = [0]
    for p in folder.glob(f"{stamp}-*.json") if folder.is_dir() else []:
        tail = p.stem[len(stamp) + 1:]
        if tail.isdigit():
            taken.append(int(tail))
    return max(taken) + 1


def _page(body: bytes, what: str, number: int) -> dict:
    """A page of buckets, checked just enough to page on and find its bucket ends."""
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise IngestError(f"{what}: page {number} is not JSON ({exc}).", hint="Nothing was loaded.") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        keys = ", ".join(sorted(doc)[:10]) if isinstance(doc, dict) else type(doc).__name__
        raise IngestError(f"{what}: page {number} is not a usage page (it holds {keys}, no data array).",
                          hint="Nothing was loaded. Check the base URL.")
    return doc


# --- HTTP ------------------------------------------------------------------------------------------

class _Fetcher:
    """GETs with retries; the key is in the headers only, and taken out of anything shown or saved."""

    def __init__(self, client: httpx.Client | None, headers: dict[str, str], key: Secret, attempts: int,
                 sleep: Sleep) -> None:
        self._own = client is None
        self.client = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        self.headers, self.key, self.attempts, self.sleep = headers, key, attempts, sleep

    def close(self) -> None:
        if self._own:
            self.client.close()

    def scrub(self, text: str) -> str:
        """``text`` with the key replaced by ***."""
        return text.replace(self.key.reveal(), "***")

    def get(self, url: str, params: list[tuple[str, str]], what: str, headers: dict[str, str] | None = None) -> bytes:
        """The body of a successful answer (the key, should the API echo it, replaced by ***)."""
        last = ""
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.client.get(url, params=params, headers={**self.headers, **(headers or {})})
            except httpx.TransportError as exc:
                last = f"a connection error ({type(exc).__name__}: {self.scrub(str(exc)) or 'no detail'})"
                wait = backoff(attempt)
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return response.content.replace(self.key.reveal().encode(), b"***")
                message = self.scrub(api_message(response))
                shown = f"HTTP {status}" + (f": {message}" if message else "")
                if (status != 429 and status < 500) or _out_of_quota(response):
                    raise _refused(status, shown, what)
                last = shown
                wait = retry_after(response)
                if wait is None:
                    wait = backoff(attempt)
            if attempt < self.attempts:
                self.sleep(wait)
        tries = f"{self.attempts} attempt{'s' if self.attempts > 1 else ''}"
        raise IngestError(_sentence(f"Gave up on {what} after {tries}: the last answer was {last}"),
                          hint="Nothing was loaded: the ledger is unchanged. Try again later; the provider's "
                               "status page may say more.")


def _refused(status: int, shown: str, what: str) -> Exception:
    if status in (401, 403):
        return ConfigError(_sentence(f"{what} refused the admin key: {shown}"),
                           hint="Check that the key is an admin key of the organisation (not a project or user "
                                "key) and that it is not revoked. Nothing was loaded.")
    return IngestError(_sentence(f"{what} failed: {shown}"), hint="Nothing was loaded: the ledger is unchanged.")


def _out_of_quota(response: httpx.Response) -> bool:
    """A 429 that waiting does not cure: OpenAI's ``insufficient_quota`` (the plan or credit is used up)."""
    if response.status_code != 429:
        return False
    try:
        error = json.loads(response.content.decode("utf-8", "replace")).get("error")
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and "insufficient_quota" in (error.get("code"), error.get("type"))


def _sentence(text: str) -> str:
    """``text`` ending in a full stop (an API message may bring its own)."""
    return text if text.endswith((".", "!", "?")) else text + "."


def api_message(response: httpx.Response) -> str:
    """The API's own error message (``{"error": {"message": ...}}``), else a short start of the body."""
    try:
        doc = json.loads(response.content.decode("utf-8", "replace"))
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        error = doc.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(error, str):
            return error
        if isinstance(doc.get("message"), str):
            return doc["message"]
    text = response.content[:200].decode("utf-8", "replace").strip()
    return " ".join(text.split())


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the ``Retry-After`` header asks to wait (capped), or None when it gives none."""
    value = response.headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    if seconds is None or seconds != seconds or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


def backoff(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed try ``attempt``: exponential, capped, with jitter (half to all of it)."""
    ceiling = min(MAX_BACKOFF, BACKOFF * 2 ** (attempt - 1))
    return ceiling * (0.5 + 0.5 * (rng or random).random())


# --- the cursor ------------------------------------------------------------------------------------

def cursors(ledger, provider: str) -> dict[str, _dt.datetime]:
    """The stored cursor per endpoint of ``provider`` (none before a first pull)."""
    if STATE_TABLE not in ledger.tables():
        return {}
    rows = ledger.duckdb.execute(f"SELECT endpoint, cursor FROM {STATE_TABLE} WHERE provider = ? "
                                 "AND cursor IS NOT NULL", [provider]).fetchall()
    return {endpoint: cursor.astimezone(UTC) for endpoint, cursor in rows}


def _store_cursors(ledger, provider: str, values: dict[str, _dt.datetime | None], pulled_at: _dt.datetime) -> None:
    con = ledger.duckdb
    with ledger.transaction():
        for endpoint, cursor in values.items():
            con.execute(f"DELETE FROM {STATE_TABLE} WHERE provider = ? AND endpoint = ?", [provider, endpoint])
            con.execute(f"INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, ?)", [provider, endpoint, cursor, pulled_at])


def _count_events(ledger, source: str) -> int:
    from spendscope.store import schema as s

    if s.USAGE_EVENTS not in ledger.tables():
        return 0
    return ledger.duckdb.execute(f"SELECT count(*) FROM {s.USAGE_EVENTS} WHERE source = ?", [source]).fetchone()[0]
