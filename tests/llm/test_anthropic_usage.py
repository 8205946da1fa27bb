"""Anthropic messages usage reports into usage events: grouping, both cache TTLs, exact tokens, strictness."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spendscope.errors import RowError
from spendscope.llm.events import EVENT_SCHEMA, TOKEN_COLUMNS
from spendscope.llm.sources import detect
from spendscope.llm.sources.anthropic import AnthropicUsageSource
from spendscope.llm.sources.openai import OpenAIUsageSource
from tests.conftest import SHARED

OPENAI_SAMPLE = SHARED / "data" / "llm" / "openai_usage-completions_data_cookbook-output.json"
UTC = dt.timezone.utc
SONNET = "claude-sonnet-4-20250514"
HAIKU = "claude-3-5-haiku-20241022"


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def bucket(day: int, results: list[dict]) -> dict:
    return {"starting_at": f"2026-03-{day:02d}T00:00:00Z", "ending_at": f"2026-03-{day + 1:02d}T00:00:00Z",
            "results": results}


def result(**values) -> dict:
    return {"uncached_input_tokens": 0, "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "output_tokens": 0, "server_tool_use": {"web_search_requests": 0}, "model": None, "workspace_id": None,
            "api_key_id": None, "service_tier": None, "context_window": None, **values}


def report(buckets: list[dict], has_more: bool = False, next_page: str | None = None) -> dict:
    return {"data": buckets, "has_more": has_more, "next_page": next_page}


def rows(path: Path) -> list[dict]:
    batch = AnthropicUsageSource().read(path)
    assert batch.table.schema == EVENT_SCHEMA
    return batch.table.to_pylist()


def total(event: dict) -> int:
    return sum(event[c] for c in TOKEN_COLUMNS)


REPORT = report([
    bucket(1, [
        result(model=SONNET, workspace_id="wrkspc_01A", service_tier="standard", uncached_input_tokens=1500,
               cache_read_input_tokens=20000, output_tokens=700, context_window="0-200k", inference_geo="global",
               cache_creation={"ephemeral_5m_input_tokens": 800, "ephemeral_1h_input_tokens": 3000},
               server_tool_use={"web_search_requests": 3}),
        result(model=SONNET, workspace_id="wrkspc_01A", service_tier="batch", uncached_input_tokens=90000,
               output_tokens=12000, context_window="0-200k", inference_geo="global"),
        result(model=HAIKU, workspace_id=None, service_tier="priority", uncached_input_tokens=10,
               cache_read_input_tokens=5, output_tokens=2, context_window="200k-1M", inference_geo="not_available"),
    ]),
    bucket(2, []),
    bucket(3, [
        result(model=SONNET, workspace_id="wrkspc_01A", service_tier="standard", uncached_input_tokens=0,
               output_tokens=0, context_window="0-200k", inference_geo="us"),
    ]),
], has_more=True, next_page="page_MjAyNS0wNS0xNFQwMDowMDowMFo=")


def test_a_report_grouped_by_model_workspace_and_tier_with_both_cache_ttls(tmp_path):
    batch = AnthropicUsageSource().read(write(tmp_path, "report.json", REPORT))
    standard, batched, priority, zero = batch.table.to_pylist()
    assert batch.format_version == "Anthropic usage report (messages)"
    assert (standard["source"], standard["provider"], standard["account_id"]) == ("anthropic_usage", "anthropic", None)
    assert (standard["model"], standard["workspace_id"], standard["service_tier"]) == (SONNET, "wrkspc_01A", "standard")
    assert (standard["input_tokens"], standard["cached_input_tokens"], standard["output_tokens"]) == (1500, 20000, 700)
    assert (standard["cache_write_5m_tokens"], standard["cache_write_1h_tokens"]) == (800, 3000)
    assert standard["reasoning_tokens"] == standard["audio_input_tokens"] == 0 and standard["requests"] is None
    assert standard["start_time"] == dt.datetime(2026, 3, 1, tzinfo=UTC)
    assert standard["end_time"] == dt.datetime(2026, 3, 2, tzinfo=UTC)
    assert standard["region"] == "global"
    assert json.loads(standard["tags"]) == {"context_window": "0-200k", "web_search_requests": 3}
    assert standard["event_id"] == f"messages|2026-03-01T00:00:00+00:00|wrkspc_01A|||{SONNET}|standard|0-200k|global"
    assert (batched["service_tier"], batched["input_tokens"], batched["output_tokens"]) == ("batch", 90000, 12000)
    assert batched["event_id"] != standard["event_id"]
    assert (priority["service_tier"], priority["workspace_id"], priority["region"]) == ("priority", None, None)
    assert total(priority) == 17
    assert zero["start_time"] == dt.datetime(2026, 3, 3, tzinfo=UTC) and total(zero) == 0 and zero["region"] == "us"
    assert any("has_more: true" in n for n in batch.notes)
    assert any("200k-1M" in n for n in batch.notes) and any("web_search_requests" in n for n in batch.notes)


def test_api_keys_user_accounts_and_other_groupings(tmp_path):
    path = write(tmp_path, "keys.json", [bucket(1, [
        result(model=SONNET, api_key_id="apikey_01X", account_id="user_01A", uncached_input_tokens=5, speed="fast"),
        result(model=SONNET, api_key_id="apikey_01X", account_id="user_01B", uncached_input_tokens=7),
        result(model=None, uncached_input_tokens=1, service_tier="flex", cache_creation=None,
               cache_creation_5m_input_tokens=4, cache_creation_1h_input_tokens=6),
    ])])
    batch = AnthropicUsageSource().read(path)
    fast, other, flat = batch.table.to_pylist()
    assert (fast["api_key_id"], fast["user_id"], fast["input_tokens"]) == ("apikey_01X", "user_01A", 5)
    assert json.loads(fast["tags"]) == {"speed": "fast"} and fast["event_id"].endswith("|speed=fast")
    assert other["user_id"] == "user_01B" and other["event_id"] != fast["event_id"]
    assert (flat["cache_write_5m_tokens"], flat["cache_write_1h_tokens"], flat["service_tier"]) == (4, 6, "flex")
    assert any("1 results are not grouped by model" in n for n in batch.notes)


def test_a_restated_bucket_replaces_the_earlier_one_and_pages_may_be_listed(tmp_path):
    first = report([bucket(1, [result(model=SONNET, uncached_input_tokens=100)])], has_more=True, next_page="p2")
    second = report([bucket(2, [result(model=SONNET, uncached_input_tokens=5)])])
    restated = report([bucket(1, [result(model=SONNET, uncached_input_tokens=120)])])
    batch = AnthropicUsageSource().read(write(tmp_path, "pages.json", [first, second, restated]))
    day2, day1 = batch.table.to_pylist()
    assert (day1["input_tokens"], day2["input_tokens"]) == (120, 5)
    assert day1["event_id"] == rows(write(tmp_path, "first.json", first))[0]["event_id"]
    assert any("repeat the bucket" in n for n in batch.notes) and not any("has_more" in n for n in batch.notes)


def usage_row(day: int, usage: dict, **group) -> dict:
    dims = {"model": None, "workspace_id": None, "api_key_id": None, "service_tier": None, "context_window": None,
            "inference_geo": None, "speed": None, "product": None, **group}
    return {"starting_at": f"2026-03-{day:02d}T00:00:00Z", "ending_at": f"2026-03-{day + 1:02d}T00:00:00Z",
            "group": dims, "usage": usage}


def test_the_analytics_usage_endpoints_flat_rows_read_like_the_legacy_buckets(tmp_path):
    counts = {"uncached_input_tokens": 1500, "cache_read_input_tokens": 20000,
              "cache_creation": {"ephemeral_5m_input_tokens": 800, "ephemeral_1h_input_tokens": 100},
              "output_tokens": 700, "server_tool_use": {"web_search_requests": 0}}
    group = {"model": SONNET, "workspace_id": "wrkspc_01A", "service_tier": "standard"}
    new = write(tmp_path, "usage.json", {"data": [usage_row(1, {**counts, "total_tokens": 23100, "requests": 12},
                                                            **group)], "next_page": None})
    assert detect(new).name == "anthropic_usage"
    batch = AnthropicUsageSource().read(new)
    assert batch.format_version == "Anthropic usage (analytics/usage)" and batch.notes == []
    (event,) = batch.table.to_pylist()
    legacy = rows(write(tmp_path, "legacy.json", report([bucket(1, [result(**counts, **group)])])))[0]
    # the same bucket and grouping from either endpoint: the same event, so a pull of one replaces the other's
    assert event["event_id"] == legacy["event_id"]
    assert [event[c] for c in TOKEN_COLUMNS] == [legacy[c] for c in TOKEN_COLUMNS] and total(event) == 23100
    assert event["requests"] == 12 and legacy["requests"] is None

    # a total the counts do not add up to is said aloud: a token kind this reader does not know
    odd = write(tmp_path, "odd.json", {"data": [usage_row(2, {**counts, "total_tokens": 23500}, **group)]})
    assert any("total_tokens other than the sum" in n for n in AnthropicUsageSource().read(odd).notes)


def test_offsets_are_converted_to_utc(tmp_path):
    doc = [{"starting_at": "2026-03-01T09:00:00+09:00", "ending_at": "2026-03-02T00:00:00", "results": [result()]}]
    (event,) = rows(write(tmp_path, "tz.json", doc))
    assert event["start_time"] == dt.datetime(2026, 3, 1, tzinfo=UTC)
    assert event["end_time"] == dt.datetime(2026, 3, 2, tzinfo=UTC)


def test_detect_picks_the_report_and_refuses_openai_and_cost_reports(tmp_path):
    path = write(tmp_path, "report.json", REPORT)
    assert AnthropicUsageSource().detect(path, path.read_text()) == 0.95
    assert OpenAIUsageSource().detect(path, path.read_text()) == 0.0
    assert isinstance(detect(path), AnthropicUsageSource)
    assert AnthropicUsageSource().detect(OPENAI_SAMPLE, OPENAI_SAMPLE.read_text()) == 0.0
    cost_result = {"currency": "USD", "amount": "123.45", "cost_type": "tokens", "token_type": "uncached_input_tokens",
                   "model": SONNET}
    cost = write(tmp_path, "cost.json", report([bucket(1, [cost_result])]))
    assert AnthropicUsageSource().detect(cost, cost.read_text()) == 0.0
    error = refused(cost)
    assert error.column == "uncached_input_tokens" and "cost report" in error.hint


# --- exact token arithmetic -----------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(uncached=counts, reads=counts, write_5m=counts, write_1h=counts, output=counts,
       tier=st.sampled_from([None, "standard", "batch", "priority"]))
def test_every_billed_token_is_in_exactly_one_column(tmp_path, uncached, reads, write_5m, write_1h, output, tier):
    doc = report([bucket(1, [result(model=SONNET, uncached_input_tokens=uncached, cache_read_input_tokens=reads,
                                    cache_creation={"ephemeral_5m_input_tokens": write_5m,
                                                    "ephemeral_1h_input_tokens": write_1h},
                                    output_tokens=output, service_tier=tier)])])
    (event,) = rows(write(tmp_path, "p.json", doc))
    assert total(event) == uncached + reads + write_5m + write_1h + output
    assert (event["input_tokens"], event["cached_input_tokens"], event["cache_write_5m_tokens"],
            event["cache_write_1h_tokens"], event["output_tokens"]) == (uncached, reads, write_5m, write_1h, output)
    assert event["service_tier"] == (tier or "standard")


# --- malformed files ------------------------------------------------------------------------------

def refused(path: Path) -> RowError:
    with pytest.raises(RowError) as info:
        AnthropicUsageSource().read(path)
    assert str(path) in str(info.value)
    return info.value


def test_invalid_json_is_refused_naming_where(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"data": [{"starting_at": "2026-03-01T00:00:00Z", "results": [}]}')
    error = refused(path)
    assert "not valid JSON" in str(error) and "line 1, column" in str(error)


@pytest.mark.parametrize(("change", "column", "problem"), [
    ({"uncached_input_tokens": None}, "uncached_input_tokens", "is missing"),
    ({"cache_read_input_tokens": None}, "cache_read_input_tokens", "is missing"),
    ({"output_tokens": -1}, "output_tokens", "-1 is negative"),
    ({"cache_creation": {"ephemeral_5m_input_tokens": -3, "ephemeral_1h_input_tokens": 0}},
     "cache_creation.ephemeral_5m_input_tokens", "-3 is negative"),
    ({"cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 1.5}},
     "cache_creation.ephemeral_1h_input_tokens", "1.5 is not a whole number"),
    ({"server_tool_use": {"web_search_requests": "3"}}, "server_tool_use.web_search_requests", "not a whole number"),
])
def test_a_malformed_result_fails_the_whole_file_naming_row_and_field(tmp_path, change, column, problem):
    bad = result(model=SONNET, **{"uncached_input_tokens": 10, **change})
    for key, value in change.items():
        if value is None:
            del bad[key]
    path = write(tmp_path, "bad.json", report([bucket(1, [result(model=SONNET), result(model=HAIKU)]),
                                               bucket(2, [bad])]))
    error = refused(path)
    assert (error.row, error.column) == (3, column)
    assert f"{path}, row 3, column {column}: " in str(error) and problem in str(error)


def test_a_bucket_without_an_rfc3339_start_is_refused(tmp_path):
    path = write(tmp_path, "times.json", report([{"starting_at": 1767225600, "ending_at": "2026-03-02T00:00:00Z",
                                                  "results": [result()]}]))
    error = refused(path)
    assert error.column == "starting_at" and "bucket 1" in str(error)
