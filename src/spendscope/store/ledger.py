"""The Ledger: spendscope's tables behind one object that wraps an Ibis connection.

>>> with Ledger.open(db=":memory:") as ledger:
...     ledger.costs.count().execute()
0

DuckDB allows one writing process per file. A ledger opened for writing holds the file only while
the command runs; readers (``spendscope serve``) open short-lived read-only connections. Either
side waits, with backoff, while the other holds the lock (``busy_timeout``), so ingesting while
the dashboard runs never shows a "database is locked" error.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import ibis.expr.types as ir

from spendscope.errors import LedgerError, NotFoundError
from spendscope.settings import Settings
from spendscope.store import backends, migrations
from spendscope.store import schema as s

# The DuckDB storage format a new ledger file is written in: that of the oldest DuckDB spendscope
# supports (pyproject pins duckdb>=1.5), not DuckDB's default (0.10.2's, for files older DuckDBs can
# read), so large loads use its faster string compression (DICT_FSST). A file keeps the format it
# was created with.
STORAGE_VERSION = "v1.5.0"


class Ledger:
    """The FOCUS ledger on one engine (DuckDB by default; Spark or any Ibis backend)."""

    def __init__(self, con, target: backends.Target, settings: Settings, read_only: bool):
        self.con = con
        self.target = target
        self.settings = settings
        self.read_only = read_only

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        *,
        db: str | None = None,
        read_only: bool = False,
    ) -> "Ledger":
        """Open (and, for writing, create and migrate) the ledger named by ``db`` or the settings."""
        settings = settings or Settings.load()
        target = backends.parse_target(db or settings.db)
        if target.is_duckdb:
            ledger = cls._open_duckdb(target, settings, read_only)
        elif target.engine == "pyspark":
            ledger = cls(backends.connect_spark(target.location, target.options), target, settings, read_only)
        else:
            ledger = cls(backends.connect_other(target), target, settings, read_only)
        if not read_only:
            migrations.migrate(ledger)
        elif (version := migrations.schema_version(ledger)) < migrations.LATEST_VERSION:
            if version == 0:
                ledger.close()
                raise NotFoundError(
                    f"There is no ledger at {target.describe()!r} yet.",
                    hint="Load data with `spendscope ingest PATH` or build the demo with `spendscope demo`.",
                )
            # An older ledger: upgrade it once, then read.
            ledger.close()
            cls.open(settings, db=db, read_only=False).close()
            return cls.open(settings, db=db, read_only=True)
        return ledger

    @classmethod
    def _open_duckdb(cls, target: backends.Target, settings: Settings, read_only: bool) -> "Ledger":
        path = target.location
        if path != ":memory:":
            if read_only and not Path(path).exists():
                raise NotFoundError(
                    f"There is no ledger at {path!r} yet.",
                    hint="Load data with `spendscope ingest PATH` or build the demo with `spendscope demo`.",
                )
            Path(path).absolute().parent.mkdir(parents=True, exist_ok=True)
        # The ledger never relies on row order; not preserving it lets big loads run in parallel
        # within the memory limit.
        config = {"memory_limit": settings.memory_limit, "preserve_insertion_order": False,
                  "storage_compatibility_version": STORAGE_VERSION}
        if settings.threads:
            config["threads"] = settings.threads
        con = backends.connect_duckdb(path, read_only=read_only and path != ":memory:", config=config,
                                      busy_timeout=settings.busy_timeout)
        return cls(con, target, settings, read_only)

    def close(self) -> None:
        if self.target.is_duckdb:
            with contextlib.suppress(Exception):
                self.con.disconnect()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------------

    @property
    def engine(self) -> str:
        return self.target.engine

    @property
    def costs(self) -> ir.Table:
        return self.table(s.COSTS)

    @property
    def loads(self) -> ir.Table:
        return self.table(s.LOADS)

    @property
    def load_partitions(self) -> ir.Table:
        return self.table(s.LOAD_PARTITIONS)

    def table(self, name: str) -> ir.Table:
        """A ledger table as an Ibis table.

        On DuckDB the schema is read with ``DESCRIBE`` on the native cursor (Ibis's own lookup goes
        through Arrow, whose import alone costs a short CLI call a sixth of a second).
        """
        if not self.target.is_duckdb:
            return self.con.table(name)
        import duckdb
        import ibis.expr.operations as ops
        import ibis.expr.schema as sch

        try:
            described = self.con.con.sql(f'DESCRIBE "{name}"').fetchall()
        except duckdb.CatalogException:
            return self.con.table(name)  # Ibis raises its own TableNotFound
        mapper = self.con.compiler.type_mapper
        schema = sch.Schema({col: mapper.from_string(typ, nullable=null == "YES") for col, typ, null, *_ in described})
        return ops.DatabaseTable(name, schema=schema, source=self.con,
                                 namespace=ops.Namespace(catalog=None, database=None)).to_expr()

    def describe(self) -> str:
        return self.target.describe()

    def fetch(self, expr: ir.Expr) -> list[dict]:
        """Run an Ibis expression and return its (small, aggregated) result as a list of dicts."""
        return backends.fetch(expr)

    def tables(self) -> set[str]:
        """Names of the tables in the ledger's database."""
        if self.target.is_duckdb:
            rows = self.con.con.sql(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "AND schema_name = current_schema() UNION ALL "
                "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
                "AND schema_name = current_schema() AND NOT internal"
            ).fetchall()
            return {r[0] for r in rows}
        return set(self.con.list_tables())

    def scalar(self, expr: ir.Scalar):
        """The single value of a scalar Ibis expression (``None`` when it is null)."""
        rows = self.fetch(expr.name("value").as_table())
        return rows[0]["value"] if rows else None

    # -- writing -----------------------------------------------------------------------------

    @property
    def duckdb(self):
        """The raw DuckDB connection (DuckDB ledgers only)."""
        if not self.target.is_duckdb:
            raise LedgerError(f"The {self.engine} ledger has no DuckDB connection.")
        return self.con.con

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing on DuckDB. Other engines get atomicity from ``replace_partitions``."""
        if not self.target.is_duckdb:
            yield
            return
        raw = self.duckdb
        raw.begin()
        try:
            yield
        except BaseException:
            raw.rollback()
            raise
        raw.commit()

    def next_load_id(self) -> int:
        current = self.scalar(self.loads.load_id.max())
        return 1 if current is None else int(current) + 1

    def add_column(self, table: str, name: str, dtype) -> None:
        col = migrations.quote(self, name)
        typ = migrations.column_ddl_type(self, dtype)
        tbl = migrations.quote(self, table)
        if self.engine == "pyspark":
            self.con.raw_sql(f"ALTER TABLE {tbl} ADD COLUMNS ({col} {typ})")
        else:
            self.con.raw_sql(f"ALTER TABLE {tbl} ADD COLUMN {col} {typ}")

    def drop_table(self, name: str) -> None:
        # Ibis's drop_table emits a bare "DROP TABLE" on PySpark with current sqlglot; quote it ourselves.
        self.con.raw_sql(f"DROP TABLE IF EXISTS {migrations.quote(self, name)}")

    def rename_table(self, old: str, new: str) -> None:
        self.con.raw_sql(f"ALTER TABLE {migrations.quote(self, old)} RENAME TO {migrations.quote(self, new)}")

    def insert_rows(self, table: str, rows: list[dict]) -> None:
        """Insert a few bookkeeping rows (load records), typed by the table's schema."""
        s.insert_rows(self.con, table, rows)
