"""Raw files as Ibis tables in DuckDB, the engine every ingest normalises with.

Files with the same header are read as one relation (the way one export's part files belong
together), with a column naming each row's file. CSV is read as text, so every value reaches the
normaliser as written; structurally broken rows (too few or too many values, bad quoting,
invalid UTF-8) are kept aside by DuckDB's rejects tables and reported with file, line and column.
"""

from __future__ import annotations

import itertools

import ibis
import ibis.expr.types as ir

from spendscope.errors import RowError
from spendscope.ingest.files import FileInfo

FILE_COLUMN = "__spendscope_file"
ROW_COLUMN = "__row"

_names = itertools.count(1)


def unique_name(prefix: str) -> str:
    return f"spendscope_{prefix}_{next(_names)}"


def open_raw(con, infos: list[FileInfo], *, numbered: bool = False) -> tuple[ir.Table, tuple[str, str] | None]:
    """One relation over ``infos`` (same format and header), and its (rejects, scans) tables for CSV.

    ``numbered`` (one file only) adds the 1-based data row number, for diagnostics.
    """
    paths = [i.key for i in infos]
    first = infos[0]
    name = unique_name("raw")
    if first.format == "parquet":
        raw = con.read_parquet(paths, table_name=name, filename=FILE_COLUMN, file_row_number=numbered)
        if numbered:
            raw = raw.mutate(**{ROW_COLUMN: raw.file_row_number + 1}).drop("file_row_number")
        return raw, None
    if first.format == "json":  # newline-delimited records (a GCP billing export)
        # The schema is inferred once, from every record; naming it spares DuckDB from reading the whole
        # file again each time a view over it is bound (a million-row export took 198 s).
        listed = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
        described = con.raw_sql(
            f"DESCRIBE SELECT * FROM read_json([{listed}], format='newline_delimited', sample_size=-1)").fetchall()
        columns = {row[0]: row[1] for row in described}
        raw = con.read_json(paths, table_name=name, format="newline_delimited", filename=FILE_COLUMN,
                            columns=columns)

        if numbered:
            raw = raw.mutate(**{ROW_COLUMN: ibis.row_number() + 1})
        return raw, None
    rejects, scans = unique_name("rejects"), unique_name("rejects_scan")
    # The header is already known (files.sniff): naming the columns spares DuckDB from sniffing every
    # file again each time a view over it is bound (0.5 s per bind for a month of part files).
    known = {"columns": {c: "VARCHAR" for c in first.columns}, "auto_detect": False} \
        if len({c.lower() for c in first.columns}) == len(first.columns) else {"all_varchar": True}
    raw = con.read_csv(
        paths,
        table_name=name,
        **known,
        header=True,
        delim=first.delimiter,
        quote='"',
        escape='"',
        nullstr=["NULL", ""],
        filename=FILE_COLUMN,
        store_rejects=True,
        rejects_table=rejects,
        rejects_scan=scans,
    )
    if numbered:
        # with one reading thread (see diagnostics.single_thread) the numbers follow the file
        raw = raw.mutate(**{ROW_COLUMN: ibis.row_number() + 1})
    return raw, (rejects, scans)


def raise_rejected(con, rejects: tuple[str, str] | None) -> None:
    """Raise the first structural error DuckDB set aside while reading, if any."""
    if rejects is None:
        return
    table, scans = rejects
    row = con.raw_sql(
        f'SELECT s.file_path, e.line, e.column_name, e.error_type, e.error_message FROM "{table}" e '
        f'JOIN "{scans}" s USING (scan_id, file_id) ORDER BY s.file_path, e.line, e.column_idx LIMIT 1'
    ).fetchone()
    if row is None:
        return
    path, line, column, kind, message = row
    if kind == "MISSING COLUMNS":
        problem = f"the row ends early ({message}); the file may be truncated."
    elif kind == "TOO MANY COLUMNS":
        problem = f"the row has too many values ({message})."
    elif kind in ("UNQUOTED VALUE", "INVALID ENCODING", "INVALID STATE"):
        problem = f"the row is malformed ({message})."
    else:
        problem = message
    raise RowError(_shown(path), int(line) - 1, column, f"{problem} (line {line})")


def _shown(path: str) -> str:
    """A path as the user would write it: relative to the working folder when inside it."""
    import os

    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative
