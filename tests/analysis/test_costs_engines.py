"""The cost queries give the same answers on DuckDB and on Spark (PySpark local mode)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from spendscope.analysis.costs import CostQuery, cost_by
from spendscope.ingest.pipeline import ingest
from spendscope.settings import Settings
from spendscope.store.ledger import Ledger
from tests.conftest import SAMPLE_FOCUS

QUERIES = {
    "by service, monthly": dict(by="ServiceName", granularity="month"),
    "by provider and workload": dict(by="ProviderName,x_AiWorkload", granularity="none"),
    "daily in a window": dict(by="ServiceCategory", granularity="day", start="2024-09-10", end="2024-09-12"),
    "weekly billed cost": dict(granularity="week", metric="BilledCost"),
    "by tag": dict(by="tag:environment,tag:business_unit", granularity="none"),
    "filtered": dict(by="ServiceName", granularity="none", where=['ServiceCategory="Compute"', "ProviderName!=Oracle"]),
    "regex filter": dict(by="RegionId", granularity="none", where=["ServiceName~(?i)elastic"]),
    "null filter": dict(granularity="none", where=["tag:environment=null"], metric="ListCost"),
    "contracted by sub account": dict(by="SubAccountName", granularity="month", metric="ContractedCost"),
}


@pytest.fixture(scope="session")
def duckdb_ledger(tmp_path_factory):
    db = tmp_path_factory.mktemp("duck") / "ledger.duckdb"
    settings = Settings.load(environ={}, db=str(db))
    with Ledger.open(settings) as ledger:
        ingest(ledger, [str(SAMPLE_FOCUS)])
    ledger = Ledger.open(settings, read_only=True)
    yield ledger
    ledger.close()


@pytest.fixture(scope="session")
def spark_ledger(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("spark")
    settings = Settings.load(environ={}, db=f"pyspark://{warehouse}?master=local[2]")
    ledger = Ledger.open(settings)
    ingest(ledger, [str(SAMPLE_FOCUS)])
    yield ledger


def normalised(table) -> list[tuple]:
    out = []
    for r in table.rows:
        row = []
        for c in table.columns:
            v = r[c]
            if isinstance(v, dt.datetime):
                v = v.date()
            row.append(v)
        out.append(tuple(row))
    return sorted(out, key=repr)


@pytest.mark.spark
@pytest.mark.parametrize("name", list(QUERIES))
def test_same_answer_on_both_engines(name, duckdb_ledger, spark_ledger):
    query = CostQuery.parse(**QUERIES[name])
    on_duckdb = cost_by(duckdb_ledger, query)
    on_spark = cost_by(spark_ledger, query)
    assert on_duckdb.columns == on_spark.columns
    assert normalised(on_duckdb) == normalised(on_spark)
    assert on_duckdb.total == on_spark.total


@pytest.mark.spark
def test_spark_ledger_reconciles_and_is_idempotent(spark_ledger):
    assert spark_ledger.costs.count().to_pyarrow().as_py() == 1000
    total = cost_by(spark_ledger, CostQuery.parse(granularity="none", metric="BilledCost")).total
    assert total == Decimal("20.52022672899")
    again = ingest(spark_ledger, [str(SAMPLE_FOCUS)])
    assert again.files[0].status == "unchanged"
    assert spark_ledger.costs.count().to_pyarrow().as_py() == 1000


def spendscope(*args: str, cwd) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDSCOPE_")}
    proc = subprocess.run([sys.executable, "-m", "spendscope", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.spark
def test_cli_on_spark_in_separate_processes_matches_duckdb(tmp_path):
    """`spendscope --db pyspark:///WAREHOUSE ingest` then `costs` in another process: same totals."""
    url = f"pyspark://{tmp_path / 'warehouse'}?master=local[2]"
    duck = str(tmp_path / "ledger.duckdb")
    spendscope("--db", url, "ingest", str(SAMPLE_FOCUS), cwd=tmp_path)
    spendscope("--db", duck, "ingest", str(SAMPLE_FOCUS), cwd=tmp_path)
    args = ["costs", "--by", "ProviderName,ServiceCategory", "--granularity", "month", "--format", "csv"]
    on_spark = spendscope("--db", url, *args, cwd=tmp_path)
    on_duckdb = spendscope("--db", duck, *args, cwd=tmp_path)
    assert on_spark.splitlines()[0] == "period,ProviderName,ServiceCategory,EffectiveCost"
    assert sorted(on_spark.splitlines()) == sorted(on_duckdb.splitlines())
    billed = spendscope("--db", url, "costs", "-g", "none", "--metric", "BilledCost", "--format", "csv", cwd=tmp_path)
    assert billed.splitlines() == ["BilledCost", "20.52022672899"]
