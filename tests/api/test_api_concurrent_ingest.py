"""Ingesting from another process while the server answers requests: neither side sees a lock error."""

from __future__ import annotations

import csv
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx

from tests.api.live import SAMPLE_EFFECTIVE
from tests.conftest import SAMPLE_FOCUS

PAUSE_S = 0.02  # between requests of the polling loop, like a dashboard refreshing


def second_account_export(path) -> None:
    """The sample again, for other billing accounts: new partitions, so the ledger's totals double."""
    with open(SAMPLE_FOCUS, newline="") as src, open(path, "w", newline="") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames)
        writer.writeheader()
        for row in reader:
            row["BillingAccountId"] = row["BillingAccountId"] + "-2"
            writer.writerow(row)


class Poller(threading.Thread):
    """Requests /api/costs and /api/overview in a loop and records every answer."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.stop, self.answers = base, threading.Event(), []

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while not self.stop.is_set():
                for path in ("/api/costs", "/api/overview"):
                    response = client.get(path, params={"granularity": "month"})
                    self.answers.append((time.monotonic(), response.status_code, response.text))
                time.sleep(PAUSE_S)


def test_ingest_from_another_process_while_serving(server, sample_settings, tmp_path):
    export = tmp_path / "focus-second-account.csv"
    second_account_export(export)
    poller = Poller(server)
    poller.start()
    try:
        while len(poller.answers) < 4:
            time.sleep(0.05)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "spendscope", "--db", sample_settings.db, "ingest", str(export)],
            capture_output=True, text=True, timeout=300,
        )
        finished = time.monotonic()
        time.sleep(0.5)
    finally:
        poller.stop.set()
        poller.join(timeout=120)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "1,000 rows from focus" in output
    assert "lock" not in output.lower()

    during = [a for a in poller.answers if started <= a[0] <= finished]
    assert during, "the server answered no request while the ingest ran"
    for _, status, text in poller.answers:
        assert status == 200, text
        assert "lock" not in text.lower()

    doubled = str(Decimal(SAMPLE_EFFECTIVE) * 2)
    final = httpx.get(server + "/api/costs", params={"granularity": "none"}, timeout=60).json()
    assert final["total"] == doubled == "29.95302837172"
    overview = httpx.get(server + "/api/overview", timeout=60).json()
    assert overview["total"] == doubled
    assert {s["name"]: s["total"] for s in overview["by_provider"]["series"]}["AWS"] == "26"


def test_parallel_requests_each_get_their_own_read_only_ledger(server):
    """The thread pool answers many requests at once; each opens and closes the ledger itself."""
    def ask(i: int) -> tuple[int, str]:
        path, params = [("/api/costs", {"granularity": "none"}), ("/api/overview", {"granularity": "auto"}),
                        ("/api/costs", {"by": "ServiceName", "granularity": "day"})][i % 3]
        response = httpx.get(server + path, params=params, timeout=120)
        return response.status_code, response.json()["total"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(ask, range(48)))
    assert answers == [(200, SAMPLE_EFFECTIVE)] * 48
