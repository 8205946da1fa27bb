"""``spendscope pull``: live pulls from the providers' admin APIs, against a fake API on loopback.

The fake server answers the documented shapes of OpenAI's ``/v1/organization/usage/*`` and
``/v1/organization/costs``, and Anthropic's ``/v1/organizations/usage_report/messages`` and
``/v1/organizations/cost_report`` (daily buckets up to today, paged), checks the key headers, logs
every request, and can be told to fail. Nothing here reaches the internet.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from spendscope.errors import ConfigError, IngestError
from spendscope.llm.pull import backoff, cursors, start_time
from spendscope.llm.pull import pull as run_pull

UTC = dt.timezone.utc
OPENAI_KEY = "sk-admin-TESTKEY-0penai-5ecret-a1b2c3d4e5f6"
ANTHROPIC_KEY = "sk-ant-admin01-TESTKEY-anthr0pic-5ecret-f6e5d4"
WRONG_KEY = "sk-admin-WRONG-KEY-9z8y7x6w5v"
KEYS = (OPENAI_KEY, ANTHROPIC_KEY, WRONG_KEY)


def today() -> dt.datetime:
    now = dt.datetime.now(UTC)
    return dt.datetime(now.year, now.month, now.day, tzinfo=UTC)


def completion(input_tokens: int, output_tokens: int, model: str = "gpt-4o-2024-08-06", cached: int = 0,
               project: str = "proj_a") -> dict:
    return {"object": "organization.usage.completions.result", "input_tokens": input_tokens,
            "output_tokens": output_tokens, "input_cached_tokens": cached, "input_audio_tokens": 0,
            "output_audio_tokens": 0, "num_model_requests": 3, "project_id": project, "user_id": None,
            "api_key_id": "key_abc", "model": model, "batch": False, "service_tier": "default"}


def message(uncached: int, output: int, model: str = "claude-sonnet-4-5-20250929", read: int = 0) -> dict:
    return {"uncached_input_tokens": uncached, "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "output_tokens": output, "server_tool_use": {"web_search_requests": 0}, "model": model,
            "workspace_id": "wrkspc_1", "api_key_id": "apikey_1", "service_tier": "standard",
            "context_window": None, "inference_geo": None}


def openai_cost(value: str, line_item: str, project: str = "proj_a") -> dict:
    return {"object": "organization.costs.result", "amount": {"value": float(value), "currency": "usd"},
            "line_item": line_item, "project_id": project}


def anthropic_cost(cents: str, description: str, token_type: str | None = None,
                   model: str | None = "claude-sonnet-4-5-20250929") -> dict:
    return {"currency": "USD", "amount": cents, "workspace_id": "wrkspc_1", "description": description,
            "cost_type": "tokens" if token_type else "web_search", "context_window": "0-200k", "model": model,
            "service_tier": "standard", "token_type": token_type, "inference_geo": None}


class FakeAPI:
    """The two admin APIs: usage and costs per day, set by the test; every request logged."""

    def __init__(self) -> None:
        self.log: list[dict] = []
        self.openai: dict[dt.date, list[dict]] = {}  # completions results per day
        self.openai_costs: dict[dt.date, list[dict]] = {}
        self.anthropic: dict[dt.date, list[dict]] = {}
        self.anthropic_costs: dict[dt.date, list[dict]] = {}
        self.page_size = 31
        self.queue: list[tuple[int, dict, bytes]] = []  # answers given first, one per request
        self.fail_from: int | None = None  # from this request on (1-based), every answer is ``failure``
        self.failure: tuple[int, dict, bytes] = (503, {"Retry-After": "0"},
                                                 b'{"error": {"message": "The server is overloaded."}}')
        self.echo_key = False  # put the key header the request sent into the page (a careless API)
        self.lock = threading.Lock()

    def requests(self, path_part: str = "") -> list[dict]:
        return [r for r in self.log if path_part in r["path"]]

    def respond(self, path: str, query: dict[str, list[str]], headers) -> tuple[int, dict, bytes]:
        with self.lock:
            self.log.append({"path": path, "query": query, "headers": {k.lower(): v for k, v in headers.items()}})
            if self.fail_from is not None and len(self.log) >= self.fail_from:
                return self.failure
            if self.queue:
                return self.queue.pop(0)
        if path.startswith("/v1/organization/usage/") or path == "/v1/organization/costs":
            return self._openai(path.rsplit("/", 1)[1], query, headers)
        if path == "/v1/organizations/usage_report/messages":
            return self._anthropic(query, headers, self.anthropic)
        if path in ("/v1/organizations/analytics/usage", "/v1/organizations/analytics/cost"):
            return self._analytics(path.rsplit("/", 1)[1], query, headers)
        if path == "/v1/organizations/cost_report":
            if query.get("bucket_width", ["1d"]) != ["1d"]:
                return 400, {}, b'{"type": "error", "error": {"type": "invalid_request_error", "message": "1d only"}}'
            return self._anthropic(query, headers, self.anthropic_costs)
        return 404, {}, json.dumps({"error": {"message": f"Unknown path {path}"}}).encode()

    def _openai(self, endpoint: str, query, headers) -> tuple[int, dict, bytes]:
        auth = headers.get("Authorization") or ""
        if auth != f"Bearer {OPENAI_KEY}":
            return 401, {}, json.dumps({"error": {"message": f"Incorrect API key provided: {auth.removeprefix('Bearer ')}.",
                                                  "type": "invalid_request_error", "code": "invalid_api_key"}}).encode()
        start = int(query["start_time"][0])
        day = dt.datetime.fromtimestamp(start, UTC).replace(hour=0, minute=0, second=0)
        buckets = []
        while day <= today():
            days = {"completions": self.openai, "costs": self.openai_costs}.get(endpoint, {})
            results = days.get(day.date(), [])
            buckets.append({"object": "bucket", "start_time": max(start, int(day.timestamp())),
                            "end_time": int((day + dt.timedelta(days=1)).timestamp()), "results": results})
            day += dt.timedelta(days=1)
        return self._paged(buckets, query, {"object": "page"}, auth)

    def _anthropic(self, query, headers, days: dict[dt.date, list[dict]]) -> tuple[int, dict, bytes]:
        if headers.get("x-api-key") != ANTHROPIC_KEY or headers.get("anthropic-version") != "2023-06-01":
            return 401, {}, json.dumps({"type": "error", "error": {"type": "authentication_error",
                                                                   "message": "invalid x-api-key"}}).encode()
        start = dt.datetime.fromisoformat(query["starting_at"][0]).astimezone(UTC)
        day = start.replace(hour=0, minute=0, second=0, microsecond=0)  # snapped to the day, as documented
        buckets = []
        while day <= today():
            end = day + dt.timedelta(days=1)
            buckets.append({"starting_at": day.strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "ending_at": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "results": days.get(day.date(), [])})
            day = end
        return self._paged(buckets, query, {}, headers.get("x-api-key"))

    def _analytics(self, kind: str, query, headers) -> tuple[int, dict, bytes]:
        """The analytics API (beta): flat rows of the days with usage, at most 31 days a request, paged by
        next_page alone."""
        def refuse(message: str) -> tuple[int, dict, bytes]:
            return 400, {}, json.dumps({"type": "error", "error": {"type": "invalid_request_error",
                                                                   "message": message}}).encode()
        if headers.get("x-api-key") != ANTHROPIC_KEY:
            return 401, {}, b'{"type": "error", "error": {"type": "authentication_error", "message": "invalid"}}'
        if headers.get("anthropic-beta") != "analytics-usage-cost-2026-08-24":
            return refuse("This endpoint requires the anthropic-beta header analytics-usage-cost-2026-08-24.")
        if query.get("time_bucket_width") != ["1d"] or "bucket_width" in query or "limit" in query:
            return refuse("Unexpected parameters.")
        start = dt.datetime.fromisoformat(query["starting_at"][0]).astimezone(UTC)
        if start < dt.datetime(2026, 1, 1, tzinfo=UTC) or start < today() - dt.timedelta(days=365):
            return refuse("starting_at must be within the last 365 days and no earlier than 2026-01-01T00:00:00Z.")
        now = dt.datetime.now(UTC)
        end = (dt.datetime.fromisoformat(query["ending_at"][0]).astimezone(UTC) if "ending_at" in query
               else min(now, start + dt.timedelta(days=31)))
        if end - start > dt.timedelta(days=31):
            return refuse("The range may span at most 31 days.")
        days = self.anthropic if kind == "usage" else self.anthropic_costs
        rows, day = [], start
        while day < end:
            for values in days.get(day.date(), []):
                group = {k: v for k, v in values.items() if k in query.get("group_by[]", [])}
                rows.append({"starting_at": day.strftime("%Y-%m-%dT%H:%M:%SZ"),
                             "ending_at": (day + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                             "group": group, kind: {k: v for k, v in values.items() if k not in group}})
            day += dt.timedelta(days=1)
        offset = int(query.get("page", ["page_0"])[0].removeprefix("page_"))
        more = offset + self.page_size < len(rows)
        page = {"data": rows[offset:offset + self.page_size], "next_page": f"page_{offset + self.page_size}"
                if more else None}
        return 200, {}, json.dumps(page).encode()

    def _paged(self, buckets: list[dict], query, envelope: dict, sent_key: str) -> tuple[int, dict, bytes]:
        offset = int(query.get("page", ["page_0"])[0].removeprefix("page_"))
        size = min(self.page_size, int(query["limit"][0]))
        more = offset + size < len(buckets)
        page = {**envelope, "data": buckets[offset:offset + size], "has_more": more,
                "next_page": f"page_{offset + size}" if more else None}
        if self.echo_key:
            page["debug_auth"] = sent_key
        return 200, {}, json.dumps(page).encode()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        status, headers, body = self.server.fake.respond(url.path, parse_qs(url.query, keep_blank_values=True),
                                                         self.headers)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def api(monkeypatch):
    fake = FakeAPI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.fake = fake
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("SPENDSCOPE_OPENAI_BASE_URL", base)
    monkeypatch.setenv("SPENDSCOPE_ANTHROPIC_BASE_URL", base)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(5)


def days_ago(n: int) -> dt.date:
    return (today() - dt.timedelta(days=n)).date()


def assert_no_key(*texts: str, folder: Path | None = None) -> None:
    """No key in the texts, nor in any file under ``folder`` (saved pages, the ledger file)."""
    for text in texts:
        for key in KEYS:
            assert key not in text
    for path in folder.rglob("*") if folder else []:
        if path.is_file():
            data = path.read_bytes()
            for key in KEYS:
                assert key.encode() not in data, f"the key is in {path}"


def events(ledger, source: str = "openai_usage") -> list[tuple]:
    return ledger.duckdb.execute("SELECT event_id, input_tokens, cached_input_tokens, output_tokens, cost FROM "
                                 "usage_events WHERE source = ? ORDER BY event_id", [source]).fetchall()


def costs(ledger) -> tuple:
    return ledger.duckdb.execute("SELECT count(*), sum(BilledCost), sum(ConsumedQuantity) FROM costs").fetchone()


def gpt4o(input_tokens: int, output_tokens: int, cached: int = 0) -> Decimal:
    """USD at gpt-4o's standard prices: 2.50 uncached input, 1.25 cached, 10 output per million."""
    return (Decimal(input_tokens - cached) * Decimal("2.5") + Decimal(cached) * Decimal("1.25")
            + Decimal(output_tokens) * 10) / 10**6


# --- OpenAI ----------------------------------------------------------------------------------------

def test_openai_pull_pages_retries_and_loads_every_result(api, ledger, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request: never its headers
    api.openai = {days_ago(3): [completion(5000, 800, cached=1000)], days_ago(1): [completion(2000, 100)],
                  days_ago(0): [completion(300, 30)]}
    api.page_size = 20  # 31 buckets: two pages
    api.queue = [(429, {"Retry-After": "7"}, b'{"error": {"message": "Rate limit reached."}}'),
                 (500, {}, b'{"error": {"message": "The server had an error."}}')]
    sleeps: list[float] = []
    seen: list[str] = []
    result = run_pull(ledger, "openai", endpoints=["completions"], sleep=sleeps.append, progress=seen.append)

    # the 429's Retry-After is honoured; the 500 waits for the backoff of a second try (1 to 2 s)
    assert sleeps[0] == 7.0 and 1.0 <= sleeps[1] <= 2.0 and len(sleeps) == 2
    calls = api.requests("/v1/organization/usage/completions")
    assert len(calls) == 4  # 429, 500, page 1, page 2
    assert all(c["headers"]["authorization"] == f"Bearer {OPENAI_KEY}" for c in calls)
    first = calls[0]["query"]
    assert first["start_time"] == [str(int((today() - dt.timedelta(days=30)).timestamp()))]
    assert first["bucket_width"] == ["1d"] and first["limit"] == ["31"]
    assert first["group_by"] == ["model", "project_id", "api_key_id", "batch", "service_tier"]
    assert "page" not in first and calls[3]["query"]["page"] == ["page_20"]
    assert seen[0] == f"Pulling OpenAI completions, page 1 (from {today() - dt.timedelta(days=30):%Y-%m-%d})"

    # both pages saved as they came, loaded in one ingest
    (run,) = result.endpoints
    assert len(run.pages) == 2 and (run.buckets, run.results) == (31, 3)
    folder = tmp_path / "spendscope-pulls" / "openai" / "completions"
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in run.pages)
    assert all(p.name.endswith(("-1.json", "-2.json")) and p.parent == folder for p in run.pages)
    assert json.loads(run.pages[1].read_text())["data"][-1]["start_time"] == int(today().timestamp())
    assert result.events == result.new_events == 3
    stored = events(ledger)
    assert sorted((e[1], e[2], e[3]) for e in stored) == [(300, 0, 30), (2000, 0, 100), (4000, 1000, 800)]
    assert sum(e[4] for e in stored) == gpt4o(5000, 800, 1000) + gpt4o(2000, 100) + gpt4o(300, 30)
    assert costs(ledger)[1] == sum(e[4] for e in stored)

    # the cursor: the end of the last closed bucket (yesterday's), not today's open one
    assert run.cursor == today() and cursors(ledger, "openai") == {"completions": today()}
    assert "HTTP Request: GET" in caplog.text
    assert_no_key(*seen, caplog.text, folder=tmp_path)


def test_a_second_pull_starts_at_the_cursor_less_the_window_and_changes_nothing(api, ledger):
    api.openai = {days_ago(d): [completion(1000 * d + 100, 50 * d)] for d in range(0, 12)}
    run_pull(ledger, "openai", endpoints=["completions"], sleep=lambda s: None)
    stored, totals = events(ledger), costs(ledger)
    assert len(stored) == 12
    api.log.clear()

    again = run_pull(ledger, "openai", endpoints=["completions"], sleep=lambda s: None)
    (call,) = api.requests("completions")
    assert call["query"]["start_time"] == [str(int((today() - dt.timedelta(days=2)).timestamp()))]
    assert again.endpoints[0].start == today() - dt.timedelta(days=2)
    assert again.events == 3 and again.new_events == 0  # the window's 3 buckets, replacing themselves
    assert events(ledger) == stored and costs(ledger) == totals

    # the same pull once more: the page is byte for byte the last one, already loaded
    third = run_pull(ledger, "openai", endpoints=["completions"], sleep=lambda s: None)
    assert third.events == 0 and [f.status for f in third.ingest.files] == ["unchanged"]
    assert events(ledger) == stored and costs(ledger) == totals


def test_a_restated_bucket_replaces_the_old_numbers_instead_of_adding_to_them(api, ledger):
    api.openai = {days_ago(4): [completion(1000, 100)], days_ago(1): [completion(2000, 200)]}
    run_pull(ledger, "openai", endpoints=["completions"], sleep=lambda s: None)
    assert sorted(e[1] for e in events(ledger)) == [1000, 2000]

    api.openai[days_ago(1)] = [completion(9000, 700)]  # OpenAI restates yesterday: late usage came in
    result = run_pull(ledger, "openai", endpoints=["completions"], sleep=lambda s: None)
    assert result.new_events == 0
    assert sorted((e[1], e[3]) for e in events(ledger)) == [(1000, 100), (9000, 700)]
    assert costs(ledger)[1] == gpt4o(1000, 100) + gpt4o(9000, 700)


def test_since_overrides_the_cursor(api, ledger):
    run_pull(ledger, "openai", endpoints=["completions"], sleep=lambda s: None)
    api.log.clear()
    since = days_ago(10)
    result = run_pull(ledger, "openai", endpoints=["completions"], since=since, sleep=lambda s: None)
    (call,) = api.requests("completions")
    assert call["query"]["start_time"] == [str(int(dt.datetime(since.year, since.month, since.day,
                                                                 tzinfo=UTC).timestamp()))]
    assert result.ingest is None  # no usage on the server: nothing to load
    assert cursors(ledger, "openai") == {"completions": today()}


def test_every_openai_endpoint_is_pulled_with_its_documented_grouping(api, ledger):
    result = run_pull(ledger, "openai", since=days_ago(1), sleep=lambda s: None)
    groups = {r["path"].rsplit("/", 1)[1]: r["query"].get("group_by") for r in api.log}
    assert groups == {
        "completions": ["model", "project_id", "api_key_id", "batch", "service_tier"],
        "embeddings": ["model", "project_id", "api_key_id"],
        "moderations": ["model", "project_id", "api_key_id"],
        "images": ["model", "project_id", "api_key_id", "size", "source"],
        "audio_speeches": ["model", "project_id", "api_key_id"],
        "audio_transcriptions": ["model", "project_id", "api_key_id"],
        "vector_stores": ["project_id"],
        "code_interpreter_sessions": ["project_id"],
        "file_search_calls": ["project_id", "api_key_id", "vector_store_id"],
        "web_search_calls": ["model", "project_id", "api_key_id", "context_level"],
        "costs": ["project_id", "line_item"],
    }
    assert [e.endpoint for e in result.endpoints] == list(groups)
    assert set(cursors(ledger, "openai")) == set(groups)


def test_a_401_fails_at_once_with_the_apis_message_and_never_shows_the_key(api, ledger, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_ADMIN_KEY", WRONG_KEY)  # the fake API echoes the key it was sent
    sleeps: list[float] = []
    with pytest.raises(ConfigError) as caught:
        run_pull(ledger, "openai", endpoints=["completions"], sleep=sleeps.append)
    text = str(caught.value)
    assert "HTTP 401: Incorrect API key provided: ***.\n" in text and "completions" in text
    assert len(api.log) == 1 and sleeps == []
    assert not (tmp_path / "spendscope-pulls").exists() or not any((tmp_path / "spendscope-pulls").rglob("*.json"))
    assert_no_key(text, repr(caught.value), folder=tmp_path)


def test_server_errors_forever_give_up_after_the_attempts_and_leave_the_ledger_unchanged(api, ledger, tmp_path):
    api.openai = {days_ago(d): [completion(100, 10)] for d in range(5)}
    api.page_size = 2
    api.fail_from = 2  # the first page comes, every later request fails
    api.failure = (503, {}, b'{"error": {"message": "The server is overloaded."}}')
    sleeps: list[float] = []
    with pytest.raises(IngestError) as caught:
        run_pull(ledger, "openai", endpoints=["completions"], sleep=sleeps.append)
    text = str(caught.value)
    assert "Gave up on OpenAI completions usage (GET http://127.0.0.1:" in text
    assert "/v1/organization/usage/completions) after 5 attempts: the last answer was HTTP 503: The server is " \
           "overloaded." in text
    assert "overloaded.." not in text and "the ledger is unchanged" in text
    assert len(api.log) == 1 + 5 and len(sleeps) == 4
    assert [0.5 * 2 ** k <= s <= 2 ** k for k, s in enumerate(sleeps)] == [True] * 4  # exponential, with jitter
    assert ledger.duckdb.execute("SELECT count(*) FROM loads").fetchone()[0] == 0
    assert events(ledger) == [] and cursors(ledger, "openai") == {}
    assert not any((tmp_path / "spendscope-pulls").rglob("*.json"))  # the incomplete pull's page is gone
    assert_no_key(text, folder=tmp_path)


def test_a_page_the_adapter_refuses_loads_nothing_and_is_kept_for_inspection(api, ledger, tmp_path):
    api.openai = {days_ago(2): [completion(100, 10)], days_ago(1): [{**completion(100, 10), "output_tokens": -5}]}
    with pytest.raises(IngestError, match="output_tokens.*negative") as caught:
        run_pull(ledger, "openai", endpoints=["completions"], sleep=lambda s: None)
    (page,) = (tmp_path / "spendscope-pulls" / "openai" / "completions").glob("*.json")
    assert str(page) in str(caught.value)  # the error names the saved page, which stays to be looked at
    assert events(ledger) == [] and cursors(ledger, "openai") == {}


def test_pulls_within_one_second_number_their_pages_on(api, ledger, tmp_path):
    now = dt.datetime.now(UTC)
    api.page_size = 16
    first = run_pull(ledger, "openai", endpoints=["completions"], now=now, sleep=lambda s: None)
    second = run_pull(ledger, "openai", endpoints=["completions"], since=days_ago(40), now=now, sleep=lambda s: None)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    assert [p.name for p in first.pages] == [f"{stamp}-1.json", f"{stamp}-2.json"]
    assert [p.name for p in second.pages] == [f"{stamp}-3.json", f"{stamp}-4.json", f"{stamp}-5.json"]


def test_other_client_errors_fail_at_once(api, ledger):
    api.queue = [(400, {}, b'{"error": {"message": "Invalid value for group_by."}}')]
    with pytest.raises(IngestError, match=r"HTTP 400: Invalid value for group_by\.") as caught:
        run_pull(ledger, "openai", endpoints=["completions"], sleep=lambda s: pytest.fail("slept"))
    assert not isinstance(caught.value, ConfigError) and len(api.log) == 1


def test_a_429_for_used_up_credit_is_not_retried(api, ledger):
    # OpenAI answers a used-up plan or credit with 429 insufficient_quota: waiting does not cure it
    api.queue = [(429, {}, b'{"error": {"message": "You exceeded your current quota.", "type": "insufficient_quota",'
                           b' "param": null, "code": "insufficient_quota"}}')]
    with pytest.raises(IngestError, match=r"HTTP 429: You exceeded your current quota\."):
        run_pull(ledger, "openai", endpoints=["completions"], sleep=lambda s: pytest.fail("slept"))
    assert len(api.log) == 1 and events(ledger) == []


def test_connection_errors_are_retried_then_named(ledger, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    monkeypatch.setenv("SPENDSCOPE_OPENAI_BASE_URL", f"http://127.0.0.1:{port}")
    sleeps: list[float] = []
    with pytest.raises(IngestError, match="after 3 attempts: the last answer was a connection error") as caught:
        run_pull(ledger, "openai", endpoints=["completions"], attempts=3, sleep=sleeps.append)
    assert len(sleeps) == 2
    assert_no_key(str(caught.value))


def test_a_key_the_api_echoes_is_not_saved(api, ledger, tmp_path):
    api.openai = {days_ago(1): [completion(100, 10)]}
    api.echo_key = True
    result = run_pull(ledger, "openai", endpoints=["completions"], sleep=lambda s: None)
    assert json.loads(result.pages[0].read_text())["debug_auth"] == "Bearer ***"
    assert_no_key(folder=tmp_path)


def test_a_missing_key_names_its_variable_and_calls_nothing(api, ledger, monkeypatch):
    monkeypatch.delenv("OPENAI_ADMIN_KEY")
    with pytest.raises(ConfigError, match="OPENAI_ADMIN_KEY is not set"):
        run_pull(ledger, "openai")
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", "  ")
    with pytest.raises(ConfigError, match="ANTHROPIC_ADMIN_KEY is not set"):
        run_pull(ledger, "anthropic")
    assert api.log == []


def test_unknown_provider_and_endpoint_list_the_valid_ones(api, ledger):
    with pytest.raises(ConfigError, match="Unknown provider 'gemini'. Valid providers: openai, anthropic"):
        run_pull(ledger, "gemini")
    with pytest.raises(ConfigError, match="Unknown openai endpoint 'chat'. Valid openai endpoints: completions, "):
        run_pull(ledger, "openai", endpoints=["chat"])
    assert api.log == []


def test_start_times_are_utc_midnights():
    now = dt.datetime(2026, 11, 28, 15, 30, tzinfo=UTC)
    assert start_time(None, None, now) == dt.datetime(2026, 10, 29, tzinfo=UTC)
    assert start_time(dt.datetime(2026, 11, 28, tzinfo=UTC), None, now) == dt.datetime(2026, 11, 26, tzinfo=UTC)
    assert start_time(dt.datetime(2026, 11, 27, 17, 31, tzinfo=UTC), None, now) == \
        dt.datetime(2026, 11, 25, tzinfo=UTC)
    assert start_time(dt.datetime(2026, 11, 28, tzinfo=UTC), dt.date(2026, 1, 5), now) == \
        dt.datetime(2026, 1, 5, tzinfo=UTC)
    assert all(0.5 * 2 ** (a - 1) <= backoff(a) <= 2 ** (a - 1) for a in range(1, 6))
    assert backoff(30) <= 60


def billed(ledger, source: str) -> tuple:
    return ledger.duckdb.execute("SELECT count(*), sum(amount) FROM llm_billed WHERE source = ?", [source]).fetchone()


def test_the_costs_endpoint_is_pulled_and_what_openai_billed_wins_over_the_priced_usage(api, ledger):
    api.openai = {days_ago(1): [completion(4_000_000, 100_000)]}  # 10.00 + 1.00 at list price
    api.openai_costs = {days_ago(1): [openai_cost("9.10", "gpt-4o-2024-08-06, input"),
                                      openai_cost("1.00", "gpt-4o-2024-08-06, output"),
                                      openai_cost("0.25", "web search tool calls")]}
    result = run_pull(ledger, "openai", endpoints=["completions", "costs"], since=days_ago(3), sleep=lambda s: None)
    (call,) = api.requests("/v1/organization/costs")
    assert call["query"]["group_by"] == ["project_id", "line_item"] and call["query"]["bucket_width"] == ["1d"]
    assert (result.events, result.billed_lines) == (1, 3)
    assert billed(ledger, "openai_costs") == (3, Decimal("10.35"))
    # the invoice side counts once: the billed lines replace the usage estimate of the same day and model
    assert costs(ledger)[1] == Decimal("10.35")
    assert cursors(ledger, "openai") == {"completions": today(), "costs": today()}

    # the next pull gets the restated bucket: the line is replaced, not added to
    api.openai_costs[days_ago(1)][0] = openai_cost("9.50", "gpt-4o-2024-08-06, input")
    again = run_pull(ledger, "openai", endpoints=["costs"], sleep=lambda s: None)
    assert again.billed_lines == 3 and billed(ledger, "openai_costs") == (3, Decimal("10.75"))
    assert costs(ledger)[1] == Decimal("10.75")


# --- Anthropic -------------------------------------------------------------------------------------

def test_anthropic_pull_pages_with_its_headers_and_grouping(api, ledger, tmp_path):
    api.anthropic = {days_ago(2): [message(1500, 700, read=20000)], days_ago(1): [message(800, 90)],
                     days_ago(0): [message(10, 5)]}
    api.page_size = 1
    result = run_pull(ledger, "anthropic", endpoints=["messages"], since=days_ago(3), sleep=lambda s: None)
    calls = api.requests("usage_report/messages")
    assert len(calls) == 4  # 4 buckets, one a page
    for call in calls:
        assert call["headers"]["x-api-key"] == ANTHROPIC_KEY and call["headers"]["anthropic-version"] == "2023-06-01"
        assert "authorization" not in call["headers"]
    first = calls[0]["query"]
    assert first["starting_at"] == [f"{days_ago(3).isoformat()}T00:00:00Z"]
    assert first["group_by[]"] == ["model", "workspace_id", "api_key_id", "service_tier", "context_window"]
    assert first["bucket_width"] == ["1d"] and first["limit"] == ["31"]
    assert [c["query"].get("page") for c in calls] == [None, ["page_1"], ["page_2"], ["page_3"]]
    (run,) = result.endpoints
    assert len(run.pages) == 4 and run.results == 3 and result.events == 3
    assert len(result.ingest.files) == 3  # the page of the empty bucket is saved, not loaded
    stored = events(ledger, "anthropic_usage")
    assert sorted((e[1], e[2], e[3]) for e in stored) == [(10, 0, 5), (800, 0, 90), (1500, 20000, 700)]
    assert all(e[4] > 0 for e in stored)
    assert cursors(ledger, "anthropic") == {"messages": today()}

    api.log.clear()
    run_pull(ledger, "anthropic", endpoints=["messages"], sleep=lambda s: None)
    assert api.log[0]["query"]["starting_at"] == [f"{days_ago(2).isoformat()}T00:00:00Z"]
    assert len(events(ledger, "anthropic_usage")) == 3
    assert_no_key(folder=tmp_path)


def test_the_anthropic_cost_report_is_pulled_in_cents_and_counted_once(api, ledger, tmp_path):
    api.anthropic = {days_ago(1): [message(1_000_000, 100_000)]}
    api.anthropic_costs = {days_ago(1): [anthropic_cost("300.00", "Claude Sonnet 4.5 Usage - Input Tokens",
                                                        "uncached_input_tokens"),
                                         anthropic_cost("1500", "Claude Sonnet 4.5 Usage - Output Tokens",
                                                        "output_tokens"),
                                         anthropic_cost("12.5", "Web Search", model=None)]}
    result = run_pull(ledger, "anthropic", since=days_ago(2), sleep=lambda s: None)
    (call,) = api.requests("/v1/organizations/cost_report")
    assert call["query"]["group_by[]"] == ["workspace_id", "description"]
    assert call["headers"]["x-api-key"] == ANTHROPIC_KEY and call["query"]["bucket_width"] == ["1d"]
    assert (result.events, result.billed_lines) == (1, 3)
    assert billed(ledger, "anthropic_costs") == (3, Decimal("18.125"))  # cents: 3.00 + 15.00 + 0.125
    assert costs(ledger)[1] == Decimal("18.125")
    assert set(cursors(ledger, "anthropic")) == {"messages", "cost_report"}
    assert len(list((tmp_path / "spendscope-pulls" / "anthropic" / "cost_report").glob("*.json"))) == 1
    assert_no_key(folder=tmp_path)


def analytics_cost(cents: str, token_type: str) -> dict:
    return {"workspace_id": "wrkspc_1", "model": "claude-sonnet-4-5-20250929", "cost_type": "tokens",
            "token_type": token_type, "service_tier": "standard", "context_window": "0-200k",
            "amount": cents, "currency": "USD", "list_amount": cents, "requests": None}


def test_the_analytics_api_is_pulled_in_31_day_parts_and_its_events_replace_the_legacy_reports(api, ledger):
    usage = message(1_000_000, 100_000)
    api.anthropic = {days_ago(40): [usage], days_ago(1): [usage]}
    run_pull(ledger, "anthropic", endpoints=["messages"], since=days_ago(45), sleep=lambda s: None)
    legacy = events(ledger, "anthropic_usage")
    assert len(legacy) == 2

    api.anthropic_costs = {days_ago(40): [analytics_cost("300", "uncached_input_tokens")],
                           days_ago(1): [analytics_cost("300", "uncached_input_tokens"),
                                         analytics_cost("1500", "output_tokens")]}
    api.page_size = 1
    api.log.clear()
    result = run_pull(ledger, "anthropic", endpoints=["usage", "cost"], since=days_ago(45), sleep=lambda s: None)
    calls = api.requests("/analytics/usage")
    assert all(c["headers"]["anthropic-beta"] == "analytics-usage-cost-2026-08-24" for c in calls)
    # 45 days: a first 31-day part with its ending_at, then the rest to now (one row a page)
    assert [c["query"]["starting_at"][0][:10] for c in calls] == [days_ago(45).isoformat(), days_ago(14).isoformat()]
    assert calls[0]["query"]["ending_at"] == [f"{days_ago(14).isoformat()}T00:00:00Z"]
    assert "ending_at" not in calls[1]["query"]
    cost_calls = api.requests("/analytics/cost")
    assert [c["query"].get("page") for c in cost_calls] == [None, None, ["page_1"]]  # day 1's 2 rows: 2 pages
    assert cost_calls[0]["query"]["group_by[]"] == ["workspace_id", "model", "cost_type", "token_type",
                                                    "service_tier", "context_window"]
    assert calls[0]["query"]["group_by[]"] == ["model", "workspace_id", "api_key_id", "service_tier",
                                               "context_window"]
    # the same buckets and grouping as the legacy report's: its events are replaced, not added to
    assert events(ledger, "anthropic_usage") == legacy and result.new_events == 0 and result.events == 2
    assert (result.billed_lines, billed(ledger, "anthropic_costs")) == (3, (3, Decimal("21")))
    assert set(cursors(ledger, "anthropic")) == {"messages", "usage", "cost"}


def test_the_analytics_api_is_asked_only_for_the_history_it_keeps(api, ledger):
    run_pull(ledger, "anthropic", endpoints=["usage"], since=dt.date(2025, 6, 1), sleep=lambda s: None)
    first = api.requests("/analytics/usage")[0]["query"]["starting_at"][0]
    earliest = max(dt.datetime(2026, 1, 1, tzinfo=UTC), today() - dt.timedelta(days=364))
    assert first == earliest.strftime("%Y-%m-%dT%H:%M:%SZ")  # no earlier than 2026 nor 365 days back


def test_the_two_anthropic_cost_reports_are_not_pulled_together(api, ledger):
    with pytest.raises(ConfigError, match="cost_report and cost are two reports of the same bill"):
        run_pull(ledger, "anthropic", endpoints=["cost_report", "cost"], sleep=lambda s: None)
    assert api.log == []


# --- the command line ------------------------------------------------------------------------------

def test_cli_pull_shows_progress_summary_and_unpriced_models(api, cli, tmp_path):
    api.openai = {days_ago(2): [completion(1000, 100), completion(500, 50, model="mystery-model-1")],
                  days_ago(1): [completion(2000, 200)]}
    result = cli("pull", "openai", "--endpoints", "completions,embeddings")
    out, err = result.stdout, result.stderr
    assert "Pulling OpenAI completions, page 1" in err and "Pulling OpenAI embeddings, page 1" in err
    assert "Pulled 2 pages from OpenAI (completions 1, embeddings 1), saved in " in out
    assert str(tmp_path / "spendscope-pulls") in out
    assert "Loaded 3 usage events from 1 page: 3 new, 0 replacing stored events of the same buckets." in out
    assert "UNPRICED: 1 events of model 'mystery-model-1' (openai), 550 tokens" in out
    assert "Complete through" in out and "(completions, embeddings)" in out
    assert_no_key(out, err, folder=tmp_path)

    again = cli("pull", "openai", "--endpoints", "completions").stdout
    assert "Loaded 3 usage events from 1 page: 0 new, 3 replacing stored events of the same buckets." in again


def test_cli_pull_out_folder_and_since(api, cli, tmp_path):
    api.anthropic = {days_ago(1): [message(100, 10)]}
    since = days_ago(5).isoformat()
    out = cli("pull", "anthropic", "--since", since, "--out", str(tmp_path / "pulls")).stdout
    assert api.log[0]["query"]["starting_at"] == [f"{since}T00:00:00Z"]
    assert len(list((tmp_path / "pulls" / "anthropic" / "messages").glob("*.json"))) == 1
    assert not (tmp_path / "spendscope-pulls").exists()
    assert "Loaded 1 usage events" in out


def test_cli_refuses_a_missing_key_before_making_a_ledger(api, cli, tmp_path, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY")
    err = cli("pull", "anthropic", expect=2).stderr
    assert "ANTHROPIC_ADMIN_KEY is not set" in err
    assert not list(tmp_path.glob("*.duckdb")) and api.log == []


def test_cli_errors_are_clear_and_keyless(api, cli, tmp_path):
    err = cli("pull", "gemini", expect=2).stderr
    assert "Unknown provider 'gemini'. Valid providers: openai, anthropic" in err
    err = cli("pull", "openai", "--since", "last week", expect=2).stderr
    assert "--since 'last week' is not a date." in err and "YYYY-MM-DD" in err
    err = cli("pull", "anthropic", "--endpoints", "completions", expect=2).stderr
    assert "Unknown anthropic endpoint 'completions'. Valid anthropic endpoints: messages, cost_report" in err
    assert api.log == []

    api.fail_from = 1  # 503 with Retry-After: 0, every time
    result = cli("pull", "openai", "--endpoints", "completions", expect=4)
    assert "Error: Gave up on OpenAI completions usage" in result.stderr and "after 5 attempts" in result.stderr
    assert len(api.log) == 5
    assert_no_key(result.stdout, result.stderr, folder=tmp_path)
