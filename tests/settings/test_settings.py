"""Settings: defaults, spendscope.toml, SPENDSCOPE_* variables and options, in that order; secrets hidden."""

from __future__ import annotations

import pytest

from spendscope.errors import ConfigError
from spendscope.settings import Secret, Settings


def test_precedence(tmp_path):
    config = tmp_path / "team.toml"
    config.write_text('[spendscope]\ndb = "from-file.duckdb"\nmemory_limit = "3GB"\nport = 9000\n')
    s = Settings.load(config, environ={"SPENDSCOPE_MEMORY_LIMIT": "4GB"})
    assert (s.db, s.memory_limit, s.port) == ("from-file.duckdb", "4GB", 9000)
    assert Settings.load(config, environ={}, db="cli.duckdb").db == "cli.duckdb"
    assert Settings.load(environ={}).db == "spendscope.duckdb"


def test_config_errors_are_explained(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[spendscope\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.load(bad, environ={})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[spendscope]\ndatabase = "x"\n')
    with pytest.raises(ConfigError, match="unknown setting 'database' in \\[spendscope\\]. Valid settings: db, "):
        Settings.load(unknown, environ={})
    with pytest.raises(ConfigError, match="Setting 'port' must be a int, got 'eighty'"):
        Settings.load(environ={"SPENDSCOPE_PORT": "eighty"})
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.load(tmp_path / "missing.toml", environ={})


def test_secrets_never_print():
    key = Secret("sk-live-123")
    assert str(key) == "***" and repr(key) == "Secret('***')" and f"{key}" == "***"
    assert key.reveal() == "sk-live-123"
