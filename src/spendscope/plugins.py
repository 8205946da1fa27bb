"""Plugin registry: built-in sources register through the same pluggy hook third parties use.

A third-party package adds sources with an entry point in the ``spendscope`` group whose module
defines ``@hookimpl def register_sources(): return [MySource]``.
"""

from __future__ import annotations

import importlib
from functools import cache

import pluggy

from spendscope.errors import UnknownNameError

hookspec = pluggy.HookspecMarker("spendscope")
hookimpl = pluggy.HookimplMarker("spendscope")

DEFAULT_PLUGINS = (
    "spendscope.ingest.sources.focus", "spendscope.ingest.sources.aws_cur", "spendscope.ingest.sources.azure",
    "spendscope.ingest.sources.gcp", "spendscope.ingest.sources.oci",
)


class HookSpecs:
    @hookspec
    def register_sources(self):
        """Return a list of Source classes (one per billing or usage format)."""


@cache
def manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("spendscope")
    pm.add_hookspecs(HookSpecs)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name)
    pm.load_setuptools_entrypoints("spendscope")
    return pm


def sources() -> dict:
    """Every registered source, by name."""
    found = {}
    for batch in manager().hook.register_sources():
        for cls in batch:
            found[cls.name] = cls
    return dict(sorted(found.items()))


def source(name: str):
    known = sources()
    if name not in known:
        raise UnknownNameError("source", name, list(known), hint="Run `spendscope sources` to see what each reads.")
    return known[name]()
