"""What a source adapter is: the contract every folder under ``ingest/sources/`` implements.

A source recognises its files from their header (``detect``), and turns a raw Ibis table over one
file into FOCUS column expressions (``plan`` then ``Plan.columns``). Reading the file, checking,
classifying and loading are the pipeline's job, the same for every source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Mapping, Protocol

import ibis.expr.types as ir

from spendscope.ingest.files import FileInfo


@dataclass
class Mappings:
    """Value rewrites found by profiling the file: raw value -> normalised value, per column."""

    values: dict[str, dict[str, str]] = field(default_factory=dict)
    subcategories: dict[tuple[str, str], str] = field(default_factory=dict)


class Plan(Protocol):
    """How one file maps to FOCUS columns."""

    source: str
    format_version: str
    notes: list[str]

    def column(self, raw: ir.Table, name: str, mappings: Mappings) -> ir.Value:
        """The normalised expression of ledger column ``name`` over ``raw``."""

    def profile_keys(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        """Raw-level expressions to group the profiling pass by (partition key, enum and unit columns)."""

    def profile_flags(self, raw: ir.Table) -> Mapping[str, ir.BooleanValue]:
        """Row conditions to count in the profiling pass, for notes."""

    def describe_flag(self, flag: str, count: int) -> str:
        """The note for a profile flag that ``count`` rows raised."""

    def source_amounts(self, raw: ir.Table) -> Mapping[str, ir.Value]:
        """The source's own billed and effective amounts per row, computed from raw values (and
        optionally "rows": how many ledger rows a file row becomes, where ``expand`` splits it)."""

    def missing(self, raw: ir.Table, name: str) -> ir.BooleanValue:
        """Where ledger column ``name`` would have no value (counted for the not-null checks)."""

    def conversions(self, raw: ir.Table) -> list[tuple[str, str, str, ir.Value]]:
        """(ledger column, the file's column, "decimal"/"datetime", the value or null where it does not
        convert), so a failed load can name the first bad value."""

    # Optional: ``prepare(raw) -> raw`` adds values computed once per row for many columns (the
    # pipeline reads the file through it); ``expand(raw) -> raw`` splits some file rows into several
    # ledger rows (see the AWS CUR source).


class Source(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]

    def detect(self, info: FileInfo) -> float:
        """How surely this source reads ``info`` (0: not at all, 1: certainly)."""

    def plan(self, info: FileInfo) -> Plan:
        """Map the file's columns; raise SchemaError when a mandatory column is missing."""
