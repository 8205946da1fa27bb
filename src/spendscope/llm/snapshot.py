"""Build the bundled LLM price snapshot from LiteLLM's model price table.

``python -m spendscope.llm.snapshot ../shared/data/prices/litellm_model_prices_and_context_window.json``
rewrites ``spendscope/data/llm_prices.csv``. LiteLLM (BerriAI/litellm, MIT) publishes USD per token
as JSON floats (``2.5e-06``); each is read through its shortest decimal text and scaled to USD per
million tokens, so ``2.5e-06`` becomes exactly ``2.5``. Only token prices are kept (per image,
second, character or query prices are other units). A long-context price
(``input_cost_per_token_above_272k_tokens``, ``..._above_200k_tokens_batches``) is the price of its
tier for requests whose prompt is longer than the threshold: its tier is written
``<tier>>272k`` (``standard>272k``, ``batch>200k``).

The same reader serves ``spendscope prices update FILE`` for a newer LiteLLM table.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from decimal import Decimal
from pathlib import Path

from spendscope.llm.models import model_key

MILLION = Decimal(1_000_000)
# LiteLLM price field (without its tier suffix) -> spendscope price component
COMPONENTS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cached_input",
    "cache_creation_input_token_cost": "cache_write_5m",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "output_cost_per_reasoning_token": "reasoning",
    "input_cost_per_audio_token": "audio_input",
    "output_cost_per_audio_token": "audio_output",
}
TIERS = {"": "standard", "_batches": "batch", "_priority": "priority", "_flex": "flex"}
# "<field>_above_<N>k_tokens<tier suffix>": the field's price for prompts longer than N thousand tokens
_LONG = re.compile(r"^(?P<field>.+)_above_(?P<n>\d+)k_tokens(?P<suffix>_batches|_priority|_flex)?$")
# LiteLLM provider -> the seller family spendscope prices by
PROVIDERS = {
    "openai": "openai", "text-completion-openai": "openai", "chatgpt": "openai",
    "anthropic": "anthropic",
    "azure": "azure", "azure_ai": "azure", "azure_text": "azure",
    "bedrock": "bedrock", "bedrock_converse": "bedrock", "bedrock_mantle": "bedrock",
    "vertex_ai": "vertex", "vertex_ai_beta": "vertex", "gemini": "gemini",
}
FIELDS = ("provider", "model", "component", "tier", "usd_per_million", "source_model")


def _provider(litellm_provider: str | None) -> str:
    name = (litellm_provider or "").strip()
    if name.startswith("vertex_ai"):
        return "vertex"
    return PROVIDERS.get(name, name or "other")


def rows_from_litellm(table: dict) -> list[dict]:
    """Price rows (``FIELDS``) from a parsed LiteLLM price table, one per model key, component and
    tier. Where several entries give one key (``gpt-4o`` and ``openai/gpt-4o``), the first wins."""
    out: dict[tuple[str, str, str, str], dict] = {}
    for name, entry in table.items():
        if not isinstance(entry, dict) or name == "sample_spec":
            continue
        provider = _provider(entry.get("litellm_provider"))
        key = model_key(name)
        slots = [(field_name + suffix, component, tier) for field_name, component in COMPONENTS.items()
                 for suffix, tier in TIERS.items()]
        for field_name in entry:
            long = _LONG.match(field_name)
            if long and long["field"] in COMPONENTS:
                slots.append((field_name, COMPONENTS[long["field"]], f"{TIERS[long['suffix'] or '']}>{long['n']}k"))
        for field_name, component, tier in slots:
            value = entry.get(field_name)
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                continue
            try:
                per_token = Decimal(repr(value) if isinstance(value, float) else str(value))
            except ArithmeticError:
                continue
            if per_token < 0:
                continue
            price = (per_token * MILLION).normalize()
            slot = (provider, key, component, tier)
            if slot not in out:
                out[slot] = {"provider": provider, "model": key, "component": component, "tier": tier,
                             "usd_per_million": format(price, "f"), "source_model": name}
    return [out[k] for k in sorted(out)]


def build(source: Path, target: Path) -> int:
    rows = rows_from_litellm(json.loads(source.read_text()))
    with open(target, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return len(rows)


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: python -m spendscope.llm.snapshot LITELLM_PRICES.json")
    target = Path(__file__).resolve().parent.parent / "data" / "llm_prices.csv"
    n = build(Path(argv[0]), target)
    print(f"wrote {target} ({n} prices)")


if __name__ == "__main__":
    main(sys.argv[1:])
