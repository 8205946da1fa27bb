"""GET /api/costs against the served sample: the numbers reconcile with the ledger to the last digit."""

from __future__ import annotations

import csv
import socket
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal

import httpx

from spendscope import __version__
from spendscope.store.ledger import Ledger
from tests.api.live import SAMPLE_BILLED, SAMPLE_EFFECTIVE, get
from tests.conftest import SAMPLE_FOCUS



def source_sums(column: str, by: str | None = None) -> dict[str | None, Decimal]:
    """Exact sums of a column of the sample file, optionally by another column."""
    sums: dict[str | None, Decimal] = defaultdict(Decimal)
    with open(SAMPLE_FOCUS, newline="") as fh:
        for row in csv.DictReader(fh):
            sums[row[by] if by else None] += Decimal(row[column])
    return dict(sums)


def ledger_sums(settings, metric: str, by: str) -> dict[str, Decimal]:
    with Ledger.open(settings, read_only=True) as ledger:
        c = ledger.costs
        rows = c.group_by(by).aggregate(total=c[metric].sum()).to_pyarrow().to_pylist()
    return {r[by]: r["total"] for r in rows}


def test_health_names_version_and_ledger(server, sample_settings):
    r = get(server, "/api/health")
    assert r.status_code == 200
    assert r.json() == {"ok": True, "version": __version__, "ledger": sample_settings.db}


def test_totals_equal_the_ledger_and_the_source_file(server):
    for metric, expected in [("EffectiveCost", SAMPLE_EFFECTIVE), ("BilledCost", SAMPLE_BILLED)]:
        body = get(server, "/api/costs", granularity="none", metric=metric).json()
        assert body == {"metric": metric, "columns": [metric], "rows": [{metric: expected}], "total": expected}
        assert Decimal(body["total"]) == source_sums(metric)[None]


def test_cost_by_provider_and_month_reconciles_per_provider(server, sample_settings):
    body = get(server, "/api/costs", by="ProviderName", granularity="month", metric="BilledCost").json()
    assert body["columns"] == ["period", "ProviderName", "BilledCost"]
    assert {r["period"] for r in body["rows"]} == {"2024-09-01"}
    assert all(isinstance(r["BilledCost"], str) for r in body["rows"])
    served = {r["ProviderName"]: Decimal(r["BilledCost"]) for r in body["rows"]}
    assert served == ledger_sums(sample_settings, "BilledCost", "ProviderName")
    assert served == source_sums("BilledCost", "ProviderName")
    assert body["total"] == SAMPLE_BILLED
    # the first row is the largest
    assert body["rows"][0] == {"period": "2024-09-01", "ProviderName": "AWS", "BilledCost": "18.0066386184"}


def test_tags_filters_and_date_range(server, sample_settings):
    by_env = get(server, "/api/costs", by="tag:environment", granularity="none").json()
    assert by_env["columns"] == ["tag:environment", "EffectiveCost"]
    assert by_env["total"] == SAMPLE_EFFECTIVE

    aws = get(server, "/api/costs", granularity="none", metric="BilledCost", where="ProviderName=AWS").json()
    assert aws["total"] == "18.0066386184"
    both = get(server, "/api/costs", granularity="none", metric="BilledCost",
               where=["ProviderName!=AWS", "ServiceName~^Azure"]).json()
    expected = ledger_sums(sample_settings, "BilledCost", "ServiceName")
    assert Decimal(both["total"]) == sum(v for k, v in expected.items() if k.startswith("Azure"))

    day = get(server, "/api/costs", by="ProviderName", granularity="day", **{"from": "2024-09-12", "to": "2024-09-13"}).json()
    assert {r["period"] for r in day["rows"]} == {"2024-09-12"}
    assert day["total"] == "2.0006416855"


def test_sql_in_values_is_data_not_code(server, sample_settings):
    """Quotes in a filter value are compared as text; the ledger is untouched."""
    for where in ("ServiceName=x' OR '1'='1", "tag:team=x'); DROP TABLE costs; --", "ServiceName~.*'; DELETE FROM costs; --"):
        r = get(server, "/api/costs", granularity="none", where=where)
        assert r.status_code == 200 and r.json()["total"] == "0", (where, r.text)
    with Ledger.open(sample_settings, read_only=True) as ledger:
        assert ledger.costs.count().execute() == 1000


def test_openapi_schema_is_published(server):
    schema = get(server, "/openapi.json").json()
    assert {"/api/health", "/api/costs", "/api/overview"} <= set(schema["paths"])
    costs = schema["paths"]["/api/costs"]["get"]
    assert {p["name"] for p in costs["parameters"]} == {"by", "from", "to", "granularity", "metric", "where"}
    assert set(costs["responses"]) >= {"200", "400", "404", "503"}
    # no CDN-backed docs pages: the server works offline
    assert get(server, "/docs").status_code == 404


def test_dashboard_page_and_vendored_assets_are_served(server):
    page = get(server, "/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "/static/vendor/chart.umd.min.js" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    chart = get(server, "/static/vendor/chart.umd.min.js")
    assert chart.status_code == 200 and "Chart.js v4" in chart.text[:200]
    assert "MIT License" in get(server, "/static/vendor/chart.js.LICENSE.md").text
    for asset in ("dashboard.js", "dashboard.css", "favicon.svg"):
        assert get(server, f"/static/{asset}").status_code == 200


SERVE = ("import sys; from spendscope.api import serve; from spendscope.settings import Settings; "
         "serve(Settings.load(environ={}, db=sys.argv[1]), port=int(sys.argv[2]))")


def test_serve_listens_on_loopback_by_default(sample_settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", SERVE, sample_settings.db, str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/costs", params={"granularity": "none"}, timeout=30)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() is not None else "timeout"
                time.sleep(0.1)
        assert response.json()["total"] == SAMPLE_EFFECTIVE
        assert "server" not in response.headers  # no server banner
    finally:
        proc.terminate()
        proc.wait(timeout=30)
