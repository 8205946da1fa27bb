"""What an LLM usage source is: the contract every module under ``llm/sources/`` implements.

A usage source recognises its files by content (``detect`` reads the first bytes: API responses and
logs have no header row) and reads a whole file into usage events (``read``). Pricing, storing and
rolling events up into the ledger's ``costs`` rows are the usage pipeline's job (``llm.ingest``).

``read`` is strict: a malformed file raises ``spendscope.errors.RowError`` naming the file, the
record (1-based line for JSON Lines, 1-based position in the data array otherwise) and the field,
and returns nothing, so nothing of a bad file is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Iterable, Protocol

from spendscope.llm.events import TIERS, EventBatch

HEAD_BYTES = 1 << 16


class UsageSource(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]

    def detect(self, path: Path, head: str) -> float:
        """How surely this source reads the file whose first ``HEAD_BYTES`` (decoded text) are ``head``:
        0 not at all, 1 certainly."""

    def read(self, path: Path) -> EventBatch:
        """Every event in the file, as exclusive token classes (``llm.events``)."""


def read_head(path: Path) -> str:
    """The first bytes of a file (decompressed for .gz), as text."""
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        return fh.read(HEAD_BYTES).decode("utf-8-sig", errors="replace")


def repeat_note(repeats: int, what: str = "results",
                of: str = "the bucket and grouping of an earlier result") -> list[str]:
    """The note for results a file holds twice (a restated pull saved beside the first)."""
    return [f"{repeats:,} {what} repeat {of}: the later one is kept."] if repeats else []


def tier_notes(tiers: set[str]) -> list[str]:
    """The notes for service tiers outside EVENT_SCHEMA's."""
    return [f"Service tier {tier!r} is not one of {', '.join(TIERS)}: its events are priced only where the catalog has "
            "prices for that tier." for tier in sorted(tiers)]


def keep_last(items: Iterable[dict], key: str) -> tuple[list[dict], int]:
    """The items with the later of each repeated ``key`` kept (at its later place: a restated bucket
    saved after the first), and how many were repeats."""
    kept: dict[str, dict] = {}
    repeats = 0
    for item in items:
        if item[key] in kept:
            repeats += 1
            del kept[item[key]]
        kept[item[key]] = item
    return list(kept.values()), repeats
