"""A ledger holding the shared FOCUS sample, served by a real uvicorn server on loopback."""

from __future__ import annotations

import pytest

from tests.api.live import build_sample_ledger, copy_ledger, serving


@pytest.fixture(scope="session")
def sample_ledger_file(tmp_path_factory):
    """The sample, ingested once per session through the real pipeline; tests get private copies."""
    return build_sample_ledger(tmp_path_factory.mktemp("sample") / "sample.duckdb")


@pytest.fixture
def sample_settings(settings, db_path, sample_ledger_file):
    """Settings for this test's own ledger holding the sample (closed: nothing holds the file)."""
    copy_ledger(sample_ledger_file, db_path)
    return settings


@pytest.fixture
def server(sample_settings) -> str:
    with serving(sample_settings) as base:
        yield base
