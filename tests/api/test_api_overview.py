"""GET /api/overview, the dashboard's JSON twin, on the served sample."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api.live import SAMPLE_BILLED, SAMPLE_EFFECTIVE, get


def test_overview_figures(server):
    ov = get(server, "/api/overview").json()
    assert ov["metric"] == "EffectiveCost"
    assert ov["granularity"] == "month"
    assert ov["from"] is None and ov["to"] is None
    assert ov["currencies"] == ["USD"]
    assert ov["total"] == SAMPLE_EFFECTIVE
    # Training (g5 GPU hours) 11 + Platform (Azure Machine Learning) -0.15189756178
    assert ov["ai_total"] == "10.84810243822"
    assert ov["ai_share"] == "0.7243"
    assert ov["ledger_range"] == {"first_day": "2024-09-01", "last_day": "2024-09-30"}

    providers = ov["by_provider"]
    assert providers["periods"] == ["2024-09-01"]
    assert [(s["name"], s["values"], s["total"]) for s in providers["series"]] == [
        ("AWS", ["13"], "13"), ("Microsoft", ["1.97651418586"], "1.97651418586"), ("Oracle", ["0"], "0"),
    ]
    workloads = ov["by_workload"]
    assert [(s["name"], s["total"]) for s in workloads["series"]] == [
        ("Training", "11"), ("Platform", "-0.15189756178"), ("Non-AI", "4.12841174764"),
    ]
    assert sum(Decimal(s["total"]) for s in workloads["series"]) == Decimal(SAMPLE_EFFECTIVE)

    top = ov["top_services"]
    assert top[0] == {"name": "Amazon Elastic Compute Cloud", "provider": "AWS", "category": "Compute",
                      "cost": "13", "share": "0.868"}
    assert [r["name"] for r in top[:3]] == ["Amazon Elastic Compute Cloud", "Azure Kubernetes Service", "Azure DB for MySQL"]
    assert all(Decimal(r["cost"]) != 0 for r in top)
    assert ov["top_models"] == []  # the sample has no model-level rows


def test_overview_by_day_covers_every_day_of_the_range(server):
    ov = get(server, "/api/overview", granularity="auto").json()
    assert ov["granularity"] == "day"
    periods = ov["by_provider"]["periods"]
    assert len(periods) == 30 and periods[0] == "2024-09-01" and periods[-1] == "2024-09-30"
    for chart in ("by_provider", "by_workload"):
        for s in ov[chart]["series"]:
            assert len(s["values"]) == 30
            assert sum(map(Decimal, s["values"])) == Decimal(s["total"])
    week = get(server, "/api/overview", granularity="week").json()
    assert week["by_provider"]["periods"][0] == "2024-08-26"  # the Monday of the week of 1 September


@pytest.mark.parametrize("metric", ["EffectiveCost", "BilledCost", "ListCost", "ContractedCost"])
def test_overview_agrees_with_costs_for_every_metric(server, metric):
    window = {"from": "2024-09-10", "to": "2024-09-20"}
    ov = get(server, "/api/overview", metric=metric, **window).json()
    costs = get(server, "/api/costs", by="ProviderName", granularity="none", metric=metric, **window).json()
    assert ov["metric"] == metric
    assert ov["from"] == "2024-09-10" and ov["to"] == "2024-09-20"
    assert ov["total"] == costs["total"]
    assert {s["name"]: s["total"] for s in ov["by_provider"]["series"]} == {
        r["ProviderName"]: r[metric] for r in costs["rows"]
    }
    # the ledger's range does not depend on the filter
    assert ov["ledger_range"] == {"first_day": "2024-09-01", "last_day": "2024-09-30"}


def test_billed_cost_overview(server):
    ov = get(server, "/api/overview", metric="billedcost").json()
    assert ov["metric"] == "BilledCost"
    assert ov["total"] == SAMPLE_BILLED
