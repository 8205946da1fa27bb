"""The OTLP/HTTP span receiver: sustained spans/s on loopback, server memory, and time to the ledger.

Starts ``spendscope serve`` on a free loopback port over a fresh ledger, then for ``--seconds``
posts OTLP/JSON export requests (``--spans`` GenAI spans each, the size an SDK's batch exporter
sends) from ``--clients`` threads, as fast as the server answers. Prints:

* spans/s accepted (checked and spooled) over the run;
* the server's peak resident memory (it should stay flat: spans wait on disk, not in memory);
* how long after the last request every span is priced in ``usage_events`` (the issue's bound for
  near-real-time is 60 s).

Run it with nothing else busy: ``python bench/receiver.py [--seconds 30] [--clients 4] [--spans 100]``.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from ingest import OUT, WORK, _drop, spendscope_cmd  # noqa: E402

MODELS = ("gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "o3-2025-04-16")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(client: int, batch: int, spans: int) -> dict:
    now = time.time_ns()
    items = []
    for k in range(spans):
        attrs = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                 "gen_ai.response.model": MODELS[k % len(MODELS)], "gen_ai.usage.input_tokens": 900 + k,
                 "gen_ai.usage.cache_read.input_tokens": 300, "gen_ai.usage.output_tokens": 120 + k % 50}
        items.append({"traceId": f"{client:08x}{batch:016x}{0:08x}", "spanId": f"{k:016x}", "name": "chat",
                      "startTimeUnixNano": str(now), "endTimeUnixNano": str(now + 900_000_000),
                      "attributes": [{"key": key, "value": {"intValue": str(v)} if isinstance(v, int) else
                                      {"stringValue": v}} for key, v in attrs.items()]})
    return {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": f"app-{client % 4}"}}]},
                               "scopeSpans": [{"scope": {"name": "bench"}, "spans": items}]}]}


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--spans", type=int, default=100)
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / "receiver.duckdb"
    _drop(db)
    # create the ledger the server reads
    subprocess.run([sys.executable, "-c", "from spendscope.store.ledger import Ledger; import sys; "
                    "Ledger.open(db=sys.argv[1]).close()", str(db)], check=True)
    spool = WORK / "spendscope-spool"
    if spool.exists():
        import shutil
        shutil.rmtree(spool)
    port = _free_port()
    server = subprocess.Popen([*spendscope_cmd(), "--db", str(db), "serve", "--port", str(port)],
                              stdout=open(WORK / "receiver.log", "wb"), stderr=subprocess.STDOUT, cwd=WORK)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        accepted = [0] * args.clients
        errors = [0] * args.clients
        stop = time.monotonic() + args.seconds

        def post(client: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as http:
                batch = 0
                while time.monotonic() < stop:
                    body = json.dumps(_request(client, batch, args.spans))
                    r = http.post("/v1/traces", content=body, headers={"content-type": "application/json"})
                    if r.status_code == 200:
                        accepted[client] += r.json()["spendscope"]["spansWithUsage"]
                    else:
                        errors[client] += 1
                    batch += 1

        started = time.monotonic()
        threads = [threading.Thread(target=post, args=(c,)) for c in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sent_for = time.monotonic() - started
        total = sum(accepted)
        last_post = time.monotonic()
        loaded = 0
        while time.monotonic() - last_post < 300:
            probe = subprocess.run([sys.executable, "-c", "import duckdb, sys; print(duckdb.connect(sys.argv[1], "
                                    "read_only=True).sql('SELECT count(*) FROM usage_events').fetchone()[0])", str(db)],
                                   capture_output=True, text=True)
            if probe.returncode == 0 and probe.stdout.strip().isdigit():
                loaded = int(probe.stdout.strip())
                if loaded >= total:
                    break
            time.sleep(0.5)
        lag = time.monotonic() - last_post
        peak = _peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=120)
    result = {"seconds": sent_for, "clients": args.clients, "spans_per_request": args.spans, "accepted": total,
              "errors": sum(errors), "spans_per_s": total / sent_for, "server_peak_mib": peak, "loaded": loaded,
              "seconds_to_ledger_after_last_post": lag}
    print(f"accepted {total:,} spans in {sent_for:.1f}s = {total / sent_for:,.0f} spans/s "
          f"({args.clients} clients x {args.spans} spans per request; {sum(errors)} errors)")
    print(f"server peak memory {peak:,.0f} MiB; all {loaded:,} spans priced in the ledger {lag:.1f}s after the last "
          f"post ({'PASS' if loaded >= total and lag < 60 else 'FAIL'}: within 60 s)")
    (OUT / "receiver-result.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
