"""Loads are idempotent, replace restated partitions, and are all recorded."""

from __future__ import annotations

import csv
import gzip
import io
import json
from decimal import Decimal

import duckdb

from spendscope.analysis.loads import load_history
from spendscope.ingest.pipeline import ingest
from tests.conftest import SAMPLE_FOCUS


def sample_rows():
    with open(SAMPLE_FOCUS, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write(path, header, rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    path.write_text(buf.getvalue())
    return path


def total(ledger, column="BilledCost") -> Decimal:
    return ledger.costs[column].sum().to_pyarrow().as_py()


def test_same_file_twice_changes_nothing(ledger):
    first = ingest(ledger, [str(SAMPLE_FOCUS)])
    assert first.files[0].status == "loaded"
    rows, billed = ledger.costs.count().execute(), total(ledger)
    again = ingest(ledger, [str(SAMPLE_FOCUS)])
    assert again.files[0].status == "unchanged"
    assert again.files[0].load_id == first.files[0].load_id
    assert (ledger.costs.count().execute(), total(ledger)) == (rows, billed)
    assert ledger.loads.count().execute() == 1


def test_restated_partition_replaces_the_old_one(ledger, tmp_path):
    header, rows = sample_rows()
    ingest(ledger, [str(write(tmp_path / "sept.csv", header, rows))])
    # A restated export: the AWS account's September rows, with one cost corrected.
    aws = [list(r) for r in rows if r[header.index("ProviderName")] == "AWS"]
    aws[0][header.index("BilledCost")] = "100.00000000000"
    restated = write(tmp_path / "sept-restated.csv", header, aws)
    before = total(ledger)
    result = ingest(ledger, [str(restated)])
    part = result.files[0].partitions[0]
    assert (part.provider, part.billing_account, part.period) == ("AWS", "1234567890123", "2024-09")
    assert part.replaced_load_id == 1
    c = ledger.costs
    assert c.count().execute() == 1000  # same number of rows: AWS replaced, others kept
    old_first = Decimal(rows[0][header.index("BilledCost")])
    assert total(ledger) == before - old_first + Decimal("100")
    assert set(c.filter(c.ProviderName == "AWS").x_LoadId.to_pyarrow().to_pylist()) == {2}
    assert set(c.filter(c.ProviderName != "AWS").x_LoadId.to_pyarrow().to_pylist()) == {1}
    history = {r["load_id"]: r for r in load_history(ledger)}
    assert history[2]["status"] == "current"
    assert history[1]["status"] == "partly replaced (3/4 current)"


def test_every_load_is_recorded(ledger):
    ingest(ledger, [str(SAMPLE_FOCUS)])
    [load] = load_history(ledger)
    assert load["file"] == str(SAMPLE_FOCUS)
    assert len(load["content_hash"]) == 64
    assert load["rows"] == 1000 and load["partitions"] == 4
    assert load["billed_cost"] == Decimal("20.52022672899")
    assert load["effective_cost"] == Decimal("14.97651418586")
    assert "ChargeFrequency: 'Usage-based' -> 'Usage-Based' in 7 rows." in json.loads(load["notes"])
    parts = ledger.load_partitions.to_pyarrow().to_pylist()
    assert sorted((p["ProviderName"], p["rows"]) for p in parts) == [
        ("AWS", 942), ("Microsoft", 51), ("Oracle", 1), ("Oracle", 6)]
    assert all(p["billed_cost"] == p["source_billed_cost"] for p in parts)


def test_gzip_parquet_folder_and_glob(ledger, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    header, rows = sample_rows()
    # three views of the same data, split by provider: .csv.gz, .parquet and plain .csv
    by_provider = {}
    for r in rows:
        by_provider.setdefault(r[header.index("ProviderName")], []).append(r)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *by_provider["AWS"]])
    (folder / "aws.csv.gz").write_bytes(gzip.compress(buf.getvalue().encode()))
    ms = write(tmp_path / "ms.csv", header, by_provider["Microsoft"])
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{ms}', all_varchar=true)) TO '{folder / 'ms.parquet'}'")
    write(folder / "oracle.csv", header, by_provider["Oracle"])
    result = ingest(ledger, [str(folder)])
    assert sorted(r.file.rsplit("/", 1)[1] for r in result.files) == ["aws.csv.gz", "ms.parquet", "oracle.csv"]
    assert ledger.costs.count().execute() == 1000
    assert total(ledger) == Decimal("20.52022672899")
    # a glob finds the same files: nothing changes
    again = ingest(ledger, [str(folder / "*")])
    assert [r.status for r in again.files] == ["unchanged"] * 3


def test_focus_12_file_with_13_columns(ledger, tmp_path):
    """A 1.2 export with the 1.3 provider columns: version detected, 1.3 columns kept."""
    header, rows = sample_rows()
    header = header + ["InvoiceId", "ServiceProviderName", "HostProviderName", "x_ResourceGroupName"]
    rows = [r + ["INV-1", r[header.index("ProviderName")], "Not Applicable", "rg"] for r in rows[:50]]
    result = ingest(ledger, [str(write(tmp_path / "v13.csv", header, rows))])
    assert result.files[0].format_version == "1.3"
    assert any("x_ResourceGroupName" in n for n in result.files[0].notes)
    c = ledger.costs
    assert set(c.InvoiceId.to_pyarrow().to_pylist()) == {"INV-1"}
    assert set(c.HostProviderName.to_pyarrow().to_pylist()) == {"Not Applicable"}
    assert set(c.ServiceProviderName.to_pyarrow().to_pylist()) == {"AWS"}


def test_13_file_without_provider_name_derives_it(ledger, tmp_path):
    header, rows = sample_rows()
    i, j = header.index("ProviderName"), header.index("PublisherName")
    keep = [k for k in range(len(header)) if k not in (i, j)]
    new_header = [header[k] for k in keep] + ["ServiceProviderName"]
    new_rows = [[r[k] for k in keep] + [r[i]] for r in rows[:20]]
    ingest(ledger, [str(write(tmp_path / "v13.csv", new_header, new_rows))])
    c = ledger.costs
    assert set(c.ProviderName.to_pyarrow().to_pylist()) == {"AWS"}
    assert set(c.PublisherName.to_pyarrow().to_pylist()) == {"AWS"}


def test_folder_of_part_files_with_relative_paths_and_side_files(ledger, tmp_path):
    """An export split into parts (same header) loads as one group; each part is its own load, every
    row carries its part's load id, and a JSON side file beside them is skipped and reported."""
    header, rows = sample_rows()
    export = tmp_path / "export" / "2024-09"
    export.mkdir(parents=True)
    write(export / "part-0.csv", header, rows[:300])
    write(export / "part-1.csv", header, rows[300:])
    (tmp_path / "export" / "manifest.json").write_text('{"files": 2}')
    result = ingest(ledger, ["export"])  # relative to the working folder (tmp_path)
    assert result.skipped == ["export/manifest.json"]
    assert [(r.file, r.rows) for r in result.files] == [("export/2024-09/part-0.csv", 300),
                                                       ("export/2024-09/part-1.csv", 700)]
    c = ledger.costs
    assert c.x_LoadId.isnull().sum().to_pyarrow().as_py() == 0
    per_load = c.group_by("x_LoadId").aggregate(n=c.count()).to_pyarrow().to_pylist()
    assert {r["x_LoadId"]: r["n"] for r in per_load} == {1: 300, 2: 700}
    assert total(ledger) == Decimal("20.52022672899")


def test_a_named_file_no_source_reads_is_an_error(ledger, tmp_path):
    import pytest

    from spendscope.errors import UnknownFormatError

    side = tmp_path / "labels.json"
    side.write_text("[]")
    with pytest.raises(UnknownFormatError, match="labels.json: no source recognises this file"):
        ingest(ledger, [str(side)])


def test_float_costs_in_parquet_stay_exact_decimals(ledger, tmp_path):
    """Some writers store money as DOUBLE: 0.1 must arrive as 0.1, not 0.1000000000000000055."""
    from tests.builders import focus_file

    src = focus_file(tmp_path / "f.csv", [{"BilledCost": "0.1", "EffectiveCost": "0.1", "ListCost": "0.1",
                                          "ContractedCost": "0.1"}] * 3)
    path = tmp_path / "floats.parquet"
    duckdb.sql(f"""COPY (SELECT * REPLACE (BilledCost::DOUBLE AS BilledCost, EffectiveCost::DOUBLE AS EffectiveCost,
                   ListCost::DOUBLE AS ListCost, ContractedCost::DOUBLE AS ContractedCost)
                   FROM read_csv('{src}', all_varchar=true)) TO '{path}'""")
    result = ingest(ledger, [str(path)])
    assert result.files[0].billed_cost == Decimal("0.3")
    assert set(ledger.costs.BilledCost.to_pyarrow().to_pylist()) == {Decimal("0.1")}


def test_focus_11_file_is_detected(ledger, tmp_path):
    from spendscope.normalize.services import subcategory_for

    header, rows = sample_rows()
    name, category = header.index("ServiceName"), header.index("ServiceCategory")
    path = write(tmp_path / "v11.csv", header + ["ServiceSubcategory"],
                 [r + [subcategory_for(r[name], r[category])] for r in rows[:5]])
    assert ingest(ledger, [str(path)]).files[0].format_version == "1.1"


def test_csv_and_parquet_of_one_export_give_the_same_rows(tmp_path):
    """CSV collects the lookups' inputs in the profiling scan, Parquet reads them separately: same rows."""
    from spendscope.settings import Settings
    from spendscope.store.ledger import Ledger

    parquet = tmp_path / "sample.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{SAMPLE_FOCUS}', all_varchar=true)) TO '{parquet}'")
    rows = {}
    for path in (SAMPLE_FOCUS, parquet):
        with Ledger.open(Settings.load(environ={}, db=str(tmp_path / f"{path.suffix[1:]}.duckdb"))) as ledger:
            ingest(ledger, [str(path)])
            rows[path.suffix] = ledger.duckdb.sql("SELECT * EXCLUDE (x_LoadId) FROM costs ORDER BY ALL").fetchall()
            filled = ledger.duckdb.sql("SELECT count(x_AiWorkload), count(x_Application), count(x_Environment) FROM costs")
            assert filled.fetchone() == (17, 660, 702)  # classification and tag lookups joined back
            # the insert's optimizer setting does not outlive it
            assert ledger.duckdb.sql("SELECT current_setting('disabled_optimizers')").fetchone()[0] == ""
    assert len(rows[".csv"]) == 1000
    assert rows[".csv"] == rows[".parquet"]
