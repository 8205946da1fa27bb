"""Anthropic cost reports into billed lines: cents to exact dollars, token types to classes, stable ids, strictness."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spendscope.errors import RowError
from spendscope.llm.events import BILLED_SCHEMA, EVENT_SCHEMA
from spendscope.llm.sources import detect, usage_sources
from spendscope.llm.sources.anthropic import AnthropicUsageSource
from spendscope.llm.sources.anthropic_costs import AnthropicCostsSource
from spendscope.llm.sources.openai_costs import OpenAICostsSource
from tests.conftest import SHARED

OPENAI_USAGE = SHARED / "data" / "llm" / "openai_usage-completions_data_cookbook-output.json"
UTC = dt.timezone.utc
SONNET = "claude-sonnet-4-20250514"
WS = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def bucket(day: int, results: list[dict]) -> dict:
    return {"starting_at": f"2025-08-{day:02d}T00:00:00Z", "ending_at": f"2025-08-{day + 1:02d}T00:00:00Z",
            "results": results}


def report(buckets: list[dict], has_more: bool = False, next_page: str | None = None, **extra) -> dict:
    return {"data": buckets, "has_more": has_more, "next_page": next_page, **extra}


def cost(amount, token_type: str | None = "uncached_input_tokens", cost_type: str | None = "tokens",
         model: str | None = SONNET, description: str | None = "Claude Sonnet 4 Usage - Input Tokens", **extra) -> dict:
    return {"currency": "USD", "amount": amount, "workspace_id": WS, "description": description,
            "cost_type": cost_type, "context_window": "0-200k" if model else None, "model": model,
            "service_tier": "standard" if model else None, "token_type": token_type, "inference_geo": "global",
            **extra}


def lines(path: Path) -> list[dict]:
    batch = AnthropicCostsSource().read(path)
    assert batch.billed is not None and batch.billed.schema == BILLED_SCHEMA
    assert batch.table.schema == EVENT_SCHEMA and batch.table.num_rows == 0
    return batch.billed.to_pylist()


REPORT = report([
    bucket(1, [
        cost("123.78912"),  # the reference's example
        cost("123.45", "output_tokens", description="Claude Sonnet 4 Usage - Output Tokens"),
        cost("0.5", "cache_read_input_tokens", description="Claude Sonnet 4 Usage - Cache Read"),
        cost("40", "cache_creation.ephemeral_5m_input_tokens", description="Claude Sonnet 4 Usage - Cache Write 5m"),
        cost("60", "cache_creation.ephemeral_1h_input_tokens", description="Claude Sonnet 4 Usage - Cache Write 1h"),
        cost("250", None, "web_search", None, "Web Search"),
    ]),
    bucket(2, [
        cost("7", None, "code_execution", None, "Code Execution"),
        cost("-100", "output_tokens", description="Claude Sonnet 4 Usage - Output Tokens"),
    ]),
    bucket(3, []),
], has_more=True, next_page="page_MjAyNS0wOC0wNA==")


# --- the documented shape -------------------------------------------------------------------------

def test_amounts_in_cents_become_exact_dollars_and_token_types_become_classes(tmp_path):
    path = write(tmp_path, "cost.json", REPORT)
    batch = AnthropicCostsSource().read(path)
    got = lines(path)
    assert batch.format_version == "Anthropic cost report"
    assert [(x["model"], x["token_class"], x["amount"]) for x in got] == [
        (SONNET, "Input", Decimal("1.2378912")),
        (SONNET, "Output", Decimal("1.2345")),
        (SONNET, "Cached Input", Decimal("0.005")),
        (SONNET, "Cache Write", Decimal("0.4")),
        (SONNET, "Cache Write", Decimal("0.6")),
        (None, None, Decimal("2.5")),
        (None, None, Decimal("0.07")),
        (SONNET, "Output", Decimal("-1")),  # a credit is kept
    ]
    first = got[0]
    assert (first["source"], first["provider"], first["account_id"]) == ("anthropic_costs", "anthropic", None)
    assert first["line_id"] == (f"2025-08-01T00:00:00+00:00|{WS}|Claude Sonnet 4 Usage - Input Tokens|tokens|{SONNET}"
                                "|uncached_input_tokens|standard|0-200k|global")
    assert (first["project_id"], first["service_tier"], first["currency"]) == (WS, "standard", "USD")
    assert first["description"] == "Claude Sonnet 4 Usage - Input Tokens"
    assert first["start_time"] == dt.datetime(2025, 8, 1, tzinfo=UTC)
    assert first["end_time"] == dt.datetime(2025, 8, 2, tzinfo=UTC)
    search = got[5]
    assert search["line_id"] == f"2025-08-01T00:00:00+00:00|{WS}|Web Search|web_search|||||global"
    assert sum(x["amount"] for x in got) == Decimal("5.0473912")
    notes = " ".join(batch.notes)
    assert "2 lines have no model" in notes and "stay in the billed total without a token class" in notes
    assert "1 lines have a negative amount" in notes
    assert "has_more: true (next_page page_MjAyNS0wOC0wNA==)" in notes


def test_the_source_is_registered_as_a_cost_report():
    assert usage_sources()["anthropic_costs"] is AnthropicCostsSource
    assert AnthropicCostsSource.BILLED is True and AnthropicCostsSource.name == "anthropic_costs"


cents = st.decimals(min_value=Decimal("-10000000"), max_value=Decimal("10000000"), places=9, allow_nan=False,
                    allow_infinity=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=cents, as_number=st.booleans())
def test_any_amount_in_cents_is_a_hundredth_of_it_in_dollars_exactly(tmp_path, amount, as_number):
    literal = str(amount) if as_number else json.dumps(str(amount))
    path = tmp_path / "p.json"
    path.write_text('{"data": [{"starting_at": "2025-08-01T00:00:00Z", "ending_at": "2025-08-02T00:00:00Z", '
                    f'"results": [{{"currency": "USD", "amount": {literal}, "cost_type": "tokens", '
                    '"token_type": "output_tokens", "model": "claude-sonnet-4-20250514"}]}], "has_more": false}')
    (line,) = lines(path)
    assert line["amount"] == amount / 100
    assert line["amount"] * 100 == amount


def test_the_analytics_cost_report_groups_by_product_and_speed_but_never_by_an_amount(tmp_path):
    result = {"amount": "41280.000000", "list_amount": "51600.000000", "requests": None, "currency": "USD",
              "context_window": "200k-1M", "cost_type": "tokens", "inference_geo": "us", "model": SONNET,
              "product": "claude_code", "speed": "fast", "token_type": "cache_creation.ephemeral_1h_input_tokens"}
    doc = report([bucket(1, [result, {**result, "product": "chat", "amount": "100"}])],
                 data_refreshed_at="2025-08-03T04:00:00Z", organization_id="org_123")
    batch = AnthropicCostsSource().read(write(tmp_path, "analytics.json", doc))
    code, chat = batch.billed.to_pylist()
    assert code["line_id"] == (f"2025-08-01T00:00:00+00:00|||tokens|{SONNET}|cache_creation.ephemeral_1h_input_tokens"
                               "||200k-1M|us|product=claude_code|speed=fast")
    assert (code["amount"], chat["amount"]) == (Decimal("412.8"), Decimal("1"))
    assert (code["token_class"], code["project_id"], code["service_tier"]) == ("Cache Write", None, None)
    assert code["description"] == f"{SONNET}, tokens, cache_creation.ephemeral_1h_input_tokens"
    assert chat["line_id"].endswith("|product=chat|speed=fast")
    notes = " ".join(batch.notes)
    assert "refreshed at 2025-08-03T04:00:00Z" in notes and "2 lines are in the 200k-1M context window" in notes
    # a restatement that changes only the amounts keeps the ids
    restated = {**result, "amount": "41300", "list_amount": "51625"}
    again = lines(write(tmp_path, "again.json", report([bucket(1, [restated])])))
    assert again[0]["line_id"] == code["line_id"] and again[0]["amount"] == Decimal("413")


def analytics_row(day: int, cents: str, **group) -> dict:
    dims = {"workspace_id": None, "model": None, "cost_type": None, "token_type": None, "service_tier": None,
            "context_window": None, "inference_geo": None, "product": None, "speed": None, **group}
    return {"starting_at": f"2026-09-{day:02d}T00:00:00Z", "ending_at": f"2026-09-{day + 1:02d}T00:00:00Z",
            "group": dims, "cost": {"amount": cents, "currency": "USD", "list_amount": "99999", "requests": None}}


def test_the_analytics_cost_endpoints_flat_rows_are_billed_lines(tmp_path):
    doc = {"data": [analytics_row(3, "1500.25", workspace_id=WS, model=SONNET, cost_type="tokens",
                                  token_type="output_tokens", service_tier="standard"),
                    analytics_row(3, "12.5", workspace_id=WS, cost_type="web_search",
                                  actor={"type": "api_key", "id": "apikey_1"}),
                    analytics_row(4, "-200", workspace_id=WS, model=SONNET, cost_type="tokens",
                                  token_type="cache_read_input_tokens")],
           "next_page": None}
    path = write(tmp_path, "cost.json", doc)
    assert detect(path).name == "anthropic_costs"
    batch = AnthropicCostsSource().read(path)
    assert batch.format_version == "Anthropic cost (analytics/cost)"
    out, search, credit = batch.billed.to_pylist()
    assert (out["amount"], out["token_class"], out["model"], out["project_id"]) == (
        Decimal("15.0025"), "Output", SONNET, WS)
    assert out["line_id"] == f"2026-09-03T00:00:00+00:00|{WS}||tokens|{SONNET}|output_tokens|standard||"
    assert out["start_time"] == dt.datetime(2026, 9, 3, tzinfo=UTC)
    # a nested group value keys the line by its parts; list_amount and requests never do
    assert search["line_id"].endswith("|actor.id=apikey_1|actor.type=api_key") and "99999" not in search["line_id"]
    assert (search["amount"], search["token_class"]) == (Decimal("0.125"), None)
    assert (credit["amount"], credit["token_class"]) == (Decimal("-2"), "Cached Input")
    # the same row restated: the same line id, so it replaces the old line
    again = analytics_row(3, "1600", workspace_id=WS, model=SONNET, cost_type="tokens", token_type="output_tokens",
                          service_tier="standard")
    assert lines(write(tmp_path, "again.json", {"data": [again], "next_page": None}))[0]["line_id"] == out["line_id"]


def test_an_analytics_cost_row_without_an_amount_is_refused(tmp_path):
    row = analytics_row(3, "1", model=SONNET)
    del row["cost"]["amount"]
    with pytest.raises(RowError, match="amount"):
        AnthropicCostsSource().read(write(tmp_path, "bad.json", {"data": [row], "next_page": None}))


def test_unknown_cost_and_token_types_are_kept_without_a_class(tmp_path):
    doc = report([bucket(1, [cost("5", None, "session_usage", None, "Managed Agents session"),
                             cost("6", "cache_creation.ephemeral_24h_input_tokens"),
                             cost("7", "vision_tokens"),
                             cost("8", None, "gpu_hours", None, "GPU")])])
    batch = AnthropicCostsSource().read(write(tmp_path, "p.json", doc))
    assert [(x["token_class"], x["amount"]) for x in batch.billed.to_pylist()] == [
        (None, Decimal("0.05")), ("Cache Write", Decimal("0.06")), (None, Decimal("0.07")), (None, Decimal("0.08"))]
    assert any("gpu_hours, vision_tokens" in n for n in batch.notes)
    assert any("1 lines of a model have no token type" in n for n in batch.notes)


# --- files: shapes, restatements, offsets ---------------------------------------------------------

def test_a_restated_bucket_keeps_its_line_id_and_the_later_result_wins(tmp_path):
    monday = lines(write(tmp_path, "monday.json", report([bucket(1, [cost("123.45")])])))
    tuesday = lines(write(tmp_path, "tuesday.json", report([bucket(1, [cost("130")])])))
    assert monday[0]["line_id"] == tuesday[0]["line_id"]
    assert (monday[0]["amount"], tuesday[0]["amount"]) == (Decimal("1.2345"), Decimal("1.3"))
    both = tmp_path / "both.jsonl"
    both.write_text(json.dumps(report([bucket(1, [cost("123.45")])])) + "\n"
                    + json.dumps(report([bucket(1, [cost("130")])])) + "\n")
    batch = AnthropicCostsSource().read(both)
    assert [x["amount"] for x in batch.billed.to_pylist()] == [Decimal("1.3")]
    assert any("1 results repeat the bucket and grouping" in n for n in batch.notes)


def test_a_bare_list_of_buckets_and_a_list_of_pages_read_like_one_page(tmp_path):
    expected = lines(write(tmp_path, "page.json", REPORT))
    assert lines(write(tmp_path, "buckets.json", REPORT["data"])) == expected
    assert lines(write(tmp_path, "pages.json", [report(REPORT["data"][:1], True, "p2"),
                                                report(REPORT["data"][1:])])) == expected


def test_offsets_are_converted_to_utc(tmp_path):
    doc = report([{"starting_at": "2025-08-01T02:00:00+02:00", "ending_at": "2025-08-02T00:00:00",
                   "results": [cost("1")]}])
    (line,) = lines(write(tmp_path, "p.json", doc))
    assert line["start_time"] == dt.datetime(2025, 8, 1, tzinfo=UTC)
    assert line["end_time"] == dt.datetime(2025, 8, 2, tzinfo=UTC)
    assert line["line_id"].startswith("2025-08-01T00:00:00+00:00|")


# --- detection ------------------------------------------------------------------------------------

USAGE = report([bucket(1, [{"uncached_input_tokens": 1500, "cache_read_input_tokens": 20000,
                            "cache_creation": {"ephemeral_5m_input_tokens": 800, "ephemeral_1h_input_tokens": 0},
                            "output_tokens": 700, "server_tool_use": {"web_search_requests": 3}, "model": SONNET,
                            "workspace_id": WS, "api_key_id": None, "service_tier": "standard",
                            "context_window": "0-200k", "inference_geo": "global"}])])


def test_detect_picks_the_cost_report_and_leaves_usage_reports_to_the_usage_adapter(tmp_path):
    path = write(tmp_path, "cost.json", REPORT)
    head = path.read_text()
    assert AnthropicCostsSource().detect(path, head) == 0.95
    assert isinstance(detect(path), AnthropicCostsSource)
    assert AnthropicUsageSource().detect(path, head) == 0.0
    assert OpenAICostsSource().detect(path, head) == 0.0
    usage = write(tmp_path, "usage.json", USAGE)
    assert AnthropicCostsSource().detect(usage, usage.read_text()) == 0.0
    assert isinstance(detect(usage), AnthropicUsageSource)
    assert AnthropicCostsSource().detect(OPENAI_USAGE, OPENAI_USAGE.read_text()) == 0.0
    with pytest.raises(RowError) as info:  # the usage adapter still refuses a cost report, with a hint
        AnthropicUsageSource().read(path)
    assert "cost report" in (info.value.hint or "")


# --- malformed files ------------------------------------------------------------------------------

def refused(path: Path) -> RowError:
    with pytest.raises(RowError) as info:
        AnthropicCostsSource().read(path)
    assert info.value.file == str(path) and str(path) in str(info.value)
    return info.value


def test_invalid_json_is_refused_naming_where(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"data": [{"starting_at": "2025-08-01T00:00:00Z", "results": [}]}')
    error = refused(path)
    assert error.row is None and "not valid JSON" in str(error) and "line 1, column" in str(error)


@pytest.mark.parametrize(("change", "column", "problem"), [
    ({"amount": None}, "amount", "is missing"),
    ({"amount": "12,5"}, "amount", "'12,5' is not a decimal number"),
    ({"amount": "twelve"}, "amount", "'twelve' is not a decimal number"),
    ({"amount": ""}, "amount", "'' is not a decimal number"),
    ({"amount": [1]}, "amount", "is not a number"),
    ({"currency": "ABC"}, "currency", "'ABC' is not an ISO 4217 currency code"),
    ({"currency": "EUR"}, "currency", "read as US cents"),
    ({"currency": None}, "currency", "None is not a currency code"),
    ({"model": 7}, "model", "7 is not text or null"),
    ({"token_type": ["output_tokens"]}, "token_type", "is not text or null"),
])
def test_a_malformed_result_fails_the_whole_file_naming_row_and_field(tmp_path, change, column, problem):
    bad = {**cost("1"), **change}
    for key, value in change.items():
        if value is None and key == "amount":
            del bad[key]
    path = write(tmp_path, "bad.json", report([bucket(1, [cost("1"), cost("2", "output_tokens")]), bucket(2, []),
                                               bucket(3, [bad, cost("4")])]))
    error = refused(path)
    assert (error.row, error.column) == (3, column)
    assert f"{path}, row 3, column {column}: " in str(error) and problem in str(error)
    if column == "amount":
        assert "in cents" in (error.hint or "")


def test_bad_bucket_times_usage_results_and_per_user_reports_are_refused(tmp_path):
    times = write(tmp_path, "times.json", report([{"starting_at": 1754006400, "ending_at": "2025-08-02T00:00:00Z",
                                                   "results": [cost("1")]}]))
    error = refused(times)
    assert error.column == "starting_at" and "bucket 1" in str(error)
    mixed = write(tmp_path, "mixed.json", report([bucket(1, [cost("1"), USAGE["data"][0]["results"][0]])]))
    error = refused(mixed)
    assert (error.row, error.column) == (2, "amount") and "usage" in (error.hint or "")
    per_user = write(tmp_path, "users.json", {"data": [{"actor": {"user_id": "u1"}, "amount": "10", "currency": "USD",
                                                        "starting_at": "2025-08-01T00:00:00Z", "cost_type": None}],
                                              "has_more": False})
    assert "per-user cost report" in str(refused(per_user))
