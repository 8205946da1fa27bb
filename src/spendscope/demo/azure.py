"""Northwind AI's Azure bill (a Microsoft Customer Agreement billing profile): Azure OpenAI
deployments, ND H100 v5 fine-tuning runs, NC A100 v4 research boxes, Azure Machine Learning,
blob storage and a few web VMs. Virtual machines carry the agreement's negotiated discount, so
ContractedUnitPrice is below ListUnitPrice; Azure OpenAI meters are priced per 1,000 tokens and
written ``1K Tokens``, as Azure's price sheet does.
"""

from __future__ import annotations

import numpy as np

from spendscope.demo import calendar as cal
from spendscope.demo import families as fam
from spendscope.demo import native
from spendscope.demo import prices
from spendscope.demo import writers as w
from spendscope.demo.anomalies import Anomaly
from spendscope.demo.charges import Charges, ChargeTable, Lines
from spendscope.demo.context import Context, guid, sku_code
from spendscope.demo.org import Tagger, application
from spendscope.demo.tokens import Model, description, emit, price_details

PROVIDER = "Microsoft"
VM_DISCOUNT = 0.92  # negotiated: contracted = 92 % of list on virtual machines
SUBSCRIPTIONS = ("nw-ai-prod", "nw-ai-finetune", "nw-ai-dev", "nw-web")
REGIONS = {"eastus": "East US", "swedencentral": "Sweden Central"}
AOAI_MODELS = {
    "gpt-4o": Model("gpt-4o", "gpt-4o-2024-08-06", "OpenAI", "GPT-4o", "2024-08-06", "GPT-4o"),
    "gpt-4o-mini": Model("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "OpenAI", "GPT-4o mini", "2024-07-18", "GPT-4o mini"),
}
METER_NAMES = {"gpt-4o": "gpt-4o-0806", "gpt-4o-mini": "gpt-4o-mini-0718"}
METER_CLASSES = {"Input": "Input", "Cached Input": "cached Input", "Output": "Output"}


class Bill:
    """Builds the Azure lines and charges; one method per family of resources."""

    def __init__(self, ctx: Context, plan: dict[str, Anomaly]):
        self.ctx, self.plan = ctx, plan
        rng = ctx.rng("azure/ids")
        self.subs = {name: guid(rng) for name in SUBSCRIPTIONS}
        self.lines = Lines(PublisherName=PROVIDER, SubAccountType="Subscription")
        self.charges = Charges()
        self.tag = Tagger(ctx.rng("azure/tags"))

    def build(self) -> tuple[Lines, ChargeTable]:
        self.openai()
        self.virtual_machines()
        self.machine_learning()
        self.storage()
        return self.lines, self.charges.table()

    def line(self, *, service: str, category: str, sub: str, meter: str, unit: str, desc: str, subscription: str,
             group: str, provider_type: str, name: str, resource_type: str, tags: str | None,
             region: str = "eastus", consumed_unit: str | None = None, **extra) -> int:
        rid = (f"/subscriptions/{self.subs[subscription]}/resourcegroups/{group}/providers/"
               f"{provider_type}/{name}").lower()
        sku = sku_code("Azure", meter)
        return self.lines.add(
            ServiceName=service, ServiceCategory=category, ServiceSubcategory=sub, ChargeDescription=desc,
            SubAccountId=f"/subscriptions/{self.subs[subscription]}", SubAccountName=subscription,
            RegionId=region, RegionName=REGIONS[region], ResourceId=rid, ResourceName=name,
            ResourceType=resource_type, SkuId=sku, SkuPriceId=f"{sku}/{region}/Consumption", SkuMeter=meter,
            PricingUnit=unit, ConsumedUnit=consumed_unit or unit, Tags=tags, **extra)

    def openai(self) -> None:
        """Azure OpenAI accounts, one per application, in Sweden Central and East US."""
        ctx = self.ctx
        rng = ctx.rng("azure/openai")
        chat = (("Input", 1.0), ("Cached Input", 0.8), ("Output", 0.1))
        support = (("Input", 1.0), ("Cached Input", 0.5), ("Output", 0.15))
        batch = (("Input", 1.0), ("Output", 0.05))
        uses = [  # app, account, model, input tokens per day, mix, weekend
            ("northwind-assistant", "aoai-assistant-swc", "gpt-4o", 40e6, chat, 0.55),
            ("support-bot", "aoai-support-swc", "gpt-4o-mini", 150e6, support, 0.6),
            ("doc-enrichment", "aoai-enrich-eus", "gpt-4o-mini", 300e6, batch, 0.1),
        ]
        streams, models, line_of = [], [], []
        for copy in range(ctx.count(1)):
            for app, account, key, base, mix, weekend in uses:
                name, team, project = application(app, copy)
                model = AOAI_MODELS[key]
                region = "eastus" if account.endswith("eus") else "swedencentral"
                acct = account if copy == 0 else f"{account}-{copy + 1:02d}"
                tags = self.tag(team, project=project, application=name, model=key)
                classes = {}
                for cls, _ in mix:
                    meter = f"{METER_NAMES[key]} {METER_CLASSES[cls]} global Tokens"
                    classes[cls] = self.line(
                        service="Azure OpenAI", category="AI and Machine Learning", sub="Generative AI", meter=meter,
                        unit="1K Tokens", consumed_unit="Tokens",
                        desc=description(model, cls, " (Azure OpenAI, global deployment)"),
                        subscription="nw-ai-prod", group="rg-ai-prod", provider_type="microsoft.cognitiveservices/accounts",
                        name=acct, resource_type="Azure OpenAI account", tags=tags, region=region,
                        SkuPriceDetails=price_details(model, cls))
                streams.append(fam.Stream(base, growth=float(rng.uniform(1.6, 2.6)), weekend=weekend, mix=mix))
                models.append(model)
                line_of.append(classes)
        emit(ctx, self.charges, rng, streams, models, line_of, block=1000)

    def vm_line(self, size: str, name: str, subscription: str, tags: str | None, service="Virtual Machines",
                category="Compute", sub="Virtual Machines", what="virtual machine") -> int:
        meter = size.replace("_", " ")
        return self.line(service=service, category=category, sub=sub, meter=meter, unit="Hours",
                         desc=f"{meter} - Linux {what} hour", subscription=subscription, group=f"rg-{subscription}",
                         provider_type="microsoft.compute/virtualmachines", name=name, resource_type="Virtual machine",
                         tags=tags, AvailabilityZone="1" if "H100" in size else None)

    def virtual_machines(self) -> None:
        """Fine-tuning bursts on ND H100 v5, research boxes on NC A100 v4 (weekdays), web VMs."""
        ctx, window = self.ctx, self.ctx.window
        rng = ctx.rng("azure/vms")
        h100 = prices.daily("azure/vm/ND96isr_H100_v5", window)
        for r, run in enumerate(fam.training_runs(rng, window.days, ctx.count(6), 2, 5, 1, 2)):
            job = f"support-ft-r{r + 1:02d}"
            for k in range(run.instances):
                tags = self.tag("assistant", project="support-assistant", environment="dev", model="support-gpt-ft",
                                experiment=job, workload="fine-tuning")
                line = self.vm_line("ND96isr_H100_v5", f"{job}-vm{k}", "nw-ai-finetune", tags)
                d, h = fam.run_hours(run, window.days)
                self.charges.add(line, d, h, h100[d], contracted_price=np.round(h100[d] * VM_DISCOUNT))
        boxes = ctx.count(3)
        a100 = prices.price_at("azure/vm/NC24ads_A100_v4", window.start)
        busy = (rng.random((boxes, window.days)) < 0.85) & (window.weekday < 5)[None, :]
        hrs = np.where(busy, fam.hours(np.round(rng.uniform(6, 14, (boxes, window.days)))), 0)
        lines = [self.vm_line("NC24ads_A100_v4", f"research-a100-{b + 1:02d}", "nw-ai-dev",
                              self.tag("research", project="evals", environment="dev", workload="experimentation"))
                 for b in range(boxes)]
        fam.matrix(self.charges, np.array(lines), hrs, a100, contracted=round(a100 * VM_DISCOUNT))
        web = ctx.count(4)
        d4 = prices.price_at("azure/vm/D4s_v5", window.start)
        lines = [self.vm_line("D4s_v5", f"web-eu-{i + 1:02d}", "nw-web", self.tag("core-infra", project="web-platform"))
                 for i in range(web)]
        fam.matrix(self.charges, np.array(lines), np.full((web, window.days), fam.hours(24)), d4,
                   contracted=round(d4 * VM_DISCOUNT))

    def machine_learning(self) -> None:
        """Azure Machine Learning: an online endpoint, notebooks, and a pipelines cluster."""
        ctx, window = self.ctx, self.ctx.window
        rng = ctx.rng("azure/aml")
        aml = dict(service="Azure Machine Learning", category="AI and Machine Learning", sub="Machine Learning",
                   what="Azure Machine Learning compute")
        a100 = prices.price_at("azure/vm/NC24ads_A100_v4", window.start)
        for copy in range(ctx.count(1)):
            tags = self.tag("search", project="reranker", application=application("doc-qa", copy)[0], workload="inference")
            line = self.vm_line("NC24ads_A100_v4", f"doc-qa-endpoint-{copy + 1:02d}", "nw-ai-prod", tags, **aml)
            self.charges.add(line, window.axis, fam.hours(24), a100, contracted_price=round(a100 * VM_DISCOUNT))
        users = ctx.count(4)
        ds3 = prices.price_at("azure/vm/DS3_v2", window.start)
        busy = (rng.random((users, window.days)) < 0.7) & (window.weekday < 5)[None, :]
        hrs = np.where(busy, fam.hours(np.round(rng.uniform(3, 9, (users, window.days)), 1)), 0)
        lines = [self.vm_line("DS3_v2", f"ci-analyst-{u + 1:02d}", "nw-ai-dev",
                              self.tag("data-eng", project="feature-store", environment="dev", workload="notebook"), **aml)
                 for u in range(users)]
        fam.matrix(self.charges, np.array(lines), hrs, ds3, contracted=round(ds3 * VM_DISCOUNT))
        # a CPU cluster for ML pipelines, with no workload tag: classified from the service alone
        d4 = prices.price_at("azure/vm/D4s_v5", window.start)
        nodes = np.round(np.clip(rng.normal(3, 1.2, (1, window.days)), 0, 6)).astype(np.int64)
        tags = self.tag("ml-platform", project="model-serving")
        line = self.vm_line("D4s_v5", "pipelines-cluster", "nw-ai-prod", tags, **aml)
        fam.matrix(self.charges, np.array([line]), nodes * fam.hours(24), d4, contracted=round(d4 * VM_DISCOUNT))

    def storage(self) -> None:
        """Blob storage accounts (hot LRS) and their write transactions."""
        ctx, window = self.ctx, self.ctx.window
        rng = ctx.rng("azure/storage")
        accounts = [("nwaidatasets", "data-eng", "data-lake", None, "support-tickets-v2", 40_000, 1.7),
                    ("nwaiartifacts", "ml-platform", "model-serving", "platform", None, 6_000, 1.5),
                    ("nwwebstatic", "core-infra", "web-platform", None, None, 1_500, 1.2)]
        copies = [(a, c) for c in range(ctx.count(1)) for a in accounts]
        gb = fam.storage_gb(ctx, rng, np.array([a[5] for a, _ in copies], dtype=float), np.array([a[6] for a, _ in copies]))
        hot = prices.price_at("azure/blob/hot", window.start)
        write = prices.price_at("azure/blob/write", window.start)
        for i, ((name, team, project, workload, dataset, _, _), copy) in enumerate(copies):
            acct = name if copy == 0 else f"{name}{copy + 1:02d}"
            tags = self.tag(team, project=project, workload=workload, dataset=dataset)
            common = dict(service="Storage", category="Storage", sub="Object Storage", subscription="nw-ai-prod",
                          group="rg-data", provider_type="microsoft.storage/storageaccounts", name=acct,
                          resource_type="Storage account", tags=tags)
            data = self.line(meter="Hot LRS Data Stored", unit="GB-Months", desc="Hot LRS data stored in Blob Storage",
                             **common)
            fam.matrix(self.charges, np.array([data]), fam.gb_months(gb[i:i + 1], window), hot)
            ops = self.line(meter="Hot LRS Write Operations", unit="10K Transactions", consumed_unit="Transactions",
                            desc="Hot LRS write operations in Blob Storage", **common)
            count = np.round(gb[i:i + 1] * 40 * cal.noise(rng, (1, window.days), 0.3)).astype(np.int64)
            fam.matrix(self.charges, np.array([ops]), count * 100, write, consumed=count * 1_000_000)


def build(ctx: Context, plan: dict[str, Anomaly]) -> tuple[Lines, ChargeTable]:
    """The Azure lines and charges of the window."""
    return Bill(ctx, plan).build()


SPEC = w.Provider(
    name=PROVIDER,
    billing_account_id="/providers/Microsoft.Billing/billingAccounts/7c4e1b2a-5d3f-4e8a-9b61-2f0c8d7e6a15:"
                       "3f9a2c71-0b4e-4d5a-8c6e-1a2b3c4d5e6f_2019-05-31/billingProfiles/NWAI-K3TQ-BG7-PGB",
    billing_account_name="Northwind AI", billing_account_type="Billing Profile", invoice_prefix="G0",
    format="csv-bom", path=lambda m: f"azure/northwind-focus-cost/{m.start:%Y%m%d}-{m.last:%Y%m%d}/part_0_0001.csv",
    conditional=w.PRICED + w.ACCOUNTS + w.TAGS + w.REGIONS + w.RESOURCES,
    native=native.azure, native_format="csv-bom",
    native_path=lambda m: f"azure/northwind-amortized/{m.start:%Y%m%d}-{m.last:%Y%m%d}/part_0_0001.csv",
)
