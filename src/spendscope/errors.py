"""The one exception tree of spendscope.

Every error a user can meet is a ``SpendscopeError``. Each class carries the CLI exit code and the
HTTP status it maps to, so the CLI and the API translate errors the same way, and every message
names the bad value, the valid values and what to do next.

    SpendscopeError                 exit 1 / HTTP 500
    ├── ConfigError                 exit 2 / HTTP 400   bad setting, unknown option value
    │   └── UnknownNameError        exit 2 / HTTP 400   a name that is not one of the valid ones
    ├── LedgerError                 exit 3 / HTTP 500
    │   ├── LedgerBusyError         exit 3 / HTTP 503   another process holds the DuckDB file (retryable)
    │   └── MigrationError          exit 3 / HTTP 500   the ledger's schema is newer than this spendscope
    ├── IngestError                 exit 4 / HTTP 422   a file cannot be loaded; the ledger is unchanged
    │   ├── UnknownFormatError      exit 4 / HTTP 422   no source adapter recognises the file
    │   ├── SchemaError             exit 4 / HTTP 422   a mandatory column is missing
    │   └── RowError                exit 4 / HTTP 422   a value is malformed: names file, row and column
    ├── ReconciliationError         exit 5 / HTTP 500   ledger sums differ from the source's sums
    ├── ExportError                 exit 6 / HTTP 500
    ├── MissingDependencyError      exit 7 / HTTP 501   an optional extra is not installed
    └── NotFoundError               exit 8 / HTTP 404

Lower-layer errors (DuckDB, Spark, file system) are translated at the boundary with
``raise ... from exc`` so the cause stays visible with ``--debug``.
"""

from __future__ import annotations


class SpendscopeError(Exception):
    """Base class: something went wrong that the user can act on."""

    exit_code = 1
    http_status = 500
    retryable = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message

    def to_dict(self) -> dict:
        """The one JSON error shape used by the API."""
        return {
            "ok": False,
            "error": self.message,
            "errors": [self.message] + ([self.hint] if self.hint else []),
            "status": self.http_status,
            "type": type(self).__name__,
        }


class ConfigError(SpendscopeError):
    """A setting or option has a value spendscope cannot use."""

    exit_code = 2
    http_status = 400


class UnknownNameError(ConfigError):
    """A name (source, column, metric, ...) that is not one of the valid ones."""

    def __init__(self, kind: str, value: str, valid: list[str] | tuple[str, ...], *, hint: str | None = None):
        self.kind, self.value, self.valid = kind, value, list(valid)
        shown = ", ".join(self.valid[:40]) + (", ..." if len(self.valid) > 40 else "")
        super().__init__(f"Unknown {kind} {value!r}. Valid {kind}s: {shown}", hint=hint)


class LedgerError(SpendscopeError):
    """The ledger cannot be opened, read or written."""

    exit_code = 3


class LedgerBusyError(LedgerError):
    """Another process holds the ledger file for writing."""

    http_status = 503
    retryable = True


class MigrationError(LedgerError):
    """The ledger's schema cannot be brought to this version of spendscope."""


class IngestError(SpendscopeError):
    """A file cannot be loaded. Nothing was written: the ledger is as it was."""

    exit_code = 4
    http_status = 422


class UnknownFormatError(IngestError):
    """No source adapter recognises the file."""


class SchemaError(IngestError):
    """The file lacks a column that its format requires."""


class RowError(IngestError):
    """A value in the file is malformed; the message names file, row and column."""

    def __init__(self, file: str, row: int | None, column: str | None, problem: str, *, hint: str | None = None):
        self.file, self.row, self.column, self.problem = file, row, column, problem
        where = file
        if row is not None:
            where += f", row {row}"
        if column:
            where += f", column {column}"
        super().__init__(f"{where}: {problem}", hint=hint)


class ReconciliationError(SpendscopeError):
    """The ledger's sums differ from the exact sums of the source file."""

    exit_code = 5


class ExportError(SpendscopeError):
    """An export cannot be written."""

    exit_code = 6


class MissingDependencyError(SpendscopeError):
    """An optional dependency is not installed."""

    exit_code = 7
    http_status = 501

    def __init__(self, package: str, extra: str, purpose: str):
        super().__init__(
            f"{purpose} needs the optional package {package!r}, which is not installed.",
            hint=f'Install it with: pip install "spendscope[{extra}]"',
        )


class NotFoundError(SpendscopeError):
    """A thing the user named does not exist."""

    exit_code = 8
    http_status = 404
