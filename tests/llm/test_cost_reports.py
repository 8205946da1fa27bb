"""A provider's cost report in the ledger: the billed amount counts, spread over the events' teams; exact sums."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from spendscope.ingest.pipeline import ingest
from spendscope.llm.reconcile import reconcile_llm
from spendscope.store.ledger import Ledger

DAY = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
PROJECT = "proj_support"


def costs_page(amounts: dict[str, str]) -> dict:
    start = int(DAY.timestamp())
    return {"object": "page", "has_more": False, "next_page": None, "data": [{
        "object": "bucket", "start_time": start, "end_time": start + 86400, "results": [
            {"object": "organization.costs.result", "amount": {"value": value, "currency": "usd"},
             "line_item": item, "project_id": PROJECT} for item, value in amounts.items()]}]}


def event_lines() -> str:
    base = {"schema": "spendscope.usage.v1", "provider": "openai", "model": "gpt-4o-2024-08-06",
            "start_time": "2026-01-05T10:00:00Z", "project_id": PROJECT}
    events = [{**base, "event_id": "e1", "team": "support", "input_tokens": 3_000_000, "output_tokens": 100_000},
              {**base, "event_id": "e2", "team": "growth", "input_tokens": 1_000_000, "output_tokens": 300_000}]
    return "".join(json.dumps(e) + "\n" for e in events)


def by_team(ledger) -> dict[tuple[str, str | None, str | None], Decimal]:
    rows = ledger.duckdb.sql("""SELECT x_Source, x_TokenClass, x_Team, sum(BilledCost) FROM costs
                                WHERE ProviderName = 'OpenAI' GROUP BY ALL""").fetchall()
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def test_the_cost_report_wins_and_is_spread_over_the_events_teams_in_either_order(tmp_path):
    report = tmp_path / "openai-costs.json"
    report.write_text(json.dumps(costs_page({"gpt-4o-2024-08-06, input": "9.10", "gpt-4o-2024-08-06, output": 3,
                                             "web search tool calls": "0.25"})))
    events = tmp_path / "gateway.jsonl"
    events.write_text(event_lines())
    for order in ([report, events], [events, report]):
        with Ledger.open(db=":memory:") as ledger:
            for path in order:
                ingest(ledger, [str(path)])
            costs = by_team(ledger)
            # input: 9.10 spread 3:1 by the events' input tokens; output 3 spread 1:3 by output tokens
            assert costs == {
                ("openai_costs", "Input", "support"): Decimal("6.825"), ("openai_costs", "Input", "growth"): Decimal("2.275"),
                ("openai_costs", "Output", "support"): Decimal("0.75"), ("openai_costs", "Output", "growth"): Decimal("2.25"),
                ("openai_costs", None, None): Decimal("0.25"),  # a tool line: billed, no model to spread it by
            }, order
            assert sum(costs.values()) == Decimal("12.35")  # the report's total, counted once
            assert ledger.duckdb.sql("SELECT sum(amount) FROM llm_billed").fetchone()[0] == Decimal("12.35")
            (line_in, *_) = [x for x in reconcile_llm(ledger) if x.model == "gpt-4o-2024-08-06"]
            # events at list price: input 4M x 2.50 + output 0.4M x 10 per million = 14.00; billed 12.10
            assert (line_in.event_cost, line_in.billed_cost) == (Decimal(14), Decimal("12.10"))


def test_a_restated_cost_report_replaces_its_lines(tmp_path):
    first, second = tmp_path / "c1.json", tmp_path / "c2.json"
    first.write_text(json.dumps(costs_page({"gpt-4o-2024-08-06, input": "9.10"})))
    second.write_text(json.dumps(costs_page({"gpt-4o-2024-08-06, input": "9.50"})))
    with Ledger.open(db=":memory:") as ledger:
        ingest(ledger, [str(first)])
        ingest(ledger, [str(second)])
        assert ledger.duckdb.sql("SELECT count(*), sum(amount) FROM llm_billed").fetchone() == (1, Decimal("9.5"))
        assert ledger.duckdb.sql("SELECT sum(BilledCost) FROM costs").fetchone()[0] == Decimal("9.5")


def test_a_restatement_with_fields_the_first_response_lacked_still_replaces_its_line(tmp_path):
    # 2026 Costs API results add quantity and quantity_unit: what was measured, not a grouping value
    first, second = tmp_path / "c1.json", tmp_path / "c2.json"
    first.write_text(json.dumps(costs_page({"gpt-4o-2024-08-06, input": "9.10"})))
    restated = costs_page({"gpt-4o-2024-08-06, input": "9.50"})
    restated["data"][0]["results"][0].update(quantity=3_800_000, quantity_unit="tokens")
    second.write_text(json.dumps(restated))
    with Ledger.open(db=":memory:") as ledger:
        ingest(ledger, [str(first)])
        ingest(ledger, [str(second)])
        assert ledger.duckdb.sql("SELECT count(*), sum(amount) FROM llm_billed").fetchone() == (1, Decimal("9.5"))
        assert ledger.duckdb.sql("SELECT sum(BilledCost) FROM costs").fetchone()[0] == Decimal("9.5")
