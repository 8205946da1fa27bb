"""AI classification: which rows are AI spend, and of which workload class.

The rules are data (``spendscope/data/classification.toml``, overridable in ``spendscope.toml``);
this module compiles them into Ibis ``CASE`` expressions, so classification runs in the engine at
ingest. The first matching rule wins and its id goes to ``x_AiRule``. Tag rules read only the tags
and the others only the SKU, service and account columns, so each kind is evaluated once per
distinct value of what it reads (``match_tags``, ``match_others``) and ``winner`` picks the earlier.

>>> [r.id for r in load_rules()][:2]
['tag-ai-workload', 'token-billed']
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Mapping

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.errors import ConfigError
from spendscope.focus.vocabulary import AI_WORKLOADS, SERVICE_CATEGORIES
from spendscope.normalize.tags import TagLookup

RULE_KINDS = ("tag", "token", "service", "gpu_instance", "account", "category")


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    workload: str | None = None
    keys: tuple[str, ...] = ()
    service: str | None = None
    sku: str | None = None
    families: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    pattern: str | None = None
    category: str | None = None
    subcategories: tuple[str, ...] = ()

    def regexes(self) -> tuple[str, ...]:
        """The regular expressions a gpu_instance rule matches the SKU text with."""
        out = list(self.patterns)
        if self.families:
            fam = "|".join(re.escape(f) for f in self.families)
            out.insert(0, rf"(?i)\b(ml\.)?({fam})\.[0-9]*[a-z]*large\b")
        return tuple(out)


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    values: Mapping[str, str] = field(default_factory=dict)

    def __iter__(self):
        return iter(self.rules)

    def tag_keys(self) -> list[str]:
        return [k for r in self.rules if r.kind == "tag" for k in r.keys]


def _rule(raw: Mapping[str, Any], origin: str) -> Rule:
    rid = raw.get("id")
    if not rid:
        raise ConfigError(f"{origin}: a classification rule has no id.", hint="Give every [[classification.rules]] an id.")
    kind = raw.get("kind")
    if kind not in RULE_KINDS:
        raise ConfigError(f"{origin}: rule {rid!r} has kind {kind!r}. Valid kinds: {', '.join(RULE_KINDS)}")
    workload = raw.get("workload")
    if workload is not None and workload not in AI_WORKLOADS:
        raise ConfigError(f"{origin}: rule {rid!r} has workload {workload!r}. Valid workloads: {', '.join(AI_WORKLOADS)}")
    if kind != "tag" and workload is None:
        raise ConfigError(f"{origin}: rule {rid!r} needs a workload.")
    category = raw.get("category")
    if kind == "category" and category not in SERVICE_CATEGORIES:
        raise ConfigError(f"{origin}: rule {rid!r} has category {category!r}. Valid categories: {', '.join(SERVICE_CATEGORIES)}")
    rule = Rule(
        id=rid, kind=kind, workload=workload, keys=tuple(raw.get("keys", ())), service=raw.get("service"),
        sku=raw.get("sku"), families=tuple(raw.get("families", ())), patterns=tuple(raw.get("patterns", ())),
        pattern=raw.get("pattern"), category=category, subcategories=tuple(raw.get("subcategories", ())),
    )
    for rx in [rule.service, rule.sku, rule.pattern, *rule.regexes()]:
        if rx is not None:
            try:
                re.compile(rx)
            except re.error as exc:
                raise ConfigError(f"{origin}: rule {rid!r} has a bad regular expression {rx!r}: {exc}") from exc
    if kind == "tag" and not rule.keys:
        raise ConfigError(f"{origin}: tag rule {rid!r} needs keys.")
    return rule


def load_rules(user: Mapping[str, Any] | None = None) -> Rules:
    """The bundled rules, after the user's ``[classification]`` section from spendscope.toml."""
    bundled = tomllib.loads(resources.files("spendscope.data").joinpath("classification.toml").read_text())
    user = user or {}
    values = {k.lower(): v for k, v in bundled.get("values", {}).items()}
    values.update({k.lower(): v for k, v in user.get("values", {}).items()})
    for v in values.values():
        if v not in AI_WORKLOADS:
            raise ConfigError(f"Classification value maps to {v!r}. Valid workloads: {', '.join(AI_WORKLOADS)}")
    own = [_rule(r, "spendscope.toml [classification]") for r in user.get("rules", [])]
    defaults = [] if user.get("replace_defaults") else [_rule(r, "bundled classification.toml") for r in bundled["rules"]]
    ids = [r.id for r in own]
    rules = own + [r for r in defaults if r.id not in ids]
    return Rules(tuple(rules), values)


@dataclass
class RowText:
    """The normalised columns the non-tag rules read, as Ibis expressions."""

    service_name: ir.StringValue
    service_category: ir.StringValue
    service_subcategory: ir.StringValue
    sku_text: ir.StringValue
    units: ir.StringValue
    accounts: ir.StringValue


@dataclass(frozen=True)
class Match:
    """The first matching rule among some of the rules: its position in the full list, workload and id."""

    rank: ir.IntegerValue
    workload: ir.StringValue
    rule_id: ir.StringValue


def _first(branches: list[tuple[ir.BooleanValue, ir.StringValue, str, int]]) -> Match:
    if not branches:
        return Match(ibis.null(dt.int32), ibis.null(dt.string), ibis.null(dt.string))
    return Match(
        ibis.cases(*[(c, ibis.literal(rank, type=dt.int32)) for c, _, _, rank in branches], else_=ibis.null(dt.int32)),
        ibis.cases(*[(c, w) for c, w, _, _ in branches], else_=ibis.null(dt.string)),
        ibis.cases(*[(c, ibis.literal(i)) for c, _, i, _ in branches], else_=ibis.null(dt.string)),
    )


def match_tags(rules: Rules, tags: TagLookup) -> Match:
    """The first tag rule that applies to a row with these tags."""
    branches = []
    for rank, rule in enumerate(rules):
        if rule.kind == "tag":
            verdict = tag_verdict(rule, rules.values, tags)
            branches.append((verdict.notnull(), verdict, rule.id, rank))
    return _first(branches)


def winner(tagged: Match, other: Match) -> tuple[ir.StringValue, ir.StringValue]:
    """(x_AiWorkload, x_AiRule): the earlier of the two matches in rule order, as one ordered list would give."""
    tag_first = tagged.rank.notnull() & (other.rank.isnull() | (tagged.rank < other.rank)).fill_null(False)
    return ibis.ifelse(tag_first, tagged.workload, other.workload), ibis.ifelse(tag_first, tagged.rule_id, other.rule_id)


def tag_verdict(rule: Rule, values: Mapping[str, str], tags: TagLookup) -> ir.StringValue:
    """The workload a tag rule gives a row with these tags, or null when it does not apply."""
    value = tags.value(*rule.keys)
    if rule.workload:
        return ibis.ifelse(value.notnull(), ibis.literal(rule.workload), ibis.null(dt.string))
    return value.lower().cases(*values.items(), else_=ibis.null(dt.string))


def _matches(text: ir.StringValue, regex: str) -> ir.BooleanValue:
    return text.re_search(regex).fill_null(False)


def match_others(rules: Rules, row: RowText) -> Match:
    """The first rule other than a tag rule that matches the row."""
    branches: list[tuple[ir.BooleanValue, ir.StringValue, str, int]] = []
    for rank, rule in enumerate(rules):
        add = lambda cond, workload=rule.workload, rid=rule.id, r=rank: branches.append(  # noqa: E731
            (cond, ibis.literal(workload), rid, r))
        if rule.kind == "tag":
            continue
        elif rule.kind == "token":
            add(_matches(row.units, r"(?i)\btokens?\b") | _matches(row.sku_text, r"(?i)\btokens?\b"))
        elif rule.kind == "service":
            cond = _matches(row.service_name, rule.service)
            add(cond & _matches(row.sku_text, rule.sku) if rule.sku else cond)
        elif rule.kind == "gpu_instance":
            add(ibis.or_(*[_matches(row.sku_text, rx) for rx in rule.regexes()]))
        elif rule.kind == "account":
            add(_matches(row.accounts, rule.pattern))
        elif rule.kind == "category":
            cond = (row.service_category == rule.category).fill_null(False)
            if rule.subcategories:
                cond &= row.service_subcategory.isin(rule.subcategories).fill_null(False)
            add(cond)
    return _first(branches)


TOKEN_CLASS_PATTERNS = (
    (r"(?i)cache[ _-]?(read|hit)|cached[ _-]?input|cached", "Cached Input"),
    (r"(?i)cache[ _-]?(write|creation|storage)", "Cache Write"),
    (r"(?i)reasoning|thinking", "Reasoning"),
    (r"(?i)audio[ _-]?(input|in)\b", "Audio Input"),
    (r"(?i)audio[ _-]?(output|out)\b", "Audio Output"),
    (r"(?i)output|completion|generated|response", "Output"),
    (r"(?i)input|prompt", "Input"),
)


def token_class(is_token_billed: ir.BooleanValue, text: ir.StringValue) -> ir.StringValue:
    """x_TokenClass for token-billed rows, from the SKU meter or description."""
    branches = [(is_token_billed & _matches(text, rx), ibis.literal(cls)) for rx, cls in TOKEN_CLASS_PATTERNS]
    branches.append((is_token_billed, ibis.literal("Other")))
    return ibis.cases(*branches, else_=ibis.null(dt.string))
