"""``spendscope reconcile llm``: the event-derived cost of LLM usage next to what was billed for it.

Per provider, day and model: the cost of the usage events at catalog prices, the billed cost of
the same usage (a provider's invoice or cost report loaded as a bill, or a cloud bill's Bedrock or
Azure OpenAI rows), the gap, and its likely causes. Models are matched across spellings
(``llm.models.cover_key``: ``Claude3.5Haiku`` in a CUR meets ``us.anthropic.claude-3-5-haiku-...``
in the events). Where both exist, the ledger counts the billed amount (``llm.ingest.apply_coverage``);
this report is how the estimate is checked against it.

Likely causes, from the events of the day: tokens without a catalog price (unknown model), cached
tokens (the invoice's cache discount differs from the catalog's), batch or priority/flex tiers,
long prompts priced at long-context prices (or not: a gateway that aggregates requests hides them),
events missing (billed usage no gateway saw), usage not billed yet (or its bill not loaded), and
otherwise a price that differs from the catalog's (a negotiated rate: ``pricing.overrides``).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal

from spendscope.llm.models import cover_key
from spendscope.store import schema as s

ZERO = Decimal(0)
# A gap within this share of the billed cost (or one cent) is a match
TOLERANCE = Decimal("0.01")


@dataclass
class Line:
    provider: str
    day: _dt.date
    model: str
    events: int = 0
    event_cost: Decimal = ZERO
    billed_cost: Decimal | None = None
    unpriced_tokens: int = 0
    cached_tokens: int = 0
    tokens: int = 0
    tiers: set = field(default_factory=set)
    long_context: int = 0  # events priced at long-context prices

    @property
    def gap(self) -> Decimal | None:
        return None if self.billed_cost is None else self.billed_cost - self.event_cost

    def causes(self) -> list[str]:
        if self.billed_cost is None:
            return ["not billed yet, or its invoice / cost report is not loaded"]
        if self.events == 0:
            return ["missing events: billed usage that no usage source reported"]
        out = []
        if self.unpriced_tokens:
            out.append(f"unknown price: {self.unpriced_tokens:,} tokens have no catalog price")
        gap = abs(self.gap)
        if gap <= max(Decimal("0.01"), abs(self.billed_cost) * TOLERANCE) and not self.unpriced_tokens:
            return ["matches"]
        if self.cached_tokens:
            out.append(f"cached tokens ({self.cached_tokens / self.tokens:.0%} of tokens): the invoice's cache rate may differ")
        if "batch" in self.tiers:
            out.append("batch tier")
        if self.tiers & {"priority", "flex"}:
            out.append("service tier: " + ", ".join(sorted(self.tiers & {"priority", "flex"})))
        if self.long_context:
            out.append(f"long context: {self.long_context:,} events priced at long-context prices")
        if not out:
            out.append("price differs from the catalog's (a negotiated rate? see pricing.overrides)")
        return out

    def as_row(self) -> dict:
        return {"provider": self.provider, "day": self.day.isoformat(), "model": self.model, "events": self.events,
                "event_cost": self.event_cost, "billed_cost": self.billed_cost, "gap": self.gap,
                "causes": "; ".join(self.causes())}


def reconcile_llm(ledger, start: _dt.date | None = None, end: _dt.date | None = None) -> list[Line]:
    """Event-derived against billed cost per provider, day and model (``start`` inclusive, ``end``
    exclusive), billed lines first by largest gap."""
    from spendscope.llm.ingest import provider_sql, estimate_sources

    if not ledger.target.is_duckdb or s.USAGE_EVENTS not in ledger.tables():
        return []
    con = ledger.duckdb
    if not con.execute(f"SELECT count(*) FROM {s.USAGE_EVENTS}").fetchone()[0]:
        return []  # no usage loaded: nothing to check the bills against
    window_e, window_b = ["TRUE"], ["TRUE"]
    if start:
        window_e.append(f"start_time >= TIMESTAMPTZ '{start.isoformat()} 00:00:00+00'")
        window_b.append(f"ChargePeriodStart >= TIMESTAMPTZ '{start.isoformat()} 00:00:00+00'")
    if end:
        window_e.append(f"start_time < TIMESTAMPTZ '{end.isoformat()} 00:00:00+00'")
        window_b.append(f"ChargePeriodStart < TIMESTAMPTZ '{end.isoformat()} 00:00:00+00'")
    events = con.execute(f"""
        SELECT {provider_sql('provider', 0)}, CAST(start_time AS DATE), coalesce(model, '(no model)'),
               coalesce(service_tier, 'standard'), count(*), coalesce(sum(cost), 0), sum(unpriced_tokens),
               sum(coalesce(cached_input_tokens, 0)),
               sum({' + '.join(f'coalesce({c}, 0)' for c in _token_columns())}), count(long_context_at)
        FROM {s.USAGE_EVENTS} WHERE {' AND '.join(window_e)} GROUP BY ALL
    """).fetchall()
    names = ", ".join(f"'{n}'" for n in estimate_sources())
    bills = con.execute(f"""
        SELECT ProviderName, CAST(ChargePeriodStart AS DATE), x_Model, sum(BilledCost)
        FROM {s.COSTS}
        WHERE x_Source NOT IN ({names}) AND x_Model IS NOT NULL AND x_TokenClass IS NOT NULL AND {' AND '.join(window_b)}
        GROUP BY ALL
    """).fetchall()
    lines: dict[tuple, Line] = {}
    for provider, day, model, tier, n, cost, unpriced, cached, tokens, long in events:
        key = (provider, day, cover_key(model))
        line = lines.setdefault(key, Line(provider, day, model))
        line.events += n
        line.event_cost += cost
        line.unpriced_tokens += int(unpriced or 0)
        line.cached_tokens += int(cached or 0)
        line.tokens += int(tokens or 0)
        line.tiers.add(tier)
        line.long_context += long
    for provider, day, model, billed in bills:
        key = (provider, day, cover_key(model))
        line = lines.setdefault(key, Line(provider, day, model))
        line.billed_cost = (line.billed_cost or ZERO) + billed
    return sorted(lines.values(), key=lambda x: (x.billed_cost is None, -abs(x.gap or ZERO), x.day, x.provider, x.model))


def _token_columns() -> tuple[str, ...]:
    from spendscope.llm.events import TOKEN_COLUMNS

    return tuple(TOKEN_COLUMNS)
