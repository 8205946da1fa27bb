"""LLM APIs billed directly: OpenAI (projects) and Anthropic (workspaces).

Neither provider bills resources, regions or tags, so those columns are absent; each project or
workspace is a sub account, and the FOCUS export carries the project's labels (team, application,
...) as ``Tags``, as the FinOps tools that convert these providers' usage APIs to FOCUS do. Token
classes follow each provider's billing: OpenAI has cached input and, for reasoning models, reasoning
tokens; Anthropic has cache reads and cache writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from spendscope.demo import families as fam
from spendscope.demo import writers as w
from spendscope.demo.anomalies import Anomaly
from spendscope.demo.charges import Charges, ChargeTable, Lines
from spendscope.demo.context import Context, hex_ids, sku_code
from spendscope.demo.org import Tagger, application
from spendscope.demo.tokens import SKU_METERS, Model, Spike, description, emit, price_details

GPT_MIX = (("Input", 1.0), ("Cached Input", 0.9), ("Output", 0.12))
O3_MIX = (("Input", 1.0), ("Cached Input", 0.3), ("Output", 0.08), ("Reasoning", 0.5))
EMBED_MIX = (("Input", 1.0),)
CLAUDE_MIX = (("Input", 1.0), ("Output", 0.15), ("Cache Read Input", 2.0), ("Cache Write Input", 0.1))


@dataclass(frozen=True)
class Use:
    """An application calling a model from a project (OpenAI) or workspace (Anthropic)."""

    app: str
    model: str
    account: str
    base_input: float
    mix: tuple[tuple[str, float], ...]
    launch: float = 0.0
    weekend: float = 0.55


@dataclass(frozen=True)
class LlmApi:
    """One directly billed LLM API: its models, its sub accounts and how the apps use them."""

    provider: str
    service: str
    sub_account_type: str
    sub_account_prefix: str
    models: dict[str, Model]
    uses: tuple[Use, ...]
    spec: w.Provider
    spike: str | None = None  # the anomaly kind that hits the first use of the model named in its dims

    def build(self, ctx: Context, plan: dict[str, Anomaly]) -> tuple[Lines, ChargeTable]:
        rng = ctx.rng(f"{self.provider}/usage")
        ids = ctx.rng(f"{self.provider}/ids")
        tag = Tagger(ctx.rng(f"{self.provider}/tags"))
        lines = Lines(PublisherName=self.provider, SubAccountType=self.sub_account_type)
        accounts: dict[str, str] = {}
        streams, models, line_of = [], [], []
        spike = None
        for copy in range(ctx.count(1)):
            for use in self.uses:
                name, team, project = application(use.app, copy)
                model = self.models[use.model]
                anomaly = plan.get(self.spike) if self.spike else None
                hit = (anomaly is not None and copy == 0 and spike is None and use.app == anomaly.dimensions["x_Application"]
                       and model.model_id == anomaly.dimensions["x_Model"])
                tags = tag(team, project=project, application=name, environment="prod", complete=hit)
                account = use.account if copy == 0 else f"{use.account}-{copy + 1:02d}"
                if account not in accounts:
                    accounts[account] = f"{self.sub_account_prefix}{hex_ids(ids, 1, 24)[0]}"
                classes = {}
                for cls, _ in use.mix:
                    sku = sku_code(self.provider, model.model_id, cls)
                    classes[cls] = lines.add(
                        ServiceName=self.service, ServiceCategory="AI and Machine Learning", ServiceSubcategory="Generative AI",
                        ChargeDescription=description(model, cls, ""), SubAccountId=accounts[account],
                        SubAccountName=account,
                        SkuId=sku, SkuPriceId=f"{sku}-standard", SkuMeter=SKU_METERS[cls],
                        SkuPriceDetails=price_details(model, cls), PricingUnit="1000000 Tokens", ConsumedUnit="Tokens",
                        Tags=tags)
                if hit:
                    spike = Spike(anomaly, len(streams), ("Input", "Output"), 6)
                streams.append(fam.Stream(use.base_input * (1 if copy == 0 else 0.5), growth=float(rng.uniform(1.6, 3.0)),
                                          weekend=use.weekend, launch=ctx.frac(use.launch), mix=use.mix))
                models.append(model)
                line_of.append(classes)
        charges = Charges()
        emit(ctx, charges, rng, streams, models, line_of, spike=spike)
        return lines, charges.table()


OPENAI = LlmApi(
    provider="OpenAI", service="OpenAI API", sub_account_type="Project", sub_account_prefix="proj_",
    models={
        "gpt-4o": Model("gpt-4o", "gpt-4o-2024-08-06", "OpenAI", "GPT-4o", "2024-08-06", "GPT-4o"),
        "gpt-4o-mini": Model("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "OpenAI", "GPT-4o mini", "2024-07-18", "GPT-4o mini"),
        "o3-mini": Model("o3-mini", "o3-mini-2025-01-31", "OpenAI", "o3", "2025-01-31", "o3-mini"),
        "text-embedding-3-small": Model("text-embedding-3-small", "text-embedding-3-small", "OpenAI", "text-embedding-3",
                                        "3", "text-embedding-3-small"),
    },
    uses=(
        Use("northwind-assistant", "gpt-4o", "assistant-prod", 50e6, GPT_MIX),
        Use("northwind-assistant", "gpt-4o-mini", "assistant-prod", 200e6, GPT_MIX),
        Use("search-api", "text-embedding-3-small", "search-prod", 2_000e6, EMBED_MIX, weekend=0.7),
        Use("search-api", "gpt-4o-mini", "search-prod", 100e6, GPT_MIX),
        Use("ads-copy", "gpt-4o", "growth-experiments", 8e6, GPT_MIX, launch=0.2, weekend=0.3),
        Use("eval-harness", "o3-mini", "research-evals", 20e6, O3_MIX, weekend=0.2),
        Use("eval-harness", "gpt-4o", "research-evals", 10e6, GPT_MIX, weekend=0.2),
        Use("doc-enrichment", "gpt-4o-mini", "data-enrichment", 400e6, GPT_MIX, weekend=0.1),
    ),
    spec=w.Provider(
        name="OpenAI", billing_account_id="org-N7wq4Lk2VxR9sTb1YcE5MdPa", billing_account_name="Northwind AI",
        billing_account_type="Organization", invoice_prefix="NWAI-OAI", format="csv",
        path=lambda m: f"openai/openai-focus-{m.label}.csv", conditional=w.PRICED + w.ACCOUNTS + w.TAGS),
)

ANTHROPIC = LlmApi(
    provider="Anthropic", service="Claude API", sub_account_type="Workspace", sub_account_prefix="wrkspc_",
    models={
        "claude-sonnet-4": Model("claude-sonnet-4", "claude-sonnet-4-20250514", "Anthropic", "Claude Sonnet", "4",
                                 "Claude Sonnet 4"),
        "claude-haiku-4-5": Model("claude-haiku-4-5", "claude-haiku-4-5-20251001", "Anthropic", "Claude Haiku", "4.5",
                                  "Claude Haiku 4.5"),
    },
    uses=(
        Use("support-bot", "claude-sonnet-4", "support", 50e6, CLAUDE_MIX),
        Use("northwind-assistant", "claude-sonnet-4", "assistant-prod", 70e6, CLAUDE_MIX),
        Use("support-bot", "claude-haiku-4-5", "support", 100e6, CLAUDE_MIX),
        Use("eval-harness", "claude-sonnet-4", "research", 10e6, CLAUDE_MIX, weekend=0.2),
        Use("doc-enrichment", "claude-haiku-4-5", "data-enrichment", 60e6, CLAUDE_MIX, weekend=0.1),
    ),
    spec=w.Provider(
        name="Anthropic", billing_account_id="8d3c5f1e-2a4b-4c6d-9e8f-0a1b2c3d4e5f", billing_account_name="Northwind AI",
        billing_account_type="Organization", invoice_prefix="NWAI-ANT", format="csv",
        path=lambda m: f"anthropic/anthropic-focus-{m.label}.csv", conditional=w.PRICED + w.ACCOUNTS + w.TAGS),
    spike="token-retry-loop",
)
