"""The load history: what was loaded, when, from which file, and whether it is still current."""

from __future__ import annotations

from spendscope.focus.columns import PARTITION_KEY
from spendscope.store.ledger import Ledger


def load_history(ledger: Ledger) -> list[dict]:
    """One row per load, newest first, with the number of its partitions still current.

    A load is *current* while it owns all its partitions, *partly replaced* or *replaced* once later
    loads of the same (source, provider, billing account, billing period) superseded them.
    """
    loads = ledger.loads
    parts = ledger.load_partitions
    latest = parts.group_by(*PARTITION_KEY).aggregate(latest=parts.load_id.max())
    joined = parts.join(latest, list(PARTITION_KEY))
    per_load = joined.group_by(joined.load_id).aggregate(
        partitions=joined.count(),
        current=(joined.load_id == joined.latest).sum(),
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
