"""AI classification: one test per rule kind, and rules overridden from spendscope.toml."""

from __future__ import annotations

import pytest

from spendscope.errors import ConfigError
from spendscope.ingest.pipeline import ingest
from spendscope.normalize.classify import load_rules
from spendscope.settings import Settings
from spendscope.store.ledger import Ledger
from tests.builders import focus_file

ROWS = {
    "tag": {"Tags": {"ai-workload": "Fine-tuning", "team": "research"},
            "ChargeDescription": "p5.48xlarge On Demand Linux"},
    "token": {"ServiceCategory": "AI and Machine Learning", "ServiceSubcategory": "Generative AI",
              "ServiceName": "Amazon Bedrock", "SkuMeter": "Cache Read Input Tokens", "ConsumedUnit": "Tokens",
              "PricingUnit": "1000000 Tokens", "SkuPriceDetails": {"ModelId": "anthropic.claude-3-5-sonnet"}},
    "service": {"ServiceCategory": "AI and Machine Learning", "ServiceSubcategory": "Machine Learning",
                "ServiceName": "Amazon SageMaker", "SkuMeter": "ml.g5.xlarge hosting", "ChargeDescription": "Endpoint hours"},
    "vertex_training": {"ServiceCategory": "AI and Machine Learning", "ServiceSubcategory": "AI Platforms",
                        "ServiceName": "Vertex AI", "SkuMeter": "Custom Training: Nvidia H100 GPU running in us-central1"},
    "azure_ml_endpoint": {"ServiceCategory": "AI and Machine Learning", "ServiceSubcategory": "Machine Learning",
                          "ServiceName": "Azure Machine Learning", "ChargeDescription": "Managed online endpoint NC A100 v4"},
    "gpu_instance": {"ChargeDescription": "$98.32 per On Demand Linux p5.48xlarge Instance Hour"},
    "gpu_gcp": {"ServiceName": "Compute Engine", "ChargeDescription": "A3 instance a3-highgpu-8g running in us-central1"},
    "gpu_azure": {"ServiceName": "Virtual Machines", "ChargeDescription": "Standard_ND96isr_H100_v5"},
    "account": {"ServiceCategory": "Storage", "ServiceSubcategory": "Object Storage",
                "ServiceName": "Amazon Simple Storage Service", "SubAccountName": "ml-datasets-prod"},
    "category": {"ServiceCategory": "AI and Machine Learning", "ServiceSubcategory": "AI Platforms",
                 "ServiceName": "Azure AI Foundry"},
    "not_ai": {"ChargeDescription": "$0.096 per On Demand Linux m5.large Instance Hour"},
    "not_ai_lookalike": {"ChargeDescription": "Standard_D4s_v5 in westeurope (not ND)", "ServiceName": "Virtual Machines"},
}


def classified(settings, tmp_path) -> dict[str, tuple]:
    path = focus_file(tmp_path / "rows.csv", [{**row, "ResourceId": name} for name, row in ROWS.items()])
    with Ledger.open(settings) as ledger:
        ingest(ledger, [str(path)])
        c = ledger.costs
        rows = c.select("ResourceId", "x_AiWorkload", "x_AiRule", "x_TokenClass", "x_Model", "x_Team").to_pyarrow().to_pylist()
    return {r["ResourceId"]: (r["x_AiWorkload"], r["x_AiRule"], r["x_TokenClass"], r["x_Model"], r["x_Team"]) for r in rows}


def test_each_rule_kind(settings, tmp_path):
    got = classified(settings, tmp_path)
    assert got["tag"][:2] == ("Fine-Tuning", "tag-ai-workload")  # the tag wins over the GPU instance
    assert got["tag"][4] == "research"
    assert got["token"] == ("Inference", "token-billed", "Cached Input", "anthropic.claude-3-5-sonnet", None)
    assert got["service"][:2] == ("Inference", "ml-platform-endpoint")
    assert got["vertex_training"][:2] == ("Training", "ml-platform-training")
    assert got["azure_ml_endpoint"][:2] == ("Inference", "ml-platform-endpoint")
    assert got["gpu_instance"][:2] == ("Training", "gpu-instance")
    assert got["gpu_gcp"][:2] == ("Training", "gpu-instance")
    assert got["gpu_azure"][:2] == ("Training", "gpu-instance")
    assert got["account"][:2] == ("Data", "ai-data-account")
    assert got["category"][:2] == ("Platform", "ai-category")
    assert got["not_ai"][:2] == (None, None)
    assert got["not_ai_lookalike"][:2] == (None, None)


def test_user_rules_come_first_and_can_replace_defaults(db_path, tmp_path):
    config = tmp_path / "spendscope.toml"
    config.write_text("""
[classification]
[[classification.rules]]
id = "m5-is-platform"
kind = "gpu_instance"
patterns = ["m5\\\\.large"]
workload = "Platform"

[[classification.rules]]
id = "p5-is-research"
kind = "gpu_instance"
patterns = ["48xlarge On Demand Linux"]
workload = "Experimentation"

[[classification.rules]]
id = "datasets-are-experiments"
kind = "account"
pattern = "datasets"
workload = "Experimentation"
""")
    settings = Settings.load(config, environ={}, db=str(db_path))
    got = classified(settings, tmp_path)
    assert got["not_ai"][:2] == ("Platform", "m5-is-platform")
    assert got["account"][:2] == ("Experimentation", "datasets-are-experiments")
    # a user's SKU rule listed before the bundled tag rule wins over a row's ai-workload tag
    assert got["tag"][:2] == ("Experimentation", "p5-is-research")
    assert got["gpu_instance"][:2] == ("Training", "gpu-instance")  # defaults still apply after


def test_replace_defaults(db_path, tmp_path):
    config = tmp_path / "spendscope.toml"
    config.write_text('[classification]\nreplace_defaults = true\n[[classification.rules]]\n'
                      'id = "only"\nkind = "category"\ncategory = "AI and Machine Learning"\nworkload = "Inference"\n')
    got = classified(Settings.load(config, environ={}, db=str(db_path)), tmp_path)
    assert got["gpu_instance"][:2] == (None, None)
    assert got["category"][:2] == ("Inference", "only")


@pytest.mark.parametrize("rule, message", [
    ({"id": "x", "kind": "magic", "workload": "Training"}, "rule 'x' has kind 'magic'. Valid kinds: tag, token"),
    ({"id": "x", "kind": "account", "pattern": "a", "workload": "Gaming"}, "rule 'x' has workload 'Gaming'. Valid workloads: Training"),
    ({"id": "x", "kind": "account", "pattern": "(", "workload": "Data"}, "rule 'x' has a bad regular expression '('"),
    ({"id": "x", "kind": "tag"}, "tag rule 'x' needs keys"),
])
def test_bad_rules_are_explained(rule, message):
    with pytest.raises(ConfigError, match=None) as info:
        load_rules({"rules": [rule]})
    assert message in str(info.value)
