"""Settings: one declarative table, read from ``spendscope.toml`` and ``SPENDSCOPE_*`` variables.

Precedence, lowest first: the defaults below, the ``[spendscope]`` table of the config file, the
environment (``SPENDSCOPE_DB``, ``SPENDSCOPE_MEMORY_LIMIT``, ...), then command-line options.
Sections other than ``[spendscope]`` (``[[classification.rules]]``, ``[allocation.tag_keys]``) are
read by the module that owns them through ``Settings.section``.

Secrets (API keys, webhook URLs) are ``Secret`` values: they print as ``***`` and are never written
to the ledger, logs or error messages.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from spendscope.errors import ConfigError

ENV_PREFIX = "SPENDSCOPE_"
DEFAULT_CONFIG_FILE = "spendscope.toml"


class Secret(str):
    """A string that never shows its value when printed, logged or repr'd."""

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def reveal(self) -> str:
        """The real value, for the one place that needs it (an HTTP header, say)."""
        return str.__str__(self)


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "spendscope.duckdb", "Ledger location: a DuckDB file path, or an Ibis URL such as pyspark:///path/to/warehouse."),
    Setting("memory_limit", "1GB", "Memory DuckDB may use for ingest and queries before spilling to disk."),
    Setting("threads", 0, "Threads DuckDB may use (0: one per core)."),
    Setting("busy_timeout", 60.0, "Seconds to wait for a ledger another process is writing before giving up."),
    Setting("host", "127.0.0.1", "Address `spendscope serve` listens on."),
    Setting("port", 8000, "Port `spendscope serve` listens on."),
)
_DEFAULTS = {s.name: s.default for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """The effective settings of one run."""

    db: str = _DEFAULTS["db"]
    memory_limit: str = _DEFAULTS["memory_limit"]
    threads: int = _DEFAULTS["threads"]
    busy_timeout: float = _DEFAULTS["busy_timeout"]
    host: str = _DEFAULTS["host"]
    port: int = _DEFAULTS["port"]
    config_path: Path | None = None
    sections: Mapping[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> Any:
        """A top-level table of the config file other than [spendscope], or {}."""
        return self.sections.get(name, {})

    @classmethod
    def load(
        cls,
        config: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> "Settings":
        """Build settings from defaults, the config file, the environment and overrides.

        >>> Settings.load(environ={"SPENDSCOPE_DB": "x.duckdb"}).db
        'x.duckdb'
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = dict(_DEFAULTS)
        sections: dict[str, Any] = {}
        path = Path(config) if config else Path(environ.get(ENV_PREFIX + "CONFIG", DEFAULT_CONFIG_FILE))
        config_path = None
        if path.exists():
            config_path = path
            try:
                data = tomllib.loads(path.read_text())
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{path}: not valid TOML: {exc}", hint="Fix the file or pass --config with another one.") from exc
            own = data.pop("spendscope", {})
            unknown = sorted(set(own) - set(_DEFAULTS))
            if unknown:
                raise ConfigError(
                    f"{path}: unknown setting {unknown[0]!r} in [spendscope]. Valid settings: {', '.join(_DEFAULTS)}"
                )
            values.update(own)
            sections = data
        elif config:
            raise ConfigError(f"Config file {str(path)!r} does not exist.", hint="Pass an existing file to --config, or leave it out.")
        for s in SETTINGS:
            env_value = environ.get(ENV_PREFIX + s.name.upper())
            if env_value is not None:
                values[s.name] = env_value
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**_coerce(values), config_path=config_path, sections=sections)


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    types = {f.name: type(_DEFAULTS[f.name]) for f in fields(Settings) if f.name in _DEFAULTS}
    out = {}
    for name, value in values.items():
        want = types[name]
        try:
            out[name] = want(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"Setting {name!r} must be a {want.__name__}, got {value!r}.") from exc
    return out
