"""The OpenTelemetry source: GenAI spans in OTLP/JSON into usage events."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spendscope.errors import RowError
from spendscope.llm.events import EVENT_SCHEMA, TOKEN_COLUMNS
from spendscope.llm.sources import detect
from spendscope.llm.sources.base import read_head
from spendscope.llm.sources.otel import OtelSource, events_from_otlp

UTC = dt.timezone.utc
T0 = 1772366400_000_000_000  # 2026-03-01T12:00:00Z in unix nanoseconds


def attr(key: str, value) -> dict:
    """An OTLP/JSON KeyValue; ints are strings in OTLP JSON, as exporters write them."""
    if isinstance(value, dict):
        return {"key": key, "value": value}
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": value}}


def span(span_id: str, attrs: dict, *, trace_id: str = "5b8efff798038103d269b633813fc60c", parent: str = "",
         start: int = T0, end: int | None = T0 + 1_500_000_000) -> dict:
    out = {"traceId": trace_id, "spanId": span_id, "parentSpanId": parent, "name": "chat", "kind": 3,
           "startTimeUnixNano": str(start), "attributes": [attr(k, v) for k, v in attrs.items()]}
    if end is not None:
        out["endTimeUnixNano"] = str(end)
    return out


def request(spans: list[dict], resource: dict | None = None) -> dict:
    res = resource if resource is not None else {"service.name": "help-center-bot",
                                                 "deployment.environment.name": "production"}
    return {"resourceSpans": [{"resource": {"attributes": [attr(k, v) for k, v in res.items()]},
                               "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.openai_v2"},
                                               "spans": spans}]}]}


CHAT = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.response.id": "chatcmpl-1",
        "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.cache_read.input_tokens": 200, "gen_ai.usage.reasoning.output_tokens": 100}


def tokens(event: dict) -> dict:
    return {c: event.get(c) for c in ("input_tokens", "cached_input_tokens", "cache_write_5m_tokens",
                                      "output_tokens", "reasoning_tokens")}


def test_an_export_file(tmp_path):
    spans = [
        span("0000000000000001", {**CHAT, "spendscope.team": "search", "spendscope.project": "answers",
                                  "user.id": "u-7", "app.feature": "drafts", "http.route": "/chat",
                                  "openai.response.service_tier": "default", "gen_ai.usage.cost": 0.0042}),
        # deprecated names, tokens as doubleValue and stringValue
        span("0000000000000002", {"gen_ai.system": "az.ai.openai", "gen_ai.request.model": "gpt-4o-mini",
                                  "gen_ai.usage.prompt_tokens": {"doubleValue": 120.0},
                                  "gen_ai.usage.completion_tokens": {"stringValue": "30"},
                                  "spendscope.application": "batch-summaries"}, end=None),
        span("0000000000000003", {"http.request.method": "POST", "url.full": "https://api.openai.com/v1"}),
    ]
    path = tmp_path / "traces.json"
    path.write_text(json.dumps(request(spans), indent=2))
    assert OtelSource().detect(path, read_head(path)) == 0.95
    assert isinstance(detect(path), OtelSource)
    batch = OtelSource().read(path)
    assert batch.table.schema == EVENT_SCHEMA
    assert batch.format_version == "otlp_json"
    assert batch.notes == ["1 of 3 spans carry no gen_ai.usage token attributes: skipped."]
    first, second = batch.table.to_pylist()

    assert first["source"] == "otel"
    assert first["event_id"] == "5b8efff798038103d269b633813fc60c:0000000000000001"
    assert (first["provider"], first["model"]) == ("openai", "gpt-4o-2024-08-06")  # the response model
    assert first["start_time"] == dt.datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert first["end_time"] == dt.datetime(2026, 3, 1, 12, 0, 1, 500000, tzinfo=UTC)
    assert tokens(first) == {"input_tokens": 800, "cached_input_tokens": 200, "cache_write_5m_tokens": 0,
                             "output_tokens": 200, "reasoning_tokens": 100}
    assert (first["team"], first["project_id"], first["user_id"]) == ("search", "answers", "u-7")
    assert (first["application"], first["environment"]) == ("help-center-bot", "production")
    assert first["service_tier"] == "standard"
    assert first["reported_cost"] == Decimal("0.0042")
    assert first["requests"] == 1
    assert json.loads(first["tags"]) == {"app.feature": "drafts", "operation": "chat"}  # no http.route

    assert (second["provider"], second["model"]) == ("azure", "gpt-4o-mini")
    assert tokens(second) == {"input_tokens": 120, "cached_input_tokens": 0, "cache_write_5m_tokens": 0,
                              "output_tokens": 30, "reasoning_tokens": 0}
    assert second["application"] == "batch-summaries"  # the span's attribute over service.name
    assert second["end_time"] == second["start_time"]
    assert second["reported_cost"] is None


def test_json_lines_of_requests_and_cache_writes(tmp_path):
    first = request([span("01", {**CHAT, "gen_ai.usage.cache_creation.input_tokens": 300})],
                    {"service.name": "a", "deployment.environment": "staging"})
    second = request([span("02", {"gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-sonnet-4",
                                  "gen_ai.usage.input_tokens": {"intValue": 50},  # a JSON number, also seen
                                  "gen_ai.usage.cache_read_input_tokens": 20,
                                  "gen_ai.usage.cache_creation_input_tokens": 10,
                                  "gen_ai.usage.output_tokens": 5})])
    path = tmp_path / "collector.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps(first) + "\n\n" + json.dumps(second) + "\n").encode()))
    one, two = OtelSource().read(path).table.to_pylist()
    assert (one["input_tokens"], one["cached_input_tokens"], one["cache_write_5m_tokens"]) == (500, 200, 300)
    assert one["environment"] == "staging"
    assert (two["provider"], two["input_tokens"], two["cached_input_tokens"], two["cache_write_5m_tokens"]) == \
        ("anthropic", 20, 20, 10)


@pytest.mark.parametrize("name, provider", [("aws.bedrock", "bedrock"), ("azure.ai.openai", "azure"),
                                            ("gcp.vertex_ai", "vertex"), ("gcp.gemini", "gemini"),
                                            ("gcp.gen_ai", "gemini"), ("Mistral_AI", "mistral_ai")])
def test_provider_names(name, provider):
    [event], _ = events_from_otlp(request([span("01", {**CHAT, "gen_ai.provider.name": name})]))
    assert event["provider"] == provider


def test_events_from_a_parsed_request():
    events, notes = events_from_otlp(request([span("01", CHAT), span("02", {"db.system": "postgresql"})]),
                                     source_name="otel-http")
    assert [e["source"] for e in events] == ["otel-http"]
    assert notes == ["1 of 2 spans carry no gen_ai.usage token attributes: skipped."]


def test_protobuf_field_names_are_accepted():
    body = {"resource_spans": [{"resource": {"attributes": []}, "scope_spans": [{"spans": [
        {"trace_id": "ab", "span_id": "cd", "start_time_unix_nano": str(T0),
         "attributes": [{"key": "gen_ai.usage.input_tokens", "value": {"int_value": "7"}},
                        {"key": "gen_ai.system", "value": {"string_value": "openai"}}]}]}]}]}
    [event], _ = events_from_otlp(body)
    assert (event["event_id"], event["input_tokens"], event["provider"]) == ("ab:cd", 7, "openai")


def test_an_agent_span_summing_its_model_calls_is_not_counted_twice():
    agent = span("a0", {"gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "openai",
                        "gen_ai.usage.input_tokens": 300, "gen_ai.usage.output_tokens": 30})
    tool = span("t1", {"gen_ai.operation.name": "execute_tool"}, parent="a0")
    calls = [span("c1", {**CHAT, "gen_ai.usage.input_tokens": 1100}, parent="t1"),
             span("c2", {**CHAT, "gen_ai.usage.input_tokens": 1200}, parent="a0")]
    events, notes = events_from_otlp(request([agent, tool, *calls]))
    assert sorted(e["event_id"].split(":")[1] for e in events) == ["c1", "c2"]
    assert any("1 spans whose child spans also report token usage" in n for n in notes)


def test_a_span_exported_twice_is_kept_once():
    events, notes = events_from_otlp(request([span("01", CHAT), span("01", CHAT)]))
    assert len(events) == 1
    assert "1 spans were exported more than once: kept once." in notes


# --- malformed input ------------------------------------------------------------------------------

def _error(tmp_path, text: str, name: str = "traces.json") -> RowError:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(RowError) as info:
        OtelSource().read(path)
    assert info.value.file == str(path)
    return info.value


@pytest.mark.parametrize("value, problem", [
    ({"doubleValue": 10.5}, "not a whole number"),
    ({"stringValue": "ten"}, "not a token count"),
    ({"intValue": "-4"}, "negative"),
    ({"boolValue": True}, "not a token count"),
    ({"stringValue": "1e400000"}, "too large"),
    ({"doubleValue": "NaN"}, "not a whole number"),
])
def test_a_bad_token_count_names_span_and_attribute(tmp_path, value, problem):
    body = request([span("01", CHAT), span("02", {**CHAT, "gen_ai.usage.output_tokens": value})])
    err = _error(tmp_path, json.dumps(body))
    assert (err.row, err.column) == (2, "gen_ai.usage.output_tokens")
    assert problem in err.problem and "span 2" in err.problem


def test_more_cache_reads_than_input_tokens_is_refused(tmp_path):
    body = request([span("01", {**CHAT, "gen_ai.usage.input_tokens": 12,
                                "gen_ai.usage.cache_read.input_tokens": 900})])
    err = _error(tmp_path, json.dumps(body))
    assert (err.row, err.column) == (1, "gen_ai.usage.input_tokens")
    assert "900" in err.problem


def test_more_reasoning_than_output_tokens_is_refused(tmp_path):
    body = request([span("01", {**CHAT, "gen_ai.usage.output_tokens": 10})])
    err = _error(tmp_path, json.dumps(body))
    assert (err.row, err.column) == (1, "gen_ai.usage.output_tokens")


def test_json_lines_errors_name_the_line(tmp_path):
    good = json.dumps(request([span("01", CHAT)]))
    err = _error(tmp_path, good + "\n" + good.replace('"01"', '"02"')[:-3] + "\n", "traces.jsonl")
    assert (err.row, err.column) == (2, None)
    bad = json.dumps(request([span("09", {**CHAT, "gen_ai.usage.input_tokens": {"stringValue": "x"}})]))
    err = _error(tmp_path, good + "\n" + bad + "\n", "traces2.jsonl")
    assert (err.row, err.column) == (2, "gen_ai.usage.input_tokens")
    assert "span 1" in err.problem


def test_a_span_without_start_time_is_refused(tmp_path):
    body = request([span("01", CHAT, start=0)])
    err = _error(tmp_path, json.dumps(body))
    assert (err.row, err.column) == (1, "startTimeUnixNano")


def test_not_an_export_request(tmp_path):
    err = _error(tmp_path, '{"spans": []}')
    assert err.column == "resourceSpans"


# --- the split, for any consistent counts ---------------------------------------------------------

@st.composite
def counts(draw):
    total_in = draw(st.integers(0, 10**12))
    read = draw(st.integers(0, total_in))
    write = draw(st.integers(0, total_in - read))
    total_out = draw(st.integers(0, 10**12))
    reasoning = draw(st.integers(0, total_out))
    spelling = draw(st.sampled_from(["intValue", "stringValue", "doubleValue", "number"]))
    return total_in, read, write, total_out, reasoning, spelling


def _spelled(n: int, spelling: str) -> dict:
    if spelling == "doubleValue":
        return {"doubleValue": float(n)} if float(n) == n else {"intValue": str(n)}
    if spelling == "number":
        return {"intValue": n}
    return {spelling: str(n)}


@settings(max_examples=200, deadline=None)
@given(counts())
def test_token_columns_sum_to_input_plus_output(c):
    total_in, read, write, total_out, reasoning, spelling = c
    attrs = {"gen_ai.provider.name": "anthropic",
             "gen_ai.usage.input_tokens": _spelled(total_in, spelling),
             "gen_ai.usage.cache_read.input_tokens": _spelled(read, spelling),
             "gen_ai.usage.cache_creation.input_tokens": _spelled(write, spelling),
             "gen_ai.usage.output_tokens": _spelled(total_out, spelling),
             "gen_ai.usage.reasoning.output_tokens": _spelled(reasoning, spelling)}
    [event], _ = events_from_otlp(request([span("01", attrs)]))
    assert sum(event.get(col) or 0 for col in TOKEN_COLUMNS) == total_in + total_out
    assert (event["cached_input_tokens"], event["cache_write_5m_tokens"], event["reasoning_tokens"]) == \
        (read, write, reasoning)
    assert min(event.get(col) or 0 for col in TOKEN_COLUMNS) >= 0
