"""The invoice wins over the estimate, in either loading order; reconcile llm shows the gap and its causes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from spendscope.demo import generate
from spendscope.ingest.pipeline import ingest
from spendscope.llm.ingest import UsageFile, ingest_usage
from spendscope.llm.reconcile import reconcile_llm
from spendscope.store.ledger import Ledger
from tests.llm.test_usage_pipeline import ListSource

DAY = dt.datetime(2025, 12, 1, 9, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def openai_bill(tmp_path_factory):
    """December 2025 of the demo's OpenAI invoice (FOCUS CSV): per day, model and token class."""
    out = generate(tmp_path_factory.mktemp("demo"), seed=7, scale=0.1, months=1, end=dt.date(2026, 1, 1))
    return next(p for p in out.files if "openai" in str(p))


def events() -> list[dict]:
    base = {"provider": "openai", "start_time": DAY, "end_time": DAY, "account_id": "org-N7wq4Lk2VxR9sTb1YcE5MdPa"}
    return [
        {**base, "event_id": "r1", "model": "gpt-4o-2024-08-06", "input_tokens": 1_000_000, "cached_input_tokens": 400_000,
         "output_tokens": 100_000, "team": "assistant"},
        {**base, "event_id": "r2", "model": "gpt-4o-2024-08-06", "input_tokens": 500_000, "team": "search"},
        {**base, "event_id": "r3", "model": "gpt-4.1", "input_tokens": 2_000_000, "team": "research"},
    ]


def load_events(ledger, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text("events")
    return ingest_usage(ledger, [UsageFile(path, ListSource(events()))])


def day_costs(ledger) -> dict[tuple[str, str], Decimal]:
    rows = ledger.duckdb.sql("""SELECT x_Source, x_Model, sum(BilledCost) FROM costs
        WHERE ChargePeriodStart = TIMESTAMPTZ '2025-12-01 00:00:00+00' AND ProviderName = 'OpenAI' GROUP BY ALL""").fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


@pytest.mark.parametrize("order", ["bill first", "events first"])
def test_the_billed_amount_counts_once_and_unbilled_usage_keeps_its_estimate(tmp_path, openai_bill, order):
    with Ledger.open(db=":memory:") as ledger:
        if order == "bill first":
            ingest(ledger, [str(openai_bill)])
            result = load_events(ledger, tmp_path)
            assert any("step aside" in n for n in result.files[0].notes)
        else:
            load_events(ledger, tmp_path)
            ingest(ledger, [str(openai_bill)])
        costs = day_costs(ledger)
        # the invoice's gpt-4o rows stay; the events' gpt-4o estimate steps aside; gpt-4.1 was not billed
        assert ("focus", "gpt-4o-2024-08-06") in costs and ("events", "gpt-4o-2024-08-06") not in costs
        assert costs[("events", "gpt-4.1")] == 2_000_000 * Decimal(2) / 10**6
        # the events are all kept, priced
        assert ledger.duckdb.sql("SELECT count(*), count(cost) FROM usage_events").fetchone() == (3, 3)


def test_a_restated_bill_without_the_model_brings_the_estimate_back(tmp_path, openai_bill):
    with Ledger.open(db=":memory:") as ledger:
        load_events(ledger, tmp_path)
        ingest(ledger, [str(openai_bill)])
        lines = openai_bill.read_text().splitlines()
        restated = tmp_path / "openai-restated.csv"
        restated.write_text("\n".join([lines[0]] + [line for line in lines[1:] if "gpt-4o-2024-08-06" not in line]) + "\n")
        ingest(ledger, [str(restated)])
        costs = day_costs(ledger)
        assert ("events", "gpt-4o-2024-08-06") in costs and ("focus", "gpt-4o-2024-08-06") not in costs


def test_reconcile_shows_event_and_billed_cost_the_gap_and_its_causes(tmp_path, openai_bill):
    with Ledger.open(db=":memory:") as ledger:
        ingest(ledger, [str(openai_bill)])
        load_events(ledger, tmp_path)
        lines = {(line.day, line.model): line for line in reconcile_llm(ledger)}
        gpt4o = lines[(dt.date(2025, 12, 1), "gpt-4o-2024-08-06")]
        billed = ledger.duckdb.sql("""SELECT sum(BilledCost) FROM costs WHERE x_Source = 'focus'
            AND x_Model = 'gpt-4o-2024-08-06' AND ChargePeriodStart = TIMESTAMPTZ '2025-12-01 00:00:00+00'""").fetchone()[0]
        expected = (Decimal(1_000_000 + 500_000) * Decimal("2.5") + 400_000 * Decimal("1.25") + 100_000 * 10) / 10**6
        assert (gpt4o.events, gpt4o.event_cost, gpt4o.billed_cost) == (2, expected, billed)
        assert gpt4o.gap == billed - expected and "cached tokens" in "; ".join(gpt4o.causes())
        assert lines[(dt.date(2025, 12, 1), "gpt-4.1")].causes() == [
            "not billed yet, or its invoice / cost report is not loaded"]
        mini = lines[(dt.date(2025, 12, 1), "gpt-4o-mini-2024-07-18")]
        assert mini.events == 0 and mini.causes() == ["missing events: billed usage that no usage source reported"]


def test_the_cli_loads_gateway_events_and_reconciles_them_with_the_invoice(cli, tmp_path, openai_bill):
    import json

    lines = [{"schema": "spendscope.usage.v1", "event_id": e["event_id"], "provider": e["provider"], "model": e["model"],
              "start_time": "2025-12-01T09:00:00Z", "team": e["team"],
              **{k: v for k, v in e.items() if k.endswith("_tokens")}} for e in events()]
    path = tmp_path / "gateway.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert "no ledger" in cli("reconcile", "llm", expect=8).stderr
    cli("ingest", str(openai_bill))
    assert "No LLM usage" in cli("reconcile", "llm").stdout
    out = cli("ingest", str(path)).stdout
    assert "3 rows from events" in out
    rows = json.loads(cli("reconcile", "llm", "--from", "2025-12-01", "--to", "2025-12-02", "--format", "json").stdout)
    by_model = {r["model"]: r for r in rows}
    assert by_model["gpt-4.1"]["billed_cost"] is None and by_model["gpt-4.1"]["event_cost"] == "4"
    assert by_model["gpt-4o-2024-08-06"]["events"] == 2 and by_model["gpt-4o-2024-08-06"]["billed_cost"]
    gaps = json.loads(cli("reconcile", "llm", "--gaps", "--format", "json").stdout)
    assert all(r["causes"] != "matches" for r in gaps)


def test_long_context_pricing_is_named_among_the_causes_of_a_gap():
    from spendscope.llm.reconcile import Line

    line = Line("OpenAI", dt.date(2026, 11, 3), "gpt-5.4", events=10, event_cost=Decimal("12"),
                billed_cost=Decimal("9"), tokens=3_000_000, long_context=2)
    assert line.causes() == ["long context: 2 events priced at long-context prices"]
    assert Line("OpenAI", dt.date(2026, 11, 3), "gpt-5.4", events=10, event_cost=Decimal("12"),
                billed_cost=Decimal("9"), tokens=3_000_000).causes() == [
        "price differs from the catalog's (a negotiated rate? see pricing.overrides)"]
