"""The LLM usage sources, by name; ``detect`` picks the one that reads a file."""

from __future__ import annotations

from pathlib import Path

from spendscope.llm.sources.base import UsageSource, read_head

_REGISTRY: dict[str, type] = {}


def register(cls: type) -> type:
    _REGISTRY[cls.name] = cls
    return cls


def usage_sources() -> dict[str, type]:
    """The usage sources by name, in name order."""
    _load()
    return dict(sorted(_REGISTRY.items()))


def detect(path: Path) -> UsageSource | None:
    """The usage source surest to read ``path``, or None when none recognises it."""
    _load()
    try:
        head = read_head(path)
    except (OSError, EOFError):
        return None
    scored = sorted(((cls().detect(path, head), name) for name, cls in _REGISTRY.items()), reverse=True)
    if scored and scored[0][0] >= 0.5:
        return _REGISTRY[scored[0][1]]()
    return None


def _load() -> None:
    """Import the source modules (each registers itself); a module not written yet is skipped."""
    import importlib

    for module in ("openai", "anthropic", "openai_costs", "anthropic_costs", "litellm", "otel", "generic"):
        try:
            importlib.import_module(f"spendscope.llm.sources.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"spendscope.llm.sources.{module}":
                raise
