"""GCP billing exports: flattened CSV, NDJSON and Parquet read alike; every credit a row of its own so
the ledger's total is the net cost; commitments, Vertex AI tokens, GPUs and TPUs recognised."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from spendscope.errors import RowError, SchemaError
from spendscope.ingest import files
from spendscope.ingest.pipeline import ingest
from spendscope.plugins import sources
from tests.conftest import SHARED
from tests.ingest import gcp_fixture as fx

SAMPLE = SHARED / "data" / "gcp" / "billing-export-flattened_2022-08.csv"
MONEY = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingQuantity", "ConsumedQuantity")
WRITERS = {"csv": fx.write_csv, "jsonl": fx.write_json, "parquet": fx.write_parquet}


def test_shared_sample_loads_and_reconciles_exactly(ledger):
    result = ingest(ledger, [str(SAMPLE)])
    loaded = result.files[0]
    assert loaded.source == "gcp" and loaded.rows == 9
    with open(SAMPLE, newline="") as fh:
        expected = sum((Decimal(r["cost"]) for r in csv.DictReader(fh)), Decimal(0))
    assert loaded.billed_cost == expected == Decimal("0.000012")
    part = loaded.partitions[0]
    assert (part.provider, part.billing_account, part.period) == ("Google Cloud", "018984-D0AAA4-940B88", "2022-08")
    # invoice months are Pacific time: August starts at 07:00 UTC (daylight saving time)
    start, end = ledger.duckdb.sql("SELECT min(BillingPeriodStart), max(BillingPeriodEnd) FROM costs").fetchone()
    assert (start.day, start.hour, end.month, end.hour) == (1, 7, 9, 7)
    units = ledger.duckdb.sql("SELECT DISTINCT PricingUnit, ConsumedUnit, RegionName FROM costs").fetchall()
    assert units == [("GiB", "B", "Iowa")]


@pytest.mark.parametrize("form", list(WRITERS))
def test_every_form_gives_the_net_cost_with_each_credit_visible(ledger, tmp_path, form):
    ingest(ledger, [str(WRITERS[form](tmp_path / f"export.{form}"))])
    cost, credits, rows = fx.totals()
    count, billed, effective = ledger.duckdb.sql(
        "SELECT count(*), sum(BilledCost), sum(EffectiveCost) FROM costs").fetchone()
    assert (count, billed, effective) == (rows, cost + credits, cost + credits)
    by_type = dict(ledger.duckdb.sql(
        "SELECT x_CreditType, sum(BilledCost) FROM costs WHERE ChargeCategory = 'Credit' GROUP BY 1").fetchall())
    assert by_type == {"COMMITTED_USAGE_DISCOUNT": Decimal("-60"), "PROMOTION": Decimal("-1"),
                       "SUSTAINED_USAGE_DISCOUNT": Decimal("-2"), "DISCOUNT": Decimal("-1"), "FREE_TIER": Decimal("-0.1")}


def test_the_three_forms_give_identical_rows(tmp_path):
    from spendscope.settings import Settings
    from spendscope.store.ledger import Ledger

    out = {}
    for form, write in WRITERS.items():
        path = write(tmp_path / f"export.{form}")
        with Ledger.open(Settings.load(environ={}, db=str(tmp_path / f"{form}.duckdb"))) as ledger:
            ingest(ledger, [str(path)])
            out[form] = ledger.duckdb.sql("SELECT * EXCLUDE (x_LoadId) FROM costs ORDER BY ALL").fetchall()
    assert out["csv"] == out["jsonl"] == out["parquet"]


def test_each_row_gets_its_focus_values(ledger, tmp_path):
    ingest(ledger, [str(fx.write_json(tmp_path / "export.jsonl"))])
    columns = sorted({k for _, e in fx.ROWS for k in e} | {"SkuId", "ChargeCategory"})
    cur = ledger.duckdb.sql(f"SELECT {', '.join(columns)} FROM costs WHERE ChargeCategory <> 'Credit'")
    rows = {r["SkuId"]: r for r in (dict(zip(cur.columns, t)) for t in cur.fetchall())}
    for values, expected in fx.ROWS:
        row = rows[values["sku"]["id"]]
        for column, want in expected.items():
            if column in MONEY and want is not None:
                assert row[column] == Decimal(want), (values["sku"], column, row[column])
            else:
                assert row[column] == want, (values["sku"], column, row[column])


def test_credit_rows(ledger, tmp_path):
    ingest(ledger, [str(fx.write_csv(tmp_path / "export.csv"))])
    rows = ledger.duckdb.sql(
        "SELECT x_CreditType, ChargeDescription, ChargeFrequency, CommitmentDiscountId, CommitmentDiscountCategory, "
        "CommitmentDiscountStatus, PricingCategory, ConsumedQuantity, SkuId, SubAccountId FROM costs "
        "WHERE ChargeCategory = 'Credit' ORDER BY x_CreditType").fetchall()
    assert [r[0] for r in rows] == ["COMMITTED_USAGE_DISCOUNT", "DISCOUNT", "FREE_TIER", "PROMOTION",
                                    "SUSTAINED_USAGE_DISCOUNT"]
    cud = rows[0]
    assert cud[1:8] == ("Committed Usage Discount: GPU", "Usage-Based", "cud-gpu-1", "Usage", None, None, None)
    # a credit keeps the SKU and project of the row it reduces, so it is attributed the same way
    assert cud[8:] == ("A3H1-0000-0001", "ml-prod")
    # ... and classified the same way, so AI spend is net of its credits
    training = ledger.duckdb.sql("SELECT sum(EffectiveCost) FROM costs WHERE x_AiWorkload = 'Training' "
                                 "AND SkuId IN ('A3H1-0000-0001', 'VTX-TRAIN-0001')").fetchone()[0]
    assert training == Decimal("88.49") - 60 + 20 - 2 - 1


def test_same_export_twice_changes_nothing_and_a_newer_one_replaces(ledger, tmp_path):
    path = fx.write_csv(tmp_path / "export.csv")
    ingest(ledger, [str(path)])
    assert ingest(ledger, [str(path)]).files[0].status == "unchanged"
    ingest(ledger, [str(fx.write_csv(tmp_path / "restated.csv", fx.ROWS[:2]))])
    assert ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone() == (3, Decimal("30.79"))


@pytest.mark.parametrize("column, value, shown", [
    ("cost", "1,50", "'1,50' is not a decimal number"),
    ("usage_start_time", "yesterday", "'yesterday' is not a date/time"),
])
def test_bad_value_is_rejected_with_row_and_column_and_nothing_loaded(ledger, tmp_path, column, value, shown):
    ingest(ledger, [str(SAMPLE)])
    before = ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone()
    path = fx.write_csv(tmp_path / "bad.csv")
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    row = next(csv.reader([lines[3]]))
    row[header.index(column)] = value
    import io

    buf = io.StringIO()
    csv.writer(buf).writerow(row)
    lines[3] = buf.getvalue().rstrip("\r\n")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RowError) as info:
        ingest(ledger, [str(path)])
    message = str(info.value)
    assert "bad.csv" in message and "row 3" in message and column in message and shown in message
    assert ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone() == before


def test_detection_and_missing_columns(ledger, tmp_path):
    for form, write in WRITERS.items():
        info = files.sniff(write(tmp_path / f"d.{form}"))
        scores = {name: cls().detect(info) for name, cls in sources().items()}
        assert max(scores, key=scores.get) == "gcp" and scores["gcp"] == 1.0, (form, scores)
    partial = tmp_path / "partial.csv"
    partial.write_text("billing_account_id,service.description,sku.description,usage_start_time,cost,currency\n"
                       "A,Compute Engine,x,2026-11-01 00:00:00+00:00,1,USD\n")
    with pytest.raises(SchemaError, match=r"missing GCP billing export column invoice.month"):
        ingest(ledger, [str(partial)])


def test_part_files_of_one_export_load_together_and_stay_current(ledger, tmp_path):
    """BigQuery writes a month as several shards: loading the folder again changes nothing, and a
    restated shard reloads with its siblings, so no shard's rows are lost."""
    from spendscope.analysis.loads import load_history

    folder = tmp_path / "export"
    folder.mkdir()
    fx.write_json(folder / "export-000000000000.jsonl", fx.ROWS[:2])
    fx.write_json(folder / "export-000000000001.jsonl", fx.ROWS[2:4])
    ingest(ledger, [str(folder)])
    expected = ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone()
    for _ in range(2):
        again = ingest(ledger, [str(folder)])
        assert [r.status for r in again.files] == ["unchanged", "unchanged"]
        assert ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone() == expected
    assert [r["status"] for r in load_history(ledger)] == ["current", "current"]
    fx.write_json(folder / "export-000000000001.jsonl", fx.ROWS[2:3])  # a restated shard
    result = ingest(ledger, [str(folder)])
    assert [r.status for r in result.files] == ["loaded", "loaded"]
    cost, credits, rows = fx.totals(fx.ROWS[:3])
    assert ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone() == (rows, cost + credits)


def test_credit_and_label_text_with_apostrophes_and_python_words(ledger, tmp_path):
    """JSON text is read as it is (an apostrophe in a value stays); in Python's repr, None is rewritten
    only where it is a value, not inside a string."""
    path = fx.write_csv(tmp_path / "export.csv", fx.ROWS[2:3])
    rows = list(csv.reader(path.read_text().splitlines()))
    header = rows[0]
    rows[1][header.index("labels")] = '[{"key": "team", "value": "O\'Neil"}, {"key": "owner", "value": "None"}]'
    rows[1][header.index("credits")] = ("[{'name': 'None of it', 'amount': -1.0, 'full_name': None, "
                                        "'id': 'c-1', 'type': 'PROMOTION'}]")
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    ingest(ledger, [str(path)])
    tags, credit = ledger.duckdb.sql(
        "SELECT any_value(Tags) FILTER (ChargeCategory <> 'Credit'), any_value(ChargeDescription) "
        "FILTER (ChargeCategory = 'Credit') FROM costs").fetchone()
    assert '"team":"O\'Neil"' in tags and '"owner":"None"' in tags
    assert credit == "None of it"


def test_a_credit_without_an_amount_stops_the_load(ledger, tmp_path):
    rows = [fx.ROWS[0], ({**fx.ROWS[2][0], "credits": [{**fx.credit("PROMOTION", "-1.00", "Trial"), "amount": None}]}, {})]
    path = tmp_path / "export.jsonl"
    import json as _json

    with open(path, "w") as fh:
        for r in fx.records(rows):
            fh.write(_json.dumps({**r, "cost": float(r["cost"])}) + "\n")
    with pytest.raises(RowError) as info:
        ingest(ledger, [str(path)])
    assert "export.jsonl, row 2" in str(info.value) and "MUST NOT be null" in str(info.value)
    assert ledger.duckdb.sql("SELECT count(*) FROM costs").fetchone()[0] == 0
