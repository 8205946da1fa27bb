"""OpenAI Costs API responses into billed lines: exact amounts, line items to token classes, stable ids, strictness."""

from __future__ import annotations

import datetime as dt
import doctest
import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spendscope.errors import RowError
from spendscope.llm.events import BILLED_SCHEMA, EVENT_SCHEMA
from spendscope.llm.sources import detect, usage_sources
from spendscope.llm.sources import openai_costs
from spendscope.llm.sources.anthropic_costs import AnthropicCostsSource
from spendscope.llm.sources.openai import OpenAIUsageSource
from spendscope.llm.sources.openai_costs import OpenAICostsSource, parse_line_item
from tests.conftest import SHARED

USAGE_SAMPLE = SHARED / "data" / "llm" / "openai_usage-completions_data_cookbook-output.json"
UTC = dt.timezone.utc
DAY = 1767225600  # 2026-01-01 00:00 UTC
NEXT = DAY + 86400
GPT = "gpt-4o-2024-08-06"


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def page(buckets: list[dict], has_more: bool = False, next_page: str | None = None) -> dict:
    return {"object": "page", "data": buckets, "has_more": has_more, "next_page": next_page}


def bucket(start: int, results: list[dict]) -> dict:
    return {"object": "bucket", "start_time": start, "end_time": start + 86400, "results": results}


def cost(value, line_item: str | None = None, project_id: str | None = "proj_abc", currency: str = "usd",
         **extra) -> dict:
    return {"object": "organization.costs.result", "amount": {"value": value, "currency": currency},
            "line_item": line_item, "project_id": project_id, **extra}


def lines(path: Path) -> list[dict]:
    batch = OpenAICostsSource().read(path)
    assert batch.billed is not None and batch.billed.schema == BILLED_SCHEMA
    assert batch.table.schema == EVENT_SCHEMA and batch.table.num_rows == 0
    return batch.billed.to_pylist()


PAGE = page([
    bucket(DAY, [
        cost(0.06, f"{GPT}, input"),
        cost("0.0125", f"{GPT}, cached input"),
        cost(1.5, f"{GPT}, output"),
        cost(0.4, "gpt-audio-mini-2025-12-15 audio, input"),
        cost(0.8, "gpt-audio-mini-2025-12-15 text, output"),
        cost(2, "priority | gpt-5.4-2026-03-05, input, long context"),
        cost(0.25, "web search tool calls"),
    ]),
    bucket(NEXT, [
        cost(0.1, "Vector storage", project_id=None),
        cost(-0.5, f"{GPT}, output"),
    ]),
    bucket(NEXT + 86400, []),
])


# --- the documented shape -------------------------------------------------------------------------

def test_a_page_grouped_by_project_and_line_item_gives_exact_amounts_and_token_classes(tmp_path):
    path = write(tmp_path, "costs.json", PAGE)
    batch = OpenAICostsSource().read(path)
    got = lines(path)
    assert batch.format_version == "OpenAI costs API"
    assert [(x["model"], x["token_class"], x["service_tier"], x["amount"]) for x in got] == [
        (GPT, "Input", None, Decimal("0.06")),
        (GPT, "Cached Input", None, Decimal("0.0125")),
        (GPT, "Output", None, Decimal("1.5")),
        ("gpt-audio-mini-2025-12-15", "Audio Input", None, Decimal("0.4")),
        ("gpt-audio-mini-2025-12-15", "Output", None, Decimal("0.8")),
        ("gpt-5.4-2026-03-05", "Input", "priority", Decimal("2")),
        (None, None, None, Decimal("0.25")),
        (None, None, None, Decimal("0.1")),
        (GPT, "Output", None, Decimal("-0.5")),  # a credit is kept
    ]
    first = got[0]
    assert (first["source"], first["provider"], first["account_id"]) == ("openai_costs", "openai", None)
    assert first["line_id"] == f"{DAY}|proj_abc|{GPT}, input"
    assert (first["description"], first["project_id"], first["currency"]) == (f"{GPT}, input", "proj_abc", "USD")
    assert first["start_time"] == dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert first["end_time"] == dt.datetime(2026, 1, 2, tzinfo=UTC)
    storage = got[7]
    assert storage["line_id"] == f"{NEXT}||Vector storage" and storage["project_id"] is None
    assert storage["description"] == "Vector storage"
    assert sum(x["amount"] for x in got) == Decimal("4.6225")
    notes = " ".join(batch.notes)
    assert "2 lines are not a model's tokens" in notes and "billed total" in notes
    assert "1 lines are billed at long-context rates" in notes
    assert "1 lines have a negative amount" in notes


def test_the_source_is_registered_as_a_cost_report():
    assert usage_sources()["openai_costs"] is OpenAICostsSource
    assert OpenAICostsSource.BILLED is True and OpenAICostsSource.name == "openai_costs"


def test_a_json_number_is_read_from_its_text_not_through_a_float(tmp_path):
    path = tmp_path / "exact.json"
    path.write_text('{"object": "page", "data": [{"object": "bucket", "start_time": 1767225600, '
                    '"end_time": 1767312000, "results": [{"object": "organization.costs.result", '
                    '"amount": {"value": 0.060000000000000001, "currency": "USD"}, "line_item": "gpt-4o, input", '
                    '"project_id": null}, {"object": "organization.costs.result", '
                    '"amount": {"value": 12.345678901234567890, "currency": "usd"}, "line_item": "gpt-4o, output", '
                    '"project_id": null}, {"object": "organization.costs.result", '
                    '"amount": {"value": 3, "currency": "usd"}, "line_item": "gpt-4o, cached input", '
                    '"project_id": null}]}], "has_more": false, "next_page": null}')
    assert [x["amount"] for x in lines(path)] == [Decimal("0.060000000000000001"), Decimal("12.34567890123456789"),
                                                   Decimal("3")]


amounts = st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=12, allow_nan=False,
                      allow_infinity=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=amounts, as_text=st.booleans())
def test_any_amount_comes_back_exactly_as_a_number_or_a_string(tmp_path, value, as_text):
    literal = json.dumps(str(value)) if as_text else str(value)
    path = tmp_path / "p.json"
    path.write_text('[{"start_time": 1767225600, "end_time": 1767312000, "results": [{"object": '
                    f'"organization.costs.result", "amount": {{"value": {literal}, "currency": "usd"}}, '
                    '"line_item": "gpt-4o, input", "project_id": "proj_abc"}]}]')
    (line,) = lines(path)
    assert line["amount"] == value


@pytest.mark.parametrize(("line_item", "expected"), [
    ("gpt-4o-2024-08-06, input", ("gpt-4o-2024-08-06", "Input", None)),
    ("gpt-4o-2024-08-06, cached input", ("gpt-4o-2024-08-06", "Cached Input", None)),
    ("gpt-5.5-2026-04-23, output", ("gpt-5.5-2026-04-23", "Output", None)),
    ("ft:gpt-4o-mini-2024-07-18:acme::abc123, input", ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "Input", None)),
    ("gpt-audio-mini-2025-12-15 audio, input", ("gpt-audio-mini-2025-12-15", "Audio Input", None)),
    ("gpt-realtime-1.5 audio, output", ("gpt-realtime-1.5", "Audio Output", None)),
    ("gpt-realtime-1.5 audio, cached input", ("gpt-realtime-1.5", "Cached Input", None)),
    ("gpt-4o-audio-preview, audio input", ("gpt-4o-audio-preview", "Audio Input", None)),
    ("gpt-image-1, image input", ("gpt-image-1", "Input", None)),
    ("priority | gpt-5.6-sol, output, long context", ("gpt-5.6-sol", "Output", "priority")),
    ("flex | o3-2025-04-16, cache writes", ("o3-2025-04-16", "Cache Write", "flex")),
    ("web search tool calls", (None, None, None)),
    ("Web search tool calls", (None, None, None)),
    ("Vector storage", (None, None, None)),
    ("assistants api | file search", (None, None, None)),
    ("code interpreter sessions, sessions", (None, None, None)),
    ("whisper-1, audio", (None, None, None)),
    ("Image models", (None, None, None)),
    ("", (None, None, None)),
    (None, (None, None, None)),
])
def test_line_items_give_model_token_class_and_tier(line_item, expected):
    assert parse_line_item(line_item) == expected


def test_the_parser_examples_hold():
    assert doctest.testmod(openai_costs).failed == 0


def test_an_ungrouped_total_and_other_grouping_values(tmp_path):
    doc = page([bucket(DAY, [cost(0.06, None, None),
                             cost(1, f"{GPT}, input", "proj_a", api_key_id="key_a"),
                             cost(2, f"{GPT}, input", "proj_a", api_key_id="key_b")])])
    batch = OpenAICostsSource().read(write(tmp_path, "p.json", doc))
    got = batch.billed.to_pylist()
    assert [x["line_id"] for x in got] == [f"{DAY}||", f"{DAY}|proj_a|{GPT}, input|api_key_id=key_a",
                                           f"{DAY}|proj_a|{GPT}, input|api_key_id=key_b"]
    assert got[0]["description"] is None and got[0]["model"] is None
    assert any("have no line_item" in n for n in batch.notes)


# --- files: shapes, restatements ------------------------------------------------------------------

def test_a_bare_list_of_buckets_a_list_of_pages_json_lines_and_gzip_read_alike(tmp_path):
    expected = lines(write(tmp_path, "page.json", PAGE))
    buckets = PAGE["data"]
    assert lines(write(tmp_path, "buckets.json", buckets)) == expected
    assert lines(write(tmp_path, "pages.json", [page(buckets[:1], True, "p2"), page(buckets[1:])])) == expected
    jsonl = tmp_path / "pages.jsonl"
    jsonl.write_text(json.dumps(page(buckets[:1], True, "p2")) + "\n\n" + json.dumps(page(buckets[1:])) + "\n")
    assert lines(jsonl) == expected
    gz = tmp_path / "page.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(PAGE).encode()))
    assert lines(gz) == expected


def test_a_restated_bucket_keeps_its_line_id_and_the_later_result_wins(tmp_path):
    first = lines(write(tmp_path, "monday.json", page([bucket(DAY, [cost(0.06, f"{GPT}, input")])])))
    restated = lines(write(tmp_path, "tuesday.json", page([bucket(DAY, [cost(0.07, f"{GPT}, input")])])))
    assert first[0]["line_id"] == restated[0]["line_id"] == f"{DAY}|proj_abc|{GPT}, input"
    assert (first[0]["amount"], restated[0]["amount"]) == (Decimal("0.06"), Decimal("0.07"))
    both = tmp_path / "both.jsonl"
    both.write_text("\n".join(json.dumps(page([bucket(DAY, [cost(v, f"{GPT}, input"), cost(1, f"{GPT}, output")])]))
                              for v in (0.06, 0.07)))
    batch = OpenAICostsSource().read(both)
    assert [(x["description"], x["amount"]) for x in batch.billed.to_pylist()] == [
        (f"{GPT}, input", Decimal("0.07")), (f"{GPT}, output", Decimal("1"))]
    assert any("2 results repeat the bucket and grouping" in n for n in batch.notes)


def test_what_a_result_measures_is_not_part_of_its_line_id(tmp_path):
    plain = lines(write(tmp_path, "a.json", page([bucket(DAY, [cost(0.06, f"{GPT}, input")])])))
    measured = lines(write(tmp_path, "b.json", page([bucket(DAY, [cost(0.07, f"{GPT}, input", quantity=24000,
                                                                        quantity_unit="tokens")])])))
    assert plain[0]["line_id"] == measured[0]["line_id"] == f"{DAY}|proj_abc|{GPT}, input"
    # an unknown text field may be a grouping OpenAI adds later: it keeps lines apart rather than merge them
    grouped = lines(write(tmp_path, "c.json", page([bucket(DAY, [cost(1, f"{GPT}, input", region="eu"),
                                                                 cost(2, f"{GPT}, input", region="us")])])))
    assert [x["line_id"] for x in grouped] == [f"{DAY}|proj_abc|{GPT}, input|region=eu",
                                               f"{DAY}|proj_abc|{GPT}, input|region=us"]


def test_an_incomplete_pull_and_an_empty_file_are_noted_or_empty(tmp_path):
    batch = OpenAICostsSource().read(write(tmp_path, "p.json", page([bucket(DAY, [cost(1, "x, input")])], True,
                                                                    "page_2")))
    assert any("has_more: true (next_page page_2)" in n for n in batch.notes)
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert OpenAICostsSource().read(empty).billed.num_rows == 0


# --- detection ------------------------------------------------------------------------------------

def test_detect_picks_the_costs_file_and_leaves_usage_to_the_usage_adapter(tmp_path):
    path = write(tmp_path, "costs.json", PAGE)
    head = path.read_text()
    assert OpenAICostsSource().detect(path, head) == 0.95
    assert isinstance(detect(path), OpenAICostsSource)
    assert OpenAIUsageSource().detect(path, head) == 0.0
    assert AnthropicCostsSource().detect(path, head) == 0.0
    usage_head = USAGE_SAMPLE.read_text()
    assert OpenAICostsSource().detect(USAGE_SAMPLE, usage_head) == 0.0
    assert isinstance(detect(USAGE_SAMPLE), OpenAIUsageSource)


# --- malformed files ------------------------------------------------------------------------------

def refused(path: Path) -> RowError:
    with pytest.raises(RowError) as info:
        OpenAICostsSource().read(path)
    assert info.value.file == str(path) and str(path) in str(info.value)
    return info.value


def test_invalid_json_is_refused_naming_where(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"object": "page", "data": [{"start_time": 1767225600, "results": [}]}')
    error = refused(path)
    assert error.row is None and "not valid JSON" in str(error) and "line 1, column" in str(error)


@pytest.mark.parametrize(("result", "column", "problem"), [
    ({"object": "organization.costs.result", "line_item": "gpt-4o, input"}, "amount", "is missing"),
    (cost(None, "gpt-4o, input"), "amount.value", "is missing"),
    (cost("abc", "gpt-4o, input"), "amount.value", "'abc' is not a decimal number"),
    (cost("1,5", "gpt-4o, input"), "amount.value", "'1,5' is not a decimal number"),
    (cost(True, "gpt-4o, input"), "amount.value", "True is not a number"),
    (cost({"usd": 1}, "gpt-4o, input"), "amount.value", "is not a number"),
    (cost(1, "gpt-4o, input", currency="xyz"), "amount.currency", "'xyz' is not an ISO 4217 currency code"),
    ({"object": "organization.costs.result", "amount": {"value": 1}}, "amount.currency", "None is not a currency"),
    ({"object": "organization.costs.result", "amount": 0.06}, "amount", "not an object"),
    (cost(1, 42), "line_item", "42 is not text or null"),
    ({**cost(1), "object": "organization.usage.completions.result"}, "object", "is not an OpenAI costs result"),
])
def test_a_malformed_result_fails_the_whole_file_naming_row_and_field(tmp_path, result, column, problem):
    path = write(tmp_path, "bad.json", page([bucket(DAY, [cost(1, "gpt-4o, input"), cost(2, "gpt-4o, output")]),
                                             bucket(NEXT, []),
                                             bucket(NEXT + 86400, [result, cost(3, "gpt-4o, cached input")])]))
    error = refused(path)
    assert (error.row, error.column) == (3, column)
    assert f"{path}, row 3, column {column}: " in str(error) and problem in str(error)


def test_a_number_that_does_not_fit_and_a_bad_bucket_time_are_refused(tmp_path):
    tiny = tmp_path / "tiny.json"
    tiny.write_text('[{"start_time": 1767225600, "end_time": 1767312000, "results": [{"amount": '
                    '{"value": 1e-30, "currency": "usd"}, "line_item": "gpt-4o, input"}]}]')
    error = refused(tiny)
    assert (error.row, error.column) == (1, "amount.value") and "cannot be kept exactly" in str(error)
    nan = tmp_path / "nan.json"
    nan.write_text('[{"start_time": 1767225600, "end_time": 1767312000, "results": [{"amount": '
                   '{"value": NaN, "currency": "usd"}, "line_item": "gpt-4o, input"}]}]')
    assert "NaN is not a JSON number" in str(refused(nan))
    times = write(tmp_path, "times.json", [{"start_time": "2026-01-01", "end_time": NEXT, "results": [cost(1)]}])
    error = refused(times)
    assert error.column == "start_time" and "bucket 1" in str(error)
    usage = refused(USAGE_SAMPLE)
    assert usage.column == "object" and "usage" in (usage.hint or "")


def test_an_amount_in_another_currency_is_kept_as_reported_and_noted(tmp_path):
    batch = OpenAICostsSource().read(write(tmp_path, "eur.json", page([bucket(DAY, [cost("0.05", "gpt-4o, input",
                                                                                         currency="eur")])])))
    (line,) = batch.billed.to_pylist()
    assert (line["amount"], line["currency"]) == (Decimal("0.05"), "EUR")
    assert any("billed in EUR, not USD" in n for n in batch.notes)
