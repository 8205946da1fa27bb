"""Turn a ``--db`` value into an Ibis connection.

A plain path (or ``duckdb:///path``) is an embedded DuckDB file, the default. ``pyspark:///DIR`` is
a local Spark session whose tables live under DIR and outlive the process (Hive metastore in Derby,
as DESIGN.md describes). Any other URL goes to ``ibis.connect`` unchanged, so Trino, BigQuery,
Snowflake or ClickHouse work where an organisation's FOCUS data already lives.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import ibis

from spendscope.errors import LedgerBusyError, LedgerError, MissingDependencyError


@dataclass(frozen=True)
class Target:
    """Where the ledger lives, parsed from ``--db``."""

    engine: str  # "duckdb", "pyspark" or an ibis backend name
    location: str  # file path, warehouse folder, or the URL itself
    options: dict[str, str]

    @property
    def is_duckdb(self) -> bool:
        return self.engine == "duckdb"

    def describe(self) -> str:
        return self.location if self.is_duckdb else f"{self.engine}:{self.location}"


def parse_target(db: str) -> Target:
    """Parse a ``--db`` value.

    >>> parse_target("ledger.duckdb").engine
    'duckdb'
    >>> parse_target("pyspark:///tmp/wh").location
    '/tmp/wh'
    """
    if "://" not in db:
        return Target("duckdb", db, {})
    url = urlparse(db)
    options = {k: v[-1] for k, v in parse_qs(url.query).items()}
    if url.scheme == "duckdb":
        path = (url.netloc + url.path) or ":memory:"
        return Target("duckdb", path, options)
    if url.scheme in ("pyspark", "spark"):
        return Target("pyspark", url.path or "spark-warehouse", options)
    return Target(url.scheme, db, options)


def connect_duckdb(path: str, *, read_only: bool, config: dict, busy_timeout: float):
    """Open a DuckDB file, waiting while another process holds its lock."""
    deadline = time.monotonic() + busy_timeout
    delay = 0.05
    while True:
        try:
            return ibis.duckdb.connect(path, read_only=read_only, **config)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise LedgerError(f"Cannot open the ledger {path!r}: {text}") from exc
            if time.monotonic() >= deadline:
                raise LedgerBusyError(
                    f"The ledger {path!r} is busy: another spendscope process is writing it.",
                    hint="Wait for it to finish, or raise --busy-timeout / SPENDSCOPE_BUSY_TIMEOUT.",
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def connect_spark(warehouse: str, options: dict[str, str]):
    """A local Spark session whose tables persist under ``warehouse``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise MissingDependencyError("pyspark", "spark", "A Spark ledger") from exc
    root = Path(warehouse).absolute()
    root.mkdir(parents=True, exist_ok=True)
    # Python workers must be this interpreter (the system python3 may lack our dependencies).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    log_config = root / "log4j2.properties"
    if not log_config.exists():
        log_config.write_text(_LOG4J)
    builder = (
        SparkSession.builder.master(options.get("master", "local[*]"))
        .appName("spendscope")
        .config("spark.sql.warehouse.dir", str(root / "warehouse"))
        .config("spark.hadoop.javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={root}/metastore_db;create=true")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={root} -Dlog4j2.configurationFile=file:{log_config}")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", options.get("shuffle_partitions", "8"))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.legacy.createHiveTableByDefault", "false")
        .enableHiveSupport()
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(spark)


_LOG4J = """# spendscope: keep Spark quiet on the terminal; errors still surface as exceptions
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
"""


def connect_other(target: Target):
    try:
        return ibis.connect(target.location)
    except Exception as exc:  # ibis raises many kinds here; the message says what was wrong
        raise LedgerError(f"Cannot connect to {target.location!r}: {exc}") from exc


def fetch(expr) -> list[dict]:
    """The (small) result of an Ibis expression as a list of dicts, on whatever backend it is bound to.

    On DuckDB the expression is compiled by Ibis and run on the native cursor, which returns Python
    values directly (``Decimal`` for decimals). The Arrow route imports pandas, which alone costs a
    short CLI call about 0.2 s.
    """
    backend = ibis.get_backend(expr)
    if backend.name == "duckdb":
        cursor = backend.con.sql(str(backend.compile(expr)))
        names = cursor.columns
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    return expr.to_pyarrow().to_pylist()


def fetch_value(expr):
    """The single value of a scalar Ibis expression (``None`` when it is null or there is no row)."""
    rows = fetch(expr.name("value").as_table())
    return rows[0]["value"] if rows else None

