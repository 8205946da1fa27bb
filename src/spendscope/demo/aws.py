"""Northwind AI's AWS bill: GPU training on EC2 (on-demand, spot and a Compute Savings Plan),
SageMaker training jobs, endpoints and notebooks, Bedrock (Claude), S3 datasets and transfer,
and the ordinary web estate (EC2, EBS, RDS, EKS, CloudWatch) that makes AI a share of the total.
"""

from __future__ import annotations

import numpy as np

from spendscope.demo import calendar as cal
from spendscope.demo import families as fam
from spendscope.demo import native
from spendscope.demo import prices
from spendscope.demo import writers as w
from spendscope.demo.anomalies import Anomaly
from spendscope.demo.aws_general import general_estate
from spendscope.demo.charges import COMMITTED, DYNAMIC, PURCHASE, STANDARD, UNUSED, Charges, ChargeTable, Lines
from spendscope.demo.context import Context, guid, hex_ids, sku_code
from spendscope.demo.money import MICRO
from spendscope.demo.org import Tagger, application
from spendscope.demo.tokens import SKU_METERS, Model, description, emit, price_details

PROVIDER = "AWS"  # as AWS names itself in its FOCUS export and CUR-derived FOCUS
BILLING_ACCOUNT_ID = "412093577210"
ACCOUNTS = {
    "nw-research": "207614380051",
    "nw-ml-platform": "518236904477",
    "nw-prod": "730991245162",
    "nw-data": "864402175930",
    "nw-shared-services": "391875620418",
}
REGIONS = {"us-east-1": ("US East (N. Virginia)", "USE1"), "us-west-2": ("US West (Oregon)", "USW2")}
SP_DISCOUNT = 0.35  # Compute Savings Plan rate = 65 % of on-demand for these GPU families
SP_TERM = "1yrNoUpfront"

BEDROCK_MODELS = {
    "claude-sonnet-4": Model("claude-sonnet-4", "anthropic.claude-sonnet-4-20250514-v1:0", "Anthropic",
                             "Claude Sonnet", "4", "Claude Sonnet 4"),
    "claude-3-5-haiku": Model("claude-3-5-haiku", "anthropic.claude-3-5-haiku-20241022-v1:0", "Anthropic",
                              "Claude Haiku", "3.5", "Claude 3.5 Haiku"),
}
CLAUDE_MIX = (("Input", 1.0), ("Output", 0.15), ("Cache Read Input", 2.5), ("Cache Write Input", 0.12))


class Bill:
    """Builds the AWS lines and charges; one method per family of resources."""

    accounts = ACCOUNTS

    def __init__(self, ctx: Context, plan: dict[str, Anomaly]):
        self.ctx, self.plan = ctx, plan
        self.lines = Lines(PublisherName=PROVIDER, SubAccountType="Member Account")
        self.charges = Charges()
        self.tag = Tagger(ctx.rng("aws/tags"))

    def build(self) -> tuple[Lines, ChargeTable]:
        self.gpu_training()
        self.savings_plan_pool()
        self.sagemaker()
        self.bedrock()
        self.s3()
        self.general()
        return self.lines, self.charges.table()

    # -- helpers ------------------------------------------------------------------------------

    def where(self, account: str, region: str | None = "us-east-1", az: str | None = None) -> dict:
        out = {"SubAccountId": ACCOUNTS[account], "SubAccountName": account}
        if region:
            out.update(RegionId=region, RegionName=REGIONS[region][0])
        if az:
            out["AvailabilityZone"] = f"{region}{az}"
        return out

    def arn(self, service: str, account: str, resource: str, region: str = "us-east-1") -> str:
        return f"arn:aws:{service}:{region}:{ACCOUNTS[account]}:{resource}"

    def ec2_line(self, itype: str, iid: str, account: str, region: str, tags: str | None, name: str,
                 spot: bool = False, commitment: dict | None = None) -> int:
        prefix = "" if region == "us-east-1" else REGIONS[region][1] + "-"
        usage = "SpotUsage" if spot else "BoxUsage"
        market = "Spot" if spot else ("Savings Plan covered" if commitment else "On Demand")
        sku = sku_code("AmazonEC2", region, itype)
        return self.lines.add(
            ServiceName="Amazon Elastic Compute Cloud", ServiceCategory="Compute", ServiceSubcategory="Virtual Machines",
            ChargeDescription=f"{market} Linux {itype} Instance Hour", **self.where(account, region, "a" if not spot else "c"),
            ResourceId=self.arn("ec2", account, f"instance/i-0{iid}", region), ResourceName=name, ResourceType="Instance",
            SkuId=sku, SkuPriceId=f"{sku}.{'SPOT' if spot else 'JRTCKXETXF'}", SkuMeter=f"{prefix}{usage}:{itype}",
            PricingUnit="Hours", ConsumedUnit="Hours", Tags=tags, **(commitment or {}),
        )

    def simple_line(self, service: str, category: str, sub: str, meter: str, unit: str, desc: str, account: str,
                    tags: str | None, resource: tuple[str, str, str] | None = None, region: str | None = "us-east-1",
                    consumed_unit: str | None = None, publisher: str | None = None, commitment: dict | None = None) -> int:
        sku = sku_code(service, region or "global", meter)
        extra = {} if resource is None else dict(ResourceId=resource[0], ResourceName=resource[1], ResourceType=resource[2])
        if publisher:
            extra["PublisherName"] = publisher
        extra.update(commitment or {})
        return self.lines.add(
            ServiceName=service, ServiceCategory=category, ServiceSubcategory=sub, ChargeDescription=desc,
            **self.where(account, region), SkuId=sku, SkuPriceId=f"{sku}.JRTCKXETXF", SkuMeter=meter,
            PricingUnit=unit, ConsumedUnit=consumed_unit or unit, Tags=tags, **extra,
        )

    # -- families -----------------------------------------------------------------------------

    def gpu_training(self) -> None:
        """Training bursts: pre-training on p5 (on-demand), experiments on spot, fine-tuning on p4d."""
        ctx, days = self.ctx, self.ctx.window.days
        rng = ctx.rng("aws/ec2-training")
        families = [
            # (instance type, region, spot?, runs, days, instances, team, project, account, workload, model, runs named)
            ("p5.48xlarge", "us-west-2", False, 10, (3, 8), (2, 4), "research", "foundation-lm", "nw-research", None,
             "nw-lm-7b", "flm-7b"),
            ("p4d.24xlarge", "us-east-1", True, 10, (1, 4), (1, 2), "research", "rlhf", "nw-research", "experimentation",
             "nw-lm-7b-rlhf", "rlhf-ppo"),
            ("g5.12xlarge", "us-east-1", True, 16, (1, 3), (1, 3), "research", "evals", "nw-research", "experimentation",
             None, "evals-sweep"),
            ("p4d.24xlarge", "us-east-1", False, 8, (2, 5), (1, 2), "assistant", "support-assistant", "nw-ml-platform",
             "fine-tuning", "support-llama-8b-ft", "support-ft"),
        ]
        for itype, region, spot, runs, (lo, hi), (imin, imax), team, project, account, workload, model, named in families:
            list_price = prices.daily(f"aws/ec2/{itype}", ctx.window)
            # spot: the market price is what was agreed and paid; ListUnitPrice stays the on-demand price
            paid = prices.dynamic(ctx.rng(f"aws/spot/{itype}"), list_price, 0.28, 0.42) if spot else None
            for r, run in enumerate(fam.training_runs(rng, days, ctx.count(runs), lo, hi, imin, imax)):
                experiment = f"{named}-r{r + 1:02d}"
                ids = hex_ids(rng, run.instances, 16)
                for k in range(run.instances):
                    tags = self.tag(team, project=project, environment="research" if team == "research" else "dev",
                                    model=model, experiment=experiment, workload=workload)
                    line = self.ec2_line(itype, ids[k], account, region, tags, f"{experiment}-node-{k}", spot=spot)
                    d, h = fam.run_hours(run, days)
                    self.charges.add(line, d, h, list_price[d], paid_price=None if paid is None else paid[d],
                                     contracted_price=None if paid is None else paid[d], kind=DYNAMIC if spot else STANDARD)
        self.runaway_run(rng)

    def runaway_run(self, rng: np.random.Generator) -> None:
        a = self.plan["runaway-training"]
        days = self.ctx.window.days
        list_price = prices.daily("aws/ec2/p5.48xlarge", self.ctx.window)
        planned = np.arange(max(0, a.first - 4), a.first)
        experiment = a.dimensions["x_Experiment"]
        for k, iid in enumerate(hex_ids(rng, 4, 16)):
            tags = self.tag("research", project="foundation-lm", environment="research", model="nw-lm-7b",
                            experiment=experiment, complete=True)
            line = self.ec2_line("p5.48xlarge", iid, "nw-research", "us-west-2", tags, f"{experiment}-node-{k}")
            self.charges.add(line, planned, fam.hours(24), list_price[planned])
            extra = a.days()[a.days() < days]
            self.charges.add(line, extra, fam.hours(24), list_price[extra], anomaly=a.code)

    def savings_plan_pool(self) -> None:
        """A p4d cluster covered by a Compute Savings Plan: Purchase rows monthly, amortised usage,
        and the commitment left unused on days the pool is not full (FOCUS 1.2 semantics)."""
        ctx, window = self.ctx, self.ctx.window
        rng = ctx.rng("aws/sp-pool")
        n = ctx.count(4)
        list_price = prices.daily("aws/ec2/p4d.24xlarge", window)
        sp_rate = np.round(list_price * (1 - SP_DISCOUNT)).astype(np.int64)
        hourly = int(sp_rate[0]) * n  # the commitment, micro-USD per hour, sized to the full pool
        sp_id = f"arn:aws:savingsplans::{ACCOUNTS['nw-ml-platform']}:savingsplan/{guid(rng)}"
        commitment = dict(CommitmentDiscountId=sp_id, CommitmentDiscountName="ml-platform p4d training pool",
                          CommitmentDiscountType="Compute Savings Plan", CommitmentDiscountCategory="Spend",
                          CommitmentDiscountUnit="USD")
        tags = self.tag("ml-platform", project="training-cluster", workload="training", complete=True)
        running = rng.random((n, window.days)) > 0.09  # maintenance and idle days
        pool = [self.ec2_line("p4d.24xlarge", iid, "nw-ml-platform", "us-east-1", tags, f"train-pool-{k:02d}",
                              commitment=commitment) for k, iid in enumerate(hex_ids(rng, n, 16))]
        qty = np.where(running, fam.hours(24), 0)
        fam.matrix(self.charges, np.array(pool), qty, list_price, paid=sp_rate, kind=COMMITTED)
        used = (running.sum(axis=0) * 24 * sp_rate)  # micro-USD per day
        unused = 24 * hourly - used
        if np.any(unused < 0):
            raise AssertionError("savings plan usage exceeded its commitment")
        service = dict(service="Savings Plans for AWS Compute usage", category="Compute", sub="Other (Compute)",
                       account="nw-ml-platform", tags=tags, region=None, commitment=commitment,
                       resource=(sp_id, "ml-platform p4d training pool", "Savings Plan"))
        unused_line = self.simple_line(meter=f"ComputeSP:{SP_TERM}:Unused", unit="USD", consumed_unit="USD",
                                       desc="Unused Compute Savings Plan commitment", **service)
        fee_line = self.simple_line(meter=f"ComputeSP:{SP_TERM}", unit="Hours", consumed_unit="Hours",
                                    desc=f"1 year No Upfront Compute Savings Plan, {hourly / MICRO:g} USD per hour", **service)
        days = np.nonzero(unused)[0]
        self.charges.add(unused_line, days, unused[days], MICRO, kind=UNUSED, consumed=False)
        for m in window.months:
            self.charges.add(fee_line, [m.first], fam.hours(24 * m.days), hourly, kind=PURCHASE, span=m.days,
                             consumed=False)

    def sagemaker(self) -> None:
        """Training jobs, real-time endpoints (one forgotten), Studio notebooks and processing jobs."""
        ctx, window = self.ctx, self.ctx.window
        rng = ctx.rng("aws/sagemaker")
        days = window.days
        sm = dict(service="Amazon SageMaker", category="AI and Machine Learning", sub="Machine Learning")

        def price(kind: str) -> int:
            return prices.price_at(f"aws/sagemaker/{kind}", window.start)

        for itype, team, project, workload, base in (("ml.p4d.24xlarge", "search", "reranker", None, 12),
                                                     ("ml.g5.12xlarge", "assistant", "support-assistant", "fine-tuning", 12)):
            for r, run in enumerate(fam.training_runs(rng, days, ctx.count(base), 1, 2, 1, 1)):
                job = f"{project}-{run.first:03d}-{r:02d}"
                tags = self.tag(team, project=project, environment="dev", experiment=job, workload=workload)
                line = self.simple_line(meter=f"USE1-Train:{itype}", unit="Hours",
                                        desc=f"SageMaker training job {itype} instance hour", account="nw-ml-platform",
                                        tags=tags, resource=(self.arn("sagemaker", "nw-ml-platform", f"training-job/{job}"),
                                                             job, "Training job"), **sm)
                d, h = fam.run_hours(run, days)
                self.charges.add(line, d, h, price(itype))
        endpoints = [  # (name, type, team, project, app, env, instances at start, at end)
            ("reranker-prod", "ml.g5.2xlarge", "search", "reranker", "search-api", "prod", 2, 4),
            ("guardrail-prod", "ml.g5.12xlarge", "assistant", "copilot", "northwind-assistant", "prod", 1, 2),
            ("reranker-staging", "ml.g5.2xlarge", "search", "reranker", "search-api", "staging", 1, 1),
        ]
        for copy in range(ctx.count(1)):
            for name, itype, team, project, app, env, lo, hi in endpoints:
                app_name, _, _ = application(app, copy)
                tags = self.tag(team, project=project, environment=env, application=app_name)
                ep = name if copy == 0 else f"{name}-{copy + 1:02d}"
                line = self.simple_line(meter=f"USE1-Host:{itype}", unit="Hours",
                                        desc=f"SageMaker real-time inference hosting {itype} instance hour",
                                        account="nw-prod", tags=tags,
                                        resource=(self.arn("sagemaker", "nw-prod", f"endpoint/{ep}"), ep, "Endpoint"), **sm)
                count = np.floor(np.linspace(lo, hi + 0.999, days)).astype(np.int64)
                self.charges.add(line, window.axis, fam.hours(24) * count, price(itype))
        a = self.plan["forgotten-endpoint"]
        tags = self.tag("ml-platform", project="model-serving", environment="dev", complete=True)
        line = self.simple_line(meter="USE1-Host:ml.g5.12xlarge", unit="Hours",
                                desc="SageMaker real-time inference hosting ml.g5.12xlarge instance hour",
                                account="nw-ml-platform", tags=tags,
                                resource=(self.arn("sagemaker", "nw-ml-platform", "endpoint/llama-8b-demo"),
                                          "llama-8b-demo", "Endpoint"), **sm)
        self.charges.add(line, a.days(), fam.hours(24), price("ml.g5.12xlarge"), anomaly=a.code)
        self.notebooks_and_processing(rng, sm, price)

    def notebooks_and_processing(self, rng, sm: dict, price) -> None:
        window = self.ctx.window
        users = self.ctx.count(8)
        weekday = (window.weekday < 5)[None, :]
        busy = rng.random((users, window.days)) < np.where(weekday, 0.8, 0.08)
        hrs = np.where(busy, fam.hours(np.round(rng.uniform(2, 10, (users, window.days)), 2)), 0)
        lines = []
        for u in range(users):
            itype = "ml.g5.xlarge" if u % 2 == 0 else "ml.t3.xlarge"
            user = f"researcher-{u + 1:02d}"
            tags = self.tag("research", project="evals", environment="dev")
            lines.append(self.simple_line(meter=f"USE1-Studio:{itype}", unit="Hours",
                                          desc=f"SageMaker Studio notebook {itype} instance hour", account="nw-research",
                                          tags=tags, resource=(self.arn("sagemaker", "nw-research",
                                                                        f"app/d-nwai/{user}/jupyterlab"),
                                                               f"{user} JupyterLab", "Studio app"), **sm))
            fam.matrix(self.charges, np.array([lines[-1]]), hrs[u:u + 1], price(itype))
        jobs = self.ctx.count(2)
        busy = (rng.random((jobs, window.days)) < 0.7) & weekday
        hrs = np.where(busy, fam.hours(np.round(rng.uniform(1, 6, (jobs, window.days)), 1)), 0)
        for j in range(jobs):
            tags = self.tag("data-eng", project="feature-store", environment="prod")
            line = self.simple_line(meter="USE1-Processing:ml.m5.4xlarge", unit="Hours",
                                    desc="SageMaker Processing ml.m5.4xlarge instance hour", account="nw-data", tags=tags,
                                    resource=(self.arn("sagemaker", "nw-data", f"processing-job/features-{j:02d}"),
                                              f"features-{j:02d}", "Processing job"), **sm)
            fam.matrix(self.charges, np.array([line]), hrs[j:j + 1], price("ml.m5.4xlarge"))

    def bedrock(self) -> None:
        """Claude on Bedrock, one application inference profile per app and model."""
        ctx = self.ctx
        uses = [("northwind-assistant", "claude-sonnet-4", 60e6, 0.0), ("support-bot", "claude-3-5-haiku", 80e6, 0.0),
                ("doc-qa", "claude-sonnet-4", 20e6, 0.0), ("ads-copy", "claude-3-5-haiku", 15e6, 0.35)]
        rng = ctx.rng("aws/bedrock")
        streams, models, line_of = [], [], []
        for copy in range(ctx.count(1)):
            for app, key, base, launch in uses:
                name, team, project = application(app, copy)
                model = BEDROCK_MODELS[key]
                profile = hex_ids(rng, 1, 12)[0]
                tags = self.tag(team, project=project, application=name, model=key)
                resource = (self.arn("bedrock", "nw-prod", f"application-inference-profile/{profile}"),
                            f"{name}-{key}", "Application inference profile")
                classes = {}
                for cls, _ in CLAUDE_MIX:
                    sku = sku_code("AmazonBedrock", model.model_id, cls)
                    classes[cls] = self.lines.add(
                        ServiceName="Amazon Bedrock", ServiceCategory="AI and Machine Learning",
                        ServiceSubcategory="Generative AI", PublisherName=model.developer,
                        ChargeDescription=description(model, cls, " on Amazon Bedrock"), **self.where("nw-prod"),
                        ResourceId=resource[0], ResourceName=resource[1], ResourceType=resource[2], SkuId=sku,
                        SkuPriceId=f"{sku}.ondemand", SkuMeter=SKU_METERS[cls], SkuPriceDetails=price_details(model, cls),
                        PricingUnit="1000000 Tokens", ConsumedUnit="Tokens", Tags=tags)
                streams.append(fam.Stream(base, growth=float(rng.uniform(1.8, 3.0)), launch=ctx.frac(launch), mix=CLAUDE_MIX))
                models.append(model)
                line_of.append(classes)
        emit(ctx, self.charges, rng, streams, models, line_of)

    def s3(self) -> None:
        """Buckets for datasets, checkpoints, artefacts and logs; requests; transfer to the p5 region."""
        ctx, window = self.ctx, self.ctx.window
        rng = ctx.rng("aws/s3")
        buckets = [  # name, team, project, account, GB at start, x per year, workload, dataset, PUT/day, GET/day
            ("nw-datasets-raw", "data-eng", "data-lake", "nw-data", 250_000, 1.6, None, "raw-web-crawl", 3e6, 8e6),
            ("nw-training-data", "research", "foundation-lm", "nw-research", 120_000, 1.8, None, "flm-pretrain-v3", 1e6, 25e6),
            ("nw-checkpoints", "research", "foundation-lm", "nw-research", 60_000, 2.2, "training", None, 4e5, 1e5),
            ("nw-model-artifacts", "ml-platform", "model-serving", "nw-ml-platform", 8_000, 1.5, "platform", None, 5e4, 2e6),
            ("nw-app-logs", "core-infra", "observability", "nw-shared-services", 30_000, 1.4, None, None, 2e7, 1e5),
            ("nw-web-assets", "core-infra", "web-platform", "nw-prod", 2_000, 1.2, None, None, 1e4, 4e7),
        ]
        copies = [(b, c) for c in range(ctx.count(1)) for b in buckets]
        gb = fam.storage_gb(ctx, rng, np.array([b[4] for b, _ in copies], dtype=float), np.array([b[5] for b, _ in copies]))
        dup = self.plan["duplicated-dataset"]
        s3 = dict(service="Amazon Simple Storage Service", category="Storage", sub="Object Storage")
        for i, ((name, team, project, account, _, _, workload, dataset, puts, gets), copy) in enumerate(copies):
            bucket = name if copy == 0 else f"{name}-{copy + 1:02d}"
            tags = self.tag(team, project=project, workload=workload, dataset=dataset, complete=(i == 1))
            resource = (f"arn:aws:s3:::{bucket}", bucket, "Bucket")
            common = dict(account=account, tags=tags, resource=resource, **s3)
            storage = self.simple_line(meter="TimedStorage-ByteHrs", unit="GB-Months",
                                       desc="USD 0.023 per GB-Month of storage used in Standard storage", **common)
            row_gb = gb[i:i + 1]
            qty = fam.gb_months(row_gb, window)
            if i == 1:  # the duplicated dataset doubles what this bucket stores for a while
                cells = np.zeros(qty.shape, dtype=bool)
                cells[0, dup.first:dup.stop] = True
                inflated = fam.gb_months(np.where(cells, row_gb * 2, row_gb), window)
                fam.matrix(self.charges, np.array([storage]), inflated, prices.daily("aws/s3/standard", window),
                           anomaly=dup.code, anomaly_cells=cells, baseline=qty)
            else:
                fam.matrix(self.charges, np.array([storage]), qty, prices.daily("aws/s3/standard", window))
            for meter, per_day, key, desc in (("Requests-Tier1", puts, "put", "PUT, COPY, POST, or LIST requests"),
                                              ("Requests-Tier2", gets, "get", "GET and all other requests")):
                line = self.simple_line(meter=meter, unit="1000 Requests", consumed_unit="Requests",
                                        desc=f"{desc} in Standard storage", **common)
                count = np.round(per_day * cal.noise(rng, (1, window.days), 0.25)).astype(np.int64)
                fam.matrix(self.charges, np.array([line]), count * 1000, prices.price_at(f"aws/s3/{key}", window.start),
                           consumed=count * MICRO)
            if name == "nw-training-data":
                line = self.simple_line(service="AWS Data Transfer", category="Networking", sub="Network Connectivity",
                                        meter="USE1-USW2-AWS-Out-Bytes", unit="GB", account=account, tags=tags,
                                        resource=resource,
                                        desc="Data transfer from US East (N. Virginia) to US West (Oregon)")
                moved = np.where(rng.random((1, window.days)) < 0.15, np.round(rng.uniform(2_000, 20_000, (1, window.days))), 0)
                fam.matrix(self.charges, np.array([line]), (moved * MICRO).astype(np.int64),
                           prices.price_at("aws/transfer/inter-region", window.start))
            if name == "nw-web-assets":
                line = self.simple_line(service="AWS Data Transfer", category="Networking", sub="Network Connectivity",
                                        meter="DataTransfer-Out-Bytes", unit="GB", account=account, tags=tags,
                                        resource=resource,
                                        desc="Data transfer out from US East (N. Virginia) to the internet")
                out = np.round(900 * cal.growth(window, 1.5)[None, :] * cal.noise(rng, (1, window.days)))
                fam.matrix(self.charges, np.array([line]), (out * MICRO).astype(np.int64),
                           prices.price_at("aws/transfer/internet", window.start))

    def general(self) -> None:
        general_estate(self)


def build(ctx: Context, plan: dict[str, Anomaly]) -> tuple[Lines, ChargeTable]:
    """The AWS lines and charges of the window."""
    return Bill(ctx, plan).build()


SPEC = w.Provider(
    name=PROVIDER, billing_account_id=BILLING_ACCOUNT_ID, billing_account_name="Northwind AI",
    billing_account_type="Management Account", invoice_prefix="AWS-INV", format="parquet",
    path=lambda m: f"aws/focus-export/data/BILLING_PERIOD={m.label}/focus-export-00001.snappy.parquet",
    conditional=w.PRICED + w.ACCOUNTS + w.TAGS + w.REGIONS + w.RESOURCES + w.COMMITMENTS,
    native=native.aws, native_format="parquet",
    native_path=lambda m: f"aws/cur2/data/BILLING_PERIOD={m.label}/cur2-00001.snappy.parquet",
)
