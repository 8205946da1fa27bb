"""spendscope: track and monitor AI spending with the FinOps framework, on one FOCUS ledger."""

__version__ = "0.1.0"
