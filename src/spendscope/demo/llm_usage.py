"""Northwind AI's LLM usage as the usage sources deliver it, beside the providers' invoices.

* **OpenAI Usage API** pages (``openai/usage/completions-YYYY-MM.json``, ``embeddings-…``): daily
  buckets grouped by model and project, the same tokens the OpenAI invoice bills (``input_tokens``
  includes the cached tokens, as the API reports them).
* **Anthropic usage report** pages (``anthropic/usage/messages-YYYY-MM.json``): daily buckets by
  model and workspace, cache reads and 5-minute cache writes apart.
* **Gateway events** (``gateway/events-YYYY-MM.jsonl``, ``spendscope.usage.v1``): the labs team's
  in-house gateway, per request, calling ``gpt-4.1-mini`` from an OpenAI organisation whose invoice
  is not loaded, and a fine-tuned ``ft:gpt-5-mini-…`` the price catalog does not know (reported
  unpriced, never $0).
* **A price change** (``prices/northwind-negotiated.csv``): a negotiated ``gpt-4.1-mini`` rate from
  the middle of the window, which ``spendscope demo`` loads before the usage.

The usage of a model the invoice bills steps aside in the ledger (the invoice wins) and
``spendscope reconcile llm`` compares the two.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from spendscope.demo.charges import ChargeTable, Lines
from spendscope.demo.context import Context
from spendscope.demo.money import MICRO

GATEWAY_ACCOUNT = "org-nwlabs-4Hq8sT2m"
UNKNOWN_FINE_TUNE = "ft:gpt-5-mini-2025-08-07:northwind:triage:Q7x2Lm"
NEGOTIATED = {"input": "0.32", "cached_input": "0.08", "output": "1.28"}  # gpt-4.1-mini, USD per million tokens


def _day(ctx: Context, d: int) -> dt.datetime:
    return dt.datetime.combine(ctx.window.date(int(d)), dt.time(), tzinfo=dt.timezone.utc)


def _tokens_by_bucket(lines: Lines, charges: ChargeTable) -> dict[tuple[int, str, str], dict[str, int]]:
    """(day, model, sub account) -> tokens per token class, from a provider's token charges."""
    attrs = lines.arrays()
    details = [json.loads(d) if d else {} for d in attrs["SkuPriceDetails"].to_pylist()]
    accounts = attrs["SubAccountId"].to_pylist()
    out: dict[tuple[int, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tokens = charges.consumed // MICRO
    for line, day, n in zip(charges.line.tolist(), charges.day.tolist(), tokens.tolist()):
        d = details[line]
        out[(day, d["ModelId"], accounts[line])][d["TokenType"]] += int(n)
    return out


def openai_pages(ctx: Context, lines: Lines, charges: ChargeTable) -> dict[tuple[str, str], dict]:
    """Usage API pages per (endpoint, month label): the tokens OpenAI bills, as its Usage API reports them."""
    buckets: dict[tuple[str, str], dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for (day, model, project), t in sorted(_tokens_by_bucket(lines, charges).items()):
        endpoint = "embeddings" if model.startswith("text-embedding") else "completions"
        inputs = t.get("Input", 0) + t.get("Cached Input", 0)
        outputs = t.get("Output", 0) + t.get("Reasoning", 0)
        result = {"object": f"organization.usage.{endpoint}.result", "input_tokens": inputs,
                  "num_model_requests": max(1, (inputs + outputs) // 2500), "project_id": project, "user_id": None,
                  "api_key_id": None, "model": model, "batch": False}
        if endpoint == "completions":
            result.update(output_tokens=outputs, input_cached_tokens=t.get("Cached Input", 0), input_audio_tokens=0,
                          output_audio_tokens=0)
        buckets[(endpoint, f"{ctx.window.date(day):%Y-%m}")][day].append(result)
    return {key: {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": int(_day(ctx, d).timestamp()), "end_time": int(_day(ctx, d + 1).timestamp()),
         "results": results} for d, results in sorted(days.items())]} for key, days in buckets.items()}


def anthropic_pages(ctx: Context, lines: Lines, charges: ChargeTable) -> dict[str, dict]:
    """Usage report pages per month label: the tokens Anthropic bills, cache reads and writes apart."""
    buckets: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for (day, model, workspace), t in sorted(_tokens_by_bucket(lines, charges).items()):
        buckets[f"{ctx.window.date(day):%Y-%m}"][day].append({
            "uncached_input_tokens": t.get("Input", 0), "cache_read_input_tokens": t.get("Cache Read Input", 0),
            "cache_creation": {"ephemeral_5m_input_tokens": t.get("Cache Write Input", 0), "ephemeral_1h_input_tokens": 0},
            "output_tokens": t.get("Output", 0), "server_tool_use": {"web_search_requests": 0}, "model": model,
            "workspace_id": workspace, "api_key_id": None, "service_tier": "standard", "context_window": "0-200k"})

    def iso(d: int) -> str:
        return _day(ctx, d).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {label: {"has_more": False, "next_page": None, "data": [
        {"starting_at": iso(d), "ending_at": iso(d + 1), "results": results} for d, results in sorted(days.items())]}
        for label, days in buckets.items()}


def gateway_events(ctx: Context) -> dict[str, list[dict]]:
    """The labs gateway's requests per month label (``spendscope.usage.v1`` lines)."""
    rng = ctx.rng("gateway/requests")
    per_day = max(1, int(round(60 * ctx.scale)))
    out: dict[str, list[dict]] = defaultdict(list)
    for d in range(ctx.window.days):
        start = _day(ctx, d)
        n = int(rng.poisson(per_day * (0.4 if ctx.window.weekday[d] >= 5 else 1.0)))
        seconds = np.sort(rng.integers(0, 86_400, n))
        for k, second in enumerate(seconds.tolist()):
            fine_tuned = k % 4 == 0
            at = start + dt.timedelta(seconds=second)
            inputs = int(rng.integers(400, 6_000))
            cached = int(inputs * rng.uniform(0, 0.6)) if not fine_tuned else 0
            event = {
                "schema": "spendscope.usage.v1", "event_id": f"gw-{at:%Y%m%d}-{k:05d}", "provider": "openai",
                "account_id": GATEWAY_ACCOUNT, "model": UNKNOWN_FINE_TUNE if fine_tuned else "gpt-4.1-mini",
                "start_time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end_time": (at + dt.timedelta(seconds=int(rng.integers(1, 20)))).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "team": "research", "project_id": "labs-triage", "application": "ticket-triage",
                "environment": "prod", "api_key_id": f"key_labs_{k % 3}",
                "input_tokens": inputs - cached, "cached_input_tokens": cached,
                "output_tokens": int(rng.integers(50, 900)), "requests": 1,
            }
            out[f"{at:%Y-%m}"].append(event)
    return out


def write(ctx: Context, out: Path, openai: tuple[Lines, ChargeTable],
          anthropic: tuple[Lines, ChargeTable]) -> tuple[list[Path], Path]:
    """Write the usage files and the price change; (usage files, price file)."""
    files = []
    for (endpoint, label), page in sorted(openai_pages(ctx, *openai).items()):
        files.append(_json(out / "openai" / "usage" / f"{endpoint}-{label}.json", page))
    for label, page in sorted(anthropic_pages(ctx, *anthropic).items()):
        files.append(_json(out / "anthropic" / "usage" / f"messages-{label}.json", page))
    for label, events in sorted(gateway_events(ctx).items()):
        path = out / "gateway" / f"events-{label}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events))
        files.append(path)
    change = ctx.window.months[len(ctx.window.months) // 2].start
    prices = out / "prices" / "northwind-negotiated.csv"
    prices.parent.mkdir(parents=True, exist_ok=True)
    prices.write_text("provider,model,component,tier,usd_per_million,effective_from\n" + "".join(
        f"openai,gpt-4.1-mini,{component},standard,{price},{change.isoformat()}\n" for component, price in NEGOTIATED.items()))
    return files, prices


def _json(path: Path, content: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, separators=(",", ":")) + "\n")
    return path
