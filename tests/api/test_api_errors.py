"""Every error the API returns has exactly one JSON shape, and hostile input never gets a 500."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import httpx

from spendscope.api import routes
from spendscope.settings import Settings
from tests.api.live import get, serving

SHAPE = {"ok", "error", "errors", "status", "type"}

# (method, path, params, status, type, words the message must contain)
BAD_REQUESTS = [
    ("GET", "/api/costs", {"by": "NoSuchColumn"}, 400, "UnknownNameError", "Unknown column 'NoSuchColumn'. Valid columns:"),
    ("GET", "/api/costs", {"by": "ServiceName; DROP TABLE costs"}, 400, "UnknownNameError", "Unknown column"),
    ("GET", "/api/costs", {"by": "ServiceName) UNION SELECT * FROM loads --"}, 400, "UnknownNameError", "Unknown column"),
    ("GET", "/api/costs", {"by": "tag:*"}, 400, "ConfigError", "contains '*', which JSON paths read as a wildcard"),
    ("GET", "/api/costs", {"where": "tag:a*b=x"}, 400, "ConfigError", "Cannot read the filter 'tag:a*b=x'"),
    ("GET", "/api/costs", {"by": "tag:"}, 400, "ConfigError", "A tag dimension needs a key"),
    ("GET", "/api/costs", {"by": "ServiceName,servicename"}, 400, "ConfigError", "The dimension 'ServiceName' is named twice"),
    ("GET", "/api/costs", {"by": ",".join(f"tag:k{i}" for i in range(9))}, 400, "ConfigError", "at most 8"),
    ("GET", "/api/costs", {"by": "A" * 5000}, 400, "ConfigError", "5,000 characters long"),
    ("GET", "/api/costs", {"by": "ServiceName,billedcost", "metric": "BilledCost"}, 400, "ConfigError", "Cannot group by the metric 'BilledCost' itself"),
    ("GET", "/api/costs", {"granularity": "year"}, 400, "UnknownNameError", "Unknown granularity 'year'"),
    ("GET", "/api/costs", {"metric": "EffectiveCost; DELETE FROM costs"}, 400, "UnknownNameError", "Unknown metric"),
    ("GET", "/api/costs", {"from": "yesterday"}, 400, "ConfigError", "The 'from' date 'yesterday' is not a date"),
    ("GET", "/api/costs", {"from": "99999-01-01"}, 400, "ConfigError", "is not a date"),
    ("GET", "/api/costs", {"to": "2024-02-30"}, 400, "ConfigError", "The 'to' date '2024-02-30' is not a date"),
    ("GET", "/api/costs", {"from": "2024-09-10", "to": "2024-09-01"}, 400, "ConfigError", "'to' must be after 'from'"),
    ("GET", "/api/costs", {"where": "garbage"}, 400, "ConfigError", "Cannot read the filter 'garbage'"),
    ("GET", "/api/costs", {"where": "NoCol=1"}, 400, "UnknownNameError", "Unknown column 'NoCol'"),
    ("GET", "/api/costs", {"where": "ServiceName~("}, 400, "ConfigError", "Bad regular expression"),
    ("GET", "/api/costs", {"where": "ServiceName~(?=Azure)"}, 400, "ConfigError", "uses look-arounds or back-references"),
    ("GET", "/api/costs", {"where": "ServiceName=a\x00b"}, 400, "ConfigError", "control character"),
    ("GET", "/api/costs", {"where": [f"ServiceName!=x{i}" for i in range(21)]}, 400, "ConfigError", "more than 20 times"),
    ("GET", "/api/costs", {"metric": ["BilledCost", "ListCost"]}, 400, "ConfigError", "'metric' is given more than 1 time"),
    ("GET", "/api/costs", {"limit": "10"}, 400, "ConfigError", "Unknown query parameter 'limit'. Valid parameters: by,"),
    ("GET", "/api/costs", {"x" * 3000: "1"}, 400, "ConfigError", "Unknown query parameter"),
    ("GET", "/api/overview", {"by": "ServiceName"}, 400, "ConfigError", "Unknown query parameter 'by'"),
    ("GET", "/api/overview", {"metric": "Cost"}, 400, "UnknownNameError", "Valid metrics: EffectiveCost, BilledCost"),
    ("GET", "/api/overview", {"granularity": "none"}, 400, "UnknownNameError", "Unknown granularity 'none'"),
    ("GET", "/api/overview", {"top": "0"}, 400, "ConfigError", "Query parameter 'top'"),
    ("GET", "/api/overview", {"top": "abc"}, 400, "ConfigError", "valid integer"),
    ("GET", "/api/overview", {"top": "1" + "0" * 40}, 400, "ConfigError", "Query parameter 'top'"),
    ("GET", "/api/overview", {"from": "2024-09-01", "to": "2024-09-01"}, 400, "ConfigError", "is empty"),
    ("GET", "/api/nothing-here", {}, 404, "NotFoundError", "Nothing is served at '/api/nothing-here'"),
    ("GET", "/static/missing.js", {}, 404, "NotFoundError", "Nothing is served at '/static/missing.js'"),
    ("GET", "/static/../../etc/passwd", {}, 404, "NotFoundError", "Nothing is served"),
    ("POST", "/api/costs", {}, 405, "MethodNotAllowedError", "POST is not allowed on '/api/costs'"),
    ("DELETE", "/api/overview", {}, 405, "MethodNotAllowedError", "DELETE is not allowed"),
]


def assert_error_shape(response: httpx.Response) -> dict:
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == SHAPE, body
    assert body["ok"] is False
    assert body["status"] == response.status_code
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["errors"], list) and all(isinstance(e, str) for e in body["errors"])
    assert body["errors"][0] == body["error"]
    assert "Traceback" not in response.text
    return body


def test_every_bad_request_gets_the_one_error_shape_and_a_4xx(server):
    failures = []
    with httpx.Client(base_url=server, timeout=60) as client:
        for method, path, params, status, type_, words in BAD_REQUESTS:
            response = client.request(method, path, params=params)
            body = assert_error_shape(response)
            assert 400 <= response.status_code < 500
            if (response.status_code, body["type"]) != (status, type_) or words not in body["error"]:
                failures.append(f"{method} {path} {str(params)[:80]}: {response.status_code} {body}")
        assert not failures, "\n".join(failures)
        # and the server still answers normally afterwards
        assert client.get("/api/costs", params={"granularity": "none"}).status_code == 200


def test_missing_ledger_says_how_to_make_one(tmp_path):
    settings = Settings.load(environ={}, db=str(tmp_path / "nothing-yet.duckdb"))
    with serving(settings) as base:
        assert get(base, "/api/health").json()["ok"] is True
        for path in ("/api/costs", "/api/overview"):
            response = get(base, path)
            assert response.status_code == 404
            body = assert_error_shape(response)
            assert body["type"] == "NotFoundError"
            assert "There is no ledger at" in body["error"]
            assert "spendscope demo" in body["errors"][1] and "spendscope ingest" in body["errors"][1]
        # bad options are still reported as such, before the ledger is looked for
        assert get(base, "/api/overview", metric="nope").status_code == 400
    assert not (tmp_path / "nothing-yet.duckdb").exists()


HOLD_WRITE_LOCK = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])
    print("locked", flush=True)
    sys.stdin.read()
""")


def test_busy_ledger_gives_503_then_recovers(sample_settings):
    settings = Settings.load(environ={}, db=sample_settings.db, busy_timeout=0.3)
    with serving(settings) as base:
        holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITE_LOCK, settings.db],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "locked"
            response = get(base, "/api/overview")
            assert response.status_code == 503
            body = assert_error_shape(response)
            assert body["type"] == "LedgerBusyError"
            assert "is busy" in body["error"]
            assert response.headers["retry-after"] == "5"
        finally:
            holder.stdin.close()
            holder.wait(timeout=30)
        assert get(base, "/api/overview").status_code == 200


def test_unexpected_errors_are_500_without_details(server, monkeypatch):
    def broken(ledger, query):
        raise RuntimeError("internal detail: token sk-secret-123")

    monkeypatch.setattr(routes, "cost_by", broken)
    response = get(server, "/api/costs")
    assert response.status_code == 500
    body = assert_error_shape(response)
    assert body["type"] == "InternalError"
    assert "sk-secret" not in response.text and "RuntimeError" not in response.text


def test_tag_keys_with_path_syntax_are_plain_keys(server):
    """Keys such as app.kubernetes.io/name or '$..team' are looked up literally, never as JSON paths,
    and text meant as SQL is only ever a value."""
    import httpx

    for by in ("tag:$..team", "tag:x'); DROP TABLE costs; --", "tag:a.b"):
        response = httpx.get(f"{server}/api/costs", params={"by": by, "granularity": "none"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == "14.97651418586"
        assert [r[by] for r in body["rows"]] == [None]


def test_requests_for_other_host_names_are_refused(server):
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 must not read the ledger."""
    import httpx

    refused = httpx.get(f"{server}/api/costs", headers={"Host": "evil.example:8000"})
    body = assert_error_shape(refused)
    assert refused.status_code == 400 and "answers requests for 127.0.0.1 only" in body["error"]
    assert httpx.get(f"{server}/api/health", headers={"Host": "localhost:8000"}).status_code == 200
