"""The OTLP/HTTP receiver behind ``POST /v1/traces``: GenAI spans into the ledger within seconds.

A request's body (an OTLP/JSON ``ExportTraceServiceRequest``) is checked at once (a malformed one
is refused with the span and attribute named, nothing kept) and appended, as one line, to the
current *spool* file on disk. Every ``flush_seconds`` a background thread closes that file and
loads it through the normal ingest path: the ``otel`` source reads JSON Lines of export requests,
prices the spans' tokens and rolls them up into ``costs``. So:

* memory stays bounded whatever the traffic: spans wait on disk, not in a queue;
* nothing is lost: a spool file that cannot be loaded yet (the ledger busy, say) stays pending
  and is loaded on the next flush; a loaded one moves to ``loaded/``, an audit trail that
  ``spendscope ingest`` can replay;
* a span reaches ``spendscope costs`` and the dashboard within ``flush_seconds`` plus the load,
  seconds rather than the issue's minute.

Inside ``spendscope serve`` the API reads the ledger through read-only connections; DuckDB refuses
a read-write connection to the same file in the same process while one is open, so a flush takes
``LEDGER_LOCK`` for writing and every API read takes it for reading.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from spendscope.errors import ConfigError, LedgerBusyError
from spendscope.llm.sources.otel import events_from_otlp

log = logging.getLogger("spendscope.receiver")


class ReadWriteLock:
    """Many readers or one writer; a waiting writer goes before new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting_writers = 0

    def acquire_read(self) -> None:
        with self._cond:
            while self._writing or self._waiting_writers:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def acquire_write(self) -> None:
        with self._cond:
            self._waiting_writers += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writing = True

    def release_write(self) -> None:
        with self._cond:
            self._writing = False
            self._cond.notify_all()


LEDGER_LOCK = ReadWriteLock()


@dataclass
class Accepted:
    spans_with_usage: int
    notes: list[str]


class SpanReceiver:
    """Spools OTLP/JSON requests and loads them into the ledger every ``flush_seconds``."""

    def __init__(self, settings, spool: Path | None = None, flush_seconds: float = 5.0,
                 max_pending_bytes: int = 1 << 30):
        from spendscope.store.backends import parse_target

        target = parse_target(settings.db)
        if not target.is_duckdb or target.location == ":memory:":
            raise ConfigError(f"The span receiver needs a DuckDB ledger file, not {target.describe()}.",
                              hint="Serve a DuckDB ledger (--db spendscope.duckdb) to receive spans.")
        self.settings = settings
        self.spool = spool or Path(target.location).absolute().parent / "spendscope-spool" / "otel"
        self.flush_seconds = flush_seconds
        self.max_pending_bytes = max_pending_bytes
        self._lock = threading.Lock()  # guards the current spool file
        self._current: Path | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.flushed_spans = 0
        self.last_error: str | None = None
        self._pending = self._on_disk()  # bytes waiting: counted here, not by listing the spool per request

    # -- receiving ------------------------------------------------------------------------------

    def accept(self, payload: dict) -> Accepted:
        """Check a request's spans (raising RowError for a malformed one) and spool the request."""
        events, notes = events_from_otlp(payload, "otel", file="OTLP request")
        if not events:
            return Accepted(0, notes)
        if self._pending > self.max_pending_bytes:
            raise LedgerBusyError(f"The span receiver has {self._pending:,} bytes waiting to be loaded.",
                                  hint="Retry later; the ledger may be locked by a long ingest.")
        line = json.dumps(payload, separators=(",", ":"), ensure_ascii=False) + "\n"
        with self._lock:
            self._pending += len(line.encode("utf-8"))
            if self._current is None:
                (self.spool / "loaded").mkdir(parents=True, exist_ok=True)
                stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
                self._current = self.spool / f"spans-{stamp}.jsonl.part"
            with open(self._current, "a", encoding="utf-8") as fh:
                fh.write(line)
        return Accepted(len(events), notes)

    def pending_bytes(self) -> int:
        """Bytes of spooled requests not loaded yet."""
        return self._pending

    def _on_disk(self) -> int:
        if not self.spool.exists():
            return 0
        return sum(p.stat().st_size for p in self.spool.glob("spans-*.jsonl*") if p.is_file())

    # -- loading -------------------------------------------------------------------------------

    def flush(self) -> int:
        """Load every pending spool file (the current one closed first); returns the spans loaded.
        A file that fails to load stays pending for the next flush."""
        from spendscope.ingest.pipeline import ingest
        from spendscope.store.ledger import Ledger

        with self._lock:
            if self._current is not None:
                self._current.rename(self._current.with_suffix(""))  # spans-*.jsonl: closed, ready
                self._current = None
        pending = sorted(self.spool.glob("spans-*.jsonl")) if self.spool.exists() else []
        if not pending:
            return 0
        loaded = 0
        LEDGER_LOCK.acquire_write()
        try:
            with Ledger.open(self.settings) as ledger:
                result = ingest(ledger, [str(p) for p in pending], source="otel")
            loaded = sum(f.rows for f in result.files)
            for p in pending:
                p.rename(self.spool / "loaded" / p.name)
            self.last_error = None
        except Exception as exc:  # keep the files; the next flush tries again
            self.last_error = str(exc)
            log.warning("span receiver: %d spool file(s) not loaded yet: %s", len(pending), exc)
        finally:
            LEDGER_LOCK.release_write()
        with self._lock:
            self._pending = self._on_disk()
        self.flushed_spans += loaded
        return loaded

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="spendscope-span-receiver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self.flush()
