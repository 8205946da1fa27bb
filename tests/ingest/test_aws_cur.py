"""AWS Cost and Usage Reports: detected from the header, every line item type mapped to its FOCUS
meaning, amounts reconciled exactly, bad files rejected with the ledger unchanged."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import duckdb
import pytest

from spendscope.errors import RowError, SchemaError, UnknownFormatError
from spendscope.ingest import files
from spendscope.ingest.pipeline import ingest
from spendscope.ingest.sources.aws_cur.mapping import canonical, tag_key
from spendscope.plugins import sources
from tests.conftest import SHARED
from tests.ingest import cur_fixture

LEGACY_SAMPLE = SHARED / "data" / "aws" / "cur-legacy_anonymous-sample.csv"
SNAKE_SAMPLE = SHARED / "data" / "aws" / "cur-snakecase_2022-07.csv"


def source_total(path, column: str) -> Decimal:
    with open(path, newline="") as fh:
        return sum((Decimal(r[column] or "0") for r in csv.DictReader(fh)), Decimal(0))


@pytest.mark.parametrize("path, column, rows", [
    (LEGACY_SAMPLE, "lineItem/UnblendedCost", 1281),
    (SNAKE_SAMPLE, "line_item_unblended_cost", 2),
])
def test_shared_samples_load_and_reconcile_to_the_cent(ledger, path, column, rows):
    result = ingest(ledger, [str(path)])
    loaded = result.files[0]
    assert loaded.source == "aws_cur" and loaded.rows == rows
    expected = source_total(path, column)
    assert loaded.billed_cost == expected
    assert ledger.duckdb.sql("SELECT sum(BilledCost) FROM costs").fetchone()[0] == expected
    for part in loaded.partitions:
        assert part.billed_cost == part.source_billed_cost and part.effective_cost == part.source_effective_cost


def test_legacy_sample_values(ledger):
    ingest(ledger, [str(LEGACY_SAMPLE)])
    got = ledger.duckdb.sql(
        "SELECT ProviderName, InvoiceIssuerName, BillingAccountId, BillingPeriodStart::VARCHAR, count(*), "
        "count(*) FILTER (WHERE ChargeCategory = 'Tax'), count(*) FILTER (WHERE PricingUnit = 'GB-Months') "
        "FROM costs GROUP BY ALL").fetchall()
    assert got == [("AWS", "Amazon Web Services Canada, Inc.", "123412340534", "2023-11-01 00:00:00+00", 1281, 12, 123)]
    services = dict(ledger.duckdb.sql("SELECT ServiceName, ServiceCategory FROM costs GROUP BY ALL").fetchall())
    assert services["Amazon Simple Storage Service"] == "Storage"
    assert services["AWS Key Management Service"] == "Security"


def test_snake_case_sample_keeps_tags(ledger):
    ingest(ledger, [str(SNAKE_SAMPLE)])
    tags = {r[0] for r in ledger.duckdb.sql("SELECT Tags FROM costs").fetchall()}
    assert tags == {'{"aws_created_by":"IAMUser:fake:and"}'}  # empty tag values are left out


def test_cur_totals_are_the_invoice_and_the_amortised_cost(ledger, tmp_path):
    path = cur_fixture.write(tmp_path / "cur.csv")
    result = ingest(ledger, [str(path)])
    assert result.files[0].billed_cost == cur_fixture.BILLED_TOTAL == Decimal("1720.51")
    assert result.files[0].effective_cost == cur_fixture.EFFECTIVE_TOTAL == Decimal("192.41")
    # a Savings Plan's covered usage and its negation cancel in BilledCost: nothing counted twice
    covered = ledger.duckdb.sql(
        "SELECT sum(BilledCost), sum(EffectiveCost) FROM costs WHERE CommitmentDiscountCategory = 'Spend' "
        "AND ChargeCategory = 'Usage' AND CommitmentDiscountStatus = 'Used'").fetchone()
    assert covered == (Decimal(0), Decimal("20.00"))


def _rows_by_line_item(ledger, columns):
    cur = ledger.duckdb.sql(f"SELECT {', '.join(columns)} FROM costs")
    return [dict(zip(cur.columns, r)) for r in cur.fetchall()]


def test_each_fixture_row_gets_the_expected_values(ledger, tmp_path):
    path = cur_fixture.write(tmp_path / "cur.csv")
    ingest(ledger, [str(path)])
    columns = sorted({k for _, expected in cur_fixture.ROWS for k in expected if not k.startswith("_")}
                     | {"SkuMeter", "ChargeCategory", "BilledCost"})
    rows = _rows_by_line_item(ledger, columns)
    for values, expected in cur_fixture.ROWS:
        # each fixture row is unique in (BilledCost, ChargeCategory, usage type)
        billed = Decimal(expected["BilledCost"])
        candidates = [r for r in rows if r["BilledCost"] == billed and r["ChargeCategory"] == expected.get("ChargeCategory", r["ChargeCategory"])
                      and (r["SkuMeter"] or "") == values.get("lineItem/UsageType", "") and r["CommitmentDiscountStatus"] != "Unused"]
        assert len(candidates) == 1, (values, candidates)
        row = candidates[0]
        for column, want in expected.items():
            if column.startswith("_"):
                continue
            if column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
                assert row[column] == Decimal(want), (values, column, row[column])
            else:
                assert row[column] == want, (values, column, row[column])


def test_unused_commitment_gets_its_own_row_and_the_fee_none(ledger, tmp_path):
    """FOCUS: a commitment's purchase has EffectiveCost 0; what went unused is a Usage row, status Unused."""
    ingest(ledger, [str(cur_fixture.write(tmp_path / "cur.csv"))])
    unused = ledger.duckdb.sql(
        "SELECT CommitmentDiscountType, ChargeCategory, BilledCost, EffectiveCost, ConsumedQuantity FROM costs "
        "WHERE CommitmentDiscountStatus = 'Unused' ORDER BY 1").fetchall()
    assert unused == [("Reserved Instance", "Usage", Decimal(0), Decimal("5.00"), None),
                      ("Savings Plan", "Usage", Decimal(0), Decimal("5.00"), None)]
    fees = ledger.duckdb.sql("SELECT sum(EffectiveCost) FROM costs WHERE ChargeCategory = 'Purchase' "
                             "AND CommitmentDiscountId IS NOT NULL").fetchone()[0]
    assert fees == 0
    assert ledger.duckdb.sql("SELECT count(*) FROM costs").fetchone()[0] == len(cur_fixture.ROWS) + len(cur_fixture.UNUSED)


def test_snake_case_spelling_gives_the_same_rows(tmp_path):
    from spendscope.settings import Settings
    from spendscope.store.ledger import Ledger

    out = {}
    for spelling in ("legacy", "snake"):
        path = cur_fixture.write(tmp_path / f"{spelling}.csv", spelling=spelling)
        with Ledger.open(Settings.load(environ={}, db=str(tmp_path / f"{spelling}.duckdb"))) as ledger:
            ingest(ledger, [str(path)])
            out[spelling] = ledger.duckdb.sql("SELECT * EXCLUDE (x_LoadId, Tags, x_Team, x_Project) FROM costs ORDER BY ALL").fetchall()
            teams = sorted({r[0] for r in ledger.duckdb.sql("SELECT x_Team FROM costs WHERE x_Team IS NOT NULL").fetchall()})
            assert teams == ["ml-research", "search"]
    assert out["legacy"] == out["snake"]


def test_same_cur_twice_changes_nothing_and_a_restatement_replaces(ledger, tmp_path):
    path = cur_fixture.write(tmp_path / "cur.csv")
    ingest(ledger, [str(path)])
    assert ingest(ledger, [str(path)]).files[0].status == "unchanged"
    restated = cur_fixture.write(tmp_path / "cur-restated.csv", rows=cur_fixture.ROWS[:3])
    ingest(ledger, [str(restated)])
    count, billed = ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone()
    assert count == 3 and billed == Decimal("98.32") + Decimal("0.50") + Decimal("32.77")


def test_bad_number_is_rejected_with_row_and_column_and_nothing_loaded(ledger, tmp_path):
    ingest(ledger, [str(LEGACY_SAMPLE)])
    before = ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone()
    rows = list(cur_fixture.ROWS)
    rows[4] = ({**rows[4][0], "lineItem/UnblendedCost": "25,00"}, rows[4][1])
    path = cur_fixture.write(tmp_path / "bad.csv", rows=rows)
    with pytest.raises(RowError) as info:
        ingest(ledger, [str(path)])
    message = str(info.value)
    assert "bad.csv" in message and "row 5" in message and "lineItem/UnblendedCost" in message and "'25,00'" in message
    assert ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone() == before


def test_missing_column_names_it(ledger, tmp_path):
    header = [h for h in cur_fixture.COLUMNS if h != "bill/PayerAccountId"]
    path = cur_fixture.write(tmp_path / "nopayer.csv", header=header)
    with pytest.raises(SchemaError, match="bill_payer_account_id"):
        ingest(ledger, [str(path)], source="aws_cur")
    assert ledger.duckdb.sql("SELECT count(*) FROM costs").fetchone()[0] == 0


def test_detection_picks_cur_and_focus_apart(tmp_path):
    cur = files.sniff(cur_fixture.write(tmp_path / "cur.csv"))
    scores = {name: cls().detect(cur) for name, cls in sources().items()}
    assert scores["aws_cur"] == 1.0 and scores["focus"] < 0.6
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    from spendscope.settings import Settings
    from spendscope.store.ledger import Ledger

    with Ledger.open(Settings.load(environ={}, db=str(tmp_path / "x.duckdb"))) as led:
        with pytest.raises(UnknownFormatError):
            ingest(led, [str(other)])


def test_spellings_and_tag_keys():
    assert canonical("savingsPlan/SavingsPlanARN") == canonical("savings_plan_savings_plan_a_r_n") == canonical("savings_plan_savings_plan_arn")
    assert tag_key("resourceTags/user:Team") == "Team"
    assert tag_key("resource_tags_user_cost_center") == "cost_center"
    assert tag_key("resourceTags/aws:createdBy") == "aws:createdBy"
    assert tag_key("lineItem/UnblendedCost") is None


def test_cur_parquet_reads_like_csv(tmp_path):
    from spendscope.settings import Settings
    from spendscope.store.ledger import Ledger

    csv_path = cur_fixture.write(tmp_path / "cur.csv", spelling="snake")
    parquet = tmp_path / "cur.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar=true)) TO '{parquet}'")
    with Ledger.open(Settings.load(environ={}, db=str(tmp_path / "p.duckdb"))) as ledger:
        result = ingest(ledger, [str(parquet)])
        assert result.files[0].source == "aws_cur"
        assert result.files[0].effective_cost == cur_fixture.EFFECTIVE_TOTAL


def test_cur2_parquet_with_map_columns(tmp_path):
    """CUR 2.0: resource_tags and product are maps; user tags lose their user_ prefix and empty values are
    left out, as in the other spellings."""
    from spendscope.settings import Settings
    from spendscope.store.ledger import Ledger

    csv_path = cur_fixture.write(tmp_path / "cur.csv", spelling="snake")
    parquet = tmp_path / "cur2.parquet"
    duckdb.sql(f"""COPY (SELECT * EXCLUDE (resource_tags_user_team, resource_tags_user_project, product_product_name,
                                      product_region, product_location),
          MAP {{'user_team': resource_tags_user_team, 'user_project': coalesce(resource_tags_user_project, ''),
               'user_owner': ''}} AS resource_tags,
          MAP {{'product_name': product_product_name, 'region': product_region, 'location': product_location}} AS product
        FROM read_csv('{csv_path}', all_varchar=true)) TO '{parquet}'""")
    with Ledger.open(Settings.load(environ={}, db=str(tmp_path / "c2.duckdb"))) as ledger:
        result = ingest(ledger, [str(parquet)])
        assert result.files[0].format_version == "CUR 2.0"
        assert result.files[0].effective_cost == cur_fixture.EFFECTIVE_TOTAL
        got = ledger.duckdb.sql("SELECT Tags, x_Team, x_Project, ServiceName, RegionName FROM costs "
                                "WHERE x_Project IS NOT NULL").fetchall()
        assert got == [('{"team":"ml-research","project":"llm-pretrain"}', "ml-research", "llm-pretrain",
                        "Amazon Elastic Compute Cloud", "US East (N. Virginia)")]
        tags = {r[0] for r in ledger.duckdb.sql("SELECT Tags FROM costs").fetchall()}
        assert tags == {'{"team":"ml-research","project":"llm-pretrain"}', '{"team":"search"}', None}


def test_unknown_layout_names_the_closest_source_and_what_it_lacks(ledger, tmp_path):
    partial = tmp_path / "partial.csv"
    partial.write_text("lineItem/LineItemType,lineItem/UnblendedCost,bill/PayerAccountId,lineItem/UsageStartDate\n"
                       "Usage,1,111122223333,2026-11-01T00:00:00Z\n")
    with pytest.raises(UnknownFormatError) as info:
        ingest(ledger, [str(partial)])
    message = str(info.value)
    assert "Closest: aws_cur, which lacks line_item_usage_end_date, bill_billing_period_start_date" in message
    assert "line_item_unblended_cost" not in message.split("lacks", 1)[1]
    assert ledger.duckdb.sql("SELECT count(*) FROM costs").fetchone()[0] == 0


def test_gzipped_report_in_a_folder_with_its_manifest(ledger, tmp_path):
    import gzip

    folder = tmp_path / "cur" / "20231101-20231201"
    folder.mkdir(parents=True)
    (folder / "report-00001.csv.gz").write_bytes(gzip.compress(LEGACY_SAMPLE.read_bytes()))
    (folder / "report-Manifest.json").write_text('{"reportKeys": ["report-00001.csv.gz"]}')
    result = ingest(ledger, [str(tmp_path / "cur")])
    assert [f.rows for f in result.files] == [1281]
    assert [s.rsplit("/", 1)[1] for s in result.skipped] == ["report-Manifest.json"]
    assert result.files[0].billed_cost == source_total(LEGACY_SAMPLE, "lineItem/UnblendedCost")


@pytest.mark.parametrize("usage_type, product, model, token_type, token_class", [
    ("USE1-Claude3Haiku-input-tokens", "Amazon Bedrock", "Claude3Haiku", "input", "Input"),
    ("USE1-Llama3-1-405B-output-tokens-batch", "Amazon Bedrock", "Llama3-1-405B", "output", "Output"),
    ("USE1-openai.gpt-oss-120b-mantle-input-tokens-standard", "Amazon Bedrock", "openai.gpt-oss-120b", "input", "Input"),
    ("USE1-NovaPro-cache-read-tokens", "Amazon Bedrock", "NovaPro", "cache-read", "Cached Input"),
    ("USE1-MP:USE1_CacheReadInputTokenCount-Units", "Claude Sonnet 4.5 (Amazon Bedrock Edition)", "Claude Sonnet 4.5",
     "cache-read", "Cached Input"),
    ("USE1-MP:USE1_cache_read_input_tokens_global_standard-Units", "Claude Haiku 4.5 (Amazon Bedrock Edition)",
     "Claude Haiku 4.5", "cache-read", "Cached Input"),
    ("USE1-MP:USE1_OutputTokenCount-Units", "Claude Sonnet 4.5 (Amazon Bedrock Edition)", "Claude Sonnet 4.5",
     "output", "Output"),
])
def test_bedrock_usage_types_give_model_and_token_type(ledger, tmp_path, usage_type, product, model, token_type,
                                                       token_class):
    import json as _json

    row = ({"lineItem/ProductCode": "AmazonBedrock", "product/ProductName": product, "lineItem/UsageType": usage_type,
            "lineItem/UnblendedCost": "0.10", "pricing/unit": "1K tokens"}, {})
    ingest(ledger, [str(cur_fixture.write(tmp_path / "bedrock.csv", rows=[row]))])
    details, got_model, got_class, workload = ledger.duckdb.sql(
        "SELECT SkuPriceDetails, x_Model, x_TokenClass, x_AiWorkload FROM costs").fetchone()
    assert _json.loads(details) == {"ModelId": model, "TokenType": token_type}
    assert (got_model, got_class, workload) == (model, token_class, "Inference")


@pytest.mark.parametrize("product_code, usage_type, workload", [
    ("AmazonSageMaker", "USE1-Train:ml.p4d.24xlarge", "Training"),
    ("AmazonSageMaker", "USE1-Host:ml.g5.12xlarge", "Inference"),
    ("AmazonSageMaker", "USE1-Notebk:ml.t3.medium", "Experimentation"),
    ("AmazonSageMaker", "USE1-Processing:ml.m5.xlarge", "Data"),
    ("AmazonEC2", "USE1-BoxUsage:p5.48xlarge", "Training"),
    ("AmazonEC2", "USE1-SpotUsage:g6.xlarge", "Training"),
    ("AmazonEC2", "USE1-BoxUsage:inf2.xlarge", "Inference"),
    ("AmazonEC2", "USE1-BoxUsage:trn1.32xlarge", "Training"),
    ("AmazonEC2", "USE1-BoxUsage:m5.large", None),
])
def test_sagemaker_and_gpu_usage_types_get_their_workload(ledger, tmp_path, product_code, usage_type, workload):
    name = "Amazon SageMaker" if product_code == "AmazonSageMaker" else "Amazon Elastic Compute Cloud"
    row = ({"lineItem/ProductCode": product_code, "product/ProductName": name, "lineItem/UsageType": usage_type,
            "lineItem/UnblendedCost": "1.00", "lineItem/LineItemDescription": usage_type}, {})
    ingest(ledger, [str(cur_fixture.write(tmp_path / "cur.csv", rows=[row]))])
    assert ledger.duckdb.sql("SELECT x_AiWorkload FROM costs").fetchone()[0] == workload


def _assemblies(tmp_path, *, latest_lists_all=True):
    """A legacy CUR period folder with two assemblies; the period's manifest lists the newer one."""
    import gzip

    period = tmp_path / "cur" / "report" / "20261101-20261201"
    old, new = period / "aaaa-old", period / "bbbb-new"
    for folder, rows in ((old, cur_fixture.ROWS[:2]), (new, cur_fixture.ROWS)):
        folder.mkdir(parents=True)
        plain = cur_fixture.write(folder / "plain.csv", rows=rows)
        (folder / "report-00001.csv.gz").write_bytes(gzip.compress(plain.read_bytes()))
        plain.unlink()
        (folder / "report-Manifest.json").write_text(
            '{"reportKeys": ["prefix/report/20261101-20261201/%s/report-00001.csv.gz"]}' % folder.name)
    keys = ["prefix/report/20261101-20261201/bbbb-new/report-00001.csv.gz"]
    if not latest_lists_all:
        keys.append("prefix/report/20261101-20261201/bbbb-new/report-00002.csv.gz")
    (period / "report-Manifest.json").write_text(json.dumps({"assemblyId": "bbbb-new", "reportKeys": keys}))
    return tmp_path / "cur", period


def test_a_folder_loads_only_the_assembly_its_manifest_lists(ledger, tmp_path):
    root, period = _assemblies(tmp_path)
    for named in (root, period / "report-Manifest.json"):  # the folder, or the manifest itself
        result = ingest(ledger, [str(named)])
        loaded = [r for r in result.files if r.status == "loaded"]
        if named == root:
            assert len(loaded) == 1 and "bbbb-new" in loaded[0].file
            assert [p.rsplit("/", 2)[1] for p in result.superseded] == ["aaaa-old"]
        else:
            assert result.files[0].status == "unchanged"
    count = ledger.duckdb.sql("SELECT count(*) FROM costs").fetchone()[0]
    assert count == len(cur_fixture.ROWS) + len(cur_fixture.UNUSED)


def test_a_manifest_naming_a_missing_file_stops_the_load(ledger, tmp_path):
    from spendscope.errors import IngestError

    root, _ = _assemblies(tmp_path, latest_lists_all=False)
    with pytest.raises(IngestError, match="report-00002.csv.gz, which is not in the folder"):
        ingest(ledger, [str(root)])
    assert ledger.duckdb.sql("SELECT count(*) FROM costs").fetchone()[0] == 0


def test_zip_archive_members_are_read(ledger, tmp_path):
    import zipfile

    from spendscope.errors import IngestError

    archive = tmp_path / "cur.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(cur_fixture.write(tmp_path / "report-00001.csv"), "report/report-00001.csv")
    result = ingest(ledger, [str(archive)])
    assert result.files[0].rows == len(cur_fixture.ROWS) + len(cur_fixture.UNUSED)
    assert ingest(ledger, [str(archive)]).files[0].status == "unchanged"
    broken = tmp_path / "broken.zip"
    broken.write_bytes(archive.read_bytes()[:40])
    with pytest.raises(IngestError, match="not a readable zip archive"):
        ingest(ledger, [str(broken)])


def test_tag_columns_that_differ_only_in_case_are_two_tags(ledger, tmp_path):
    """AWS tag keys are case-sensitive: `user:team` and `user:Team` are two tags, though the engine's
    column names are not."""
    header = list(cur_fixture.COLUMNS) + ["resourceTags/user:Team"]
    rows = [({**values, "resourceTags/user:Team": "Research"}, expected) for values, expected in cur_fixture.ROWS[:1]]
    path = cur_fixture.write(tmp_path / "cased.csv", header=header, rows=rows)
    ingest(ledger, [str(path)])
    tags = json.loads(ledger.duckdb.sql("SELECT Tags FROM costs").fetchone()[0])
    assert tags == {"team": "ml-research", "project": "llm-pretrain", "Team": "Research"}
