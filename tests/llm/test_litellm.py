"""The LiteLLM source: SpendLogs rows (CSV, JSON, JSON Lines) and StandardLoggingPayloads into usage events."""

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
from spendscope.llm.sources.litellm import LiteLLMSource, events_from_records
from tests.conftest import SHARED

SAMPLE = SHARED / "data" / "llm" / "litellm_example_standard_logging_payload.json"
UTC = dt.timezone.utc


def payload(**overrides) -> dict:
    """A StandardLoggingPayload as LiteLLM logs it (the fields this source reads)."""
    base = {
        "id": "chatcmpl-1", "trace_id": "t-1", "call_type": "acompletion", "status": "success", "cache_hit": None,
        "custom_llm_provider": "openai", "startTime": 1766000068.28466, "endTime": 1766000070.07935,
        "model": "gpt-4o", "model_group": "", "response_cost": 0.0123, "prompt_tokens": 1000,
        "completion_tokens": 300, "total_tokens": 1300, "request_tags": [], "end_user": "",
        "metadata": {"user_api_key_hash": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
                     "user_api_key_team_id": "team-uuid-1", "user_api_key_team_alias": "search",
                     "user_api_key_user_id": "u-42", "spend_logs_metadata": None, "requester_metadata": None},
        "hidden_params": {"litellm_model_name": "gpt-4o", "response_cost": 0.0123},
        "response": {"usage": {"prompt_tokens": 1000, "completion_tokens": 300, "total_tokens": 1300,
                               "prompt_tokens_details": {"cached_tokens": 200},
                               "completion_tokens_details": {"reasoning_tokens": 100}}},
    }
    base.update(overrides)
    return base


def write_jsonl(path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def tokens(event: dict) -> dict:
    return {c: event[c] for c in TOKEN_COLUMNS}


# --- the real sample ------------------------------------------------------------------------------

def test_real_sample_is_detected_and_read():
    assert LiteLLMSource().detect(SAMPLE, read_head(SAMPLE)) == 0.9
    assert isinstance(detect(SAMPLE), LiteLLMSource)
    batch = LiteLLMSource().read(SAMPLE)
    assert batch.table.schema == EVENT_SCHEMA
    assert batch.format_version == "standard_logging_payload (json)"
    assert batch.notes == []
    [event] = batch.table.to_pylist()
    assert event["source"] == "litellm"
    assert event["event_id"] == "chatcmpl-2299b6a2-82a3-465a-b47c-04e685a2227f"
    assert event["provider"] == "openai"
    assert event["model"] == "gpt-4o"
    assert event["start_time"] == dt.datetime(2025, 12, 17, 19, 34, 28, 284660, tzinfo=UTC)
    assert event["end_time"] == dt.datetime(2025, 12, 17, 19, 34, 30, 79350, tzinfo=UTC)
    assert tokens(event) == {"input_tokens": 10, "cached_input_tokens": 0, "cache_write_5m_tokens": 0,
                             "cache_write_1h_tokens": 0, "output_tokens": 20, "reasoning_tokens": 0,
                             "audio_input_tokens": 0, "audio_output_tokens": 0}
    assert event["requests"] == 1
    # the float 0.00022500000000000002 through its shortest repr, rounded to the schema's 18 places
    assert event["reported_cost"] == Decimal("0.000225")
    assert event["team"] is None and event["api_key_id"] is None and event["user_id"] is None
    assert event["tags"] is None


# --- payloads -------------------------------------------------------------------------------------

def test_payload_with_cached_and_reasoning_tokens(tmp_path):
    path = tmp_path / "callbacks.jsonl"
    tagged = payload(id="chatcmpl-2", custom_llm_provider="azure", request_tags=["prod", "search"],
                     metadata={**payload()["metadata"], "spend_logs_metadata": {"feature": "answers"},
                               "requester_metadata": {"ticket": 7}})
    write_jsonl(path, [payload(), tagged])
    batch = LiteLLMSource().read(path)
    assert batch.format_version == "standard_logging_payload (jsonl)"
    first, second = batch.table.to_pylist()
    assert tokens(first) == {"input_tokens": 800, "cached_input_tokens": 200, "cache_write_5m_tokens": 0,
                             "cache_write_1h_tokens": 0, "output_tokens": 200, "reasoning_tokens": 100,
                             "audio_input_tokens": 0, "audio_output_tokens": 0}
    assert first["reported_cost"] == Decimal("0.0123")
    assert first["team"] == "search"  # the alias, not the team id
    assert first["api_key_id"] == "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"
    assert first["user_id"] == "u-42"
    assert second["provider"] == "azure"
    assert json.loads(second["tags"]) == {"feature": "answers", "ticket": 7, "request_tags": ["prod", "search"]}


def test_anthropic_payload_counts_cache_reads_and_writes_inside_prompt_tokens():
    # LiteLLM's AnthropicConfig.calculate_usage: prompt_tokens = input + cache_creation + cache_read
    usage = {"prompt_tokens": 50 + 40 + 900, "completion_tokens": 70, "cache_creation_input_tokens": 40,
             "cache_read_input_tokens": 900,
             "prompt_tokens_details": {"cached_tokens": 900, "cache_creation_tokens": 40,
                                       "cache_creation_token_details": {"ephemeral_5m_input_tokens": 10,
                                                                        "ephemeral_1h_input_tokens": 30}}}
    rec = payload(custom_llm_provider="anthropic", model="claude-sonnet-4-20250514", prompt_tokens=990,
                  completion_tokens=70, response={"usage": usage}, hidden_params={})
    [event], notes = events_from_records([rec])
    assert notes == []
    assert event["provider"] == "anthropic"
    assert event["model"] == "claude-sonnet-4-20250514"
    assert tokens(event) == {"input_tokens": 50, "cached_input_tokens": 900, "cache_write_5m_tokens": 10,
                             "cache_write_1h_tokens": 30, "output_tokens": 70, "reasoning_tokens": 0,
                             "audio_input_tokens": 0, "audio_output_tokens": 0}


def test_prompt_tokens_without_cache_writes_read_with_that_convention():
    # LiteLLM releases after PR #9838 added cache reads but not cache writes to prompt_tokens
    usage = {"prompt_tokens": 950, "completion_tokens": 70, "cache_creation_input_tokens": 400,
             "cache_read_input_tokens": 900}
    rec = payload(custom_llm_provider="anthropic", prompt_tokens=950, completion_tokens=70,
                  response=None, metadata={"usage_object": usage})
    [event], notes = events_from_records([rec])
    assert (event["input_tokens"], event["cached_input_tokens"], event["cache_write_5m_tokens"]) == (50, 900, 400)
    assert any("left cache writes out of prompt_tokens" in n for n in notes)


def test_audio_tokens_are_their_own_classes():
    usage = {"prompt_tokens_details": {"audio_tokens": 60, "cached_tokens": 0},
             "completion_tokens_details": {"audio_tokens": 80, "reasoning_tokens": 0}}
    [event], _ = events_from_records([payload(prompt_tokens=100, completion_tokens=120, response={"usage": usage})])
    assert (event["input_tokens"], event["audio_input_tokens"]) == (40, 60)
    assert (event["output_tokens"], event["audio_output_tokens"]) == (40, 80)


def test_cache_hits_and_empty_failures_are_skipped_with_notes():
    records = [payload(id="a"), payload(id="b", cache_hit=True, response_cost=0.0),
               payload(id="c", status="failure", prompt_tokens=0, completion_tokens=0, response_cost=0.0, response={})]
    events, notes = events_from_records(records)
    assert [e["event_id"] for e in events] == ["a"]
    assert any("1 requests answered from LiteLLM's cache" in n for n in notes)
    assert any("1 failed requests" in n for n in notes)


def test_a_repeated_request_is_kept_once():
    events, notes = events_from_records([payload(id="a", response_cost=0.1), payload(id="a", response_cost=0.2)])
    assert [(e["event_id"], e["reported_cost"]) for e in events] == [("a", Decimal("0.2"))]
    assert any("repeat an earlier request id" in n for n in notes)


@pytest.mark.parametrize("raw, provider", [("vertex_ai", "vertex"), ("bedrock_converse", "bedrock"),
                                           ("gemini", "gemini"), ("Mistral", "mistral"), ("", "unknown")])
def test_provider_names(raw, provider):
    [event], _ = events_from_records([payload(custom_llm_provider=raw)])
    assert event["provider"] == provider


# --- SpendLogs rows -------------------------------------------------------------------------------

SPEND_LOGS_CSV = """request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,startTime,endTime,model,model_group,custom_llm_provider,user,metadata,cache_hit,cache_key,request_tags,team_id,organization_id,end_user
chatcmpl-a1,acompletion,hashed-key-1,0.00042,150,100,50,2025-01-15 10:23:45.123,2025-01-15 10:23:46.500,gpt-4o-mini,mini,openai,u-1,"{""user_api_key_team_alias"": ""growth"", ""additional_usage_values"": {""prompt_tokens_details"": {""cached_tokens"": 40}, ""completion_tokens_details"": {""reasoning_tokens"": 0}}, ""spend_logs_metadata"": {""feature"": ""digest""}}",False,Cache OFF,"[""nightly""]",team-9,org-1,
chatcmpl-a2,acompletion,hashed-key-1,0.0,150,100,50,2025-01-15 10:24:00.000,2025-01-15 10:24:00.010,gpt-4o-mini,mini,openai,u-1,{},True,key,[],team-9,org-1,
chatcmpl-a3,aembedding,hashed-key-2,0.000002,20,20,0,2025-01-15T11:00:00Z,,text-embedding-3-small,,openai,,{},False,,[],,,customer-7
"""


def test_spend_logs_csv(tmp_path):
    path = tmp_path / "LiteLLM_SpendLogs.csv"
    path.write_text(SPEND_LOGS_CSV)
    assert LiteLLMSource().detect(path, read_head(path)) == 0.9
    assert isinstance(detect(path), LiteLLMSource)
    batch = LiteLLMSource().read(path)
    assert batch.format_version == "spend_logs (csv)"
    assert any("1 requests answered from LiteLLM's cache" in n for n in batch.notes)
    first, embedding = batch.table.to_pylist()
    assert first["event_id"] == "chatcmpl-a1"
    assert first["start_time"] == dt.datetime(2025, 1, 15, 10, 23, 45, 123000, tzinfo=UTC)
    assert first["end_time"] == dt.datetime(2025, 1, 15, 10, 23, 46, 500000, tzinfo=UTC)
    assert (first["input_tokens"], first["cached_input_tokens"], first["output_tokens"]) == (60, 40, 50)
    assert first["reported_cost"] == Decimal("0.00042")
    assert (first["team"], first["api_key_id"], first["user_id"]) == ("growth", "hashed-key-1", "u-1")
    assert json.loads(first["tags"]) == {"feature": "digest", "model_group": "mini", "organization_id": "org-1",
                                         "request_tags": ["nightly"]}
    assert embedding["end_time"] == embedding["start_time"] == dt.datetime(2025, 1, 15, 11, tzinfo=UTC)
    assert (embedding["input_tokens"], embedding["output_tokens"]) == (20, 0)
    assert embedding["user_id"] == "customer-7"  # no proxy user: the end user
    assert embedding["team"] is None


def test_spend_logs_json_rows(tmp_path):
    rows = [{"request_id": "r1", "call_type": "acompletion", "api_key": "h1", "spend": 0.0015, "prompt_tokens": 300,
             "completion_tokens": 20, "total_tokens": 320, "startTime": "2025-02-01T08:00:00.000Z",
             "endTime": "2025-02-01T08:00:03.250Z", "model": "gemini-2.0-flash", "custom_llm_provider": "vertex_ai",
             "metadata": {"usage_object": {"prompt_tokens_details": {"cached_tokens": 100}}},
             "request_tags": ["batch-job"], "team_id": "team-1", "cache_hit": "False"}]
    path = tmp_path / "spend_logs.json"
    path.write_text(json.dumps(rows, indent=2))
    assert LiteLLMSource().detect(path, read_head(path)) == 0.85
    batch = LiteLLMSource().read(path)
    assert batch.format_version == "spend_logs (json)"
    [event] = batch.table.to_pylist()
    assert (event["provider"], event["model"], event["team"]) == ("vertex", "gemini-2.0-flash", "team-1")
    assert (event["input_tokens"], event["cached_input_tokens"], event["output_tokens"]) == (200, 100, 20)
    assert event["reported_cost"] == Decimal("0.0015")
    assert event["end_time"] == dt.datetime(2025, 2, 1, 8, 0, 3, 250000, tzinfo=UTC)
    assert json.loads(event["tags"]) == {"request_tags": ["batch-job"]}


def test_spend_logs_api_envelope_and_gzip(tmp_path):
    rows = {"data": [{"request_id": "r9", "spend": "0.5", "call_type": "acompletion", "prompt_tokens": 1,
                      "completion_tokens": 2, "startTime": 1738396800, "custom_llm_provider": "openai",
                      "model": "gpt-4o"}], "total": 1, "page": 1}
    path = tmp_path / "spend.json.gz"
    path.write_bytes(gzip.compress(json.dumps(rows).encode()))
    [event] = LiteLLMSource().read(path).table.to_pylist()
    assert (event["event_id"], event["reported_cost"]) == ("r9", Decimal("0.5"))
    assert event["start_time"] == dt.datetime(2025, 2, 1, 8, tzinfo=UTC)


# --- malformed input ------------------------------------------------------------------------------

def _error(tmp_path, text: str, name: str = "bad.jsonl") -> RowError:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(RowError) as info:
        LiteLLMSource().read(path)
    assert info.value.file == str(path)
    return info.value


def test_bad_json_line_names_the_line(tmp_path):
    err = _error(tmp_path, json.dumps(payload()) + "\n{not json\n")
    assert (err.row, err.column) == (2, None)
    assert "not valid JSON" in err.problem


@pytest.mark.parametrize("field, value, column, problem", [
    ("completion_tokens", -5, "completion_tokens", "negative"),
    ("prompt_tokens", 12.5, "prompt_tokens", "whole number"),
    ("prompt_tokens", "many", "prompt_tokens", "not a token count"),
    ("startTime", "yesterday", "startTime", "not a time"),
    ("startTime", None, "startTime", "missing"),
    ("id", None, "id", "missing"),
    ("response_cost", "free", "response_cost", "not an amount"),
])
def test_malformed_values_name_row_and_field(tmp_path, field, value, column, problem):
    err = _error(tmp_path, json.dumps(payload()) + "\n" + json.dumps(payload(**{"id": "x", field: value})) + "\n")
    assert (err.row, err.column) == (2, column)
    assert problem in err.problem


def test_more_cached_than_prompt_tokens_is_refused(tmp_path):
    rec = payload(prompt_tokens=100, response={"usage": {"prompt_tokens_details": {"cached_tokens": 150}}})
    err = _error(tmp_path, json.dumps(rec) + "\n")
    assert (err.row, err.column) == (1, "prompt_tokens")
    assert "150" in err.problem and "100" in err.problem


def test_more_reasoning_than_completion_tokens_is_refused(tmp_path):
    rec = payload(completion_tokens=10, response={"usage": {"completion_tokens_details": {"reasoning_tokens": 11}}})
    err = _error(tmp_path, json.dumps(rec) + "\n")
    assert (err.row, err.column) == (1, "completion_tokens")


def test_csv_row_errors_name_the_data_row(tmp_path):
    text = SPEND_LOGS_CSV.replace("chatcmpl-a3,aembedding,hashed-key-2,0.000002,20,20,0",
                                  "chatcmpl-a3,aembedding,hashed-key-2,0.000002,20,-20,0")
    err = _error(tmp_path, text, "spend.csv")
    assert (err.row, err.column) == (3, "prompt_tokens")


def test_a_record_of_another_kind_is_refused(tmp_path):
    err = _error(tmp_path, '{"hello": "world"}\n')
    assert err.row == 1
    assert "neither a LiteLLM_SpendLogs row" in err.problem


def test_a_broken_document_is_refused(tmp_path):
    err = _error(tmp_path, '{\n  "id": "x",\n  "response_cost": \n}\n', "one.json")
    assert "not valid JSON" in err.problem


# --- the split, for any consistent counts ---------------------------------------------------------

@st.composite
def counts(draw):
    prompt = draw(st.integers(0, 10**9))
    read = draw(st.integers(0, prompt))
    write = draw(st.integers(0, prompt - read))
    write_1h = draw(st.integers(0, write))
    completion = draw(st.integers(0, 10**9))
    reasoning = draw(st.integers(0, completion))
    return prompt, read, write, write_1h, completion, reasoning


@settings(max_examples=200, deadline=None)
@given(counts())
def test_token_columns_sum_to_prompt_plus_completion(c):
    prompt, read, write, write_1h, completion, reasoning = c
    usage = {"prompt_tokens_details": {"cached_tokens": read, "cache_creation_tokens": write,
                                       "cache_creation_token_details": {"ephemeral_1h_input_tokens": write_1h}},
             "completion_tokens_details": {"reasoning_tokens": reasoning}}
    [event], _ = events_from_records([payload(prompt_tokens=prompt, completion_tokens=completion,
                                              response={"usage": usage})])
    assert sum(event[col] for col in TOKEN_COLUMNS) == prompt + completion
    assert event["cached_input_tokens"] == read
    assert event["cache_write_5m_tokens"] + event["cache_write_1h_tokens"] == write
    assert event["reasoning_tokens"] == reasoning
    assert min(event[col] for col in TOKEN_COLUMNS) >= 0


def test_usage_details_from_the_logged_usage_object_and_the_service_tier():
    rec = payload(response={"service_tier": "flex", "usage": {"prompt_tokens": 1000, "completion_tokens": 300}},
                  metadata={"usage_object": {"prompt_tokens": 1000, "prompt_tokens_details": {"cached_tokens": 600}}})
    [event], _ = events_from_records([rec])
    assert (event["input_tokens"], event["cached_input_tokens"], event["service_tier"]) == (400, 600, "flex")
