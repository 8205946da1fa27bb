"""The command line as a user meets it: output, formats, exact error messages, exit codes."""

from __future__ import annotations

import csv
import io
import json

import typer.main

from spendscope import docs
from spendscope.cli import app
from tests.conftest import REPO, SAMPLE_FOCUS


def test_every_command_has_help_and_is_documented():
    reference = (REPO / "docs" / "cli.md").read_text()
    for name, cmd in docs._commands(typer.main.get_command(app), "spendscope"):
        assert cmd.help and cmd.help.strip(), f"{name} has no help"
        assert f"## `{name}`" in reference, f"{name} is missing from docs/cli.md"
        for p in cmd.params:
            if p.param_type_name == "option" and p.name not in ("install_completion", "show_completion"):
                assert p.help, f"{name} {p.opts} has no help"


def test_generated_docs_are_up_to_date():
    for name, build in docs.DOCS.items():
        committed = (REPO / "docs" / name).read_text()
        assert committed == build(), f"docs/{name} is stale: run `python -m spendscope.docs`"


def test_ingest_shows_reconciliation_and_notes(cli):
    out = cli("ingest", str(SAMPLE_FOCUS)).stdout
    assert "1,000 rows from focus (FOCUS 1.0), load 1" in out
    assert "ChargeFrequency: 'Usage-based' -> 'Usage-Based' in 7 rows." in out
    assert "Reconciliation: source totals = ledger totals" in out
    assert "18.01" in out and "13.00" in out  # AWS September: billed and effective
    again = cli("ingest", str(SAMPLE_FOCUS)).stdout
    assert "already loaded (load 1), nothing changed." in again


def test_costs_formats(cli):
    cli("ingest", str(SAMPLE_FOCUS))
    rows = json.loads(cli("costs", "--by", "ProviderName", "-g", "none", "--format", "json").stdout)
    assert rows == [
        {"ProviderName": "AWS", "EffectiveCost": "13"},
        {"ProviderName": "Microsoft", "EffectiveCost": "1.97651418586"},
        {"ProviderName": "Oracle", "EffectiveCost": "0"},
    ]
    table = list(csv.DictReader(io.StringIO(cli("costs", "--by", "ProviderName", "--metric", "BilledCost",
                                                 "--format", "csv").stdout)))
    # periods follow ChargePeriodStart: Oracle's one October-billed row was charged on 30 September
    assert {(r["period"], r["ProviderName"]): r["BilledCost"] for r in table} == {
        ("2024-09-01", "AWS"): "18.0066386184",
        ("2024-09-01", "Microsoft"): "1.97651418586",
        ("2024-09-01", "Oracle"): "0.53707392473",
    }
    text = cli("costs", "--by", "ProviderName", "-g", "none").stdout
    assert "Total EffectiveCost: 14.98 over 3 rows" in text


def test_costs_filters_and_tags(cli):
    cli("ingest", str(SAMPLE_FOCUS))
    rows = json.loads(cli("costs", "--by", "tag:environment", "-g", "none", "--where", "ServiceCategory=Compute",
                          "--where", "tag:environment!=null", "--format", "json").stdout)
    assert {r["tag:environment"] for r in rows} == {"dev", "prod"}


def test_unknown_column_error_is_exact(cli):
    result = cli("costs", "--by", "Servicename,Team", expect=2)
    assert result.stderr.startswith("Error: Unknown column 'Team'. Valid columns: AvailabilityZone, BilledCost,")
    assert "Tags are addressed as tag:KEY, for example --by tag:team." in result.stderr


def test_bad_option_values_are_explained(cli):
    cli("ingest", str(SAMPLE_FOCUS))
    assert cli("costs", "-g", "hourly", expect=2).stderr == (
        "Error: Unknown granularity 'hourly'. Valid granularitys: day, week, month, none\n")
    assert "Error: The 'from' date '2024-13-01' is not a date." in cli("costs", "--from", "2024-13-01", expect=2).stderr
    assert "Cannot read the filter 'nonsense'" in cli("costs", "--where", "nonsense", expect=2).stderr
    assert "Unknown metric 'Cost'" in cli("costs", "--metric", "Cost", expect=2).stderr


def test_queries_before_any_ingest_say_what_to_do(cli):
    result = cli("costs", expect=8)
    assert "There is no ledger at" in result.stderr and "spendscope demo" in result.stderr


def test_ingest_errors_exit_4_and_name_the_file(cli, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    result = cli("ingest", str(bad), expect=4)
    assert f"Error: {bad}: no source recognises this file" in result.stderr
    assert cli("ingest", str(tmp_path / "nope.csv"), expect=4).stderr.startswith("Error: No such file or folder")
    assert "Unknown source 'aws'. Valid sources: aws_cur, azure, focus, gcp, oci" in cli("ingest", str(SAMPLE_FOCUS), "--source", "aws", expect=2).stderr


def test_sources_and_ingests(cli):
    sources = json.loads(cli("sources", "--format", "json").stdout)
    assert [(s["source"], s["kind"]) for s in sources] == [
        ("aws_cur", "bill"), ("azure", "bill"), ("focus", "bill"), ("gcp", "bill"), ("oci", "bill"),
        ("anthropic_costs", "LLM cost report"), ("anthropic_usage", "LLM usage"), ("events", "LLM usage"),
        ("litellm", "LLM usage"), ("openai_costs", "LLM cost report"), ("openai_usage", "LLM usage"), ("otel", "LLM usage")]
    cli("ingest", str(SAMPLE_FOCUS))
    loads = json.loads(cli("ingests", "--format", "json").stdout)
    assert loads[0]["rows"] == 1000 and loads[0]["status"] == "current"
    assert loads[0]["billed_cost"] == "20.52022672899"


def test_export_focus(cli, tmp_path):
    cli("ingest", str(SAMPLE_FOCUS))
    out = cli("export", "focus", "--out", str(tmp_path / "f.csv")).stdout
    assert "Wrote 1,000 rows" in out and "(FOCUS 1.2)" in out
    header = (tmp_path / "f.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["AvailabilityZone", "BilledCost", "BillingAccountId"]
    assert header.index("x_Source") > header.index("Tags")  # custom columns after FOCUS ones
    assert "Error: Cannot export to" in cli("export", "focus", "--out", str(tmp_path / "f.xlsx"), expect=6).stderr


def test_version():
    from typer.testing import CliRunner

    assert CliRunner().invoke(app, ["--version"]).stdout.startswith("spendscope ")


def test_help_lists_the_contract_commands():
    from typer.testing import CliRunner

    out = CliRunner().invoke(app, ["--help"]).stdout
    for name in ("demo", "ingest", "sources", "costs", "export", "serve", "ingests"):
        assert name in out


def test_hostile_or_confused_queries_are_refused_clearly(cli):
    cli("ingest", str(SAMPLE_FOCUS))
    cases = {
        ("--by", "ServiceName,ServiceName"): "The dimension 'ServiceName' is named twice.",
        ("--by", "EffectiveCost"): "Cannot group by the metric 'EffectiveCost' itself",
        ("--from", "2024-10-01", "--to", "2024-09-01"): "The range from 2024-10-01 to 2024-09-01 is empty",
        ("--where", "ServiceName~(?=x)"): "uses look-arounds or back-references",
        ("--where", "ServiceName~(unclosed"): "Bad regular expression '(unclosed'",
        ("--by", "tag:*"): "contains '*', which JSON paths read as a wildcard",
        ("--where", "ServiceName=a\x01b"): "contains a control character",
        ("--where", "ServiceName='; DROP TABLE costs; --"): None,  # a value, compared as text: no rows, no harm
    }
    for args, message in cases.items():
        if message is None:
            out = cli("costs", "-g", "none", *args, "--format", "json").stdout
            assert json.loads(out) == [{"EffectiveCost": "0"}]
        else:
            assert message in cli("costs", *args, expect=2).stderr, args
    assert cli("costs", "-g", "none", "--format", "csv").stdout.splitlines()[1] == "14.97651418586"


def test_kubernetes_style_tag_keys(cli, tmp_path):
    from tests.builders import focus_file

    path = focus_file(tmp_path / "k8s.csv", [{"Tags": {"app.kubernetes.io/name": "trainer", "team": "ml"}},
                                            {"Tags": {"app.kubernetes.io/name": "web"}, "BilledCost": "5",
                                             "EffectiveCost": "5", "ListCost": "5", "ContractedCost": "5"}])
    cli("ingest", str(path))
    rows = json.loads(cli("costs", "--by", "tag:app.kubernetes.io/name", "-g", "none", "--format", "json").stdout)
    assert rows == [{"tag:app.kubernetes.io/name": "trainer", "EffectiveCost": "10"},
                    {"tag:app.kubernetes.io/name": "web", "EffectiveCost": "5"}]


def test_demo_without_serving(cli, tmp_path):
    """`spendscope demo --no-serve`: generates, ingests through the real adapters, summarises."""
    out = cli("demo", "--no-serve", "--months", "2", "--scale", "0.2", "--out", str(tmp_path / "demo")).stdout
    assert "rows of billing data" in out and "labels.json" in out
    assert "By provider" in out and "By AI workload" in out and "Top models" in out and "Month over month" in out
    for provider in ("AWS", "Microsoft", "Google Cloud", "OpenAI", "Anthropic"):
        assert provider in out
    again = cli("demo", "--no-serve", "--months", "2", "--scale", "0.2", "--out", str(tmp_path / "demo")).stdout
    assert "from 0 new files" in again  # deterministic files: nothing reloaded
    assert "Note:" not in again


def test_demo_notes_demo_loads_it_did_not_write(cli, tmp_path):
    """Switching the demo's format leaves the other format's loads in the ledger: the user is told."""
    out = str(tmp_path / "demo")
    cli("demo", "--no-serve", "--months", "1", "--scale", "0.1", "--out", out, "--focus-exports")
    again = cli("demo", "--no-serve", "--months", "1", "--scale", "0.1", "--out", out).stdout
    assert "the ledger also holds 3 load(s) of demo files" in " ".join(again.split())
