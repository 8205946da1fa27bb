"""Shared fixtures: real DuckDB ledgers in temporary folders, the shared sample data, a CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spendscope.cli import app
from spendscope.settings import Settings
from spendscope.store.ledger import Ledger

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SPENDSCOPE_SHARED", REPO.parent / "shared"))
SAMPLE_FOCUS = SHARED / "data" / "focus" / "focus-1.0_sample.csv"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No test reads the user's spendscope.toml or SPENDSCOPE_* variables, or writes the repo."""
    for key in list(os.environ):
        if key.startswith("SPENDSCOPE_") and key not in ("SPENDSCOPE_VALIDATOR", "SPENDSCOPE_CHROMIUM", "SPENDSCOPE_SHARED"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "ledger.duckdb"


@pytest.fixture
def settings(db_path) -> Settings:
    return Settings.load(environ={}, db=str(db_path), busy_timeout=10)


@pytest.fixture
def ledger(settings):
    with Ledger.open(settings) as led:
        yield led


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A private copy of the shared FOCUS 1.0 sample, safe to modify."""
    dest = tmp_path / "focus-sample.csv"
    shutil.copy(SAMPLE_FOCUS, dest)
    return dest


class Cli:
    """Runs the real CLI in-process against one ledger file, like a user's shell session."""

    def __init__(self, db: Path):
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int = 0):
        result = self.runner.invoke(app, ["--db", str(self.db), *args], catch_exceptions=False)
        assert result.exit_code == expect, f"exit {result.exit_code}, expected {expect}\n{result.output}\n{result.stderr}"
        return result


@pytest.fixture
def cli(db_path) -> Cli:
    return Cli(db_path)
