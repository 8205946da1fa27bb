"""LLM usage events: spendscope pricing and loading 1M events against DuckDB reading the same JSONL.

Builds (with DuckDB SQL, cached under ``bench/out/data``) a JSON Lines file of usage events in
spendscope's generic schema (``spendscope.usage.v1``): 22 models of five sellers, three service
tiers, cached and reasoning tokens, 97 API keys (each of one team, project and application) over a
month, and times, in one run:

* ``spendscope ingest FILE`` into a fresh ledger: read and check every event, price each token class
  at the catalog price in force on its day, store the events, roll them up into FOCUS ``costs`` rows;
* plain DuckDB: ``CREATE TABLE AS SELECT * FROM read_json(FILE)`` (reading, no pricing).

Prints events/s, peak memory and the ratio (the issue's target: at most 3).
Run it with nothing else busy: ``python bench/llm_events.py [--events N] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from ingest import MEMORY_TARGET_MIB, OUT, WORK, _drop, _warm, measure, median_run, spendscope_cmd  # noqa: E402

TARGET_RATIO = 3.0
BASELINE = """
import sys, duckdb
con = duckdb.connect(sys.argv[2])
con.execute("CREATE TABLE t AS SELECT * FROM read_json(?, format='newline_delimited')", [sys.argv[1]])
print(con.sql("SELECT count(*) FROM t").fetchone()[0])
"""
MODELS = [
    ("openai", m) for m in ("gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "o3-2025-04-16", "gpt-4.1", "gpt-4.1-mini",
                            "o4-mini", "gpt-5", "gpt-5-mini", "text-embedding-3-small", "gpt-4o")
] + [
    ("anthropic", m) for m in ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1",
                               "claude-3-5-haiku-20241022", "claude-sonnet-4-5", "claude-haiku-4-5")
] + [
    ("bedrock", m) for m in ("us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-sonnet-4-20250514-v1:0")
] + [
    ("azure", m) for m in ("gpt-4o", "gpt-4o-mini")
] + [
    ("gemini", m) for m in ("gemini-2.5-flash", "gemini-2.5-pro")
]


def build(events: int) -> Path:
    """The events file (generated once per size, with DuckDB)."""
    import duckdb

    folder = OUT / "data"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"llm-events-v2-{events}.jsonl"
    if path.exists():
        return path
    con = duckdb.connect()
    con.execute("CREATE TABLE models (mk INTEGER, provider VARCHAR, model VARCHAR)")
    con.executemany("INSERT INTO models VALUES (?, ?, ?)", [(i, p, m) for i, (p, m) in enumerate(MODELS)])
    # A gateway's traffic: each of 97 API keys belongs to one application, team and project and calls
    # one model; batch keys and priority keys as teams use them. Tokens vary per request.
    con.execute(f"""
        COPY (
          SELECT 'spendscope.usage.v1' AS schema, 'req-' || i AS event_id, m.provider, m.model,
            strftime(TIMESTAMP '2026-10-01' + to_seconds(CAST((i * 2.592) AS BIGINT) % 2592000), '%Y-%m-%dT%H:%M:%SZ')
              AS start_time,
            CASE WHEN k % 7 = 0 THEN 'batch' WHEN k % 11 = 0 AND m.provider = 'openai'
                      AND m.model NOT LIKE 'text-embedding%' THEN 'priority' ELSE 'standard' END AS service_tier,
            ['search', 'growth', 'assistant', 'research', 'data-eng'][1 + k % 5] AS team,
            'proj_' || (k % 23) AS project_id, 'key_' || k AS api_key_id,
            ['search-api', 'support-bot', 'recs', 'eval-harness'][1 + k % 4] AS application,
            1 AS requests,
            200 + (i * 7919) % 4000 AS input_tokens,
            CASE WHEN i % 3 = 0 AND m.model NOT LIKE 'text-embedding%' THEN (i * 104729) % 2000 ELSE 0 END
              AS cached_input_tokens,
            CASE WHEN m.model LIKE 'text-embedding%' THEN 0 ELSE 20 + (i * 7907) % 900 END AS output_tokens,
            CASE WHEN m.model LIKE 'o%' OR m.model LIKE 'gpt-5%' THEN (i * 31) % 400 ELSE 0 END AS reasoning_tokens
          FROM (SELECT i, i % 97 AS k FROM range({events}) r(i)) r JOIN models m ON m.mk = r.k % {len(MODELS)}
        ) TO '{path}' (FORMAT json)
    """)
    con.close()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    path = build(args.events)
    _warm(path)
    ours, base = [], []
    for i in range(args.repeat):
        db = WORK / "llm-spendscope.duckdb"
        _drop(db)
        ours.append(measure([*spendscope_cmd(), "--db", str(db), "ingest", str(path)], WORK / "llm.log", args.timeout))
        raw = WORK / "llm-duckdb.duckdb"
        _drop(raw)
        base.append(measure([sys.executable, "-c", BASELINE, str(path), str(raw)], WORK / "llm-duckdb.log", args.timeout))
        print(f"  run {i + 1}: spendscope {ours[-1].seconds:7.2f}s {ours[-1].peak_mib:6.0f} MiB | "
              f"duckdb {base[-1].seconds:6.2f}s {base[-1].peak_mib:6.0f} MiB", flush=True)
    check = subprocess.run([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
                            "print(c.sql('SELECT count(*), count(cost), sum(cost) FROM usage_events').fetchone(), "
                            "c.sql('SELECT count(*), sum(BilledCost) FROM costs').fetchone())", str(WORK / "llm-spendscope.duckdb")],
                           check=True, capture_output=True, text=True).stdout.strip()
    s, d = median_run(ours), median_run(base)
    ratio = s.seconds / d.seconds
    print(f"\nevents {args.events:,} ({path.stat().st_size / 2**20:,.0f} MiB); ledger (events, priced, cost) (rows, cost): {check}")
    print(f"spendscope {s.seconds:.2f}s = {args.events / s.seconds:,.0f} events/s, peak {s.peak_mib:,.0f} MiB "
          f"({'PASS' if s.peak_mib < MEMORY_TARGET_MIB else 'FAIL'} < {MEMORY_TARGET_MIB})")
    print(f"duckdb read_json {d.seconds:.2f}s = {args.events / d.seconds:,.0f} events/s, peak {d.peak_mib:,.0f} MiB")
    print(f"ratio {ratio:.2f} ({'PASS' if ratio <= TARGET_RATIO else 'FAIL'}: target <= {TARGET_RATIO})")
    (OUT / "llm-events-result.json").write_text(json.dumps(
        {"events": args.events, "spendscope": s.__dict__, "duckdb": d.__dict__, "ratio": ratio, "ledger": check}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
