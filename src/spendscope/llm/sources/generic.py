"""spendscope usage events (``spendscope.usage.v1``): the JSON Lines format for in-house LLM gateways.

A gateway that is neither LiteLLM nor instrumented with OpenTelemetry can write its usage in
spendscope's own shape: a UTF-8 text file (optionally gzip-compressed, ``.jsonl.gz``) with one JSON
object per line, each object one usage event. Blank lines are ignored. Every line carries
``"schema": "spendscope.usage.v1"``; spendscope recognises the file by that key.

Keys (every other key is an error that names it and lists these, so a misspelt key never vanishes):

==========================  ========  =========================================================
key                         required  value
==========================  ========  =========================================================
``schema``                  yes       ``"spendscope.usage.v1"``
``event_id``                yes       text, unique within the file: the request id (loading the
                                      same event again replaces it instead of adding it)
``provider``                yes       who served the model, lower case: ``openai``, ``anthropic``,
                                      ``azure``, ``bedrock``, ``vertex``, ``gemini``, ...
``model``                   yes       the model as the provider names it (``gpt-4o-2024-08-06``)
``start_time``              yes       RFC 3339 with an offset (``2026-03-01T12:00:00Z``) or unix
                                      seconds (``1772366400`` or ``1772366400.25``)
``end_time``                no        as ``start_time``; default: ``start_time``
``account_id``              no        the provider's organisation or billing account
``service_tier``            no        ``standard``, ``batch``, ``priority`` or ``flex``
``region``                  no        text
``api_key_id``              no        text (an id or a hash, never the key itself)
``project_id``              no        text
``user_id``                 no        text
``team``                    no        text
``application``             no        text
``environment``             no        text
``workspace_id``            no        text
``tags``                    no        a JSON object of any other attribution
``requests``                no        whole number >= 0; default 1
``input_tokens``            one of    uncached input tokens
``cached_input_tokens``     the       input tokens read from the provider's cache
``cache_write_5m_tokens``   token     input tokens written to a 5-minute cache
``cache_write_1h_tokens``   columns   input tokens written to a 1-hour cache
``output_tokens``                     output tokens, reasoning tokens not included
``reasoning_tokens``                  reasoning (thinking) tokens
``audio_input_tokens``                audio input tokens
``audio_output_tokens``               audio output tokens
``reported_cost``           no        what the gateway says the event cost, in USD: a decimal
                                      string (``"0.0042"``, exact) or a JSON number; >= 0
==========================  ========  =========================================================

The token columns are *exclusive*: a token is counted in exactly one of them (``input_tokens`` holds
neither cached nor audio tokens, ``output_tokens`` holds no reasoning tokens), so each is priced once
(see ``spendscope.llm.events``). Token counts are whole numbers >= 0 written as JSON numbers; at
least one token column must be present. ``null`` is the same as leaving an optional key out. Costs
are kept to 18 decimal places.

One complete line::

    {"schema": "spendscope.usage.v1", "event_id": "req_01HZX3", "provider": "anthropic", "account_id": "org_7f3a", "model": "claude-sonnet-4-20250514", "start_time": "2026-03-01T12:00:00Z", "end_time": "2026-03-01T12:00:02.5Z", "service_tier": "standard", "region": "us-east-1", "api_key_id": "key_9c1e", "project_id": "proj_search", "user_id": "u_4411", "team": "search", "application": "help-center-bot", "environment": "production", "workspace_id": "wrkspc_01", "tags": {"feature": "answer-drafts", "cost_center": "cc-1201"}, "requests": 1, "input_tokens": 1200, "cached_input_tokens": 8000, "cache_write_5m_tokens": 400, "cache_write_1h_tokens": 0, "output_tokens": 350, "reasoning_tokens": 120, "audio_input_tokens": 0, "audio_output_tokens": 0, "reported_cost": "0.01455"}

A malformed line stops the whole file (nothing of it is loaded) with the line number and the key.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar

from spendscope.errors import RowError
from spendscope.llm.events import DIMENSIONS, EVENT_COLUMNS, TIERS, TOKEN_COLUMNS, EventBatch, to_table, usd
from spendscope.llm.sources import register

SOURCE = "events"
SCHEMA = "spendscope.usage.v1"
UTC = _dt.timezone.utc
EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
MAX_COUNT = 2**63 - 1  # int64
REQUIRED = ("event_id", "provider", "model", "start_time")
TEXT_KEYS = ("event_id", "provider", "account_id", "model", "service_tier", "region", *DIMENSIONS)
VALID_KEYS = ("schema", *(c for c in EVENT_COLUMNS if c != "source"))
_DETECT = re.compile(r'"schema"\s*:\s*"spendscope\.usage\.v1"')


@register
class GenericEventsSource:
    """spendscope's own usage-event JSON Lines (``"schema": "spendscope.usage.v1"``)."""

    name: ClassVar[str] = SOURCE
    description: ClassVar[str] = "spendscope usage events (JSON Lines, schema spendscope.usage.v1)"

    def detect(self, path: Path, head: str) -> float:
        return 0.99 if _DETECT.search(head) else 0.0

    def stage(self, path: Path, con, name: str) -> EventBatch:
        """Every event of the file: where every line passes the fast checks, as the temporary table
        ``name`` in the DuckDB connection ``con`` (the ledger's); otherwise read line by line."""
        rows = _check_fast(con, path, name)
        return self._read_lines(path) if rows is None else EventBatch(None, SCHEMA, [], staged=name, staged_rows=rows)

    def read(self, path: Path) -> EventBatch:
        """Every event of the file. A file whose every line passes the checks is read by DuckDB's JSON
        reader and checked in SQL (``_read_fast``: a million events in seconds); otherwise, or where
        the fast checks are stricter than the rules, line by line (``parse_event``), which names
        the first bad line and key."""
        fast = _read_fast(path)
        return self._read_lines(path) if fast is None else EventBatch(fast, SCHEMA, [])

    def _read_lines(self, path: Path) -> EventBatch:
        file = str(path)
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as fh:
            try:
                text = fh.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise RowError(file, None, None, f"is not UTF-8 text ({exc}).") from exc
        events, seen = [], {}
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            event = parse_event(line, file, n)
            if event["event_id"] in seen:
                raise RowError(file, n, "event_id", f"{event['event_id']!r} was already used on line "
                               f"{seen[event['event_id']]}.", hint="Every event needs its own event_id.")
            seen[event["event_id"]] = n
            events.append(event)
        return EventBatch(to_table(events), SCHEMA, [])


def parse_event(line: str, file: str = "event", row: int = 1) -> dict:
    """One ``spendscope.usage.v1`` line as an event dict (EVENT_SCHEMA columns)."""
    try:
        obj = json.loads(line, parse_float=Decimal)
    except ValueError as exc:
        raise RowError(file, row, None, f"is not valid JSON ({exc}).",
                       hint="One JSON object per line (JSON Lines).") from exc
    if not isinstance(obj, dict):
        raise RowError(file, row, None, f"is a JSON {type(obj).__name__}, not an object.")
    for key in obj:
        if key not in VALID_KEYS:
            raise RowError(file, row, key, "is not a key of spendscope.usage.v1.",
                           hint=f"Valid keys: {', '.join(VALID_KEYS)}")
    if obj.get("schema") != SCHEMA:
        raise RowError(file, row, "schema", f"{obj.get('schema')!r} is not {SCHEMA!r}.",
                       hint=f'Every line carries "schema": "{SCHEMA}".')
    for key in REQUIRED:
        if obj.get(key) is None:
            raise RowError(file, row, key, "is missing; it is required.",
                           hint=f"Required keys: schema, {', '.join(REQUIRED)} and at least one token column.")
    if all(obj.get(c) is None for c in TOKEN_COLUMNS):
        raise RowError(file, row, "input_tokens", "the event has no token column.",
                       hint=f"Give at least one of: {', '.join(TOKEN_COLUMNS)}")

    event: dict[str, Any] = {"source": SOURCE}
    for key in TEXT_KEYS:
        event[key] = _text(obj.get(key), file, row, key)
    event["provider"] = event["provider"].lower()
    if event["service_tier"] is not None and event["service_tier"] not in TIERS:
        raise RowError(file, row, "service_tier", f"{event['service_tier']!r} is not a service tier.",
                       hint=f"Valid tiers: {', '.join(TIERS)}")
    event["start_time"] = _time(obj["start_time"], file, row, "start_time")
    event["end_time"] = _time(obj["end_time"], file, row, "end_time") if obj.get("end_time") is not None \
        else event["start_time"]
    if event["end_time"] < event["start_time"]:
        raise RowError(file, row, "end_time", "is before start_time.")
    tags = obj.get("tags")
    if tags is not None and not isinstance(tags, dict):
        raise RowError(file, row, "tags", f"is a JSON {type(tags).__name__}, not an object.")
    event["tags"] = json.dumps(_plain(tags), ensure_ascii=False, separators=(",", ":")) if tags else None
    event["requests"] = 1 if obj.get("requests") is None else _count(obj["requests"], file, row, "requests")
    for column in TOKEN_COLUMNS:
        event[column] = None if obj.get(column) is None else _count(obj[column], file, row, column)
    event["reported_cost"] = _money(obj.get("reported_cost"), file, row)
    return event


def _text(value: Any, file: str, row: int, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowError(file, row, key, f"{value!r} is not text (a JSON string).")
    if not value.strip():
        if key in REQUIRED:
            raise RowError(file, row, key, "is empty; it is required.")
        return None
    return value.strip()


def _count(value: Any, file: str, row: int, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise RowError(file, row, key, f"{value!r} is not a whole number (a JSON number).")
    if isinstance(value, Decimal) and (not value.is_finite() or value != value.to_integral_value()):
        raise RowError(file, row, key, f"{value} is not a whole number.")
    if value < 0:
        raise RowError(file, row, key, f"{value} is negative.")
    if value > MAX_COUNT:
        raise RowError(file, row, key, f"{value} is too large (at most {MAX_COUNT}).")
    return int(value)


def _money(value: Any, file: str, row: int) -> Decimal | None:
    if value is None:
        return None
    try:
        if not isinstance(value, (int, Decimal, str)):
            raise InvalidOperation
        d = usd(value)
        if d < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError) as exc:
        raise RowError(file, row, "reported_cost", f"{value!r} is not a cost in USD (a decimal >= 0).",
                       hint='Write it as a decimal string, e.g. "0.0042".') from exc
    return d


def _time(value: Any, file: str, row: int, key: str) -> _dt.datetime:
    """RFC 3339 text with an offset, or unix seconds."""
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, (int, Decimal)):
            micros = (Decimal(value) * 1_000_000).to_integral_value()
            return EPOCH + _dt.timedelta(microseconds=int(micros))
        if not isinstance(value, str) or not re.match(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}", value.strip()):
            raise ValueError
        parsed = _dt.datetime.fromisoformat(value.strip().upper())
        if parsed.tzinfo is None:
            raise RowError(file, row, key, f"{value!r} has no UTC offset.",
                           hint='RFC 3339 times end in "Z" or an offset such as "+02:00".')
    except (ValueError, OverflowError, InvalidOperation) as exc:
        raise RowError(file, row, key, f"{value!r} is not an RFC 3339 time or unix seconds.",
                       hint='For example "2026-03-01T12:00:00Z" or 1772366400.') from exc
    return parsed.astimezone(UTC)


def _plain(value: Any) -> Any:
    """JSON-ready tags: numbers parsed as Decimal back to int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.is_finite() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# The white space Python's str.strip() removes (the line-by-line reader strips text with it) that
# DuckDB's trim() keeps: control characters, which JSON writes as escapes ("\t"), and three more
_KEPT_BY_TRIM = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u2028\u2029"
_RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})$"
_DECIMAL = r"^[0-9]{1,19}(\.[0-9]{1,18})?$"


def _read_fast(path: Path):
    """The file as an EVENT_SCHEMA table read and checked by DuckDB (``_check_fast``), or None when
    any line fails a check (the line-by-line reader then says which and why, or reads what only it
    accepts)."""
    import duckdb

    from spendscope.llm.events import EVENT_SCHEMA

    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        if _check_fast(con, path, "ev") is None:
            return None
        return con.execute("SELECT * FROM ev").to_arrow_table().cast(EVENT_SCHEMA)
    finally:
        con.close()


def _check_fast(con, path: Path, name: str) -> int | None:
    """Read and check the file with DuckDB into the temporary table ``name`` (EVENT_SCHEMA's
    columns) of the connection ``con``; how many events, or None (and no table) when any line fails
    a check.

    DuckDB's JSON reader gives each key's value as JSON text; a value's JSON type is read off its
    first character (``"`` text, ``{`` object, a digit a number: DuckDB writes the text itself, so
    there is no white space or other spelling), so no value is parsed twice. The checks are at least
    as strict as ``parse_event``'s: a whole number must be written as digits only, a time as RFC 3339
    text or a plain number, and so on. A second scan of the lines counts their keys, so that a key
    outside the schema, which the JSON reader would skip, is noticed (and a third names the keys
    where the count differs, a null value also being read as missing)."""
    import duckdb

    from spendscope.llm.events import EVENT_SCHEMA

    def js(key: str) -> str:  # the value's JSON text; SQL NULL where the key is missing or null
        return f'CAST("{key}" AS VARCHAR)'

    def is_text(key: str) -> str:
        return f"starts_with({js(key)}, '\"')"

    def text(key: str) -> str:
        return f"""nullif(trim("{key}"->>'$'), '')"""

    def whole(key: str) -> str:  # digits only, and within int64
        return f"(regexp_full_match({js(key)}, '[0-9]{{1,19}}') AND TRY_CAST({js(key)} AS BIGINT) IS NOT NULL)"

    def time(key: str) -> str:
        return (f"""CASE WHEN {is_text(key)} THEN CAST(upper(trim("{key}"->>'$')) AS TIMESTAMPTZ) """
                f"ELSE to_timestamp(CAST({js(key)} AS DOUBLE)) END")

    def time_ok(key: str) -> str:
        return (f"""(({is_text(key)} AND regexp_matches(trim("{key}"->>'$'), '{_RFC3339}')) """
                f"OR regexp_full_match({js(key)}, '-?[0-9]+(\\.[0-9]+)?'))")

    def present(key: str) -> str:
        return f'"{key}" IS NOT NULL'

    checks = [
        f"""coalesce("schema"->>'$' = '{SCHEMA}' AND {is_text('schema')}, false)""",
        *[f"coalesce({is_text(k)} AND {text(k)} IS NOT NULL, false)" for k in ("event_id", "provider", "model")],
        *[f"(NOT {present(k)} OR {is_text(k)})" for k in TEXT_KEYS],
        f"coalesce({text('service_tier')} IN ({', '.join(repr(t) for t in TIERS)}), true)",
        "(" + " OR ".join(present(c) for c in TOKEN_COLUMNS) + ")",
        *[f"(NOT {present(c)} OR {whole(c)})" for c in (*TOKEN_COLUMNS, "requests")],
        f"coalesce({time_ok('start_time')}, false)",
        f"(NOT {present('end_time')} OR {time_ok('end_time')})",
        f"(NOT {present('tags')} OR starts_with({js('tags')}, '{{'))",
        f"""(NOT {present('reported_cost')} OR (NOT starts_with({js('reported_cost')}, '{{')
             AND NOT starts_with({js('reported_cost')}, '[')
             AND regexp_matches(trim("reported_cost"->>'$'), '{_DECIMAL}')))""",
    ]
    cols = {
        "source": f"'{SOURCE}'", "event_id": text("event_id"), "provider": f"lower({text('provider')})",
        **{k: text(k) for k in TEXT_KEYS if k not in ("event_id", "provider")},
        "start_time": time("start_time"),
        "end_time": f"CASE WHEN {present('end_time')} THEN {time('end_time')} ELSE {time('start_time')} END",
        "tags": f"CASE WHEN starts_with({js('tags')}, '{{') AND {js('tags')} <> '{{}}' THEN {js('tags')} END",
        "requests": f"coalesce(CAST({js('requests')} AS BIGINT), 1)",
        **{c: f"CAST({js(c)} AS BIGINT)" for c in TOKEN_COLUMNS},
        "reported_cost": """CAST(trim("reported_cost"->>'$') AS DECIMAL(38, 18))""",
    }
    quoted = str(path).replace("'", "''")
    columns = "{" + ", ".join(f"'{k}': 'JSON'" for k in VALID_KEYS) + "}"
    ok = " AND ".join(checks)
    try:
        # how many keys the lines have in all: the JSON reader below reads only the schema's keys (by
        # their exact names, a null as missing), so where it finds fewer, the keys are looked at
        # and whether any line has an escape or a character that DuckDB's trim() would leave at the
        # ends of a text value (where one has, the text values are looked at below)
        odd = " OR ".join(f"contains(json, {c})" for c in ["'\\'", *(f"chr({ord(c)})" for c in _KEPT_BY_TRIM if c >= " ")])
        keys, unusual = con.execute(f"SELECT coalesce(sum(len(json_keys(json))), 0), coalesce(bool_or({odd}), false) "
                                    f"FROM read_json_objects('{quoted}', format='newline_delimited')").fetchone()
        found = " + ".join(f"CAST({present(k)} AS INTEGER)" for k in VALID_KEYS)
        # a value that does not convert raises, and the line-by-line reader takes over
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {name} AS
            SELECT {', '.join(f'{cols[n]} AS "{n}"' for n in EVENT_SCHEMA.names)}, {ok} AS __ok, {found} AS __keys
            FROM read_json('{quoted}', format='newline_delimited', records=true, columns={columns})
        """)
        bad, rows, dupes, backwards, read = con.execute(
            "SELECT count(*) FILTER (WHERE NOT coalesce(__ok, false)), count(*), count(*) - count(DISTINCT event_id), "
            f"count(*) FILTER (WHERE end_time < start_time), coalesce(sum(__keys), 0) FROM {name}").fetchone()
        if read != keys:  # some line has a key the reader did not read: a null value, or one outside the schema
            found_keys = con.execute(f"SELECT DISTINCT unnest(json_keys(json)) FROM read_json_objects('{quoted}', "
                                     "format='newline_delimited')").fetchall()
            bad = bad or not {k for k, in found_keys} <= set(VALID_KEYS)
        if unusual and not bad:  # a text value that keeps white space Python would strip
            edge = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _KEPT_BY_TRIM) + "]"
            bad = con.execute("SELECT " + " OR ".join(
                f"""coalesce(bool_or(regexp_matches("{k}", '^{edge}|{edge}$')), false)""" for k in TEXT_KEYS)
                + f" FROM {name}").fetchone()[0]
        if bad or rows == 0 or dupes or backwards:
            con.execute(f"DROP TABLE {name}")
            return None
        con.execute(f"ALTER TABLE {name} DROP COLUMN __ok")
        con.execute(f"ALTER TABLE {name} DROP COLUMN __keys")
        return rows
    except duckdb.Error:
        con.execute(f"DROP TABLE IF EXISTS {name}")
        return None  # the line-by-line reader names what DuckDB could not read
