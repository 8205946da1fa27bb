"""The demo organisation: deterministic files, honest labels, and a bill that loads and reconciles."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spendscope.demo import generate
from spendscope.errors import ConfigError
from spendscope.focus.columns import FOCUS_12_COLUMNS
from spendscope.ingest.pipeline import ingest

from tests.demo.conftest import END

FOCUS_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MANDATORY = {c.name for c in FOCUS_12_COLUMNS if c.level in ("Mandatory", "Recommended")}


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def read_rows(path: Path) -> list[dict]:
    """A demo file's rows as dicts of text (CSV) or Python values (Parquet)."""
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path):
    a = generate(tmp_path / "a", seed=11, scale=0.2, months=2, end=END)
    b = generate(tmp_path / "b", seed=11, scale=0.2, months=2, end=END)
    c = generate(tmp_path / "c", seed=12, scale=0.2, months=2, end=END)
    assert len(a.files) == 10  # 5 providers x 2 months
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    first, other = tree(tmp_path / "a"), tree(tmp_path / "c")
    assert first.keys() == other.keys()
    # every generated file depends on the seed, but the negotiated price list, which is a fixed contract
    assert [name for name in first if first[name] != other[name]] == [n for n in sorted(first) if not n.startswith("prices/")]
    assert a.totals == b.totals and a.totals != c.totals


def test_cloud_bills_are_written_in_their_providers_native_formats(demo):
    names = sorted(str(p.relative_to(demo.out_dir)) for p in demo.files)
    assert names == [
        "anthropic/anthropic-focus-2025-12.csv",
        "aws/cur2/data/BILLING_PERIOD=2025-12/cur2-00001.snappy.parquet",
        "azure/northwind-amortized/20251201-20251231/part_0_0001.csv",
        "gcp/billing-export/gcp_billing_export_v1_01A7C2_5F3B9D_E0486A-2025-12.parquet",
        "openai/openai-focus-2025-12.csv",
    ]
    cur = pq.read_schema(next(p for p in demo.files if "cur2" in str(p)))
    assert str(cur.field("line_item_unblended_cost").type) == "double"  # as AWS Data Exports writes it
    for name in ("resource_tags", "product"):  # CUR 2.0's map columns
        typ = cur.field(name).type
        assert pa.types.is_map(typ) and typ.key_type == typ.item_type == pa.string()
    cur_rows = read_rows(next(p for p in demo.files if "cur2" in str(p)))
    assert {r["line_item_line_item_type"] for r in cur_rows} == {
        "Usage", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee"}
    assert any(r["line_item_usage_type"].startswith("USE1-MP:USE1_") for r in cur_rows)  # Bedrock Marketplace
    assert any(dict(r["resource_tags"]).get("user_team") for r in cur_rows)

    azure = next(p for p in demo.files if "azure" in str(p))
    assert azure.read_bytes().startswith(b"\xef\xbb\xbf\"billingAccountId\",\"billingAccountName\"")
    first = read_rows(azure)[0]
    assert re.match(r"^\d\d/\d\d/\d{4}$", first["date"]) and first["chargeType"] == "Usage"

    gcp = next(p for p in demo.files if "gcp" in str(p))
    schema = pq.read_schema(gcp)
    assert str(schema.field("cost").type) == "double"
    assert schema.field("credits").type.value_type.names == ["name", "amount", "full_name", "id", "type"]
    credits = [c for r in read_rows(gcp) for c in r["credits"]]
    assert credits and {c["type"] for c in credits} == {"DISCOUNT"} and all(c["amount"] < 0 for c in credits)


def test_focus_exports_hold_focus_columns_exact_decimals_and_real_nulls(focus_demo):
    names = sorted(str(p.relative_to(focus_demo.out_dir)) for p in focus_demo.files)
    assert names == [
        "anthropic/anthropic-focus-2025-12.csv",
        "aws/focus-export/data/BILLING_PERIOD=2025-12/focus-export-00001.snappy.parquet",
        "azure/northwind-focus-cost/20251201-20251231/part_0_0001.csv",
        "gcp/focus/northwind-focus-2025-12.csv.gz",
        "openai/openai-focus-2025-12.csv",
    ]
    aws = pq.read_schema(next(p for p in focus_demo.files if p.suffix == ".parquet"))
    assert str(aws.field("BilledCost").type) == "decimal128(38, 12)"
    assert str(aws.field("ChargePeriodStart").type) == "timestamp[ms, tz=UTC]"
    azure = next(p for p in focus_demo.files if "azure" in str(p))
    assert azure.read_bytes().startswith(b"\xef\xbb\xbf\"AvailabilityZone\",\"BilledCost\"")
    for path in focus_demo.files:
        rows = read_rows(path)
        assert len(rows) == focus_demo.rows_by_file[path]
        assert MANDATORY <= set(rows[0]), path
        if path.suffix == ".parquet":
            continue
        for row in rows[:2000]:
            assert FOCUS_DATETIME.match(row["ChargePeriodStart"]) and FOCUS_DATETIME.match(row["BillingPeriodEnd"])
            assert "NULL" not in row.values() and row["ChargeClass"] == ""
            for cost, price in (("ListCost", "ListUnitPrice"), ("ContractedCost", "ContractedUnitPrice")):
                assert Decimal(row[cost]) == Decimal(row[price]) * Decimal(row["PricingQuantity"]), (path, row)
            assert "e" not in row["BilledCost"].lower()


def test_token_rows_follow_the_focus_ai_billing_draft(demo):
    rows = read_rows(next(p for p in demo.files if "anthropic" in str(p)))
    meters = {r["SkuMeter"] for r in rows}
    assert meters == {"Input Tokens", "Output Tokens", "Cache Read Input Tokens", "Cache Write Input Tokens"}
    row = next(r for r in rows if r["SkuMeter"] == "Output Tokens")
    assert (row["ConsumedUnit"], row["PricingUnit"]) == ("Tokens", "1000000 Tokens")
    assert Decimal(row["PricingQuantity"]) * 1_000_000 == Decimal(row["ConsumedQuantity"])
    details = json.loads(row["SkuPriceDetails"])
    assert details["ModelId"].startswith("claude-") and details["TokenType"] == "Output"
    assert (row["ServiceCategory"], row["ServiceSubcategory"]) == ("AI and Machine Learning", "Generative AI")


def test_savings_plan_in_the_focus_export_follows_focus_commitment_semantics(focus_demo):
    rows = read_rows(next(p for p in focus_demo.files if p.suffix == ".parquet"))
    sp = [r for r in rows if r["CommitmentDiscountId"]]
    purchases = [r for r in sp if r["ChargeCategory"] == "Purchase"]
    assert len(purchases) == 1
    (fee,) = purchases
    assert (fee["ChargeFrequency"], fee["PricingCategory"], fee["EffectiveCost"]) == ("Recurring", "Standard", 0)
    usage = [r for r in sp if r["ChargeCategory"] == "Usage"]
    assert {r["PricingCategory"] for r in usage} == {"Committed"}
    assert {r["CommitmentDiscountStatus"] for r in usage} == {"Used", "Unused"}
    assert all(r["BilledCost"] == 0 for r in usage)
    # per commitment: amortised usage (used + unused) equals what the purchase billed
    assert sum(r["EffectiveCost"] for r in usage) == fee["BilledCost"] > 0
    assert all(r["ConsumedQuantity"] is None for r in usage if r["CommitmentDiscountStatus"] == "Unused")


def test_savings_plan_from_the_cur_reaches_the_ledger_amortised_and_counted_once(demo, ledger):
    ingest(ledger, [str(p) for p in demo.files if "cur2" in str(p)])
    c = ledger.costs
    sp = c.filter(c.CommitmentDiscountId.notnull())
    rows = sp.select("ChargeCategory", "CommitmentDiscountStatus", "BilledCost", "EffectiveCost",
                     "ConsumedQuantity").to_pyarrow().to_pylist()
    purchases = [r for r in rows if r["ChargeCategory"] == "Purchase"]
    usage = [r for r in rows if r["ChargeCategory"] == "Usage"]
    assert len(purchases) == 31  # SavingsPlanRecurringFee, one per day of December
    assert all(r["EffectiveCost"] == 0 for r in purchases)
    # covered usage bills its on-demand cost and the negation cancels it: nothing billed twice
    assert sum(r["BilledCost"] for r in usage) == 0 and any(r["BilledCost"] > 0 for r in usage)
    assert {r["CommitmentDiscountStatus"] for r in usage} == {"Used", "Unused"}
    # amortised: what was used and what went unused is exactly what the fees billed
    assert sum(r["EffectiveCost"] for r in usage) == sum(r["BilledCost"] for r in purchases) > 0
    assert all(r["ConsumedQuantity"] is None for r in usage if r["CommitmentDiscountStatus"] == "Unused")


def test_native_bills_carry_the_ai_workloads_the_demo_is_about(demo, ledger):
    ingest(ledger, [str(p) for p in demo.files])
    c = ledger.costs

    def rows(*predicates) -> int:
        return c.filter(*predicates).count().to_pyarrow().as_py()

    gpu = c.SkuMeter.contains("p4d.24xlarge") | c.SkuMeter.contains("p5.48xlarge")
    assert rows(c.ProviderName == "AWS", gpu, c.PricingCategory == "Standard") > 0  # on-demand
    assert rows(c.ProviderName == "AWS", gpu, c.PricingCategory == "Dynamic") > 0  # spot
    assert rows(c.ProviderName == "AWS", gpu, c.PricingCategory == "Committed") > 0  # savings plan
    assert rows(c.ProviderName == "AWS", c.SkuMeter.contains("Host:ml."), c.x_AiWorkload == "Inference") > 0
    bedrock = c.filter(c.ProviderName == "AWS", c.ServiceCategory == "AI and Machine Learning", c.x_TokenClass.notnull())
    assert set(bedrock.x_Model.to_pyarrow().to_pylist()) == {"Claude Sonnet 4", "Claude3.5Haiku"}
    azure_tokens = c.filter(c.ProviderName == "Microsoft", c.x_TokenClass.notnull())
    assert set(azure_tokens.x_Model.to_pyarrow().to_pylist()) == {"gpt-4o-0806", "gpt-4o-mini-0718"}
    assert rows(c.ProviderName == "Google Cloud", c.ServiceName == "Vertex AI", c.x_AiWorkload == "Training") > 0
    assert rows(c.ProviderName == "Google Cloud", c.ChargeCategory == "Credit", c.x_CreditType == "DISCOUNT") > 0


def test_labels_describe_each_injected_anomaly(demo):
    labels = json.loads(demo.labels.read_text())
    assert labels == list(demo.anomalies)
    assert {a["kind"] for a in labels} == {"runaway-training", "token-retry-loop", "forgotten-endpoint",
                                           "duplicated-dataset", "bigquery-full-scan"}
    for a in labels:
        assert set(a) == {"id", "kind", "description", "start", "end", "provider", "service", "dimensions",
                          "extra_effective_cost"}
        start, end = dt.date.fromisoformat(a["start"]), dt.date.fromisoformat(a["end"])
        assert dt.date(2025, 12, 1) <= start <= end < END
        assert Decimal(a["extra_effective_cost"]) > 0 and a["dimensions"]


def test_demo_ingests_and_reconciles_with_the_exact_totals(demo, ledger):
    # the data files, not the folder: labels.json beside them is not a bill
    result = ingest(ledger, [str(p) for p in demo.files])
    assert result.rows == demo.ledger_rows
    c = ledger.costs
    sums = (c.group_by("ProviderName", "BillingAccountId", "BillingPeriodStart")
            .aggregate(rows=c.count(), billed=c.BilledCost.sum(), effective=c.EffectiveCost.sum())
            .to_pyarrow().to_pylist())
    ledger_totals = {(r["ProviderName"], r["BillingAccountId"], r["BillingPeriodStart"].date()):
                     (r["rows"], r["billed"], r["effective"]) for r in sums}
    assert ledger_totals == {k: (v.rows, v.billed_cost, v.effective_cost) for k, v in demo.totals.items()}
    assert len(ledger_totals) == 5 and ("AWS", "412093577210", dt.date(2025, 12, 1)) in ledger_totals

    workloads = set(c.x_AiWorkload.to_pyarrow().to_pylist())
    assert workloads == {None, "Training", "Fine-Tuning", "Inference", "Experimentation", "Data", "Platform"}
    tokens = set(c.filter(c.ProviderName == "OpenAI").x_TokenClass.to_pyarrow().to_pylist())
    assert tokens == {"Input", "Cached Input", "Output", "Reasoning"}

    # every label locates rows that hold at least the extra cost it claims
    for a in demo.anomalies:
        rows = c.filter(c.ProviderName == a["provider"], c.ServiceName == a["service"],
                        c.ChargePeriodStart.date() >= dt.date.fromisoformat(a["start"]),
                        c.ChargePeriodStart.date() <= dt.date.fromisoformat(a["end"]),
                        *[c[col] == value for col, value in a["dimensions"].items()])
        assert rows.EffectiveCost.sum().to_pyarrow().as_py() >= Decimal(a["extra_effective_cost"]), a["id"]


def test_scale_multiplies_the_rows(tmp_path):
    small = generate(tmp_path / "small", scale=1, months=1, end=END)
    large = generate(tmp_path / "large", scale=4, months=1, end=END)
    assert 3.5 * small.rows < large.rows <= 4 * small.rows


def test_bad_arguments_say_what_to_use_instead(tmp_path):
    with pytest.raises(ConfigError, match="not the first day of a month") as err:
        generate(tmp_path, end=dt.date(2026, 1, 15))
    assert "Use 2026-01-01" in str(err.value)
    with pytest.raises(ConfigError, match="scale 0 is not positive"):
        generate(tmp_path, scale=0)
    assert not any(tmp_path.iterdir())


def test_llm_usage_steps_aside_for_the_invoices_and_reconciles_with_them(tmp_path):
    """The demo's usage API pages bill the same tokens as its OpenAI and Anthropic invoices: loaded with
    them, the invoices count, the estimates step aside and reconcile to the cent; the labs gateway's
    usage (no invoice loaded) counts at the negotiated price from its date, and its fine-tuned model
    is reported unpriced with its tokens."""
    from spendscope.llm.prices import read_price_file, store_prices
    from spendscope.llm.reconcile import reconcile_llm
    from spendscope.store.ledger import Ledger

    demo = generate(tmp_path / "out", seed=7, scale=0.1, months=2, end=END)
    names = sorted(str(p.relative_to(demo.out_dir)) for p in demo.usage_files)
    assert names == ["anthropic/usage/messages-2025-11.json", "anthropic/usage/messages-2025-12.json",
                     "gateway/events-2025-11.jsonl", "gateway/events-2025-12.jsonl",
                     "openai/usage/completions-2025-11.json", "openai/usage/completions-2025-12.json",
                     "openai/usage/embeddings-2025-11.json", "openai/usage/embeddings-2025-12.json"]
    with Ledger.open(db=":memory:") as ledger:
        store_prices(ledger, read_price_file(demo.price_file, dt.date(2026, 1, 1)))
        result = ingest(ledger, [str(p) for p in (*demo.files, *demo.usage_files)])
        unpriced = [n for f in result.files for n in f.notes if n.startswith("UNPRICED")]
        assert len(unpriced) == 2 and all("ft:gpt-5-mini-2025-08-07" in n for n in unpriced)
        c = ledger.duckdb
        # the bills' partitions are exactly what the demo wrote: no estimate was added to them
        bills = {(r[0], r[1], r[2].date()): (r[3], r[4]) for r in c.sql(
            "SELECT ProviderName, BillingAccountId, BillingPeriodStart, sum(BilledCost), sum(EffectiveCost) FROM costs "
            "WHERE x_Source NOT IN ('openai_usage', 'anthropic_usage', 'events') GROUP BY ALL").fetchall()}
        assert bills == {k: (v.billed_cost, v.effective_cost) for k, v in demo.totals.items()}
        assert c.sql("SELECT count(*) FROM costs WHERE x_Source IN ('openai_usage', 'anthropic_usage')").fetchone()[0] == 0
        # the usage API pages hold the invoices' tokens: every billed line with events matches
        lines = [line for line in reconcile_llm(ledger) if line.provider in ("OpenAI", "Anthropic")
                 and line.billed_cost is not None]
        assert lines and all(line.events and line.causes() == ["matches"] for line in lines)
        # the gateway: gpt-4.1-mini at the catalog price, then the negotiated one from December
        rates = dict(c.sql("""SELECT date_trunc('month', ChargePeriodStart)::DATE, max(ListUnitPrice) FROM costs
            WHERE x_Source = 'events' AND x_TokenClass = 'Input' GROUP BY 1""").fetchall())
        assert rates == {dt.date(2025, 11, 1): Decimal("0.4"), dt.date(2025, 12, 1): Decimal("0.32")}
        tokens = c.sql("SELECT sum(unpriced_tokens), count(*) FILTER (WHERE cost IS NULL) FROM usage_events").fetchone()
        assert tokens[0] > 0 and tokens[1] > 0
