"""Ingest and query speed of spendscope against plain DuckDB reading the same FOCUS file.

What it measures, per size (default 1M and 10M rows) and format (Parquet, CSV):

* ingest: ``spendscope --db NEW ingest FILE`` against a Python process running plain DuckDB
  ``CREATE TABLE t AS SELECT * FROM read_parquet(FILE)`` / ``read_csv(FILE)`` into a new file;
* query, on the ledger just built: ``spendscope costs --by ServiceName --granularity month
  --format csv`` against a Python process running the same aggregate as raw DuckDB SQL, and the
  same pair in one process (``analysis.costs.cost_by`` against ``ledger.con.con.sql(...)``), which
  leaves out interpreter and import start-up (timed on its own as ``spendscope --version``).

Every measured command runs in its own child process with a fresh database file; its wall time
and peak RSS (``ru_maxrss`` from ``os.wait4``) are recorded. Baseline and spendscope runs are
interleaved and repeated, and the median is reported (peak memory: the largest of the runs),
because benchmark machines are shared; CPU seconds (user + system) are reported beside wall time.

The data is synthetic but shaped like a real multi-provider FOCUS 1.2 export: all 57 FOCUS 1.2
columns; AWS, Microsoft, Google Cloud, Oracle, OpenAI and Anthropic with two billing accounts and
eight sub accounts each; 60 services with their ServiceCategory and ServiceSubcategory; GPU
instances (p5.48xlarge, Standard_ND96asr_v4, a3-highgpu-8g, ...) and token SKUs (1000000 Tokens)
with SkuPriceDetails; daily charge periods over twelve months; usage, purchase, tax, credit and
correction rows; commitment discounts and spot; decimals with up to 10 places; Tags JSON
(team, project, environment, sometimes cost-center, ai-workload or a per-resource Name) on about
70% of rows. It is generated with DuckDB SQL and cached under ``bench/out/data/``.

Run::

    python bench/ingest.py                                  # 1M and 10M rows, Parquet and CSV
    python bench/ingest.py --sizes 10000 --repeat 1         # a quick check
    python bench/ingest.py --sizes 1000000 --formats parquet

``SPENDSCOPE_*`` variables (``SPENDSCOPE_MEMORY_LIMIT``, ``SPENDSCOPE_THREADS``) reach the spendscope
runs and are recorded. To measure one fixed version while the working tree changes, run against
a copy: ``git archive HEAD src | tar -x -C /tmp/snap && PYTHONPATH=/tmp/snap/src python bench/ingest.py``
(a run warns when the source it measures changed under it).

Targets (from the issue): ingest time ratio (spendscope / DuckDB) <= 1.5 for Parquet and <= 2 for
CSV; query ratio <= 1.5; spendscope's peak memory below 2 GiB at 10M rows. The results table goes
to stdout and, with the environment, to ``bench/out/ingest-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from focus_data import DATA, dataset  # noqa: E402  (bench/ is on sys.path when run as a script)

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
WORK = OUT / "work"

INGEST_TARGETS = {"parquet": 1.5, "csv": 2.0}
QUERY_TARGET = 1.5
MEMORY_TARGET_MIB = 2048
MEMORY_TARGET_ROWS = 10_000_000

# -- measuring ----------------------------------------------------------------------------------

@dataclass
class Run:
    seconds: float
    cpu_seconds: float  # user + system: less sensitive than wall time to other work on a shared machine
    peak_mib: float


def measure(cmd: list[str], log: Path, timeout: float) -> Run:
    """Run ``cmd`` in a child process; its wall time and peak resident memory."""
    with open(log, "wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=WORK)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                os.wait4(child.pid, 0)
                raise RuntimeError(f"timed out after {timeout:.0f}s: {' '.join(cmd)} (log: {log})")
            time.sleep(0.005)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"exit {child.returncode}: {' '.join(cmd)}\n{tail}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)  # ru_maxrss: KiB on Linux


def source_fingerprint() -> str:
    """A hash of the spendscope package that child processes import, to notice edits during a run."""
    import spendscope

    digest = hashlib.sha1()
    root = Path(spendscope.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".toml", ".csv", ".txt"):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _drop(db: Path) -> None:
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)


def _warm(path: Path) -> None:
    """Read the file once so every timed run finds it in the page cache."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def spendscope_cmd() -> list[str]:
    script = Path(sys.executable).with_name("spendscope")
    return [str(script)] if script.exists() else [sys.executable, "-m", "spendscope"]


BASELINE_INGEST = """
import sys, duckdb
path, fmt, db = sys.argv[1:4]
con = duckdb.connect(db)
reader = "read_parquet" if fmt == "parquet" else "read_csv"
con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}(?)", [path])
print(con.sql("SELECT count(*) FROM t").fetchone()[0])
con.close()
"""

# The aggregate `spendscope costs --by ServiceName --granularity month` computes, in plain SQL.
RAW_QUERY = (
    "SELECT CAST(date_trunc('month', ChargePeriodStart) AS DATE) AS period, ServiceName, "
    "sum(EffectiveCost) AS EffectiveCost FROM costs GROUP BY ALL ORDER BY period, EffectiveCost DESC, ServiceName"
)

BASELINE_QUERY = """
import csv, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET TimeZone = 'UTC'")
rows = con.sql(sys.argv[2]).fetchall()
writer = csv.writer(sys.stdout)
writer.writerow(["period", "ServiceName", "EffectiveCost"])
writer.writerows(rows)
"""

IN_PROCESS_QUERY = """
import json, statistics, sys, time
from spendscope.analysis.costs import CostQuery, cost_by
from spendscope.store.ledger import Ledger
db, sql, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
with Ledger.open(db=db, read_only=True) as ledger:
    raw = ledger.con.con
    query = CostQuery.parse(by="ServiceName", granularity="month")
    lib_rows, raw_rows = cost_by(ledger, query).rows, raw.sql(sql).fetchall()  # warm-up
    lib, base = [], []
    for _ in range(repeat):
        t = time.perf_counter(); cost_by(ledger, query); lib.append(time.perf_counter() - t)
        t = time.perf_counter(); raw.sql(sql).fetchall(); base.append(time.perf_counter() - t)
    rows = raw.sql("SELECT count(*) FROM costs").fetchone()[0]
same = [tuple(r.values()) for r in lib_rows] == [tuple(r) for r in raw_rows]
print(json.dumps({"library_s": statistics.median(lib), "raw_s": statistics.median(base), "same_result": same,
                  "result_rows": len(lib_rows), "ledger_rows": rows}))
"""


def median_run(runs: list[Run]) -> Run:
    """The median wall and CPU time of repeated runs, and their highest peak memory."""
    return Run(statistics.median(r.seconds for r in runs), statistics.median(r.cpu_seconds for r in runs),
               max(r.peak_mib for r in runs))


def _median(runs: list[Run]) -> dict:
    return {"seconds": statistics.median(r.seconds for r in runs),
            "cpu_seconds": statistics.median(r.cpu_seconds for r in runs),
            "peak_mib": max(r.peak_mib for r in runs), "runs": [asdict(r) for r in runs]}


def bench_ingest(rows: int, fmt: str, repeat: int, timeout: float, keep: Path | None) -> dict:
    path = dataset(rows, fmt)
    _warm(path)
    base_runs, spend_runs = [], []
    for i in range(repeat):
        order = ("baseline", "spendscope") if i % 2 == 0 else ("spendscope", "baseline")
        for who in order:
            db = WORK / f"{who}-{rows}-{fmt}-{i}.duckdb"
            _drop(db)
            log = WORK / f"{who}-ingest-{rows}-{fmt}-{i}.log"
            if who == "baseline":
                base_runs.append(measure([sys.executable, "-c", BASELINE_INGEST, str(path), fmt, str(db)], log, timeout))
                _drop(db)
            else:
                spend_runs.append(measure([*spendscope_cmd(), "--db", str(db), "ingest", str(path)], log, timeout))
                if keep is not None and i == repeat - 1:
                    _drop(keep)
                    db.rename(keep)
                else:
                    _drop(db)
            last = (base_runs if who == "baseline" else spend_runs)[-1]
            print(f"  ingest {rows:>11,} {fmt:<7} {who:<10} run {i + 1}: {last.seconds:8.2f}s "
                  f"(cpu {last.cpu_seconds:7.2f}s) {last.peak_mib:8.0f} MiB", flush=True)
    base, spend = _median(base_runs), _median(spend_runs)
    return {
        "kind": "ingest", "rows": rows, "format": fmt, "file": str(path), "file_mib": path.stat().st_size / 2**20,
        "baseline": base, "spendscope": spend, "ratio": spend["seconds"] / base["seconds"],
        "cpu_ratio": spend["cpu_seconds"] / base["cpu_seconds"], "target": INGEST_TARGETS[fmt],
    }


def bench_query(rows: int, db: Path, repeat: int, timeout: float) -> list[dict]:
    cli = [*spendscope_cmd(), "--db", str(db), "costs", "--by", "ServiceName", "--granularity", "month", "--format", "csv"]
    raw = [sys.executable, "-c", BASELINE_QUERY, str(db), RAW_QUERY]
    # what any process building Ibis expressions pays before its first query: the floor of the CLI's time
    starts = {"spendscope --version": [*spendscope_cmd(), "--version"], "python -c 'import duckdb'": [
        sys.executable, "-c", "import duckdb"], "python -c 'import ibis (duckdb backend)'": [
        sys.executable, "-c", "import ibis, ibis.backends.duckdb; ibis.duckdb.connect()"]}
    startup = {name: statistics.median(measure(cmd, WORK / "startup.log", timeout).seconds for _ in range(repeat))
               for name, cmd in starts.items()}
    base_runs, spend_runs = [], []
    for i in range(repeat):
        for who in (("baseline", "spendscope") if i % 2 == 0 else ("spendscope", "baseline")):
            log = WORK / f"{who}-query-{rows}-{i}.log"
            run = measure(raw if who == "baseline" else cli, log, timeout)
            (base_runs if who == "baseline" else spend_runs).append(run)
            print(f"  query  {rows:>11,} cli     {who:<10} run {i + 1}: {run.seconds:8.2f}s "
                  f"(cpu {run.cpu_seconds:7.2f}s) {run.peak_mib:8.0f} MiB", flush=True)
    same_cli = _csv_rows(WORK / f"spendscope-query-{rows}-0.log") == _csv_rows(WORK / f"baseline-query-{rows}-0.log")
    inproc_log = WORK / f"inprocess-query-{rows}.log"
    inproc_run = measure([sys.executable, "-c", IN_PROCESS_QUERY, str(db), RAW_QUERY, str(max(repeat, 5))], inproc_log,
                         timeout)
    inproc = json.loads(inproc_log.read_text().strip().splitlines()[-1])
    print(f"  query  {rows:>11,} library spendscope {inproc['library_s']:.3f}s, raw SQL {inproc['raw_s']:.3f}s "
          f"(same result: {inproc['same_result']}, ledger rows {inproc['ledger_rows']:,})", flush=True)
    base, spend = _median(base_runs), _median(spend_runs)
    return [
        {"kind": "query (CLI)", "rows": rows, "format": "ledger", "baseline": base, "spendscope": spend,
         "ratio": spend["seconds"] / base["seconds"], "cpu_ratio": spend["cpu_seconds"] / base["cpu_seconds"],
         "target": QUERY_TARGET, "same_result": same_cli,
         "startup_s": startup},
        {"kind": "query (library)", "rows": rows, "format": "ledger",
         "baseline": {"seconds": inproc["raw_s"], "peak_mib": None},
         "spendscope": {"seconds": inproc["library_s"], "peak_mib": inproc_run.peak_mib},
         "ratio": inproc["library_s"] / inproc["raw_s"], "target": QUERY_TARGET, "same_result": inproc["same_result"],
         "ledger_rows": inproc["ledger_rows"]},
    ]


def _csv_rows(log: Path) -> list[tuple]:
    """(period, service, amount) from a costs CSV, amounts compared as exact decimals."""
    import csv
    from decimal import Decimal

    lines = list(csv.reader(log.read_text().splitlines()))
    return [(r[0], r[1], Decimal(r[2])) for r in lines[1:] if len(r) == 3]


# -- reporting ----------------------------------------------------------------------------------

def verdicts(result: dict) -> list[str]:
    out = ["PASS" if result["ratio"] <= result["target"] else "FAIL"]
    peak = result["spendscope"]["peak_mib"]
    if result["rows"] >= MEMORY_TARGET_ROWS and peak is not None:
        out.append("mem PASS" if peak < MEMORY_TARGET_MIB else "mem FAIL")
    return out


def print_table(results: list[dict]) -> None:
    head = (f"{'benchmark':<16} {'rows':>11} {'format':<8} {'duckdb s':>9} {'spendscope s':>12} {'duckdb rows/s':>14} "
            f"{'spendscope rows/s':>17} {'ratio':>6} {'target':>7} {'cpu ratio':>9} {'duckdb MiB':>10} "
            f"{'spendscope MiB':>14}  verdict")
    print()
    print(head)
    print("-" * len(head))
    for r in results:
        b, s = r["baseline"], r["spendscope"]
        rate = lambda sec: f"{r['rows'] / sec:,.0f}" if r["kind"] == "ingest" else "-"  # noqa: E731
        mib = lambda v: "-" if v is None else f"{v:,.0f}"  # noqa: E731
        cpu = f"{r['cpu_ratio']:.2f}" if "cpu_ratio" in r else "-"
        print(f"{r['kind']:<16} {r['rows']:>11,} {r['format']:<8} {b['seconds']:>9.3f} {s['seconds']:>12.3f} "
              f"{rate(b['seconds']):>14} {rate(s['seconds']):>17} {r['ratio']:>6.2f} {'<= ' + str(r['target']):>7} "
              f"{cpu:>9} {mib(b['peak_mib']):>10} {mib(s['peak_mib']):>14}  {', '.join(verdicts(r))}")
    for r in results:
        if r["kind"] == "query (CLI)":
            startup = ", ".join(f"{k}: {v:.2f}s" for k, v in r["startup_s"].items())
            print(f"start-up at {r['rows']:,} rows (included in the CLI query times): {startup}")
    print(f"Ratios are spendscope / DuckDB median wall times; the verdict uses them. cpu ratio: the same for user+system "
          f"CPU seconds. Memory target: spendscope peak RSS < {MEMORY_TARGET_MIB} MiB at {MEMORY_TARGET_ROWS:,} rows. "
          "Query (library): both sides run in one process, whose peak RSS is shown.")


def environment() -> dict:
    import ibis

    import spendscope

    git = lambda *a: subprocess.run(["git", *a], cwd=HERE, capture_output=True, text=True).stdout.strip()  # noqa: E731
    commit = git("rev-parse", "--short", "HEAD") + (" (with uncommitted changes in src/)" if git("status", "--porcelain", "src") else "")
    mem = next((line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal")), "0")
    return {
        "python": platform.python_version(), "duckdb": duckdb.__version__, "ibis": ibis.__version__,
        "spendscope": spendscope.__version__, "git_commit": commit, "cpus": os.cpu_count(),
        "memory_gib": round(int(mem) / 2**20, 1), "machine": platform.machine(),
        "spendscope_path": str(Path(spendscope.__file__).parent), "source_fingerprint": source_fingerprint(),
        "settings_env": {k: v for k, v in os.environ.items() if k.startswith("SPENDSCOPE_")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="Row counts, comma-separated.")
    parser.add_argument("--formats", default="parquet,csv", help="parquet, csv or both.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per measurement; the median is reported.")
    parser.add_argument("--timeout", type=float, default=3600, help="Seconds before one run is abandoned.")
    parser.add_argument("--no-query", action="store_true", help="Only time ingest.")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    if bad := [f for f in formats if f not in INGEST_TARGETS]:
        parser.error(f"unknown format {bad[0]!r}; valid formats: parquet, csv")
    WORK.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc)
    env = environment()
    fingerprint = env["source_fingerprint"]
    results: list[dict] = []
    for rows in sizes:
        ledger = WORK / f"ledger-{rows}.duckdb"
        for fmt in formats:
            results.append(bench_ingest(rows, fmt, args.repeat, args.timeout, ledger if fmt == formats[0] else None))
        if not args.no_query:
            results.extend(bench_query(rows, ledger, args.repeat, args.timeout))
        _drop(ledger)
        if source_fingerprint() != fingerprint:
            print("WARNING: the spendscope source changed during the run; the figures mix versions. Run against "
                  "a frozen copy (PYTHONPATH=COPY/src) for comparable results.", flush=True)
            env["source_changed_during_run"] = True
    print_table(results)
    report = OUT / f"ingest-{started:%Y%m%dT%H%M%SZ}.json"
    report.write_text(json.dumps({"started": started.isoformat(), "environment": env, "repeat": args.repeat,
                                  "results": results}, indent=2, default=str))
    print(f"Results: {report}")
    return 0 if all(v.endswith("PASS") for r in results for v in verdicts(r)) else 1


if __name__ == "__main__":
    sys.exit(main())
