"""The LLM price catalog: USD per million tokens by seller, model, price component and service tier,
each price with its source and the date from which it applies.

Three layers, the later winning where they price the same thing:

1. The bundled snapshot (``data/llm_prices.csv``, built from LiteLLM's model price table by
   ``llm.snapshot``). It has no date: it prices all history until a newer price supersedes it.
2. Prices loaded into the ledger with ``spendscope prices update FILE`` (table ``llm_prices``), each
   from its ``effective_from`` date: history before that date keeps the earlier price.
3. Negotiated rates in ``spendscope.toml``::

       [pricing.overrides."openai/gpt-4o"]
       input = "2.00"            # USD per million tokens
       output = "8.00"
       from = "2026-06-01"       # optional: from this date on

Long-context prices are tiers of their own, ``<tier>>Nk`` (``standard>272k``, ``batch>200k``): a model's
price for requests whose prompt (input, cached input, cache writes, audio input) is longer than N
thousand tokens. An event is billed at them when it is one request with such a prompt, or when its
source says it ran in a long context window (Anthropic's ``200k-1M``); a component without a
long-context price of its own keeps its base price. An override can set them too
(``tier = "standard>200k"``).

Lookups match model names robustly (``llm.models``): a dated version takes its own price where the
catalog has one, the undated model's otherwise; a seller without a price of its own for a model
(a gateway, Azure) takes the model's maker's price, and the price's ``source`` says so. A model
that matches nothing has no price: ``lookup`` returns None and the usage pipeline reports it,
it never becomes $0.

>>> catalog = Catalog.bundled()
>>> catalog.lookup("openai", "gpt-4o-2024-08-06", "input").usd_per_million
Decimal('2.5')
>>> catalog.lookup("openai", "gpt-4o-2024-08-06", "input", tier="batch").usd_per_million
Decimal('1.25')
>>> catalog.lookup("openai", "gpt-5.4", "input", tier="standard>272k").usd_per_million
Decimal('5')
>>> catalog.lookup("openai", "no-such-model", "input") is None
True
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from spendscope.errors import ConfigError
from spendscope.llm.models import candidates, model_key

COMPONENTS = ("input", "cached_input", "cache_write_5m", "cache_write_1h", "output", "reasoning", "audio_input",
              "audio_output")
# A component without a price of its own bills as another (reasoning tokens are output tokens).
COMPONENT_FALLBACK = {"reasoning": "output"}
# Batch halves the standard price where the provider says so and the catalog has no batch price.
BATCH_HALF = ("openai", "anthropic", "azure", "bedrock", "vertex", "gemini")
# Sellers whose prices are the model makers' own, tried after the seller itself
MAKERS = ("openai", "anthropic", "gemini", "vertex", "bedrock", "azure")
BUNDLED_SOURCE = "LiteLLM model_prices_and_context_window.json (litellm 1.110.2, MIT)"


@dataclass(frozen=True)
class Price:
    provider: str
    model: str  # the catalog's model key
    component: str
    tier: str
    usd_per_million: Decimal
    effective_from: dt.date | None  # None: since the beginning
    source: str


@dataclass(frozen=True)
class Resolved:
    """Where the catalog found a model's prices: the seller and model key it priced them under."""

    provider: str
    model: str
    via: str  # how: "exact", "undated", "maker's price"


class Catalog:
    """Prices in force at a date, by (seller, model key, component, tier)."""

    def __init__(self, prices: list[Price]):
        self._by_slot: dict[tuple[str, str, str, str], list[Price]] = {}
        self._models: dict[str, set[str]] = {}
        self._dated: dict[tuple[str, str], list[str]] = {}  # (seller, undated key) -> its dated keys
        self._long: dict[tuple[str, str, str], set[int]] = {}  # (seller, key, tier) -> long-context thresholds
        for p in prices:
            self._by_slot.setdefault((p.provider, p.model, p.component, p.tier), []).append(p)
            self._models.setdefault(p.provider, set()).add(p.model)
            base, threshold = split_tier(p.tier)
            if threshold is not None:
                self._long.setdefault((p.provider, p.model, base), set()).add(threshold)
        for seller, keys in self._models.items():
            for key in keys:
                undated = candidates(key)[-1]
                if undated != key:
                    self._dated.setdefault((seller, undated), []).append(key)
        for versions in self._dated.values():
            versions.sort(reverse=True)  # the latest version first
        for slot in self._by_slot.values():
            slot.sort(key=lambda p: p.effective_from or dt.date.min)

    @classmethod
    def bundled(cls) -> "Catalog":
        return cls(list(_bundled()))

    @classmethod
    def load(cls, ledger=None, overrides: dict | None = None) -> "Catalog":
        """The bundled snapshot, then the ledger's updates, then ``[pricing.overrides]``."""
        prices = list(_bundled())
        if ledger is not None:
            prices += stored_prices(ledger)
        prices += parse_overrides(overrides or {})
        return cls(prices)

    # -- lookups -----------------------------------------------------------------------------

    def resolve(self, provider: str, model: str) -> Resolved | None:
        """The (seller, model key) whose prices apply to ``model`` sold by ``provider``."""
        keys = candidates(model)
        sellers = [provider] + [m for m in MAKERS if m != provider]
        for seller in sellers:
            known = self._models.get(seller, set())
            for i, key in enumerate(keys):
                if key in known:
                    via = "exact" if i == 0 else "undated"
                    if seller != provider:
                        via = f"{seller}'s price"
                    return Resolved(seller, key, via)
            # an undated name ("claude-opus-4-1") priced by its latest dated version
            dated = self._dated.get((seller, keys[-1]))
            if dated and not keys[0].startswith("ft:"):
                via = f"latest version {dated[0]}" if seller == provider else f"{seller}'s price for {dated[0]}"
                return Resolved(seller, dated[0], via)
        return None

    def lookup(self, provider: str, model: str, component: str, tier: str = "standard",
               day: dt.date | None = None) -> Price | None:
        """The price of ``component`` in force on ``day`` (default: today), or None when unknown."""
        found = self.resolve(provider, model)
        if found is None:
            return None
        return self.price(found, component, tier, day or dt.date.today())

    def price(self, found: Resolved, component: str, tier: str, day: dt.date) -> Price | None:
        """The price of a component for a resolved model; where its seller's catalog entry lacks the
        component (a cache-read price, say), another seller's price of the same model key."""
        own = self._price(found, component, tier, day)
        if own is not None:
            return own
        for seller in MAKERS:
            if seller != found.provider and found.model in self._models.get(seller, ()):
                other = self._price(Resolved(seller, found.model, "component"), component, tier, day)
                if other is not None:
                    return other
        return None

    def long_context(self, found: Resolved, tier: str) -> int | None:
        """The prompt length (tokens) above which a request of a resolved model at ``tier`` is billed
        at its long-context prices (``<tier>>Nk``), or None when the catalog has none. Where a model
        has several thresholds, the lowest (its first long-context step) applies."""
        found_at = set(self._long.get((found.provider, found.model, tier), ()))
        if tier == "batch" and found.provider in BATCH_HALF:
            found_at |= self._long.get((found.provider, found.model, "standard"), set())
        for seller in MAKERS:
            if not found_at and seller != found.provider:
                found_at = set(self._long.get((seller, found.model, tier), ()))
        return min(found_at) if found_at else None

    def _price(self, found: Resolved, component: str, tier: str, day: dt.date) -> Price | None:
        base, threshold = split_tier(tier)
        for comp in (component, COMPONENT_FALLBACK.get(component)):
            if comp is None:
                continue
            p = self._in_force(found.provider, found.model, comp, tier, day)
            if p is not None:
                return p
            if base == "batch" and found.provider in BATCH_HALF:
                standard = "standard" if threshold is None else f"standard>{threshold // 1000}k"
                std = self._in_force(found.provider, found.model, comp, standard, day)
                if std is not None:
                    return Price(std.provider, std.model, comp, tier, std.usd_per_million / 2, std.effective_from,
                                 f"{std.source}; batch at half the standard price")
        return None

    def _in_force(self, provider: str, model: str, component: str, tier: str, day: dt.date) -> Price | None:
        current = None
        for p in self._by_slot.get((provider, model, component, tier), ()):
            if p.effective_from is None or p.effective_from <= day:
                current = p
        return current

    def history(self, provider: str, model: str) -> list[Price]:
        """Every price of a model, for ``prices show``: by component, tier and date."""
        found = self.resolve(provider, model)
        if found is None:
            return []
        out = [p for (prov, key, _, _), ps in self._by_slot.items() if prov == found.provider and key == found.model
               for p in ps]
        return sorted(out, key=lambda p: (COMPONENTS.index(p.component) if p.component in COMPONENTS else 99,
                                          p.tier, p.effective_from or dt.date.min))

    def rows(self) -> list[Price]:
        return [p for ps in self._by_slot.values() for p in ps]


def split_tier(tier: str) -> tuple[str, int | None]:
    """A price tier and its long-context threshold in tokens: ``"batch>200k"`` -> ("batch", 200000).

    >>> split_tier("standard>272k"), split_tier("priority")
    (('standard', 272000), ('priority', None))
    """
    base, sep, rest = tier.partition(">")
    if sep and rest.endswith("k") and rest[:-1].isdigit():
        return base, int(rest[:-1]) * 1000
    return tier, None


@cache
def _bundled() -> tuple[Price, ...]:
    path = resources.files("spendscope.data").joinpath("llm_prices.csv")
    with path.open(newline="") as fh:
        return tuple(Price(r["provider"], r["model"], r["component"], r["tier"], Decimal(r["usd_per_million"]), None,
                           f"{BUNDLED_SOURCE}: {r['source_model']}") for r in csv.DictReader(fh))


# -- the ledger's price updates ------------------------------------------------------------------

PRICES_TABLE = "llm_prices"


def stored_prices(ledger) -> list[Price]:
    if PRICES_TABLE not in ledger.tables():
        return []
    rows = ledger.fetch(ledger.table(PRICES_TABLE))
    return [Price(r["provider"], r["model"], r["component"], r["tier"], Decimal(r["usd_per_million"]),
                  r["effective_from"], r["source"]) for r in rows]


def parse_overrides(overrides: dict) -> list[Price]:
    """``[pricing.overrides."SELLER/MODEL"]`` tables as prices (USD per million tokens)."""
    out = []
    for name, table in overrides.items():
        if not isinstance(table, dict):
            raise ConfigError(f"pricing.overrides.{name!r} is not a table.",
                              hint='Write [pricing.overrides."openai/gpt-4o"] with input = "2.00", output = "8.00".')
        seller, _, model = name.partition("/")
        if not model:
            raise ConfigError(f"pricing.overrides.{name!r} does not name its seller.",
                              hint='Write the key as "SELLER/MODEL", for example "openai/gpt-4o".')
        since = table.get("from")
        try:
            start = dt.date.fromisoformat(str(since)) if since is not None else None
        except ValueError as exc:
            raise ConfigError(f"pricing.overrides.{name!r}: from = {since!r} is not a date.",
                              hint="Use YYYY-MM-DD.") from exc
        tier = str(table.get("tier", "standard"))
        for component, value in table.items():
            if component in ("from", "tier"):
                continue
            if component not in COMPONENTS:
                raise ConfigError(f"pricing.overrides.{name!r}: unknown price component {component!r}.",
                                  hint=f"Valid: {', '.join(COMPONENTS)}.")
            try:
                price = Decimal(str(value))
            except InvalidOperation as exc:
                raise ConfigError(f"pricing.overrides.{name!r}.{component} = {value!r} is not a number.") from exc
            if price < 0:
                raise ConfigError(f"pricing.overrides.{name!r}.{component} = {value!r} is negative.")
            out.append(Price(seller.lower(), model_key(model), component, tier, price, start,
                             f"spendscope.toml pricing.overrides.{name}"))
    return out


# -- price updates --------------------------------------------------------------------------------

UPDATE_FIELDS = ("provider", "model", "component", "tier", "usd_per_million")


def read_price_file(path, effective_from: dt.date, source: str | None = None) -> list[Price]:
    """Prices from a LiteLLM price table (JSON) or a CSV with the columns ``UPDATE_FIELDS`` (and
    optionally ``effective_from``), applying from ``effective_from`` unless a row gives its own date."""
    import json
    from pathlib import Path

    from spendscope.errors import RowError
    from spendscope.llm.snapshot import rows_from_litellm

    path = Path(path)
    label = source or str(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            table = json.loads(text)
        except ValueError as exc:
            raise RowError(str(path), None, None, f"is not valid JSON ({exc}).") from exc
        if not isinstance(table, dict):
            raise RowError(str(path), None, None, "is not a LiteLLM price table (a JSON object of models).")
        rows = rows_from_litellm(table)
        if not rows:
            raise RowError(str(path), None, None, "holds no token prices (no input_cost_per_token fields).")
        return [Price(r["provider"], r["model"], r["component"], r["tier"], Decimal(r["usd_per_million"]), effective_from,
                      f"{label}: {r['source_model']}") for r in rows]
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in UPDATE_FIELDS if c not in (reader.fieldnames or [])]
    if missing:
        raise RowError(str(path), 1, missing[0], f"the header lacks {', '.join(missing)}.",
                       hint=f"A price CSV has the columns {', '.join(UPDATE_FIELDS)} and optionally effective_from.")
    out = []
    for n, r in enumerate(reader, start=2):
        if r["component"] not in COMPONENTS:
            raise RowError(str(path), n, "component", f"{r['component']!r} is not a price component.",
                           hint=f"Valid: {', '.join(COMPONENTS)}.")
        try:
            price = Decimal(r["usd_per_million"])
        except InvalidOperation as exc:
            raise RowError(str(path), n, "usd_per_million", f"{r['usd_per_million']!r} is not a number.") from exc
        if price < 0 or not price.is_finite():
            raise RowError(str(path), n, "usd_per_million", f"{r['usd_per_million']!r} is not a price.")
        try:
            start = dt.date.fromisoformat(r["effective_from"]) if r.get("effective_from") else effective_from
        except ValueError as exc:
            raise RowError(str(path), n, "effective_from", f"{r['effective_from']!r} is not a date (YYYY-MM-DD).") from exc
        out.append(Price(r["provider"].strip().lower(), model_key(r["model"]), r["component"], r["tier"] or "standard",
                         price, start, label))
    return out


def store_prices(ledger, prices: list[Price]) -> int:
    """Add price updates to the ledger (``llm_prices``); a price for the same slot and date replaces
    the earlier one. Returns how many were stored."""
    import pyarrow as pa

    if not prices:
        return 0
    now = dt.datetime.now(dt.timezone.utc)
    table = pa.table({
        "provider": [p.provider for p in prices], "model": [p.model for p in prices],
        "component": [p.component for p in prices], "tier": [p.tier for p in prices],
        "usd_per_million": pa.array([p.usd_per_million for p in prices], pa.decimal128(38, 18)),
        "effective_from": pa.array([p.effective_from for p in prices], pa.date32()),
        "source": [p.source for p in prices], "loaded_at": pa.array([now] * len(prices), pa.timestamp("us", tz="UTC")),
    })
    con = ledger.duckdb
    with ledger.transaction():
        con.register("__prices_new", table)
        try:
            con.execute(f"""DELETE FROM {PRICES_TABLE} o WHERE EXISTS (SELECT 1 FROM __prices_new n
                WHERE n.provider = o.provider AND n.model = o.model AND n.component = o.component AND n.tier = o.tier
                  AND n.effective_from = o.effective_from)""")
            con.execute(f"INSERT INTO {PRICES_TABLE} BY NAME SELECT * FROM __prices_new")
        finally:
            con.unregister("__prices_new")
    return len(prices)
