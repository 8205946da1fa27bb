"""The generic events reader's fast path (DuckDB) reads exactly what the line-by-line reader reads."""

from __future__ import annotations

import json

import pytest

from spendscope.llm.sources import generic

LINES = [
    {"schema": "spendscope.usage.v1", "event_id": "a1", "provider": "OpenAI", "model": "gpt-4o",
     "start_time": "2026-03-01T12:00:00Z", "input_tokens": 10, "output_tokens": 3},
    {"schema": "spendscope.usage.v1", "event_id": "a2", "provider": "anthropic", "model": "claude-sonnet-4-5",
     "start_time": "2026-03-01T14:00:00.250+02:00", "end_time": "2026-03-01T14:00:02+02:00", "account_id": "org_1",
     "service_tier": "batch", "region": "eu", "api_key_id": "k1", "project_id": "p1", "user_id": "u1", "team": " search ",
     "application": "bot", "environment": "prod", "workspace_id": "w1", "tags": {"feature": "drafts", "n": 2},
     "requests": 3, "input_tokens": 100, "cached_input_tokens": 900, "cache_write_5m_tokens": 40,
     "cache_write_1h_tokens": 5, "output_tokens": 70, "reasoning_tokens": 20, "audio_input_tokens": 0,
     "audio_output_tokens": 1, "reported_cost": "0.0123456789012345678"[:20]},
    {"schema": "spendscope.usage.v1", "event_id": "a3", "provider": "gemini", "model": "gemini-2.5-flash",
     "start_time": 1772366400, "end_time": 1772366400.5, "input_tokens": 5, "reported_cost": 0.25, "tags": None},
]


def slow(path):
    original = generic._read_fast
    generic._read_fast = lambda p: None
    try:
        return generic.GenericEventsSource().read(path).table
    finally:
        generic._read_fast = original


def write(tmp_path, lines):
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")
    return path


def test_fast_and_line_by_line_readers_agree_on_every_column(tmp_path):
    path = write(tmp_path, LINES)
    fast = generic._read_fast(path)
    assert fast is not None and fast.num_rows == 3
    assert fast.to_pylist() == slow(path).to_pylist()
    row = fast.to_pylist()[1]
    assert (row["provider"], row["team"], row["requests"], str(row["start_time"])) == (
        "anthropic", "search", 3, "2026-03-01 12:00:00.250000+00:00")


@pytest.mark.parametrize("change", [
    {"input_tokens": 12.0},   # a whole number written as a float: only the line-by-line reader accepts it
    {"input_tokens": -1},     # refused by both: the line-by-line reader names the line and key
    {"colour": "red"},        # an unknown key
    {"colour": None},         # an unknown key with no value
    {"Input_Tokens": 5},      # a key spelled in another case
    {"start_time": "2026-03-01T12:00:00"},  # no offset
    {"service_tier": "gold"},
    {"event_id": 7},
])
def test_lines_the_fast_path_does_not_take_go_line_by_line(tmp_path, change):
    path = write(tmp_path, [LINES[0], {**LINES[2], **change}])
    assert generic._read_fast(path) is None


def test_repeated_event_ids_are_left_to_the_line_by_line_reader(tmp_path):
    path = write(tmp_path, [LINES[0], LINES[0]])
    assert generic._read_fast(path) is None


# every character Python's str.strip() removes (the line-by-line reader strips text with it), among
# them the controls and separators DuckDB's trim() keeps
WHITE = "".join(chr(i) for i in range(0x3000 + 1) if chr(i).isspace())


def test_the_white_space_duckdbs_trim_keeps_is_named():
    import duckdb

    kept = {c for c in WHITE if duckdb.sql("SELECT trim(?)", params=[f"{c}a{c}"]).fetchone()[0] != "a"}
    assert kept == set(generic._KEPT_BY_TRIM)


def test_text_with_white_space_only_python_strips_goes_line_by_line(tmp_path):
    spaced = {**LINES[1], "event_id": f"\t{LINES[1]['event_id']}\u2028", "team": f"\n search{WHITE}",
              "application": "\u0085bot\u2029", "environment": WHITE,
              "start_time": "\t2026-03-01T14:00:00.250+02:00\r"}
    path = write(tmp_path, [LINES[0], spaced])
    assert generic._read_fast(path) is None
    row = generic.GenericEventsSource().read(path).table.to_pylist()[1]
    assert (row["event_id"], row["team"], row["application"], row["environment"]) == ("a2", "search", "bot", None)
    assert str(row["start_time"]) == "2026-03-01 12:00:00.250000+00:00"


def test_escapes_inside_text_keep_the_fast_path(tmp_path):
    quoted = {**LINES[1], "team": ' the "search" team\t\\ ', "tags": {"path": "C:\\logs", "note": "tab\there"},
              "start_time": "\u30002026-03-01T14:00:00.250+02:00 "}
    path = write(tmp_path, [LINES[0], quoted])
    fast = generic._read_fast(path)
    slow_rows = slow(path).to_pylist()
    assert fast is not None and fast.to_pylist() == slow_rows
    assert slow_rows[1]["team"] == 'the "search" team\t\\'


def test_an_id_of_white_space_only_is_left_to_the_line_by_line_reader(tmp_path):
    path = write(tmp_path, [LINES[0], {**LINES[2], "event_id": "\t\u2028"}])
    assert generic._read_fast(path) is None
