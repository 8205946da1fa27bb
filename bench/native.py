"""Native cloud bills (Azure, GCP, OCI): spendscope's ingest against plain DuckDB reading the same file.

Builds, from the shared samples and the test fixtures, an export of about a million rows per layout
and times, in one run:

* ``spendscope ingest FILE`` into a fresh ledger (detect, profile, normalise to FOCUS, check, reconcile,
  load);
* plain DuckDB: ``CREATE TABLE AS SELECT * FROM read_csv|read_json(FILE)`` (reading, no FOCUS).

Layouts: the Azure EA sample repeated (CSV), the GCP fixture (every credit type, NDJSON with nested
records and flattened CSV), and the OCI fixture (CSV). The issue sets no target for these (its target is
for AWS CUR, ``bench/cur.py``); the ratio is printed so a change that makes one of them slower shows.
Run it with nothing else busy: ``python bench/native.py [--rows N] [--repeat K] [--only azure,gcp-json]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from ingest import MEMORY_TARGET_MIB, OUT, WORK, _drop, _warm, measure, median_run, spendscope_cmd  # noqa: E402

SHARED = HERE.parent.parent / "shared"

BASELINE = """
import sys, duckdb
con = duckdb.connect(sys.argv[2])
reader = "read_json(?, format='newline_delimited')" if sys.argv[1].endswith(".jsonl") else "read_csv(?)"
con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}", [sys.argv[1]])
print(con.sql("SELECT count(*) FROM t").fetchone()[0])
"""


def _seed(layout: str, folder: Path) -> Path:
    """One copy of the layout's rows, to repeat."""
    from tests.ingest import gcp_fixture, test_oci

    if layout == "azure":
        return SHARED / "data" / "azure" / "ea-export_anonymous-sample.csv"
    if layout == "gcp-json":
        return gcp_fixture.write_json(folder / "gcp-seed.jsonl")
    if layout == "gcp-csv":
        return gcp_fixture.write_csv(folder / "gcp-seed.csv")
    return test_oci.write(folder / "oci-seed.csv")


def build(layout: str, rows: int) -> tuple[Path, int]:
    """The layout's seed repeated to ``rows`` or more rows; cached under bench/out/data."""
    folder = OUT / "data"
    folder.mkdir(parents=True, exist_ok=True)
    seed = _seed(layout, folder)
    if seed.suffix == ".jsonl":
        lines = seed.read_text().splitlines(keepends=True)
        copies = -(-rows // len(lines))
        path = folder / f"{layout}-{copies * len(lines)}.jsonl"
        if not path.exists():
            with open(path, "w") as fh:
                for _ in range(copies):
                    fh.writelines(lines)
        return path, copies * len(lines)
    with open(seed, encoding="utf-8-sig") as fh:
        header, *body = fh.read().splitlines(keepends=True)
    copies = -(-rows // len(body))
    path = folder / f"{layout}-{copies * len(body)}.csv"
    if not path.exists():
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(header if header.endswith("\n") else header + "\n")
            for _ in range(copies):
                fh.writelines(line if line.endswith("\n") else line + "\n" for line in body)
    return path, copies * len(body)


def bench(layout: str, rows: int, repeat: int, timeout: float) -> dict:
    path, count = build(layout, rows)
    _warm(path)
    ours, base = [], []
    for i in range(repeat):
        db = WORK / f"{layout}-spendscope.duckdb"
        _drop(db)
        ours.append(measure([*spendscope_cmd(), "--db", str(db), "ingest", str(path)], WORK / f"{layout}.log", timeout))
        raw_db = WORK / f"{layout}-duckdb.duckdb"
        _drop(raw_db)
        base.append(measure([sys.executable, "-c", BASELINE, str(path), str(raw_db)], WORK / f"{layout}-duckdb.log",
                            timeout))
        print(f"  {layout:9} run {i + 1}: spendscope {ours[-1].seconds:7.2f}s {ours[-1].peak_mib:6.0f} MiB | "
              f"duckdb {base[-1].seconds:6.2f}s {base[-1].peak_mib:6.0f} MiB", flush=True)
    ledger = subprocess.run([sys.executable, "-c", "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True)"
                             ".sql('SELECT count(*) FROM costs').fetchone()[0])", str(WORK / f"{layout}-spendscope.duckdb")],
                            check=True, capture_output=True, text=True).stdout.strip()
    s, d = median_run(ours), median_run(base)
    return {"layout": layout, "file_rows": count, "ledger_rows": int(ledger), "spendscope": s.__dict__,
            "duckdb": d.__dict__, "ratio": s.seconds / d.seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", default="azure,gcp-json,gcp-csv,oci")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    results = [bench(layout, args.rows, args.repeat, args.timeout) for layout in args.only.split(",")]
    print(f"\n{'layout':10} {'file rows':>10} {'ledger rows':>12} {'spendscope s':>13} {'duckdb s':>9} {'ratio':>6} "
          f"{'peak MiB':>9}")
    for r in results:
        s, d = r["spendscope"], r["duckdb"]
        memory = "PASS" if s["peak_mib"] < MEMORY_TARGET_MIB else "FAIL"
        print(f"{r['layout']:10} {r['file_rows']:>10,} {r['ledger_rows']:>12,} {s['seconds']:>13.2f} {d['seconds']:>9.2f} "
              f"{r['ratio']:>6.2f} {s['peak_mib']:>9,.0f} ({memory} < {MEMORY_TARGET_MIB})")
    (OUT / "native-result.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
