"""OCI cost reports: the real header (koku's sample rows, Apache-2.0), case-insensitive columns, tags,
the blank currency of free rows, corrections, GPU and generative AI rows; reconciled exactly."""

from __future__ import annotations

import csv
import gzip
from decimal import Decimal

import pytest

from spendscope.errors import RowError
from spendscope.ingest import files
from spendscope.ingest.pipeline import ingest
from spendscope.plugins import sources

HEADER = ("lineItem/referenceNo,lineItem/tenantId,lineItem/intervalUsageStart,lineItem/intervalUsageEnd,product/service,"
          "product/compartmentId,product/compartmentName,product/region,product/availabilityDomain,product/resourceId,"
          "usage/billedQuantity,usage/billedQuantityOverage,cost/subscriptionId,cost/productSku,product/Description,"
          "cost/unitPrice,cost/unitPriceOverage,cost/myCost,cost/myCostOverage,cost/currencyCode,"
          "cost/billingUnitReadable,cost/skuUnitDescription,cost/overageFlag,lineItem/isCorrection,"
          "lineItem/backreferenceNo,tags/Oracle-Tags.CreatedBy,tags/Oracle-Tags.CreatedOn,tags/Oracle-Tags.test,"
          "tags/free-form-tag,tags/gatewayId,tags/new-tags.tarnished-tags,tags/orcl-cloud.free-tier-retained")
# Three rows of koku's masu/test/data/oci/reports_cost-csv_0001000000603747.csv (Apache-2.0), then spendscope's own.
ROWS = [
    "my-resource-no1,ocid1.tenancy.oc1..aaaaaaaa,2022-04-21T18:00Z,2022-04-21T19:00Z,OBJECTSTORE,"
    "ocid1.tenancy.oc1..aaaaaaaa,testing,us-ashburn-1,,bucket-20220,0.000000000000,,015649487,B88327,"
    "Object Storage - Outbound Data Transfer Zone 1,,,0.000000000000,,,ONE GiB HOURS DATA_TRANSFERRED,GB Months,,"
    "false,,default/testing@redhat.com,2022-03-31T17:23:27.932Z,,,,,",
    "my-resource-no4,ocid1.tenancy.oc1..aaaaaaaa,2022-04-21T09:00Z,2022-04-21T10:00Z,API_GATEWAY,"
    "ocid1.tenancy.oc1..aaaaaaaa,testing,uk-london-1,,ocid1.apigateway.oc1.uk-london-1.amaaaaaac,0.000019000000,"
    "0.000019000000,15649487,B92072,API Calls,2.139000000000,2.139000000000,0.000040641000,0.000040641000,GBP,"
    "1000000 GATEWAY_REQUESTS,1M API Calls,Y,false,,default/testing@redhat.com,2022-04-14T13:14:25.177Z,,,,,",
    "my-resource-no5,ocid1.tenancy.oc1..aaaaaaaa,2022-04-21T09:00Z,2022-04-21T10:00Z,BLOCK_STORAGE,"
    "ocid1.tenancy.oc1..aaaaaaaa,testing,uk-london-1,Huxy:UK-LONDON-1-AD-2,ocid1.bootvolume.oc1.uk-london-1,"
    "0.062602299880,0.062602299880,15649487,B91445,Block Volume - Free,0.000000000000,0.000000000000,0.000000000000,"
    "0.000000000000,GBP,ONE GiB MONTHS STORAGE_SIZE,GB Months,Y,false,,default/testing@redhat.com,"
    "2022-02-23T11:52:23.927Z,,,,qa,true",
    "gpu-1,ocid1.tenancy.oc1..aaaaaaaa,2022-04-21T10:00Z,2022-04-21T11:00Z,COMPUTE,ocid1.compartment.oc1..ml,ml,"
    "uk-london-1,Huxy:UK-LONDON-1-AD-1,ocid1.instance.oc1.uk-london-1.gpu,8.000000000000,,15649487,B98415,"
    "Compute - GPU - H100,8.000000000000,,64.000000000000,,GBP,ONE GPU HOURS,GPU Per Hour,,false,,ml@example.com,"
    "2022-04-01T00:00:00.000Z,,training,,,",
    "genai-1,ocid1.tenancy.oc1..aaaaaaaa,2022-04-21T10:00Z,2022-04-21T11:00Z,GENERATIVE_AI,ocid1.compartment.oc1..ml,"
    "ml,uk-london-1,,ocid1.generativeaiendpoint.oc1.uk-london-1.x,2.000000000000,,15649487,B108077,"
    "\"OCI Generative AI - Large Cohere - 10,000 Transactions\",0.018000000000,,0.036000000000,,GBP,"
    "TEN_THOUSAND TRANSACTIONS,10000 Transactions,,false,,ml@example.com,2022-04-01T00:00:00.000Z,,,,,",
    "gpu-1-fix,ocid1.tenancy.oc1..aaaaaaaa,2022-04-21T10:00Z,2022-04-21T11:00Z,COMPUTE,ocid1.compartment.oc1..ml,ml,"
    "uk-london-1,Huxy:UK-LONDON-1-AD-1,ocid1.instance.oc1.uk-london-1.gpu,-1.000000000000,,15649487,B98415,"
    "Compute - GPU - H100,8.000000000000,,-8.000000000000,,GBP,ONE GPU HOURS,GPU Per Hour,,true,gpu-1,ml@example.com,"
    "2022-04-01T00:00:00.000Z,,training,,,",
]


def write(path, rows=ROWS, header=HEADER, gz=False):
    text = header + "\n" + "\n".join(rows) + "\n"
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


def test_cost_report_loads_and_reconciles(ledger, tmp_path):
    path = write(tmp_path / "0001000000603747.csv.gz", gz=True)
    result = ingest(ledger, [str(path)])
    loaded = result.files[0]
    assert loaded.source == "oci" and loaded.rows == 6
    with gzip.open(path, "rt") as fh:
        expected = sum((Decimal(r["cost/myCost"] or "0") for r in csv.DictReader(fh)), Decimal(0))
    assert loaded.billed_cost == loaded.effective_cost == expected == Decimal("56.036040641")
    # the subscription is the billing account, kept as text (its leading zero on one row is OCI's own)
    accounts = {p.billing_account for p in loaded.partitions}
    assert accounts == {"015649487", "15649487"}


def test_row_values(ledger, tmp_path):
    ingest(ledger, [str(write(tmp_path / "report.csv"))])
    found = ledger.duckdb.sql(
        "SELECT ResourceId, BillingCurrency, ChargeClass, ServiceCategory, PricingUnit, ChargePeriodStart, "
        "SubAccountId, Tags, x_AiWorkload, RegionId, AvailabilityZone FROM costs").fetchall()
    rows = {r[0]: r[1:] for r in found}
    free = rows["bucket-20220"]
    assert free[0] == "GBP"  # blank in the report on a free row; the tenancy's currency
    assert free[4].minute == 0 and free[4].hour == 18  # "2022-04-21T18:00Z"
    assert free[5] == "ocid1.tenancy.oc1..aaaaaaaa"
    assert free[6] == '{"Oracle-Tags.CreatedBy":"default/testing@redhat.com","Oracle-Tags.CreatedOn":"2022-03-31T17:23:27.932Z"}'
    gpu = [r[1:] for r in found if r[0] == "ocid1.instance.oc1.uk-london-1.gpu"]
    assert {r[1] for r in gpu} == {None, "Correction"}
    assert all(r[2] == "Compute" and r[3] == "GPU/Hour" and r[7] == "Training" for r in gpu)
    genai = rows["ocid1.generativeaiendpoint.oc1.uk-london-1.x"]
    assert genai[2] == "AI and Machine Learning" and genai[3] == "10000 Transactions" and genai[7] is not None
    assert rows["ocid1.apigateway.oc1.uk-london-1.amaaaaaac"][3] == "1000000 API Calls"


def test_headers_match_whatever_their_casing(ledger, tmp_path):
    path = write(tmp_path / "cased.csv", header=HEADER.replace("lineItem/tenantId", "lineItem/TenantId")
                 .replace("product/Description", "product/description"))
    ingest(ledger, [str(path)])
    assert ledger.duckdb.sql("SELECT count(DISTINCT SubAccountId), count(ChargeDescription) FROM costs").fetchone() == (1, 6)


def test_detection(tmp_path):
    info = files.sniff(write(tmp_path / "d.csv"))
    scores = {name: cls().detect(info) for name, cls in sources().items()}
    assert max(scores, key=scores.get) == "oci" and scores["oci"] == 1.0


def test_bad_value_is_rejected_and_nothing_loaded(ledger, tmp_path):
    rows = list(ROWS)
    rows[3] = rows[3].replace(",64.000000000000,", ',"64,00",')
    path = write(tmp_path / "bad.csv", rows=rows)
    with pytest.raises(RowError) as info:
        ingest(ledger, [str(path)])
    assert "bad.csv" in str(info.value) and "row 4" in str(info.value) and "cost/myCost" in str(info.value)
    assert ledger.duckdb.sql("SELECT count(*) FROM costs").fetchone()[0] == 0


def test_each_report_adds_to_the_month(ledger, tmp_path):
    """OCI writes a report every six hours with only the usage since the last one: a later report of
    the same month adds its rows, and loading one again changes nothing."""
    from spendscope.analysis.loads import load_history

    first = write(tmp_path / "0001000000000001.csv", rows=ROWS[:4])
    second = write(tmp_path / "0001000000000002.csv", rows=ROWS[4:])
    ingest(ledger, [str(first)])
    ingest(ledger, [str(second)])
    assert ingest(ledger, [str(first)]).files[0].status == "unchanged"
    count, billed = ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone()
    assert (count, billed) == (6, Decimal("56.036040641"))
    assert [r["status"] for r in load_history(ledger)] == ["current", "current"]
