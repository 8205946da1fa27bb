"""The part of Northwind AI's AWS bill that is not AI: the web fleet and its volumes, databases,
Kubernetes control planes and CloudWatch. It makes AI spend a share of the total, as it is in a
real bill, and gives the classifier rows it must leave alone.
"""

from __future__ import annotations

import numpy as np

from spendscope.demo import calendar as cal
from spendscope.demo import families as fam
from spendscope.demo import prices
from spendscope.demo.context import hex_ids
from spendscope.demo.money import MICRO

WEB_TYPES = ("m6i.2xlarge", "c6i.4xlarge", "r6i.2xlarge")


def general_estate(bill) -> None:
    """Add the non-AI families to an ``aws.Bill``."""
    _web_fleet(bill)
    _databases(bill)
    _kubernetes(bill)
    _cloudwatch(bill)


def _web_fleet(bill) -> None:
    ctx, window = bill.ctx, bill.ctx.window
    rng = ctx.rng("aws/web-fleet")
    days, n = window.days, ctx.count(40)
    types = [WEB_TYPES[int(i)] for i in rng.integers(0, len(WEB_TYPES), n)]
    # most of the fleet runs all year; the rest is added as traffic grows, or replaced
    first = np.where(rng.random(n) < 0.6, 0, rng.integers(0, days, n))
    stop = np.where(rng.random(n) < 0.8, days, np.minimum(days, first + rng.integers(20, 200, n)))
    alive = cal.active(window, first, np.maximum(stop, first + 1))
    ids = hex_ids(rng, n, 16)
    vols = hex_ids(rng, n, 16)
    price = np.stack([prices.daily(f"aws/ec2/{t}", window) for t in types])
    ebs = prices.price_at("aws/ebs/gp3", window.start)
    inst_lines, vol_lines = [], []
    for i in range(n):
        tags = bill.tag("core-infra", project="web-platform", application="northwind-web")
        inst_lines.append(bill.ec2_line(types[i], ids[i], "nw-prod", "us-east-1", tags, f"web-{i + 1:02d}"))
        vol_lines.append(bill.simple_line(
            service="Amazon Elastic Block Store", category="Storage", sub="Block Storage", meter="EBS:VolumeUsage.gp3",
            unit="GB-Months", desc="USD 0.08 per GB-month of General Purpose (gp3) provisioned storage",
            account="nw-prod", tags=tags, resource=(bill.arn("ec2", "nw-prod", f"volume/vol-0{vols[i]}"),
                                                    f"web-{i + 1:02d}-root", "Volume")))
    fam.matrix(bill.charges, np.array(inst_lines), np.where(alive, fam.hours(24), 0), price)
    fam.matrix(bill.charges, np.array(vol_lines), np.where(alive, fam.gb_months(np.full((n, days), 200), window), 0), ebs)


def _databases(bill) -> None:
    ctx, window = bill.ctx, bill.ctx.window
    n = ctx.count(4)
    rds = dict(service="Amazon Relational Database Service", category="Databases", sub="Relational Databases",
               account="nw-prod")
    for i in range(n):
        name = f"northwind-db-{i + 1:02d}"
        tags = bill.tag("core-infra", project="web-platform", application="northwind-web")
        resource = (bill.arn("rds", "nw-prod", f"db:{name}"), name, "DB instance")
        inst = bill.simple_line(meter="InstanceUsage:db.r6g.2xlarge", unit="Hours", tags=tags, resource=resource,
                                desc="RDS db.r6g.2xlarge Single-AZ instance hour running PostgreSQL", **rds)
        store = bill.simple_line(meter="RDS:GP3-Storage", unit="GB-Months", tags=tags, resource=resource,
                                 desc="USD 0.115 per GB-month of provisioned gp3 storage running PostgreSQL", **rds)
        bill.charges.add(inst, window.axis, fam.hours(24), prices.price_at("aws/rds/db.r6g.2xlarge", window.start))
        gb = fam.gb_months(np.full((1, window.days), 500 + 250 * i), window)[0]
        bill.charges.add(store, window.axis, gb, prices.price_at("aws/rds/storage", window.start))


def _kubernetes(bill) -> None:
    window = bill.ctx.window
    clusters = (("ml-platform-eks", "ml-platform", "training-cluster", "nw-ml-platform", "platform"),
                ("web-eks", "core-infra", "web-platform", "nw-prod", None))
    for name, team, project, account, workload in clusters:
        tags = bill.tag(team, project=project, workload=workload, complete=workload is not None)
        line = bill.simple_line(service="Amazon Elastic Kubernetes Service", category="Compute", sub="Containers",
                                meter="USE1-AmazonEKS-Hours:perCluster", unit="Hours", account=account, tags=tags,
                                desc="Amazon EKS cluster usage hour", resource=(bill.arn("eks", account, f"cluster/{name}"),
                                                                                 name, "Cluster"))
        bill.charges.add(line, window.axis, fam.hours(24), prices.price_at("aws/eks/cluster", window.start))


def _cloudwatch(bill) -> None:
    ctx, window = bill.ctx, bill.ctx.window
    rng = ctx.rng("aws/cloudwatch")
    cw = dict(service="Amazon CloudWatch", category="Management and Governance", sub="Observability", tags=None)
    for account in bill.accounts:
        metrics = bill.simple_line(meter="CW:MetricMonitorUsage", unit="Metric-Months", account=account,
                                   desc="USD 0.30 per metric-month for the first 10,000 metrics", **cw)
        logs = bill.simple_line(meter="USE1-DataProcessing-Bytes", unit="GB", account=account,
                                desc="USD 0.50 per GB of custom log data ingested", **cw)
        count = float(rng.uniform(800, 3000)) * ctx.scale
        series = np.round(count * cal.growth(window, 1.3)[None, :]).astype(np.int64)
        fam.matrix(bill.charges, np.array([metrics]), fam.gb_months(series, window),
                   prices.price_at("aws/cloudwatch/metric", window.start))
        gb = np.round(rng.uniform(10, 150) * ctx.scale * cal.noise(rng, (1, window.days), 0.2), 3)
        fam.matrix(bill.charges, np.array([logs]), np.round(gb * MICRO).astype(np.int64),
                   prices.price_at("aws/cloudwatch/logs", window.start))
