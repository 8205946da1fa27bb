"""AWS Cost and Usage Report ingest: spendscope against plain DuckDB and the FinOps Foundation's converter.

Builds a legacy CUR CSV of at least a million rows (``../shared/data/aws/cur-legacy_anonymous-sample.csv``
repeated, each copy with its own line item ids) and, in one run, times:

* ``spendscope ingest FILE`` into a fresh ledger (detect, profile, normalise to FOCUS, check,
  reconcile, load);
* plain DuckDB: ``CREATE TABLE AS SELECT * FROM read_csv(FILE)`` (reading the file, no FOCUS);
* ``focus-converter convert --provider aws-cur --data-format csv`` (PyPI ``focus-converter`` 1.0.0,
  in its own virtualenv: ``--converter PATH`` names its executable; ``make bench-cur`` installs it).

Targets (issue 3): at least 20x faster than the converter, at most 2x the raw DuckDB read, peak memory
below 2 GB. Run it with nothing else busy: ``python bench/cur.py [--rows N] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import MEMORY_TARGET_MIB, OUT, WORK, _drop, _warm, measure, median_run, spendscope_cmd  # noqa: E402

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SPENDSCOPE_SHARED", HERE.parent.parent / "shared"))
SAMPLE = SHARED / "data" / "aws" / "cur-legacy_anonymous-sample.csv"
DUCKDB_TARGET = 2.0
CONVERTER_TARGET = 20.0

BASELINE = """
import sys, duckdb
con = duckdb.connect(sys.argv[2])
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [sys.argv[1]])
print(con.sql("SELECT count(*) FROM t").fetchone()[0])
"""


def _sql(query: str, database: Path | None = None):
    """One value from DuckDB, in a child process: a child's peak memory (ru_maxrss) starts from its
    parent's at fork, so the parent must stay small for the measured runs to be honest."""
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[2] or ':memory:', read_only=bool(sys.argv[2])); "
            "con.execute('SET enable_progress_bar = false'); print(con.sql(sys.argv[1]).fetchone()[0])")
    cmd = [sys.executable, "-c", code, query, str(database or "")]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def build(rows: int) -> Path:
    """The sample repeated to ``rows`` or more rows, ids made unique; cached under bench/out/data."""
    sample_rows = int(_sql(f"SELECT count(*) FROM read_csv('{SAMPLE}', all_varchar=true)"))
    copies = -(-rows // sample_rows)
    path = OUT / "data" / f"cur-legacy-{copies * sample_rows}.csv"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    _sql(f"""COPY (SELECT * REPLACE ("identity/LineItemId" || '-' || copy AS "identity/LineItemId")
                   FROM read_csv('{SAMPLE}', all_varchar=true), range({copies}) AS r(copy))
             TO '{tmp}' (HEADER, DELIMITER ',')""")
    tmp.rename(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="Runs of spendscope and DuckDB; the median counts.")
    parser.add_argument("--converter", default=str(HERE.parent / ".venv-converter" / "bin" / "focus-converter"),
                        help="The focus-converter executable (run once: it is slow).")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)

    WORK.mkdir(parents=True, exist_ok=True)
    path = build(args.rows)
    rows = int(_sql(f"SELECT count(*) FROM read_csv('{path}', all_varchar=true)"))
    print(f"CUR file: {path} ({rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB)")
    _warm(path)

    ours, base = [], []
    for i in range(args.repeat):
        db = WORK / "cur-spendscope.duckdb"
        _drop(db)
        run = measure([*spendscope_cmd(), "--db", str(db), "ingest", str(path)], WORK / "cur-spendscope.log", args.timeout)
        ours.append(run)
        print(f"  spendscope ingest run {i + 1}: {run.seconds:7.2f}s  {run.peak_mib:6.0f} MiB", flush=True)
        raw_db = WORK / "cur-duckdb.duckdb"
        _drop(raw_db)
        run = measure([sys.executable, "-c", BASELINE, str(path), str(raw_db)], WORK / "cur-duckdb.log", args.timeout)
        base.append(run)
        print(f"  duckdb read_csv   run {i + 1}: {run.seconds:7.2f}s  {run.peak_mib:6.0f} MiB", flush=True)
    ledger = WORK / "cur-spendscope.duckdb"
    ledger_rows = int(_sql("SELECT count(*) FROM costs", ledger))
    billed = Decimal(_sql("SELECT sum(BilledCost) FROM costs", ledger))
    source_billed = Decimal(_sql(
        f"""SELECT sum(CAST("lineItem/UnblendedCost" AS DECIMAL(38, 18))) FROM read_csv('{path}', all_varchar=true)"""))

    converter = None
    if Path(args.converter).exists():
        export = WORK / "cur-converter-out"
        shutil.rmtree(export, ignore_errors=True)
        export.mkdir()
        converter = measure([args.converter, "convert", "--provider", "aws-cur", "--data-path", str(path),
                             "--data-format", "csv", "--export-path", str(export)], WORK / "cur-converter.log", args.timeout)
        print(f"  focus-converter   run 1: {converter.seconds:7.2f}s  {converter.peak_mib:6.0f} MiB", flush=True)
    else:
        print(f"  focus-converter not found at {args.converter}: `make bench-cur` installs it")

    s, d = median_run(ours), median_run(base)
    vs_duckdb = s.seconds / d.seconds
    lines = [
        f"rows: {rows:,} in the file, {ledger_rows:,} in the ledger; BilledCost {billed} (file: {source_billed}, "
        f"{'equal' if billed == source_billed else 'DIFFERENT'})",
        f"spendscope ingest : {s.seconds:8.2f} s  {rows / s.seconds:>10,.0f} rows/s  peak {s.peak_mib:,.0f} MiB "
        f"({'PASS' if s.peak_mib < MEMORY_TARGET_MIB else 'FAIL'} < {MEMORY_TARGET_MIB} MiB)",
        f"duckdb read_csv   : {d.seconds:8.2f} s  {rows / d.seconds:>10,.0f} rows/s  peak {d.peak_mib:,.0f} MiB",
        f"ratio spendscope / duckdb    : {vs_duckdb:6.2f}  (target <= {DUCKDB_TARGET}: "
        f"{'PASS' if vs_duckdb <= DUCKDB_TARGET else 'FAIL'})",
    ]
    result = {"rows": rows, "spendscope": s.__dict__, "duckdb": d.__dict__, "ratio_duckdb": vs_duckdb}
    if converter:
        speedup = converter.seconds / s.seconds
        lines.insert(3, f"focus-converter   : {converter.seconds:8.2f} s  {rows / converter.seconds:>10,.0f} rows/s  "
                        f"peak {converter.peak_mib:,.0f} MiB")
        lines.append(f"speed-up over focus-converter: {speedup:6.1f}x (target >= {CONVERTER_TARGET}x: "
                     f"{'PASS' if speedup >= CONVERTER_TARGET else 'FAIL'})")
        result.update(converter=converter.__dict__, speedup_converter=speedup)
    print("\n".join(lines))
    (OUT / "cur-result.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
