"""Find the files an ingest names, read their headers, and fingerprint their content.

>>> expand(["does-not-exist.csv"])
Traceback (most recent call last):
...
spendscope.errors.IngestError: No such file or folder: 'does-not-exist.csv'
"""

from __future__ import annotations

import csv
import glob
import gzip
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from spendscope.errors import IngestError, RowError, UnknownFormatError
from spendscope.ingest import manifests

CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz")
SUPPORTED = CSV_SUFFIXES + PARQUET_SUFFIXES + JSON_SUFFIXES


@dataclass(frozen=True)
class FileInfo:
    """One input file and what its header says."""

    path: Path
    format: str  # "csv", "parquet" or "json"
    columns: tuple[str, ...]
    size: int
    delimiter: str = ","
    has_bom: bool = False
    header: tuple[str, ...] = ()  # the names as the file writes them, where ``columns`` had to differ

    @property
    def names(self) -> tuple[tuple[str, str], ...]:
        """(column name as read, name as the file writes it) for each column."""
        return tuple(zip(self.columns, self.header or self.columns))

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def key(self) -> str:
        """The absolute path, as the engine names the file in each row it reads."""
        return os.path.abspath(self.path)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(SUPPORTED, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def expand(paths: list[str]) -> list[Path]:
    """Files named directly, inside folders (recursively) or matched by globs, in a stable order."""
    return [path for path, _ in expand_named(paths)]


def is_data(path: Path) -> bool:
    """A billing data file (CSV or Parquet), as opposed to a manifest or other JSON beside it."""
    return _suffix(path) in CSV_SUFFIXES + PARQUET_SUFFIXES


def _readable(path: Path) -> bool:
    return _suffix(path) in SUPPORTED or path.suffix.lower() == ".zip"


def _manifest_root(path: Path) -> Path:
    """Where a manifest's data files are: its folder, or for CUR 2.0 (``metadata/BILLING_PERIOD=...``) the export's."""
    parent = path.parent
    if parent.name.upper().startswith("BILLING_PERIOD=") and parent.parent.name.lower() == "metadata":
        return parent.parent.parent
    return parent


def expand_named(paths: list[str]) -> list[tuple[Path, bool]]:
    """Like ``expand``, telling for each file whether the user named it (True) or a folder or glob found it.

    A zip archive stands for its members; a manifest named on its own, for the files beside it (which
    ``manifests.select`` then narrows to those it lists)."""
    found: list[tuple[Path, bool]] = []
    for raw in paths:
        p = Path(raw)
        if any(ch in raw for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(raw, recursive=True))
            if not matches:
                raise IngestError(f"No files match {raw!r}.")
            found.extend((m, False) for m in matches if m.is_file())
        elif p.is_dir():
            inner = sorted(f for f in p.rglob("*") if f.is_file() and _readable(f))
            if not inner:
                raise IngestError(f"The folder {raw!r} holds no files spendscope reads ({', '.join(SUPPORTED)}, .zip).")
            found.extend((f, False) for f in inner)
        elif p.is_file() and manifests.is_manifest(p) and manifests.listed_keys(p) is not None:
            found.append((p, False))
            found.extend((f, False) for f in sorted(_manifest_root(p).rglob("*"))
                         if f.is_file() and f != p and is_data(f))
        elif p.is_file():
            found.append((p, True))
        else:
            raise IngestError(f"No such file or folder: {raw!r}")
    opened: list[tuple[Path, bool]] = []
    for f, named in found:
        if f.suffix.lower() == ".zip":
            opened.extend((m, named) for m in manifests.extract(f) if _readable(m))
        else:
            opened.append((f, named))
    found = opened
    seen: set[Path] = set()
    unique = []
    for f, named in found:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((f, named))
    return unique


def sniff(path: Path) -> FileInfo:
    """Read a file's header: format, column names, delimiter, BOM."""
    suffix = _suffix(path)
    size = path.stat().st_size
    if size == 0:
        raise RowError(str(path), None, None, "the file is empty.")
    if suffix in PARQUET_SUFFIXES:
        try:
            names = tuple(pq.read_schema(path).names)
        except Exception as exc:
            raise RowError(str(path), None, None,
                           f"not a readable Parquet file ({exc}); it may be truncated.") from exc
        return FileInfo(path, "parquet", names, size)
    if suffix in JSON_SUFFIXES:
        return FileInfo(path, "json", _json_keys(path, suffix), size)
    if suffix in CSV_SUFFIXES:
        opener = gzip.open if suffix.endswith(".gz") else open
        try:
            with opener(path, "rb") as fh:
                head = fh.read(1 << 16)
        except (OSError, EOFError) as exc:
            raise RowError(str(path), None, None, f"cannot be read ({exc}); it may be truncated.") from exc
        has_bom = head.startswith(b"\xef\xbb\xbf")
        text = head.decode("utf-8-sig", errors="replace")
        first = text.splitlines()[0] if text else ""
        delimiter = "\t" if suffix.startswith(".tsv") or first.count("\t") > first.count(",") else ","
        columns = tuple(next(csv.reader(io.StringIO(first), delimiter=delimiter), []))
        if not columns or all(not c.strip() for c in columns):
            raise RowError(str(path), 1, None, "has no header row.")
        written = tuple(c.strip() for c in columns)
        unique = _case_unique(written)
        return FileInfo(path, "csv", unique, size, delimiter, has_bom, header=written if unique != written else ())
    raise UnknownFormatError(
        f"{path}: spendscope reads {', '.join(SUPPORTED)} files, not {suffix or 'files without a suffix'!r}."
    )


def _case_unique(names: tuple[str, ...]) -> tuple[str, ...]:
    """Column names made unique ignoring case, as the engine needs: a bill may have tag columns that
    differ only in case (``resourceTags/user:Team`` and ``.../user:team``); the later gets ``_1``."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, k = name, 0
        while candidate.lower() in seen:
            k += 1
            candidate = f"{name}_{k}"
        seen.add(candidate.lower())
        out.append(candidate)
    return tuple(out)


def _json_keys(path: Path, suffix: str) -> tuple[str, ...]:
    """The top-level keys of a newline-delimited JSON file's first record; () for other JSON (a manifest,
    an API response), which the sources that read it recognise by content."""
    import json

    opener = gzip.open if suffix.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            first = fh.readline(1 << 20).strip()
        record = json.loads(first)
    except (OSError, EOFError, ValueError):
        return ()
    return tuple(record) if isinstance(record, dict) else ()


def content_hash(path: Path) -> str:
    """SHA-256 of the file's bytes: the same file loaded twice is recognised."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()
