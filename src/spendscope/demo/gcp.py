"""Northwind AI's Google Cloud bill: the Gemini API, Vertex AI prediction and training, GPU
VMs (a3-highgpu-8g on-demand and spot, a2-highgpu-1g boxes), Cloud TPU, Cloud Storage and
BigQuery, plus the search team's serving fleet. Projects are the sub accounts; labels are tags.
"""

from __future__ import annotations

import numpy as np

from spendscope.demo import calendar as cal
from spendscope.demo import families as fam
from spendscope.demo import native
from spendscope.demo import prices
from spendscope.demo import writers as w
from spendscope.demo.anomalies import Anomaly
from spendscope.demo.charges import DYNAMIC, Charges, ChargeTable, Lines
from spendscope.demo.context import Context, hex_ids, sku_code
from spendscope.demo.gcp_data import storage_and_bigquery
from spendscope.demo.org import Tagger, application
from spendscope.demo.tokens import SKU_METERS, Model, description, emit, price_details

PROVIDER = "Google Cloud"
PROJECTS = ("nw-search-prod", "nw-research-tpu", "nw-data-lake", "nw-growth-prod")
REGION = ("us-central1", "Iowa")
GEMINI = {
    "gemini-2.5-flash": Model("gemini-2.5-flash", "gemini-2.5-flash", "Google", "Gemini", "2.5", "Gemini 2.5 Flash"),
    "gemini-2.5-pro": Model("gemini-2.5-pro", "gemini-2.5-pro", "Google", "Gemini", "2.5", "Gemini 2.5 Pro"),
}
GEMINI_MIX = (("Input", 1.0), ("Cached Input", 0.6), ("Output", 0.08))


class Bill:
    """Builds the Google Cloud lines and charges; one method per family of resources."""

    def __init__(self, ctx: Context, plan: dict[str, Anomaly]):
        self.ctx, self.plan = ctx, plan
        self.lines = Lines(PublisherName=PROVIDER, SubAccountType="Project", RegionId=REGION[0], RegionName=REGION[1])
        self.charges = Charges()
        self.tag = Tagger(ctx.rng("gcp/tags"))

    def build(self) -> tuple[Lines, ChargeTable]:
        self.gemini()
        self.vertex()
        self.compute()
        self.tpu()
        self.storage_and_bigquery()
        return self.lines, self.charges.table()

    def line(self, *, service: str, category: str, sub: str, meter: str, unit: str, project: str, tags: str | None,
             resource: tuple[str, str, str] | None = None, desc: str | None = None, consumed_unit: str | None = None,
             **extra) -> int:
        sku = "-".join(sku_code("GCP", service, meter, length=12)[i:i + 4] for i in (0, 4, 8))
        res = {} if resource is None else dict(ResourceId=resource[0], ResourceName=resource[1], ResourceType=resource[2])
        return self.lines.add(
            ServiceName=service, ServiceCategory=category, ServiceSubcategory=sub, ChargeDescription=desc or meter,
            SubAccountId=project, SubAccountName=project, SkuId=sku, SkuPriceId=f"{sku}-{REGION[0]}", SkuMeter=meter,
            PricingUnit=unit, ConsumedUnit=consumed_unit or unit, Tags=tags, **res, **extra)

    def gemini(self) -> None:
        """Gemini API calls from three applications, labelled per project."""
        ctx = self.ctx
        rng = ctx.rng("gcp/gemini")
        uses = [("search-api", "gemini-2.5-flash", "nw-search-prod", 200e6, 0.0, 0.6),
                ("recs", "gemini-2.5-flash", "nw-growth-prod", 120e6, 0.2, 0.8),
                ("eval-harness", "gemini-2.5-pro", "nw-research-tpu", 15e6, 0.0, 0.15)]
        streams, models, line_of = [], [], []
        for copy in range(ctx.count(1)):
            for app, key, project, base, launch, weekend in uses:
                name, team, proj = application(app, copy)
                model = GEMINI[key]
                tags = self.tag(team, project=proj, application=name, model=key)
                classes = {cls: self.line(
                    service="Gemini API", category="AI and Machine Learning", sub="Generative AI",
                    meter=f"{model.display} {SKU_METERS[cls]}", unit="1000000 Tokens", consumed_unit="Tokens",
                    project=project, tags=tags, desc=description(model, cls, " (Gemini API)"),
                    SkuPriceDetails=price_details(model, cls)) for cls, _ in GEMINI_MIX}
                streams.append(fam.Stream(base, growth=float(rng.uniform(1.8, 3.2)), weekend=weekend,
                                          launch=ctx.frac(launch), mix=GEMINI_MIX))
                models.append(model)
                line_of.append(classes)
        emit(ctx, self.charges, rng, streams, models, line_of)

    def vertex(self) -> None:
        """Prediction endpoints (always on) and custom training jobs (tagged: the service alone
        reads as inference to a classifier)."""
        ctx, window = self.ctx, self.ctx.window
        rng = ctx.rng("gcp/vertex")
        predict = prices.price_at("gcp/vertex/prediction-n1-standard-8-t4", window.start)
        for copy in range(ctx.count(1)):
            for name, env, lo, hi in (("embeddings-endpoint", "prod", 2, 3), ("embeddings-staging", "staging", 1, 1)):
                ep = name if copy == 0 else f"{name}-{copy + 1:02d}"
                tags = self.tag("search", project="semantic-search", environment=env,
                                application=application("search-api", copy)[0])
                line = self.line(service="Vertex AI", category="AI and Machine Learning", sub="Machine Learning",
                                 meter="Vertex AI: Online Prediction n1-standard-8 with NVIDIA Tesla T4 in Americas",
                                 unit="Hours", project="nw-search-prod", tags=tags,
                                 resource=(f"projects/nw-search-prod/locations/{REGION[0]}/endpoints/{ep}", ep, "Endpoint"))
                nodes = np.floor(np.linspace(lo, hi + 0.999, window.days)).astype(np.int64)
                self.charges.add(line, window.axis, nodes * fam.hours(24), predict)
        train = prices.price_at("gcp/vertex/training-a2-highgpu-8g", window.start)
        for r, run in enumerate(fam.training_runs(rng, window.days, ctx.count(8), 1, 3, 1, 1)):
            job = f"reranker-train-{r + 1:02d}"
            tags = self.tag("search", project="reranker", environment="dev", experiment=job, workload="training")
            jid = hex_ids(rng, 1, 19)[0]
            line = self.line(service="Vertex AI", category="AI and Machine Learning", sub="Machine Learning",
                             meter="Vertex AI: Custom Training a2-highgpu-8g running in Americas", unit="Hours",
                             project="nw-search-prod", tags=tags,
                             resource=(f"projects/nw-search-prod/locations/{REGION[0]}/customJobs/{jid}", job, "Custom job"))
            d, h = fam.run_hours(run, window.days)
            self.charges.add(line, d, h, train)

    def vm(self, machine: str, name: str, project: str, tags: str | None, spot: bool = False) -> int:
        meter = f"{'Spot Preemptible ' if spot else ''}{machine} VM running in Americas"
        return self.line(service="Compute Engine", category="Compute", sub="Virtual Machines", meter=meter, unit="Hours",
                         project=project, tags=tags, AvailabilityZone=f"{REGION[0]}-a",
                         resource=(f"projects/{project}/zones/{REGION[0]}-a/instances/{name}", name, "Instance"))

    def compute(self) -> None:
        """a3-highgpu-8g pre-training runs (on-demand) and experiments (spot), a2 boxes, serving fleet."""
        ctx, window = self.ctx, self.ctx.window
        rng = ctx.rng("gcp/compute")
        a3 = prices.daily("gcp/gce/a3-highgpu-8g", window)
        spot = prices.dynamic(ctx.rng("gcp/spot"), a3, 0.35, 0.45)
        for preemptible, count, (lo, hi), (imin, imax), project, workload in (
                (False, 5, (3, 7), (1, 2), "foundation-lm", None), (True, 6, (1, 3), (1, 2), "rlhf", "experimentation")):
            for r, run in enumerate(fam.training_runs(rng, window.days, ctx.count(count), lo, hi, imin, imax)):
                exp = f"{project[:4]}-a3-r{r + 1:02d}"
                for k in range(run.instances):
                    tags = self.tag("research", project=project, environment="research", experiment=exp, workload=workload)
                    line = self.vm("a3-highgpu-8g", f"{exp}-{k}", "nw-research-tpu", tags, spot=preemptible)
                    d, h = fam.run_hours(run, window.days)
                    if preemptible:
                        self.charges.add(line, d, h, a3[d], contracted_price=spot[d], kind=DYNAMIC)
                    else:
                        self.charges.add(line, d, h, a3[d])
        boxes = ctx.count(4)
        busy = (rng.random((boxes, window.days)) < 0.8) & (window.weekday < 5)[None, :]
        hrs = np.where(busy, fam.hours(np.round(rng.uniform(4, 12, (boxes, window.days)))), 0)
        lines = [self.vm("a2-highgpu-1g", f"dev-a100-{b + 1:02d}", "nw-research-tpu",
                         self.tag("research", project="evals", environment="dev", workload="experimentation"))
                 for b in range(boxes)]
        fam.matrix(self.charges, np.array(lines), hrs, prices.price_at("gcp/gce/a2-highgpu-1g", window.start))
        fleet = ctx.count(10)
        first = np.where(rng.random(fleet) < 0.7, 0, rng.integers(0, window.days, fleet))
        alive = cal.active(window, first, np.full(fleet, window.days))
        lines = [self.vm("n2-standard-8", f"search-serving-{i + 1:02d}", "nw-search-prod",
                         self.tag("search", project="semantic-search", application="search-api")) for i in range(fleet)]
        fam.matrix(self.charges, np.array(lines), np.where(alive, fam.hours(24), 0),
                   prices.price_at("gcp/gce/n2-standard-8", window.start))

    def tpu(self) -> None:
        """Cloud TPU v5e slices for RLHF runs, billed per chip-hour."""
        ctx, window = self.ctx, self.ctx.window
        rng = ctx.rng("gcp/tpu")
        price = prices.price_at("gcp/tpu/v5e", window.start)
        for r, run in enumerate(fam.training_runs(rng, window.days, ctx.count(6), 1, 4, 1, 1)):
            chips = int(rng.choice([16, 32, 64]))
            name = f"rlhf-v5e-{chips}-r{r + 1:02d}"
            tags = self.tag("research", project="rlhf", environment="research", experiment=name)
            line = self.line(service="Cloud TPU", category="AI and Machine Learning", sub="Machine Learning",
                             meter="TPU v5e chip running in Americas", unit="Chip-Hours", project="nw-research-tpu",
                             tags=tags,
                             resource=(f"projects/nw-research-tpu/locations/{REGION[0]}-a/nodes/{name}", name, "TPU node"))
            d, h = fam.run_hours(run, window.days)
            self.charges.add(line, d, h * chips, price)

    def storage_and_bigquery(self) -> None:
        storage_and_bigquery(self)


def build(ctx: Context, plan: dict[str, Anomaly]) -> tuple[Lines, ChargeTable]:
    """The Google Cloud lines and charges of the window."""
    return Bill(ctx, plan).build()


SPEC = w.Provider(
    name=PROVIDER, billing_account_id="01A7C2-5F3B9D-E0486A", billing_account_name="Northwind AI",
    billing_account_type="Billing Account", invoice_prefix="GCP", format="csv.gz",
    path=lambda m: f"gcp/focus/northwind-focus-{m.label}.csv.gz",
    conditional=w.PRICED + w.ACCOUNTS + w.TAGS + w.REGIONS + w.RESOURCES,
    native=native.gcp, native_format="parquet",
    native_path=lambda m: f"gcp/billing-export/gcp_billing_export_v1_01A7C2_5F3B9D_E0486A-{m.label}.parquet",
)
