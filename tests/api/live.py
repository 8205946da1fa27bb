"""A real uvicorn server on a free loopback port, in a background thread, and the sample ledger it serves."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import uvicorn

from spendscope.api import create_app
from spendscope.ingest.pipeline import ingest
from spendscope.settings import Settings
from spendscope.store.ledger import Ledger
from tests.conftest import SAMPLE_FOCUS

# The sample's exact totals (tests/ingest reconciles them with the file).
SAMPLE_EFFECTIVE = "14.97651418586"
SAMPLE_BILLED = "20.52022672899"


@contextlib.contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """Serve ``settings``' ledger on 127.0.0.1 and yield the base URL; stop the server afterwards."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("The test server did not start.")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def get(base: str, path: str, **params) -> httpx.Response:
    """One GET, a fresh connection each time, like separate users of the dashboard."""
    return httpx.get(base + path, params=params, timeout=60)


def build_sample_ledger(path: Path) -> Path:
    """Ingest the shared FOCUS sample into a new ledger at ``path`` and close it, as `spendscope ingest` would."""
    with Ledger.open(Settings.load(environ={}, db=str(path))) as ledger:
        ingest(ledger, [str(SAMPLE_FOCUS)])
    return path


def copy_ledger(src: Path, dst: Path) -> None:
    """A private copy of a closed ledger file (and its write-ahead log, if one was left)."""
    shutil.copyfile(src, dst)
    wal = src.with_name(src.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, dst.with_name(dst.name + ".wal"))
