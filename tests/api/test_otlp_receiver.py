"""POST /v1/traces: GenAI spans reach the ledger's costs within seconds, priced; bad requests keep nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal

from fastapi.testclient import TestClient

from spendscope.api import create_app
from spendscope.settings import Settings
from spendscope.store.ledger import Ledger

NOW_NS = int(time.time()) * 10**9


def span(span_id: str, model: str = "gpt-4o-2024-08-06", input_tokens: int = 1200, cached: int = 200,
         output: int = 300) -> dict:
    return {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": span_id, "name": f"chat {model}",
            "startTimeUnixNano": str(NOW_NS), "endTimeUnixNano": str(NOW_NS + 10**9),
            "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
                {"key": "gen_ai.response.model", "value": {"stringValue": model}},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(input_tokens)}},
                {"key": "gen_ai.usage.cache_read.input_tokens", "value": {"intValue": str(cached)}},
                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": str(output)}},
            ]}


def request(*spans: dict, service: str = "support-bot") -> dict:
    return {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
                               "scopeSpans": [{"scope": {"name": "openai"}, "spans": list(spans)}]}]}


def client(tmp_path, flush_seconds=0.2):
    settings = Settings.load(environ={}, db=str(tmp_path / "ledger.duckdb"))
    with Ledger.open(settings):
        pass  # the ledger exists, as after `spendscope demo`
    return settings, TestClient(create_app(settings, flush_seconds=flush_seconds), base_url="http://127.0.0.1")


def test_a_posted_span_is_priced_in_costs_within_seconds(tmp_path):
    settings, c = client(tmp_path)
    with c:
        posted = time.monotonic()
        r = c.post("/v1/traces", json=request(span("00f067aa0ba902b7"), span("00f067aa0ba902b8", output=100)))
        assert r.status_code == 200 and r.json()["spendscope"]["spansWithUsage"] == 2
        total = None
        while time.monotonic() - posted < 60:
            overview = c.get("/api/costs", params={"by": "x_Model,x_TokenClass", "granularity": "none"})
            if overview.status_code == 200 and overview.json()["rows"]:
                total = overview.json()
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - posted
        dashboard = c.get("/api/overview").json()  # the dashboard's figures
    assert total is not None and elapsed < 60, "the spans did not reach /api/costs within 60 seconds"
    by_class = {r["x_TokenClass"]: Decimal(r["EffectiveCost"]) for r in total["rows"]}
    # gpt-4o: input 2.50, cached 1.25, output 10 per million; input_tokens include the cache reads
    assert by_class == {"Input": Decimal(2 * 1000) * Decimal("2.5") / 10**6,
                        "Cached Input": Decimal(2 * 200) * Decimal("1.25") / 10**6,
                        "Output": Decimal(400) * 10 / 10**6}
    assert Decimal(dashboard["total"]) == sum(by_class.values()) and Decimal(dashboard["ai_total"]) == sum(by_class.values())
    assert [m["name"] for m in dashboard["top_models"]] == ["gpt-4o-2024-08-06"]
    with Ledger.open(settings, read_only=True) as ledger:
        app = ledger.duckdb.sql("SELECT DISTINCT x_Application, x_Source FROM costs").fetchall()
    assert app == [("support-bot", "otel")]
    assert list((tmp_path / "spendscope-spool" / "otel" / "loaded").glob("spans-*.jsonl"))  # the audit trail


def test_a_malformed_request_is_refused_and_nothing_is_kept(tmp_path):
    settings, c = client(tmp_path, flush_seconds=3600)
    with c:
        bad = span("00f067aa0ba902b9", cached=5000)  # more cache reads than input tokens
        r = c.post("/v1/traces", json=request(span("00f067aa0ba902ba"), bad))
        assert r.status_code == 422
        body = r.json()
        assert body["ok"] is False and "span 2" in body["error"] and "5000 is more than the 1200" in body["error"]
        assert c.post("/v1/traces", content=b"{not json", headers={"content-type": "application/json"}).status_code == 400
        proto = c.post("/v1/traces", content=b"\x0a\x00", headers={"content-type": "application/x-protobuf"})
        assert proto.status_code == 415 and "json" in proto.json()["errors"][-1]
        assert c.app.state.receiver.pending_bytes() == 0
    with Ledger.open(settings, read_only=True) as ledger:
        assert ledger.duckdb.sql("SELECT count(*) FROM usage_events").fetchone()[0] == 0


def test_spans_posted_while_the_ledger_is_busy_wait_on_disk_and_load_later(tmp_path):
    settings, c = client(tmp_path, flush_seconds=3600)
    with c:
        receiver = c.app.state.receiver
        assert c.post("/v1/traces", json=request(span("00f067aa0ba902bb"))).status_code == 200
        # another process (a long `spendscope ingest`) holds the ledger: DuckDB lets one process write
        other = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                                  "print('open', flush=True); time.sleep(30)", settings.db], stdout=subprocess.PIPE, text=True)
        try:
            assert other.stdout.readline().strip() == "open"
            receiver.settings = Settings.load(environ={}, db=settings.db, busy_timeout=0.2)
            assert receiver.flush() == 0 and "busy" in receiver.last_error
        finally:
            other.kill()
            other.wait()
        assert receiver.pending_bytes() > 0
        assert receiver.flush() == 1 and receiver.pending_bytes() == 0
    with Ledger.open(settings, read_only=True) as ledger:
        assert ledger.duckdb.sql("SELECT count(*) FROM usage_events").fetchone()[0] == 1
