"""AI classification: which rows are AI spend, and of which workload class.

The rules are data (``spendscope/data/classification.toml``, overridable in ``spendscope.toml``);
this module compiles them, in order, into one Ibis ``CASE`` expression, so classification runs in
the engine at ingest. The first matching rule wins and its id goes to ``x_AiRule``.

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
    """The normalised columns the rules read, as Ibis expressions over the row being loaded.

    ``tag_verdicts`` holds, per tag rule id, the workload that rule gives the row (or null), worked
    out beforehand from the row's tags with ``tag_verdict``.
    """

    service_name: ir.StringValue
    service_category: ir.StringValue
    service_subcategory: ir.StringValue
    sku_text: ir.StringValue
    units: ir.StringValue
    accounts: ir.StringValue
    tag_verdicts: dict[str, ir.StringValue]


def tag_verdict(rule: Rule, values: Mapping[str, str], tags: TagLookup) -> ir.StringValue:
    """The workload a tag rule gives a row with these tags, or null when it does not apply."""
    value = tags.value(*rule.keys)
    if rule.workload:
        return ibis.ifelse(value.notnull(), ibis.literal(rule.workload), ibis.null(dt.string))
    return value.lower().cases(*values.items(), else_=ibis.null(dt.string))


def _matches(text: ir.StringValue, regex: str) -> ir.BooleanValue:
    return text.re_search(regex).fill_null(False)


def classify(rules: Rules, row: RowText) -> tuple[ir.StringValue, ir.StringValue]:
    """(x_AiWorkload, x_AiRule) expressions: first matching rule wins; null when none does."""
    branches: list[tuple[ir.BooleanValue, ir.StringValue, str]] = []
    for rule in rules:
        if rule.kind == "tag":
            verdict = row.tag_verdicts[rule.id]
            branches.append((verdict.notnull(), verdict, rule.id))
        elif rule.kind == "token":
            cond = _matches(row.units, r"(?i)\btokens?\b") | _matches(row.sku_text, r"(?i)\btokens?\b")
            branches.append((cond, ibis.literal(rule.workload), rule.id))
        elif rule.kind == "service":
            cond = _matches(row.service_name, rule.service)
            if rule.sku:
                cond &= _matches(row.sku_text, rule.sku)
            branches.append((cond, ibis.literal(rule.workload), rule.id))
        elif rule.kind == "gpu_instance":
            cond = ibis.or_(*[_matches(row.sku_text, rx) for rx in rule.regexes()])
            branches.append((cond, ibis.literal(rule.workload), rule.id))
        elif rule.kind == "account":
            branches.append((_matches(row.accounts, rule.pattern), ibis.literal(rule.workload), rule.id))
        elif rule.kind == "category":
            cond = (row.service_category == rule.category).fill_null(False)
            if rule.subcategories:
                cond &= row.service_subcategory.isin(rule.subcategories).fill_null(False)
            branches.append((cond, ibis.literal(rule.workload), rule.id))
    if not branches:
        return ibis.null(dt.string), ibis.null(dt.string)
    workload = ibis.cases(*[(c, w) for c, w, _ in branches], else_=ibis.null(dt.string))
    rule_id = ibis.cases(*[(c, ibis.literal(i)) for c, _, i in branches], else_=ibis.null(dt.string))
    return workload, rule_id


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
