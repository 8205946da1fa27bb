"""Azure cost exports: every header generation detected and mapped, commitments counted once, Azure
OpenAI meters and GPU VMs recognised, amounts reconciled exactly, bad files rejected unchanged."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from spendscope.errors import RowError, SchemaError, UnknownFormatError
from spendscope.ingest import files
from spendscope.ingest.pipeline import ingest
from spendscope.ingest.sources.azure.mapping import canonical, pricing_units, resolve
from spendscope.plugins import sources
from tests.conftest import SHARED
from tests.ingest import azure_fixture as fx

SAMPLE = SHARED / "data" / "azure" / "ea-export_anonymous-sample.csv"
MONEY = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingQuantity", "ConsumedQuantity")


def _rows(ledger, columns):
    cur = ledger.duckdb.sql(f"SELECT {', '.join(columns)} FROM costs")
    return [dict(zip(cur.columns, r)) for r in cur.fetchall()]


def _check(ledger, fixture_rows):
    """Each fixture row (unique in ChargeDescription, BilledCost, EffectiveCost) has its expected values."""
    columns = sorted({k for _, expected in fixture_rows for k in expected} | {"ChargeDescription", "BilledCost",
                                                                             "EffectiveCost"})
    rows = _rows(ledger, columns)
    assert len(rows) == len(fixture_rows)
    for values, expected in fixture_rows:
        cost = Decimal(values["CostInBillingCurrency"])
        found = [r for r in rows if r["ChargeDescription"] == (values["ProductName"] or None)
                 and cost in (r["BilledCost"], r["EffectiveCost"])]
        assert len(found) == 1, (values["ProductName"], found)
        for column, want in expected.items():
            got = found[0][column]
            if column in MONEY and want is not None:
                assert got == Decimal(want), (values["ProductName"], column, got)
            else:
                assert got == want, (values["ProductName"], column, got)


def test_shared_sample_loads_and_reconciles_exactly(ledger):
    result = ingest(ledger, [str(SAMPLE)])
    loaded = result.files[0]
    assert loaded.source == "azure" and loaded.format_version == "Azure EA" and loaded.rows == 27
    with open(SAMPLE, newline="", encoding="utf-8-sig") as fh:
        # the file writes some amounts in scientific notation (5.64902E-05): Decimal reads them exactly
        expected = sum((Decimal(r["CostInBillingCurrency"]) for r in csv.DictReader(fh)), Decimal(0))
    assert loaded.billed_cost == expected and loaded.effective_cost == expected
    part = loaded.partitions[0]
    assert part.billed_cost == part.source_billed_cost and part.provider == "Microsoft"
    assert part.billing_account == "/providers/Microsoft.Billing/billingAccounts/12345678"
    tags, start, end, region = ledger.duckdb.sql(
        "SELECT any_value(Tags), min(ChargePeriodStart), max(ChargePeriodEnd), min(RegionId) FROM costs").fetchone()
    assert tags == '{"tagA": "valueA","tagB": "valueB","tagC": "valueC"}'  # the braces EA leaves out, added
    assert (start.day, end.day, start.month) == (2, 3, 9)  # 9/2/2023 is month/day; rows are daily
    assert region == "centralus"
    services = dict(ledger.duckdb.sql("SELECT ServiceName, any_value(ServiceCategory) FROM costs GROUP BY 1").fetchall())
    assert services["Virtual Network"] == "Networking" and services["Storage Accounts"] == "Storage"


def test_ea_actual_export_rows(ledger, tmp_path):
    result = ingest(ledger, [str(fx.write_ea(tmp_path / "actual.csv"))])
    assert any("Actual cost export" in n for n in result.files[0].notes)
    _check(ledger, fx.ACTUAL)


def test_ea_amortized_export_rows(ledger, tmp_path):
    result = ingest(ledger, [str(fx.write_ea(tmp_path / "amortized.csv", fx.AMORTIZED))])
    assert any("Amortized cost export" in n for n in result.files[0].notes)
    _check(ledger, fx.AMORTIZED)
    # the invoice charged none of the commitment's usage here; the amortized cost carries all of it
    billed, effective = ledger.duckdb.sql("SELECT sum(BilledCost), sum(EffectiveCost) FROM costs").fetchone()
    assert billed == Decimal("5.52") and effective == Decimal("4110") + Decimal("493.2") + 50 + Decimal("7.5") + Decimal("5.52")


def test_totals_reconcile_with_commitments_counted_once(ledger, tmp_path):
    result = ingest(ledger, [str(fx.write_ea(tmp_path / "actual.csv"))])
    costs = [Decimal(v["CostInBillingCurrency"]) for v, _ in fx.ACTUAL]
    part = result.files[0].partitions[0]
    assert part.source_billed_cost == part.billed_cost == sum(costs)
    # an actual export has no amortised cost: the reservation's purchase stays in EffectiveCost too
    assert part.effective_cost == sum(costs)


def test_mca_camel_case_export(ledger, tmp_path):
    result = ingest(ledger, [str(fx.write_mca(tmp_path / "mca.csv"))])
    loaded = result.files[0]
    assert loaded.format_version == "Azure MCA"
    row = ledger.duckdb.sql(
        "SELECT BillingAccountId, BillingAccountName, BillingCurrency, PricingCurrency, InvoiceId, ListUnitPrice, "
        "ListCost, Tags FROM costs WHERE ServiceName = 'Storage Accounts'").fetchone()
    # MCA invoices per billing profile; prices are in USD and converted to the EUR bill
    assert row[:5] == ("/providers/Microsoft.Billing/billingAccounts/acc-1:guid_2019-05-31/billingProfiles/BP-42",
                       "Contoso EU", "EUR", "USD", "G012345678")
    assert row[5] == Decimal("0.01872") and row[6] == Decimal("5.616")
    assert row[7] is None
    assert loaded.effective_cost == sum(Decimal(v["CostInBillingCurrency"]) for v, _ in fx.AMORTIZED)


def test_pay_as_you_go_legacy_headers(ledger, tmp_path):
    path = fx.write_mapped(tmp_path / "payg.csv", fx.PAYG_HEADER, date="2026-11-03")
    result = ingest(ledger, [str(path)])
    assert result.files[0].format_version == "Azure pay-as-you-go"
    rows = ledger.duckdb.sql(
        "SELECT BillingAccountId, SubAccountId, BillingPeriodStart, BillingPeriodEnd, ChargeCategory, PricingCategory, "
        "BilledCost FROM costs ORDER BY BilledCost").fetchall()
    assert [r[6] for r in rows] == [Decimal("7.348"), Decimal("2359.68")]
    account, sub, start, end, category, pricing, _ = rows[0]
    assert account == sub == "/subscriptions/sub-1"
    assert (start.month, start.day, end.month, end.day) == (11, 1, 12, 1)  # the calendar month of the usage
    assert (category, pricing) == ("Usage", "Standard")


def test_localised_headers_key_on_the_english_name(ledger, tmp_path):
    path = fx.write_mapped(tmp_path / "de.csv", fx.GERMAN_HEADER)
    result = ingest(ledger, [str(path)])
    assert "localised headers" in result.files[0].notes[0]
    assert ledger.duckdb.sql("SELECT sum(BilledCost), count(*) FROM costs").fetchone() == (Decimal("2367.028"), 2)
    assert canonical("Abonnement-GUID (SubscriptionGuid)") == "subscriptionguid"
    assert resolve(("Kosten (Cost)",))["cost"] == "Kosten (Cost)"


def test_unit_blocks():
    units = pricing_units()
    assert units["1 Hour"][:3] == ("Hours", 1, "Hours")
    assert units["10K"] == ("10000 Units", 1, "Units", 10000)  # priced per block of ten thousand
    assert units["100 Hours"][:2] == ("100 Hours", 1)
    # a block that is not a FOCUS unit ("10 GB/Day"): priced per GB/Day, quantity times ten
    assert units["10 GB/Day"] == ("GB/Day", 10, "GB/Day", 10)


def test_same_export_twice_changes_nothing_and_a_newer_one_replaces(ledger, tmp_path):
    path = fx.write_ea(tmp_path / "actual.csv")
    ingest(ledger, [str(path)])
    assert ingest(ledger, [str(path)]).files[0].status == "unchanged"
    ingest(ledger, [str(fx.write_ea(tmp_path / "restated.csv", fx.ACTUAL[:2]))])
    assert ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone() == (2, Decimal("2367.028"))


@pytest.mark.parametrize("column, value, shown", [
    ("CostInBillingCurrency", "12,50", "'12,50' is not a decimal number"),
    ("Date", "13/45/2026", "'13/45/2026' is not a date/time"),
])
def test_bad_value_is_rejected_with_row_and_column_and_nothing_loaded(ledger, tmp_path, column, value, shown):
    ingest(ledger, [str(SAMPLE)])
    before = ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone()
    rows = list(fx.ACTUAL)
    rows[3] = ({**rows[3][0], column: value}, rows[3][1])
    with pytest.raises(RowError) as info:
        ingest(ledger, [str(fx.write_ea(tmp_path / "bad.csv", rows))])
    message = str(info.value)
    assert "bad.csv" in message and "row 4" in message and column in message and shown in message
    assert ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM costs").fetchone() == before


def test_truncated_export_is_rejected(ledger, tmp_path):
    path = fx.write_ea(tmp_path / "cut.csv")
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text[: text.rindex(",", 0, len(text) - 40)], encoding="utf-8")
    with pytest.raises(RowError, match="cut.csv"):
        ingest(ledger, [str(path)])
    assert ledger.duckdb.sql("SELECT count(*) FROM costs").fetchone()[0] == 0


def test_detection_and_the_closest_layout(ledger, tmp_path):
    info = files.sniff(fx.write_ea(tmp_path / "ea.csv"))
    scores = {name: cls().detect(info) for name, cls in sources().items()}
    assert max(scores, key=scores.get) == "azure" and scores["azure"] == 1.0
    assert scores["aws_cur"] == 0 and scores["focus"] < 0.6
    partial = tmp_path / "partial.csv"
    partial.write_text("SubscriptionId,Date,MeterCategory,UnitOfMeasure,Quantity\nsub-1,11/03/2026,Storage,1 GB,1\n")
    with pytest.raises(SchemaError, match=r"missing Azure cost export columns CostInBillingCurrency, BillingCurrencyCode"):
        ingest(ledger, [str(partial)])
    fewer = tmp_path / "fewer.csv"
    fewer.write_text("SubscriptionId,Date,Quantity\nsub-1,11/03/2026,1\n")
    with pytest.raises(UnknownFormatError, match=r"Closest: azure, which lacks CostInBillingCurrency, MeterCategory"):
        ingest(ledger, [str(fewer)])


def test_older_reservation_ids_and_case_and_blank_periods(ledger, tmp_path):
    """benefitId blank but ReservationId set (older data); lower-case charge types; an open month's
    blank billing period dates; a Purchase the export calls usage-based."""
    rows = [
        ({**fx.ACTUAL[2][0], "benefitId": "", "benefitName": "", "ChargeType": "usage"}, {}),
        ({**fx.ACTUAL[0][0], "BillingPeriodStartDate": "", "BillingPeriodEndDate": ""}, {}),
        ({**fx.ACTUAL[8][0], "Frequency": "UsageBased"}, {}),
    ]
    ingest(ledger, [str(fx.write_ea(tmp_path / "older.csv", rows))])
    found = ledger.duckdb.sql(
        "SELECT CommitmentDiscountId, CommitmentDiscountStatus, ChargeCategory, BillingPeriodStart, BillingPeriodEnd, "
        "ChargeFrequency FROM costs ORDER BY BilledCost").fetchall()
    reserved, databricks, h100 = found
    assert reserved[:3] == ("r-1", "Used", "Usage")
    assert (h100[3].month, h100[3].day, h100[4].month, h100[4].day) == (11, 1, 12, 1)
    assert databricks[2] == "Purchase" and databricks[5] == "One-Time"


def test_actual_and_amortized_of_one_month_in_one_ingest_are_refused(ledger, tmp_path):
    from spendscope.errors import IngestError

    actual = fx.write_ea(tmp_path / "actual.csv")
    amortized = fx.write_ea(tmp_path / "amortized.csv", fx.AMORTIZED)
    with pytest.raises(IngestError, match="both the actual and the amortized cost export"):
        ingest(ledger, [str(actual), str(amortized)])
    assert ledger.duckdb.sql("SELECT count(*) FROM costs").fetchone()[0] == 0
