"""OpenAI Usage API responses into usage events: the real cookbook sample, every endpoint's shape, strictness."""

from __future__ import annotations

import datetime as dt
import gzip
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

SAMPLE = SHARED / "data" / "llm" / "openai_usage-completions_data_cookbook-output.json"
UTC = dt.timezone.utc
DAY = 1767225600  # 2026-01-01 00:00 UTC


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def page(buckets: list[dict], has_more: bool = False, next_page: str | None = None) -> dict:
    return {"object": "page", "data": buckets, "has_more": has_more, "next_page": next_page}


def bucket(start: int, results: list[dict], width: int = 86400) -> dict:
    return {"object": "bucket", "start_time": start, "end_time": start + width, "results": results}


def completion(**values) -> dict:
    return {"object": "organization.usage.completions.result", "input_tokens": 1000, "output_tokens": 100,
            "input_cached_tokens": 0, "input_audio_tokens": 0, "output_audio_tokens": 0, "num_model_requests": 1,
            "project_id": None, "user_id": None, "api_key_id": None, "model": None, "batch": None, **values}


def rows(path: Path) -> list[dict]:
    batch = OpenAIUsageSource().read(path)
    assert batch.table.schema == EVENT_SCHEMA
    return batch.table.to_pylist()


def total(event: dict) -> int:
    return sum(event[c] for c in TOKEN_COLUMNS)


# --- the real sample -------------------------------------------------------------------------------

def test_the_cookbook_sample_reads_every_result_with_the_cached_tokens_taken_out_of_the_input():
    doc = json.loads(SAMPLE.read_text())
    results = [r for b in doc for r in b["results"]]
    batch = OpenAIUsageSource().read(SAMPLE)
    events = batch.table.to_pylist()
    assert len(results) == 26 and len(events) == len(results)  # 31 buckets, 5 of them empty
    assert batch.format_version == "OpenAI usage API (completions)"
    assert sum(e["input_tokens"] + e["cached_input_tokens"] for e in events) == sum(r["input_tokens"] for r in results)
    assert sum(e["cached_input_tokens"] for e in events) == sum(r["input_cached_tokens"] for r in results) == 168128
    assert sum(e["input_tokens"] for e in events) == 16951009 - 168128
    assert sum(e["output_tokens"] for e in events) == sum(r["output_tokens"] for r in results)
    assert sum(e["audio_input_tokens"] for e in events) == 49963
    assert sum(e["audio_output_tokens"] for e in events) == 18042
    assert sum(e["requests"] for e in events) == sum(r["num_model_requests"] for r in results)
    assert all(e["reasoning_tokens"] == 0 and e["model"] is None and e["service_tier"] == "standard" for e in events)
    first = events[0]
    assert first["start_time"] == dt.datetime(2025, 1, 11, 17, 31, tzinfo=UTC)
    assert first["start_time"].timestamp() == 1736616660
    assert first["end_time"] == dt.datetime(2025, 1, 12, tzinfo=UTC)
    assert all(e["start_time"].utcoffset() == dt.timedelta(0) for e in events)
    assert (first["source"], first["provider"], first["account_id"]) == ("openai_usage", "openai", None)
    assert (first["input_tokens"], first["output_tokens"], first["requests"]) == (141201, 9756, 470)
    assert first["event_id"] == "completions|1736616660||||||"
    assert len({e["event_id"] for e in events}) == 26
    assert any("not grouped by model" in n for n in batch.notes)


def test_detect_picks_the_sample_and_the_anthropic_adapter_refuses_it(tmp_path):
    head = SAMPLE.read_text()[:4096]
    assert OpenAIUsageSource().detect(SAMPLE, head) == 0.95
    assert AnthropicUsageSource().detect(SAMPLE, head) == 0.0
    assert isinstance(detect(SAMPLE), OpenAIUsageSource)
    anthropic = write(tmp_path, "anthropic.json", {"data": [{"starting_at": "2026-01-01T00:00:00Z",
        "ending_at": "2026-01-02T00:00:00Z", "results": [{"uncached_input_tokens": 5, "cache_read_input_tokens": 0,
                                                           "output_tokens": 1}]}], "has_more": False})
    assert OpenAIUsageSource().detect(anthropic, anthropic.read_text()) == 0.0
    costs = write(tmp_path, "costs.json", page([bucket(DAY, [{"object": "organization.costs.result",
                                                              "amount": {"value": 0.06, "currency": "usd"}}])]))
    assert OpenAIUsageSource().detect(costs, costs.read_text()) == 0.0


# --- hand-made pages ------------------------------------------------------------------------------

def test_completions_grouped_by_model_project_and_batch(tmp_path):
    path = write(tmp_path, "completions.json", page([
        bucket(DAY, [
            completion(model="gpt-4o-2024-08-06", project_id="proj_a", batch=False, input_tokens=5000,
                       input_cached_tokens=1200, output_tokens=800, num_model_requests=12),
            completion(model="gpt-4o-2024-08-06", project_id="proj_a", batch=True, input_tokens=40000,
                       output_tokens=9000, num_model_requests=300),
            completion(model="gpt-4o-mini-2024-07-18", project_id="proj_b", batch=False, input_tokens=700,
                       output_tokens=70, service_tier="flex"),
        ]),
        bucket(DAY + 86400, []),
        bucket(DAY + 2 * 86400, [completion(model="gpt-4o-2024-08-06", project_id="proj_a", batch=False,
                                            input_tokens=0, output_tokens=0, num_model_requests=0)]),
    ], has_more=True, next_page="page_AAAAAGdGxdEiJdKOAAAAAGcqsYA="))
    batch = OpenAIUsageSource().read(path)
    interactive, batched, flex, zero = batch.table.to_pylist()
    assert (interactive["input_tokens"], interactive["cached_input_tokens"]) == (3800, 1200)
    assert (interactive["output_tokens"], interactive["service_tier"]) == (800, "standard")
    assert (interactive["requests"], interactive["project_id"]) == (12, "proj_a")
    assert interactive["model"] == "gpt-4o-2024-08-06"
    assert interactive["event_id"] == "completions|1767225600|proj_a|||gpt-4o-2024-08-06|false|"
    assert (batched["service_tier"], batched["input_tokens"], batched["output_tokens"]) == ("batch", 40000, 9000)
    assert batched["event_id"] == "completions|1767225600|proj_a|||gpt-4o-2024-08-06|true|"
    assert (flex["service_tier"], flex["project_id"], flex["requests"]) == ("flex", "proj_b", 1)
    assert zero["start_time"] == dt.datetime(2026, 1, 3, tzinfo=UTC) and total(zero) == 0 and zero["requests"] == 0
    assert any("has_more: true" in n and "page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=" in n for n in batch.notes)
    assert not any("not grouped by model" in n for n in batch.notes)


def test_embeddings_and_images_in_one_file_of_several_pages(tmp_path):
    embeddings = page([bucket(DAY, [{"object": "organization.usage.embeddings.result", "input_tokens": 16000,
                                     "num_model_requests": 2, "project_id": None, "user_id": None,
                                     "api_key_id": "key_1", "model": "text-embedding-3-small"}])],
                      has_more=True, next_page="page_2")
    images = page([bucket(DAY, [
        {"object": "organization.usage.images.result", "images": 4, "num_model_requests": 3, "size": "1024x1024",
         "source": "image.generation", "project_id": None, "user_id": None, "api_key_id": None, "model": "dall-e-3"},
        {"object": "organization.usage.images.result", "images": 1, "num_model_requests": 1, "size": "1024x1792",
         "source": "image.generation", "project_id": None, "user_id": None, "api_key_id": None, "model": "dall-e-3"},
    ])])
    path = write(tmp_path, "pages.json", [embeddings, images])
    batch = OpenAIUsageSource().read(path)
    emb, square, tall = batch.table.to_pylist()
    assert batch.format_version == "OpenAI usage API (embeddings+images)"
    assert (emb["input_tokens"], emb["output_tokens"], emb["requests"], emb["api_key_id"]) == (16000, 0, 2, "key_1")
    assert emb["model"] == "text-embedding-3-small" and emb["tags"] is None
    assert total(square) == 0 and square["requests"] == 3
    assert json.loads(square["tags"]) == {"images": 4, "size": "1024x1024", "source": "image.generation"}
    assert json.loads(tall["tags"])["images"] == 1
    assert square["event_id"] != tall["event_id"]  # grouped by size: two facts, not one restated
    assert any("images results carry no token counts" in n for n in batch.notes)
    assert not any("has_more" in n for n in batch.notes)  # the last page ends the pull


def test_other_unit_endpoints_keep_their_quantities_in_tags(tmp_path):
    results = [
        {"object": "organization.usage.audio_speeches.result", "characters": 4500, "num_model_requests": 3,
         "model": "tts-1"},
        {"object": "organization.usage.audio_transcriptions.result", "seconds": 620, "num_model_requests": 2,
         "model": "whisper-1"},
        {"object": "organization.usage.vector_stores.result", "usage_bytes": 1048576, "project_id": "proj_a"},
        {"object": "organization.usage.code_interpreter_sessions.result", "num_sessions": 7, "project_id": "proj_a"},
        {"object": "organization.usage.moderations.result", "input_tokens": 300, "num_model_requests": 4,
         "model": "omni-moderation-latest"},
    ]
    events = rows(write(tmp_path, "units.json", [bucket(DAY, results)]))
    speech, transcription, vectors, sessions, moderation = events
    assert json.loads(speech["tags"]) == {"characters": 4500} and speech["requests"] == 3
    assert json.loads(transcription["tags"]) == {"seconds": 620}
    assert json.loads(vectors["tags"]) == {"usage_bytes": 1048576} and vectors["requests"] is None
    assert json.loads(sessions["tags"]) == {"num_sessions": 7}
    assert all(total(e) == 0 for e in events[:4])
    assert moderation["input_tokens"] == 300 and moderation["tags"] is None


def test_file_and_web_search_calls_are_counted_per_call_by_their_grouping(tmp_path):
    # the shapes of GET /v1/organization/usage/file_search_calls and /web_search_calls (OpenAPI 2026)
    results = [
        {"object": "organization.usage.file_searches.result", "num_requests": 2, "project_id": "proj_a",
         "user_id": None, "api_key_id": None, "vector_store_id": "vs_1"},
        {"object": "organization.usage.file_searches.result", "num_requests": 5, "project_id": "proj_a",
         "user_id": None, "api_key_id": None, "vector_store_id": "vs_2"},
        {"object": "organization.usage.web_searches.result", "num_requests": 9, "num_model_requests": 4,
         "model": "gpt-5.4", "project_id": "proj_a", "context_level": "medium"},
    ]
    first, second, web = rows(write(tmp_path, "tools.json", page([bucket(DAY, results)])))
    assert json.loads(first["tags"]) == {"num_requests": 2, "vector_store_id": "vs_1"}
    assert first["event_id"] != second["event_id"]  # grouped by vector store: two facts
    assert json.loads(web["tags"]) == {"context_level": "medium", "num_requests": 9}
    assert (web["model"], web["requests"], total(web)) == ("gpt-5.4", 4, 0)


def test_the_newer_schema_takes_audio_out_of_the_totals(tmp_path):
    result = completion(model="gpt-realtime", input_tokens=10000, input_cached_tokens=3000, input_audio_tokens=4000,
                        input_text_tokens=2500, input_image_tokens=500, input_uncached_tokens=7000,
                        output_tokens=2000, output_audio_tokens=1500, output_text_tokens=500)
    (event,) = rows(write(tmp_path, "new.json", page([bucket(DAY, [result])])))
    assert (event["input_tokens"], event["cached_input_tokens"], event["audio_input_tokens"]) == (3000, 3000, 4000)
    assert (event["output_tokens"], event["audio_output_tokens"]) == (500, 1500)
    assert total(event) == 10000 + 2000
    assert json.loads(event["tags"]) == {"input_image_tokens": 500}


def test_a_restated_bucket_gives_the_same_event_id_and_the_later_result_wins(tmp_path):
    first = page([bucket(DAY, [completion(model="gpt-4o", input_tokens=100)])])
    restated = page([bucket(DAY, [completion(model="gpt-4o", input_tokens=250)])])
    path = tmp_path / "pulls.jsonl"
    path.write_text(json.dumps(first) + "\n" + json.dumps(restated) + "\n")
    batch = OpenAIUsageSource().read(path)
    (event,) = batch.table.to_pylist()
    assert event["input_tokens"] == 250
    assert event["event_id"] == rows(write(tmp_path, "first.json", first))[0]["event_id"]
    assert any("repeat the bucket" in n for n in batch.notes)


def test_gzip_and_an_empty_page(tmp_path):
    path = tmp_path / "usage.json.gz"
    path.write_bytes(gzip.compress(json.dumps(page([bucket(DAY, [completion(model="gpt-4o")])])).encode()))
    assert rows(path)[0]["input_tokens"] == 1000
    assert rows(write(tmp_path, "empty.json", page([bucket(DAY, [])]))) == []


# --- exact token arithmetic -----------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), output=counts, audio_in=counts, audio_out=counts, batch=st.sampled_from([None, True, False]))
def test_every_billed_token_is_in_exactly_one_column(tmp_path, data, output, audio_in, audio_out, batch):
    input_tokens = data.draw(counts)
    cached = data.draw(st.integers(min_value=0, max_value=input_tokens))
    result = completion(model="gpt-4o", input_tokens=input_tokens, input_cached_tokens=cached, output_tokens=output,
                        input_audio_tokens=audio_in, output_audio_tokens=audio_out, batch=batch)
    (event,) = rows(write(tmp_path, "p.json", page([bucket(DAY, [result])])))
    assert total(event) == input_tokens + output + audio_in + audio_out
    assert event["cached_input_tokens"] == cached and event["input_tokens"] == input_tokens - cached
    assert event["service_tier"] == ("batch" if batch else "standard")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_newer_schema_bills_exactly_its_totals(tmp_path, data):
    input_tokens = data.draw(counts)
    cached = data.draw(st.integers(min_value=0, max_value=input_tokens))
    audio_in = data.draw(st.integers(min_value=0, max_value=input_tokens - cached))
    output = data.draw(counts)
    audio_out = data.draw(st.integers(min_value=0, max_value=output))
    result = completion(model="gpt-4o", input_tokens=input_tokens, input_cached_tokens=cached, output_tokens=output,
                        input_audio_tokens=audio_in, output_audio_tokens=audio_out,
                        input_uncached_tokens=input_tokens - cached)
    (event,) = rows(write(tmp_path, "p.json", page([bucket(DAY, [result])])))
    assert total(event) == input_tokens + output
    assert all(event[c] >= 0 for c in TOKEN_COLUMNS)


# --- malformed files ------------------------------------------------------------------------------

def refused(path: Path) -> RowError:
    with pytest.raises(RowError) as info:
        OpenAIUsageSource().read(path)
    assert str(path) in str(info.value)
    return info.value


def test_invalid_json_is_refused_naming_where(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"object": "page", "data": [\n  {"object": "bucket", "start_time": 1,\n')
    error = refused(path)
    assert "not valid JSON" in str(error) and "line 3" in str(error)


@pytest.mark.parametrize(("second", "column", "problem"), [
    ({"input_tokens": None}, "input_tokens", "is missing"),
    ({"output_tokens": -5}, "output_tokens", "-5 is negative"),
    ({"input_tokens": 100, "input_cached_tokens": 101}, "input_cached_tokens",
     "101 cached tokens are more than the 100"),
    ({"num_model_requests": 2.5}, "num_model_requests", "2.5 is not a whole number"),
    ({"input_audio_tokens": "12"}, "input_audio_tokens", "'12' is not a whole number"),
    ({"object": "organization.usage.telepathy.result"}, "object", "is not an OpenAI usage result"),
])
def test_a_malformed_result_fails_the_whole_file_naming_row_and_field(tmp_path, second, column, problem):
    bad = completion(model="gpt-4o", **second)
    if second.get("input_tokens", 0) is None:
        del bad["input_tokens"]
    path = write(tmp_path, "bad.json", page([bucket(DAY, [completion(model="gpt-4o")]), bucket(DAY + 86400, []),
                                             bucket(DAY + 2 * 86400, [completion(model="gpt-4o-mini"), bad])]))
    error = refused(path)
    assert (error.row, error.column) == (3, column)
    assert f"{path}, row 3, column {column}: " in str(error) and problem in str(error)


def test_a_costs_response_is_refused_with_a_hint(tmp_path):
    path = write(tmp_path, "costs.json", page([bucket(DAY, [{"object": "organization.costs.result",
                                                             "amount": {"value": 0.06, "currency": "usd"}}])]))
    error = refused(path)
    assert error.row == 1 and "Costs API" in error.hint


def test_a_bucket_without_unix_times_is_refused(tmp_path):
    path = write(tmp_path, "times.json", [{"object": "bucket", "start_time": "2026-01-01", "end_time": DAY,
                                           "results": [completion()]}])
    error = refused(path)
    assert error.column == "start_time" and "bucket 1" in str(error)
