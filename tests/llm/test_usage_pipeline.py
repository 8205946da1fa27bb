"""LLM usage into the ledger: priced at the price in force, stored once, rolled up exactly, unknown models loud."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spendscope.llm.events import TOKEN_COLUMNS, EventBatch, to_table
from spendscope.llm.ingest import UsageFile, ingest_usage, reprice
from spendscope.llm.prices import Catalog, Price, read_price_file, store_prices
from spendscope.store.ledger import Ledger

DAY = dt.datetime(2026, 11, 3, 10, tzinfo=dt.timezone.utc)


class ListSource:
    """A usage source over events given in the test (the file only names the load)."""

    name = "events"

    def __init__(self, rows: list[dict], notes=()):
        self.rows, self.notes = rows, list(notes)

    def read(self, path: Path) -> EventBatch:
        return EventBatch(to_table([{"source": "events", **r} for r in self.rows]), "test events", self.notes)


def event(i: int, **values) -> dict:
    return {"event_id": f"req-{i}", "provider": "openai", "model": "gpt-4o-2024-08-06", "start_time": DAY,
            "end_time": DAY, "account_id": "org-1", **values}


def load(ledger, tmp_path, name: str, rows: list[dict], catalog=None):
    path = tmp_path / name
    path.write_text(name + str(rows))  # distinct content per load: the content hash names the file
    return ingest_usage(ledger, [UsageFile(path, ListSource(rows))], catalog)


@pytest.fixture
def ledger():
    with Ledger.open(db=":memory:") as led:
        yield led


def costs_by_class(ledger) -> dict[str, tuple[Decimal, Decimal]]:
    rows = ledger.duckdb.sql("SELECT x_TokenClass, sum(ConsumedQuantity), sum(BilledCost) FROM costs GROUP BY 1").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_events_are_priced_per_token_class_and_rolled_up_exactly(ledger, tmp_path):
    result = load(ledger, tmp_path, "a.jsonl", [
        event(1, input_tokens=800, cached_input_tokens=200, output_tokens=250, reasoning_tokens=50, team="search"),
        event(2, input_tokens=1000, output_tokens=100, team="search"),
        event(3, input_tokens=2000, service_tier="batch", team="growth"),
    ])
    (loaded,) = result.files
    # gpt-4o: input 2.50, cached 1.25, output 10 (reasoning bills as output), batch input 1.25 per million
    expected = (Decimal(1800) * Decimal("2.5") + 200 * Decimal("1.25") + (350 + 50) * Decimal(10)
                + 2000 * Decimal("1.25")) / 10**6
    assert loaded.status == "loaded" and loaded.billed_cost == expected
    (part,) = loaded.partitions
    assert (part.provider, part.billing_account, part.period) == ("OpenAI", "org-1", "2026-11")
    assert part.billed_cost == part.source_billed_cost == expected
    by_class = costs_by_class(ledger)
    assert by_class["Input"][0] == 3800 and by_class["Cached Input"][0] == 200
    assert by_class["Reasoning"] == (50, Decimal(50) * 10 / 10**6)
    row = ledger.duckdb.sql("""SELECT PricingUnit, PricingQuantity, ListUnitPrice, x_Team, x_AiWorkload, ServiceName,
        ChargePeriodStart, SkuPriceDetails, Tags FROM costs WHERE x_TokenClass = 'Input' AND x_Team = 'growth'""").fetchone()
    assert row[:6] == ("1000000 Tokens", Decimal("0.002"), Decimal("1.25"), "growth", "Inference", "OpenAI API")
    assert row[6] == dt.datetime(2026, 11, 3, tzinfo=dt.timezone.utc)
    assert '"ServiceTier":"batch"' in row[7] and row[8] == '{"team":"growth"}'


def test_the_same_file_twice_changes_nothing_and_a_restated_event_replaces_the_old(ledger, tmp_path):
    rows = [event(1, input_tokens=1000), event(2, input_tokens=3000)]
    load(ledger, tmp_path, "a.jsonl", rows)
    before = ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone()
    path = tmp_path / "a.jsonl"
    again = ingest_usage(ledger, [UsageFile(path, ListSource(rows))])
    assert [f.status for f in again.files] == ["unchanged"]
    assert ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone() == before
    # a restated bucket: same event id, corrected count, in a later file
    load(ledger, tmp_path, "b.jsonl", [event(2, input_tokens=5000)])
    assert ledger.duckdb.sql("SELECT count(*) FROM usage_events").fetchone()[0] == 2
    assert ledger.duckdb.sql("SELECT sum(ConsumedQuantity), sum(BilledCost) FROM costs").fetchone() == (
        6000, Decimal(6000) * Decimal("2.5") / 10**6)


def test_an_unknown_model_is_reported_with_its_tokens_never_priced_at_zero(ledger, tmp_path):
    result = load(ledger, tmp_path, "a.jsonl", [event(1, input_tokens=100),
                                                 event(2, model="ft:gpt-4o-mini:northwind::x9", input_tokens=7000,
                                                       output_tokens=500)])
    (u,) = result.unpriced
    assert (u.model, u.events, u.tokens) == ("ft:gpt-4o-mini:northwind::x9", 1, 7500)
    assert any("UNPRICED" in n and "7,500 tokens" in n for n in result.files[0].notes)
    stored = ledger.duckdb.sql("SELECT event_id, cost, unpriced_tokens FROM usage_events ORDER BY 1").fetchall()
    assert stored == [("req-1", Decimal(100) * Decimal("2.5") / 10**6, 0), ("req-2", None, 7500)]
    assert ledger.duckdb.sql("SELECT count(*) FROM costs WHERE x_Model LIKE 'ft:%'").fetchone()[0] == 0


def test_a_price_change_applies_from_its_date_and_reprice_rebuilds_the_months(ledger, tmp_path):
    later = DAY + dt.timedelta(days=20)
    load(ledger, tmp_path, "a.jsonl", [event(1, input_tokens=10**6), event(2, start_time=later, end_time=later,
                                                                           input_tokens=10**6)])
    assert ledger.duckdb.sql("SELECT sum(BilledCost) FROM costs").fetchone()[0] == 5
    prices = tmp_path / "prices.csv"
    prices.write_text("provider,model,component,tier,usd_per_million\nopenai,gpt-4o-2024-08-06,input,standard,2.00\n")
    store_prices(ledger, read_price_file(prices, dt.date(2026, 11, 15)))
    result = reprice(ledger, dt.date(2026, 11, 10))
    assert (result.start, result.events, result.before, result.after) == (dt.date(2026, 11, 1), 2, 5, Decimal("4.5"))
    by_day = dict(ledger.duckdb.sql("SELECT ChargePeriodStart::DATE, sum(BilledCost) FROM costs GROUP BY 1").fetchall())
    assert by_day == {dt.date(2026, 11, 3): Decimal("2.5"), dt.date(2026, 11, 23): Decimal("2.0")}


def test_overrides_from_the_config_price_negotiated_rates():
    catalog = Catalog.load(None, {"openai/gpt-4o": {"input": "2.00", "from": "2026-06-01"}})
    assert catalog.lookup("openai", "gpt-4o-2024-08-06", "input", day=dt.date(2026, 5, 31)).usd_per_million == Decimal("2.5")
    # the dated version has a bundled price of its own; the override names the undated model
    assert catalog.lookup("openai", "gpt-4o", "input", day=dt.date(2026, 6, 1)).usd_per_million == 2
    assert catalog.lookup("openai", "gpt-4o", "output", day=dt.date(2026, 6, 1)).usd_per_million == 10


def test_batch_without_its_own_price_is_half_the_standard_price():
    catalog = Catalog([Price("anthropic", "claude-x", "input", "standard", Decimal(3), None, "test")])
    price = catalog.lookup("anthropic", "claude-x", "input", tier="batch")
    assert price.usd_per_million == Decimal("1.5") and "half" in price.source


counts = st.integers(min_value=0, max_value=10**9)


def test_long_prompts_are_billed_at_the_models_long_context_prices(ledger, tmp_path):
    # gpt-5.4 (bundled snapshot): input 2.50 and output 15 per million; above 272k prompt tokens 5 and 22.50
    catalog = Catalog.bundled()
    assert catalog.lookup("openai", "gpt-5.4", "input", tier="standard>272k").usd_per_million == 5
    assert catalog.lookup("openai", "gpt-5.4", "input", tier="batch>272k").usd_per_million == Decimal("2.5")
    gpt = {"model": "gpt-5.4", "output_tokens": 1000}
    load(ledger, tmp_path, "a.jsonl", [
        event(1, input_tokens=200_000, cached_input_tokens=80_000, requests=1, **gpt),  # 280k: long
        event(2, input_tokens=272_000, requests=1, **gpt),  # at the threshold: not above it
        event(3, input_tokens=400_000, requests=4, **gpt),  # four requests: none need be long
        event(4, input_tokens=300_000, **gpt),  # request count unknown
    ])
    cost = dict(ledger.duckdb.sql("SELECT event_id, cost FROM usage_events").fetchall())
    million = Decimal(1_000_000)
    assert cost["req-1"] == (200_000 * 5 + 80_000 * Decimal("0.5") + 1000 * Decimal("22.5")) / million
    assert cost["req-2"] == (272_000 * Decimal("2.5") + 1000 * 15) / million
    assert cost["req-3"] == (400_000 * Decimal("2.5") + 1000 * 15) / million
    assert cost["req-4"] == (300_000 * Decimal("2.5") + 1000 * 15) / million
    # the roll-up keeps the long prompt apart, at its own unit price, and sums to the events exactly
    rows = ledger.duckdb.sql("""SELECT x_TokenClass, ListUnitPrice, ConsumedQuantity, SkuPriceId, ChargeDescription
                                FROM costs WHERE ChargeDescription LIKE '%long context%' ORDER BY 1""").fetchall()
    assert [r[:3] for r in rows] == [("Cached Input", Decimal("0.5"), 80_000), ("Input", 5, 200_000),
                                     ("Output", Decimal("22.5"), 1000)]
    assert rows[1][3] == "gpt-5.4/input/standard>272k" and "prompts over 272k tokens" in rows[1][4]
    assert ledger.duckdb.sql("SELECT sum(BilledCost) FROM costs").fetchone()[0] == sum(cost.values())


def test_anthropics_long_context_window_is_billed_at_its_long_context_prices(ledger, tmp_path):
    # claude-haiku-5-5 (bundled snapshot): input 0.10 per million, 0.50 above 100k prompt tokens
    haiku = {"provider": "anthropic", "model": "claude-haiku-5-5", "input_tokens": 1_000_000, "requests": None}
    load(ledger, tmp_path, "a.jsonl", [event(1, tags='{"context_window":"200k-1M"}', **haiku),
                                        event(2, tags='{"context_window":"0-200k"}', **haiku)])
    cost = dict(ledger.duckdb.sql("SELECT event_id, cost FROM usage_events").fetchall())
    assert (cost["req-1"], cost["req-2"]) == (Decimal("0.5"), Decimal("0.1"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({c: counts for c in TOKEN_COLUMNS if c not in ("audio_input_tokens",
                                                                                     "audio_output_tokens")}),
                min_size=1, max_size=12))
def test_no_token_is_counted_twice_or_dropped_on_the_way_to_costs(tmp_path_factory, events):
    rows = [event(i, model="claude-sonnet-4-5-20250929", provider="anthropic", **e) for i, e in enumerate(events)]
    with Ledger.open(db=":memory:") as led:
        load(led, tmp_path_factory.mktemp("p"), "a.jsonl", rows)
        tokens = sum(sum(e.values()) for e in events)
        stored = led.duckdb.sql("SELECT coalesce(sum(ConsumedQuantity), 0), coalesce(sum(BilledCost), 0) FROM costs").fetchone()
        events_cost = led.duckdb.sql("SELECT coalesce(sum(cost), 0) FROM usage_events").fetchone()[0]
        assert stored[0] == tokens and stored[1] == events_cost
        for column, (_, cls) in TOKEN_COLUMNS.items():
            if column.startswith("audio"):
                continue
            want = sum(e[column] for e in events)
            got = led.duckdb.sql(f"SELECT coalesce(sum(ConsumedQuantity), 0) FROM costs WHERE SkuId LIKE '%/{TOKEN_COLUMNS[column][0]}'").fetchone()[0]
            assert got == want, (column, cls)


def test_two_files_of_one_ingest_with_the_same_event_keep_the_later(ledger, tmp_path):
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    first.write_text("1")
    second.write_text("2")
    ingest_usage(ledger, [UsageFile(first, ListSource([event(1, input_tokens=100), event(2, input_tokens=1)])),
                          UsageFile(second, ListSource([event(1, input_tokens=300)]))])
    stored = ledger.duckdb.sql("SELECT event_id, input_tokens, load_id FROM usage_events ORDER BY 1").fetchall()
    assert stored == [("req-1", 300, 2), ("req-2", 1, 1)]
    assert ledger.duckdb.sql("SELECT sum(ConsumedQuantity) FROM costs").fetchone()[0] == 301


def test_a_malformed_usage_file_stops_the_whole_ingest_and_the_ledger_stays_as_it_was(tmp_path):
    import json

    import pytest as _pytest

    from spendscope.errors import RowError
    from spendscope.ingest.pipeline import ingest
    from tests.conftest import SAMPLE_FOCUS

    good = {"schema": "spendscope.usage.v1", "event_id": "a", "provider": "openai", "model": "gpt-4o",
            "start_time": "2026-11-03T10:00:00Z", "input_tokens": 10}
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps(good) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**good, "event_id": "b"}) + "\n" + json.dumps({**good, "event_id": "c", "input_tokens": -5}) + "\n")
    with Ledger.open(db=":memory:") as ledger:
        ingest(ledger, [str(first)])
        before = [ledger.duckdb.sql(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("costs", "usage_events", "loads", "load_partitions")]
        with _pytest.raises(RowError) as err:
            ingest(ledger, [str(SAMPLE_FOCUS), str(bad)])  # a good bill and a bad usage file in one ingest
        assert "bad.jsonl" in str(err.value) and "row 2" in str(err.value) and "input_tokens" in str(err.value)
        after = [ledger.duckdb.sql(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("costs", "usage_events", "loads", "load_partitions")]
        assert after == before


def test_staged_rows_keep_every_value_exactly():
    import duckdb

    from spendscope.store.schema import stage_rows as _stage_rows

    con = duckdb.connect()
    tiny, big = Decimal("0.000000000000000001"), Decimal("12345678901234567890.123456789012345678")
    days = [dt.date(2026, 3, 1), None, dt.date(1969, 12, 31), dt.date(2026, 3, 2)]
    _stage_rows(con, "t", {"name": ["a", "", 'q"uote,\ncomma é', None], "day": days,
                           "usd": [tiny, big, None, Decimal("1E-7")], "n": [None, 0, -3, 2**62]},
                {"name": "VARCHAR", "day": "DATE", "usd": "DECIMAL(38, 18)", "n": "BIGINT"})
    assert con.execute("SELECT * FROM t").fetchall() == [
        ("a", days[0], tiny, None), ("", None, big, 0), ('q"uote,\ncomma é', days[2], None, -3),
        (None, days[3], Decimal("0.0000001"), 2**62)]
    _stage_rows(con, "empty", {"name": []}, {"name": "VARCHAR"})
    assert con.execute("SELECT count(*) FROM empty").fetchone() == (0,)


def test_a_file_loaded_before_is_unchanged_under_its_own_path_or_another(ledger, tmp_path):
    import json
    import shutil

    from spendscope.llm.sources.generic import GenericEventsSource

    path = tmp_path / "gateway.jsonl"
    path.write_text("".join(json.dumps({"schema": "spendscope.usage.v1", "event_id": f"r{i}", "provider": "openai",
                                        "model": "gpt-4o", "start_time": "2026-11-03T10:00:00Z", "input_tokens": 100})
                            + "\n" for i in range(3)))
    source = GenericEventsSource()
    (first,) = ingest_usage(ledger, [UsageFile(path, source)]).files
    copy = tmp_path / "copy" / "gateway.jsonl"  # the same bytes where no load came from: hashed while read
    copy.parent.mkdir()
    shutil.copy(path, copy)
    again = ingest_usage(ledger, [UsageFile(path, source), UsageFile(copy, source)]).files
    assert first.status == "loaded" and [f.status for f in again] == ["unchanged", "unchanged"]
    assert {f.content_hash for f in again} == {first.content_hash}
    assert [f.load_id for f in again] == [first.load_id] * 2  # the load that brought them
    temp = ledger.duckdb.sql("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name LIKE '__staged%'")
    assert temp.fetchone()[0] == 0
    assert ledger.duckdb.sql("SELECT count(*), sum(input_tokens) FROM usage_events").fetchone() == (3, 300)
