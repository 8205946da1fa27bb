"""spendscope's own usage-event JSON Lines (schema spendscope.usage.v1)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spendscope.llm.sources.generic as generic
from spendscope.errors import RowError
from spendscope.llm.events import EVENT_COLUMNS, EVENT_SCHEMA, TOKEN_COLUMNS
from spendscope.llm.sources import detect
from spendscope.llm.sources.base import read_head
from spendscope.llm.sources.generic import GenericEventsSource, parse_event

UTC = dt.timezone.utc
DOC_LINE = next(line.strip() for line in generic.__doc__.splitlines() if line.strip().startswith('{"schema"'))


def line(**fields) -> str:
    base = {"schema": "spendscope.usage.v1", "event_id": "e1", "provider": "openai", "model": "gpt-4o",
            "start_time": "2026-03-01T12:00:00Z", "input_tokens": 10}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...})


def read(tmp_path, *lines: str, name: str = "usage.jsonl"):
    path = tmp_path / name
    path.write_text("".join(f"{x}\n" for x in lines))
    return GenericEventsSource().read(path)


def error(tmp_path, *lines: str) -> RowError:
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(f"{x}\n" for x in lines))
    with pytest.raises(RowError) as info:
        GenericEventsSource().read(path)
    assert info.value.file == str(path)
    return info.value


def test_the_documented_line_has_every_column(tmp_path):
    assert set(json.loads(DOC_LINE)) == {"schema", *EVENT_COLUMNS} - {"source"}
    batch = read(tmp_path, DOC_LINE)
    assert batch.table.schema == EVENT_SCHEMA
    assert (batch.format_version, batch.notes) == ("spendscope.usage.v1", [])
    [event] = batch.table.to_pylist()
    assert event == {
        "source": "events", "event_id": "req_01HZX3", "provider": "anthropic", "account_id": "org_7f3a",
        "start_time": dt.datetime(2026, 3, 1, 12, tzinfo=UTC),
        "end_time": dt.datetime(2026, 3, 1, 12, 0, 2, 500000, tzinfo=UTC),
        "model": "claude-sonnet-4-20250514", "service_tier": "standard", "region": "us-east-1",
        "api_key_id": "key_9c1e", "project_id": "proj_search", "user_id": "u_4411", "team": "search",
        "application": "help-center-bot", "environment": "production", "workspace_id": "wrkspc_01",
        "tags": '{"feature":"answer-drafts","cost_center":"cc-1201"}', "requests": 1,
        "input_tokens": 1200, "cached_input_tokens": 8000, "cache_write_5m_tokens": 400, "cache_write_1h_tokens": 0,
        "output_tokens": 350, "reasoning_tokens": 120, "audio_input_tokens": 0, "audio_output_tokens": 0,
        "reported_cost": Decimal("0.01455"),
    }


def test_detection(tmp_path):
    path = tmp_path / "usage.jsonl"
    for spelling in ('{"schema": "spendscope.usage.v1"', '{"schema":"spendscope.usage.v1"',
                     '{ "schema" :\t"spendscope.usage.v1"'):
        assert GenericEventsSource().detect(path, spelling + ', "event_id": "x"}') == 0.99
    assert GenericEventsSource().detect(path, '{"schema": "spendscope.usage.v2"}') == 0.0
    path.write_text(DOC_LINE + "\n")
    assert GenericEventsSource().detect(path, read_head(path)) == 0.99
    assert isinstance(detect(path), GenericEventsSource)


def test_unix_and_rfc3339_times(tmp_path):
    batch = read(tmp_path,
                 line(event_id="unix", start_time=1772366400, end_time=1772366401.25),
                 line(event_id="offset", start_time="2026-03-01T14:00:00+02:00", end_time="2026-03-01t12:00:03.5z"),
                 line(event_id="default-end", start_time="2026-03-01 12:00:00.123456Z"))
    unix, offset, default_end = batch.table.to_pylist()
    assert unix["start_time"] == dt.datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert unix["end_time"] == dt.datetime(2026, 3, 1, 12, 0, 1, 250000, tzinfo=UTC)
    assert offset["start_time"] == dt.datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert offset["end_time"] == dt.datetime(2026, 3, 1, 12, 0, 3, 500000, tzinfo=UTC)
    assert default_end["end_time"] == default_end["start_time"] == dt.datetime(2026, 3, 1, 12, 0, 0, 123456,
                                                                                 tzinfo=UTC)


def test_defaults_and_optional_columns(tmp_path):
    [event] = read(tmp_path, "", line(provider="OpenAI", output_tokens=None, reported_cost=0.0042), "").table.to_pylist()
    assert event["provider"] == "openai"
    assert event["requests"] == 1
    assert (event["input_tokens"], event["output_tokens"], event["cached_input_tokens"]) == (10, None, None)
    assert event["reported_cost"] == Decimal("0.0042")  # a JSON number read exactly as written
    assert event["tags"] is None and event["team"] is None


def test_reported_cost_is_kept_exactly(tmp_path):
    [a, b] = read(tmp_path, line(event_id="a", reported_cost="0.123456789012345678"),
                  line(event_id="b", reported_cost=12)).table.to_pylist()
    assert a["reported_cost"] == Decimal("0.123456789012345678")
    assert b["reported_cost"] == Decimal("12")


def test_unknown_key_names_the_key_and_the_valid_keys(tmp_path):
    err = error(tmp_path, line(), line(event_id="e2", input_token=5))
    assert (err.row, err.column) == (2, "input_token")
    assert "Valid keys: schema, event_id, provider" in err.hint and "input_tokens" in err.hint


def test_source_is_not_a_key(tmp_path):
    err = error(tmp_path, line(source="my-gateway"))
    assert err.column == "source"


@pytest.mark.parametrize("missing", ["event_id", "provider", "model", "start_time"])
def test_a_missing_required_field(tmp_path, missing):
    err = error(tmp_path, line(), line(**{"event_id": "e2", missing: ...}))
    assert (err.row, err.column) == (2, missing)
    assert "required" in err.problem


def test_an_event_without_tokens(tmp_path):
    err = error(tmp_path, line(input_tokens=...))
    assert (err.row, err.column) == (1, "input_tokens")
    assert "no token column" in err.problem


@pytest.mark.parametrize("fields, column, problem", [
    ({"schema": "spendscope.usage.v2"}, "schema", "is not 'spendscope.usage.v1'"),
    ({"schema": ...}, "schema", "is not 'spendscope.usage.v1'"),
    ({"input_tokens": -1}, "input_tokens", "negative"),
    ({"output_tokens": 2.5}, "output_tokens", "not a whole number"),
    ({"output_tokens": "25"}, "output_tokens", "not a whole number"),
    ({"reasoning_tokens": True}, "reasoning_tokens", "not a whole number"),
    ({"requests": -2}, "requests", "negative"),
    ({"start_time": "2026-03-01T12:00:00"}, "start_time", "no UTC offset"),
    ({"start_time": "yesterday"}, "start_time", "not an RFC 3339 time"),
    ({"end_time": "2026-03-01T11:00:00Z"}, "end_time", "before start_time"),
    ({"service_tier": "gold"}, "service_tier", "not a service tier"),
    ({"tags": ["a", "b"]}, "tags", "not an object"),
    ({"team": 7}, "team", "not text"),
    ({"event_id": " "}, "event_id", "empty"),
    ({"reported_cost": "-0.5"}, "reported_cost", "not a cost"),
    ({"reported_cost": "ten cents"}, "reported_cost", "not a cost"),
])
def test_malformed_values_name_row_and_column(tmp_path, fields, column, problem):
    err = error(tmp_path, line(), line(**{"event_id": "e2", **fields}))
    assert (err.row, err.column) == (2, column)
    assert problem in err.problem


def test_bad_json_and_duplicates(tmp_path):
    err = error(tmp_path, line(), "", '{"schema": "spendscope.usage.v1", ')
    assert (err.row, err.column) == (3, None)
    assert "not valid JSON" in err.problem
    err = error(tmp_path, line(), line())
    assert (err.row, err.column) == (2, "event_id")
    assert "line 1" in err.problem


def test_float_tags_survive(tmp_path):
    [event] = read(tmp_path, line(tags={"share": 0.25, "n": 3, "nested": {"x": [1.5]}})).table.to_pylist()
    assert json.loads(event["tags"]) == {"n": 3, "nested": {"x": [1.5]}, "share": 0.25}


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(list(TOKEN_COLUMNS)), st.integers(0, 2**63 - 1), min_size=1))
def test_token_columns_are_kept_as_written(columns):
    event = parse_event(line(**{"input_tokens": ..., **columns}))
    assert {c: event[c] for c in columns} == columns
    assert all(event[c] is None for c in TOKEN_COLUMNS if c not in columns)
