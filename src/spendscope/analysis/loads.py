"""The load history: what was loaded, when, from which file, and whether it is still current."""

from __future__ import annotations

from spendscope.focus.columns import PARTITION_KEY
from spendscope.store.ledger import Ledger


def batches(ledger: Ledger):
    """(load_partitions with each load's batch, the latest batch of each partition): a batch is the
    loads of one ingest (one ``loaded_at``). Loads of one batch never supersede each other: the part
    files of one export all belong to the partition. Loads of an additive source (OCI's incremental
    reports) are never superseded at all."""
    loads, parts = ledger.loads, ledger.load_partitions
    dated = parts.join(loads, parts.load_id == loads.load_id).select(
        *[parts[k] for k in PARTITION_KEY], load_id=parts.load_id, batch=loads.loaded_at)
    replacing = dated.filter(~dated.x_Source.isin(additive_sources())) if additive_sources() else dated
    latest = replacing.group_by(*PARTITION_KEY).aggregate(latest=replacing.batch.max())
    return dated, latest


def additive_sources() -> tuple[str, ...]:
    """Sources whose files add to a partition instead of restating it."""
    from spendscope.llm.sources import usage_sources
    from spendscope.plugins import sources

    bills = tuple(name for name, cls in sources().items() if getattr(cls, "ADDITIVE", False))
    return bills + tuple(usage_sources())  # usage events add to their month (llm.ingest)


def load_history(ledger: Ledger) -> list[dict]:
    """One row per load, newest first, with the number of its partitions still current.

    A load is *current* while it owns all its partitions, *partly replaced* or *replaced* once a later
    ingest of the same (source, provider, billing account, billing period) superseded them. The files
    of one ingest share their partitions (an export's part files); an additive source's loads (OCI's
    incremental reports) are never replaced.
    """
    loads = ledger.loads
    dated, latest = batches(ledger)
    joined = dated.left_join(latest, list(PARTITION_KEY))
    per_load = joined.group_by(joined.load_id).aggregate(
        partitions=joined.count(),
        current=(joined.latest.isnull() | (joined.latest <= joined.batch)).sum(),
    )
    table = ledger.fetch(
        loads.left_join(per_load, loads.load_id == per_load.load_id)
        .select(loads, per_load.partitions, per_load.current)
        .order_by(loads.load_id.desc())
    )
    for row in table:
        total, current = row.pop("partitions") or 0, row.pop("current") or 0
        row["partitions"] = total
        row["status"] = "current" if current == total else ("replaced" if current == 0 else f"partly replaced ({current}/{total} current)")
    return table
