"""``spendscope demo`` and ``spendscope serve``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
