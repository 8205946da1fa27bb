"""A bill's LLM rows (here AWS CUR's Bedrock rows) spread over the teams of the usage events they
price: the billed amount counts, exactly, and the events only distribute it; the bill's own
attribution is kept; loading more events, or the bill again, spreads again from the rows as loaded."""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

import pytest

from spendscope.ingest.pipeline import ingest
from spendscope.llm.ingest import UsageFile, ingest_usage
from spendscope.store.ledger import Ledger
from tests.ingest import cur_fixture
from tests.llm.test_usage_pipeline import ListSource

HOUR = dt.datetime(2026, 11, 3, 10, tzinfo=dt.timezone.utc)
HAIKU = "us.anthropic.claude-3-haiku-20240307-v1:0"


def bedrock(hour: int, usage_type: str, cost: str, amount: str, **values) -> tuple[dict, dict]:
    return ({"lineItem/ProductCode": "AmazonBedrock", "product/ProductName": "Amazon Bedrock",
             "lineItem/UsageType": usage_type, "lineItem/UsageAmount": amount, "lineItem/UnblendedCost": cost,
             "lineItem/UnblendedRate": "0.00025", "pricing/unit": "1K tokens", "lineItem/Operation": "InvokeModelInference",
             "lineItem/UsageStartDate": f"2026-11-03T{hour:02d}:00:00Z",
             "lineItem/UsageEndDate": f"2026-11-03T{hour + 1:02d}:00:00Z", **values}, {})


ROWS = [
    bedrock(9, "USE1-Claude3Haiku-input-tokens", "0.3333333333333333", "1333.3333333"),
    bedrock(10, "USE1-Claude3Haiku-input-tokens", "98765432109.987654321", "1000"),  # no overflow, however large
    bedrock(10, "USE1-Claude3Haiku-output-tokens", "1.25", "1000"),
    bedrock(11, "USE1-Claude3Haiku-input-tokens", "0.50", "2000", **{"resourceTags/user:team": "search"}),
    ({"lineItem/UsageType": "USE1-BoxUsage:m5.large", "lineItem/UnblendedCost": "0.096"}, {}),  # not LLM usage
]


def events(**extra) -> list[dict]:
    base = {"provider": "bedrock", "model": HAIKU, "start_time": HOUR, "account_id": "444455556666"}
    return [{**base, "event_id": "e1", "input_tokens": 300, "output_tokens": 10, "team": "search", "application": "docs"},
            {**base, "event_id": "e2", "input_tokens": 100, "team": "assistant"},
            {**base, "event_id": "e3", "input_tokens": 600, "output_tokens": 30},  # names no team
            *([{**base, **extra}] if extra else [])]


def share(amount: str, tokens: int, total: int) -> Decimal:
    """A share as documented: the amount times the tokens' fraction cut at 18 places, rounded to 18 places."""
    q = Decimal(1).scaleb(-18)
    with localcontext() as ctx:
        ctx.prec = 80
        return (Decimal(amount) * (Decimal(tokens) / total).quantize(q, ROUND_DOWN)).quantize(q, ROUND_HALF_UP)


def load_events(ledger, tmp_path, rows, name="events.jsonl"):
    path = tmp_path / name
    path.write_text(json.dumps(rows, default=str))
    return ingest_usage(ledger, [UsageFile(path, ListSource(rows))])


def bill_rows(ledger) -> list[tuple]:
    return ledger.duckdb.sql("""SELECT x_Team, x_Application, x_TokenClass, hour(ChargePeriodStart), BilledCost,
                                       EffectiveCost, ConsumedQuantity, Tags
                                FROM costs WHERE x_Source = 'aws_cur' AND x_Model IS NOT NULL ORDER BY ALL""").fetchall()


def by_row(rows) -> dict[tuple, Decimal]:
    out: dict[tuple, Decimal] = {}
    for team, app, cls, hour, billed, *_ in rows:
        out[(cls, hour)] = out.get((cls, hour), Decimal(0)) + billed
    return out


@pytest.fixture
def cur(tmp_path):
    return cur_fixture.write(tmp_path / "cur.csv", rows=ROWS)


@pytest.mark.parametrize("order", ["bill first", "events first"])
def test_bedrock_rows_of_a_cur_are_spread_over_the_events_teams_exactly(tmp_path, cur, order):
    with Ledger.open(db=":memory:") as ledger:
        if order == "bill first":
            ingest(ledger, [str(cur)])
            loaded = bill_rows(ledger)
            notes = load_events(ledger, tmp_path, events()).files[0].notes
            assert "4 billed rows of the same provider, day and model are spread over the events' teams" in " ".join(notes)
        else:
            load_events(ledger, tmp_path, events())
            ingest(ledger, [str(cur)])
        rows = bill_rows(ledger)
        # every bill row's amounts are kept to the last of its 18 places, only split
        assert by_row(rows) == {("Input", 9): Decimal("0.3333333333333333"), ("Input", 10): Decimal("98765432109.987654321"),
                                ("Output", 10): Decimal("1.25"), ("Input", 11): Decimal("0.50")}
        if order == "bill first":
            assert sum(r[4] for r in rows) == sum(r[4] for r in loaded)
        # input tokens 300 (search, docs) : 100 (assistant) : 600 (no team): the untagged rows split 3:1:6
        hour9 = {(r[0], r[1]): r for r in rows if r[3] == 9}
        assert set(hour9) == {("search", "docs"), ("assistant", None), (None, None)}
        assert hour9[("search", "docs")][4] == share("0.3333333333333333", 300, 1000) == Decimal("0.09999999999999999")
        assert hour9[("assistant", None)][4] == share("0.3333333333333333", 100, 1000)
        assert hour9[(None, None)][4] == Decimal("0.3333333333333333") - Decimal("0.13333333333333332")  # the largest
        assert hour9[("search", "docs")][6] + hour9[("assistant", None)][6] + hour9[(None, None)][6] == Decimal("1333.3333333")
        assert json.loads(hour9[("search", "docs")][7]) == {"team": "search", "application": "docs"}
        # output: only e1 (10, search) and e3 (30): its own class's events, 1:3
        out = {r[0]: r[4] for r in rows if r[2] == "Output"}
        assert out == {"search": Decimal("0.3125"), None: Decimal("0.9375")}
        # the row tagged team=search keeps its team: only the search events and those naming no team share it
        hour11 = {(r[0], r[1]): r[4] for r in rows if r[3] == 11}
        assert share("0.50", 300, 900) == Decimal("0.166666666666666667")
        assert hour11 == {("search", "docs"): Decimal("0.166666666666666667"),
                          ("search", None): Decimal("0.5") - Decimal("0.166666666666666667")}
        # the invoice counts: the events' estimate steps aside, the events stay
        assert ledger.duckdb.sql("SELECT count(*) FROM costs WHERE x_Source = 'events'").fetchone()[0] == 0
        assert ledger.duckdb.sql("SELECT count(*) FROM usage_events").fetchone()[0] == 3
        # the partition still holds what the file billed, to the last place
        total, recorded = ledger.duckdb.sql("""
            SELECT (SELECT sum(BilledCost) FROM costs WHERE x_Source = 'aws_cur'),
                   (SELECT sum(billed_cost) FROM load_partitions WHERE x_Source = 'aws_cur')""").fetchone()
        assert total == recorded == cur_fixture_total(cur)


def cur_fixture_total(path) -> Decimal:
    import csv

    with open(path, newline="") as fh:
        return sum((Decimal(r["lineItem/UnblendedCost"]) for r in csv.DictReader(fh)), Decimal(0))


def test_more_events_spread_the_rows_again_from_the_bill_as_loaded(tmp_path, cur):
    with Ledger.open(db=":memory:") as ledger:
        ingest(ledger, [str(cur)])
        load_events(ledger, tmp_path, events())
        kept = ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM llm_spread_bills").fetchone()
        load_events(ledger, tmp_path, [{"provider": "bedrock", "model": HAIKU, "start_time": HOUR, "event_id": "e4",
                                        "input_tokens": 1000, "team": "research"}], name="more.jsonl")
        rows = bill_rows(ledger)
        hour9 = {r[0]: r[4] for r in rows if r[3] == 9 and r[1] is None}
        assert set(hour9) == {"research", "assistant", None}  # 1000 : 100 : 600 (and search, docs 300)
        assert hour9["research"] == share("0.3333333333333333", 1000, 2000)
        assert by_row(rows)[("Input", 9)] == Decimal("0.3333333333333333")
        # the rows as loaded are kept once, not once per spreading
        assert ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM llm_spread_bills").fetchone() == kept == (4, Decimal(
            "98765432112.0709876543333333"))


def test_a_restated_bill_is_spread_from_its_own_rows(tmp_path, cur):
    with Ledger.open(db=":memory:") as ledger:
        ingest(ledger, [str(cur)])
        load_events(ledger, tmp_path, events())
        restated = cur_fixture.write(tmp_path / "restated.csv", rows=[ROWS[0], ROWS[4]])
        ingest(ledger, [str(restated)])
        rows = bill_rows(ledger)
        assert by_row(rows) == {("Input", 9): Decimal("0.3333333333333333")}
        assert len(rows) == 3  # spread over search, assistant and the events naming no team
        assert ledger.duckdb.sql("SELECT sum(BilledCost) FROM costs WHERE x_Source = 'aws_cur'").fetchone()[0] == \
            Decimal("0.3333333333333333") + Decimal("0.096")
        # the first bill's rows as loaded are gone with it: nothing of them comes back
        assert ledger.duckdb.sql("SELECT count(*), sum(BilledCost) FROM llm_spread_bills").fetchone() == (
            1, Decimal("0.3333333333333333"))


def test_a_row_no_event_adds_to_stays_as_loaded(tmp_path, cur):
    with Ledger.open(db=":memory:") as ledger:
        ingest(ledger, [str(cur)])
        before = bill_rows(ledger)
        # other model; and events of this model that name no team, project, application or environment
        load_events(ledger, tmp_path, [
            {"provider": "bedrock", "model": "anthropic.claude-3-5-sonnet-20241022-v2:0", "start_time": HOUR,
             "event_id": "s1", "input_tokens": 10, "team": "search"},
            {"provider": "bedrock", "model": HAIKU, "start_time": HOUR, "event_id": "h1", "input_tokens": 10,
             "output_tokens": 5}])
        assert bill_rows(ledger) == before
        assert ledger.duckdb.sql("SELECT count(*) FROM llm_spread_bills").fetchone()[0] == 0


def test_a_row_of_a_project_is_spread_over_that_projects_events_and_those_naming_none(tmp_path):
    rows = [bedrock(9, "USE1-Claude3Haiku-input-tokens", "1.00", "1000", **{"resourceTags/user:project": "chat"})]
    with Ledger.open(db=":memory:") as ledger:
        ingest(ledger, [str(cur_fixture.write(tmp_path / "cur.csv", rows=rows))])
        base = {"provider": "bedrock", "model": HAIKU, "start_time": HOUR}
        load_events(ledger, tmp_path, [{**base, "event_id": "p1", "input_tokens": 100, "project_id": "chat", "team": "search"},
                                       {**base, "event_id": "p2", "input_tokens": 900, "project_id": "batch", "team": "ops"},
                                       {**base, "event_id": "p3", "input_tokens": 300, "team": "research"}])
        got = ledger.duckdb.sql("SELECT x_Team, x_Project, BilledCost FROM costs WHERE x_Source = 'aws_cur' ORDER BY 1").fetchall()
        assert got == [("research", "chat", Decimal("0.75")), ("search", "chat", Decimal("0.25"))]


def test_a_sub_account_that_is_a_project_or_workspace_names_the_rows_project():
    from spendscope.llm.spread import _shares

    found = {("search", "proj_a", None, None): 100, ("ops", "proj_b", None, None): 300, ("ml", None, None, None): 100}
    # OpenAI's invoice: the sub account is the project (and becomes the row's x_Project)
    assert _shares(found, ("proj_a", "Project", None, None, None, None)) == [
        (("ml", "proj_a", None, None), 100), (("search", "proj_a", None, None), 100)]
    # an AWS member account is not a project: every event shares
    assert [d[0] for d, _ in _shares(found, ("444455556666", "Member Account", None, None, None, None))] == [
        "ops", "ml", "search"]
    # a row whose attribution the events cannot add to stays whole
    assert _shares({("search", None, None, None): 5}, (None, None, "search", None, None, None)) == []
