"""Cost by any dimension over time: the query behind ``spendscope costs``, the API and the dashboard.

Written as Ibis expressions, so it runs on DuckDB, Spark or any other engine; only the aggregate
comes back to Python.

>>> q = CostQuery.parse(by="ServiceName", granularity="month")
>>> q.by
('ServiceName',)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

import ibis
import ibis.expr.datatypes as idt
import ibis.expr.types as ir

from spendscope.errors import ConfigError, UnknownNameError
from spendscope.focus.columns import COLUMNS, METRICS, DEFAULT_METRIC, column
from spendscope.store.ledger import Ledger

GRANULARITIES = ("day", "week", "month", "none")
_TRUNC = {"day": "D", "week": "W", "month": "M"}
TAG_PREFIX = "tag:"
PERIOD = "period"

_FILTER = re.compile(r"^\s*(?P<col>[A-Za-z_][\w:.\-/@+ ]*?)\s*(?P<op>!=|=|~)\s*(?P<value>.*?)\s*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Constructs Python accepts but the engines' RE2 does not: look-arounds and back-references.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\\[1-9]")


def check_regex(pattern: str) -> str:
    """A regular expression both Python and the engines (RE2 syntax) understand."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"Bad regular expression {pattern!r}: {exc}") from exc
    if _NOT_RE2.search(pattern):
        raise ConfigError(f"The regular expression {pattern!r} uses look-arounds or back-references.",
                          hint="Filters use RE2 syntax, which has neither; rewrite the pattern without them.")
    return pattern


def _check_text(text: str, what: str) -> str:
    if _CONTROL.search(text):
        raise ConfigError(f"The {what} {text[:60]!r} contains a control character.")
    return text


@dataclass(frozen=True)
class Filter:
    """One ``--where`` condition: ``COL=VALUE``, ``COL!=VALUE``, ``COL~REGEX``; VALUE may be null."""

    column: str
    op: str
    value: str | None

    @classmethod
    def parse(cls, text: str) -> "Filter":
        """Parse ``ServiceCategory="AI and Machine Learning"`` and the like.

        >>> Filter.parse('ServiceCategory="AI and Machine Learning"')
        Filter(column='ServiceCategory', op='=', value='AI and Machine Learning')
        """
        m = _FILTER.match(_check_text(text, "filter"))
        if not m:
            raise ConfigError(
                f"Cannot read the filter {text!r}.",
                hint='Write COLUMN=VALUE, COLUMN!=VALUE or COLUMN~REGEX, e.g. --where ServiceCategory="AI and Machine Learning".',
            )
        value = m.group("value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif value.lower() == "null":
            value = None
        col = dimension_name(m.group("col").strip())
        if m.group("op") == "~" and value is not None:
            check_regex(value)
        return cls(col, m.group("op"), value)


def dimension_name(name: str) -> str:
    """The canonical name of a dimension: a ledger column, or ``tag:KEY``."""
    _check_text(name, "dimension")
    if name.lower().startswith(TAG_PREFIX):
        key = name[len(TAG_PREFIX):]
        if not key:
            raise ConfigError("A tag dimension needs a key, e.g. tag:team.")
        if "*" in key:
            raise ConfigError(f"The tag key {key!r} contains '*', which JSON paths read as a wildcard.")
        return TAG_PREFIX + key
    return column(name).name


@ibis.udf.scalar.builtin(name="json_extract_string", signature=((idt.string, idt.string), idt.string))
def _duckdb_json_text(text, path): ...


@ibis.udf.scalar.builtin(name="get_json_object", signature=((idt.string, idt.string), idt.string))
def _spark_json_text(text, path): ...


def tag_value(tags: ir.StringValue, key: str, engine: str) -> ir.StringValue:
    """The value of one tag key, with the engine's own JSON function (no Python UDFs)."""
    quoted = key.replace("\\", "\\\\").replace("'", "\\'").replace('"', '\\"')
    if engine == "pyspark":
        return _spark_json_text(tags, f"$['{quoted}']")
    if engine == "duckdb":
        return _duckdb_json_text(tags, f'$."{quoted}"')
    return tags.cast(idt.json)[key].unwrap_as(idt.string)


def dimension(costs: ir.Table, name: str, engine: str = "duckdb") -> ir.Value:
    """The Ibis expression for a dimension name (column or tag)."""
    if name.startswith(TAG_PREFIX):
        return tag_value(costs.Tags, name[len(TAG_PREFIX):], engine)
    return costs[name]


@dataclass(frozen=True)
class CostQuery:
    by: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None  # exclusive, like ChargePeriodEnd
    granularity: str = "month"
    metric: str = DEFAULT_METRIC
    where: tuple[Filter, ...] = field(default_factory=tuple)

    @classmethod
    def parse(
        cls,
        by: str | list[str] | None = None,
        start: str | dt.date | None = None,
        end: str | dt.date | None = None,
        granularity: str | None = "month",
        metric: str | None = None,
        where: list[str] | tuple[str, ...] = (),
    ) -> "CostQuery":
        """Validate user input (CLI options, API query parameters) into a query."""
        names: list[str] = []
        for part in [by] if isinstance(by, str) else (by or []):
            names.extend(p.strip() for p in part.split(",") if p.strip())
        dims = tuple(dimension_name(n) for n in names)
        for d in dims:
            if dims.count(d) > 1:
                raise ConfigError(f"The dimension {d!r} is named twice.", hint="Name each dimension once, e.g. ServiceName,tag:team.")
        granularity = (granularity or "month").lower()
        if granularity not in GRANULARITIES:
            raise UnknownNameError("granularity", granularity, GRANULARITIES)
        metric = metric or DEFAULT_METRIC
        folded = {m.lower(): m for m in METRICS}
        if metric.lower() not in folded:
            raise UnknownNameError("metric", metric, METRICS, hint="EffectiveCost (amortised) is the default; BilledCost matches the invoice.")
        metric = folded[metric.lower()]
        if metric in dims:
            raise ConfigError(f"Cannot group by the metric {metric!r} itself: it is what each row sums.",
                              hint="Group by other columns, or choose another metric.")
        first, stop = parse_date(start, "from"), parse_date(end, "to")
        if first and stop and stop <= first:
            raise ConfigError(f"The range from {first} to {stop} is empty: 'to' must be after 'from'.",
                              hint="'to' is the first day excluded; for a single day, set it to the day after 'from'.")
        return cls(dims, first, stop, granularity, metric, tuple(Filter.parse(w) for w in where))


def parse_date(value, option: str) -> dt.date | None:
    """A --from/--to style day (YYYY-MM-DD), or a clear error naming the option."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"The '{option}' date {str(value)[:40]!r} is not a date.", hint="Use YYYY-MM-DD, e.g. 2024-09-01.") from exc


def _utc(d: dt.date) -> ibis.Value:
    return ibis.timestamp(dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc))


def filtered(ledger: Ledger, query: CostQuery) -> ir.Table:
    """The costs rows a query covers: its date range and --where filters."""
    costs = ledger.costs
    preds = []
    if query.start:
        preds.append(costs.ChargePeriodStart >= _utc(query.start))
    if query.end:
        preds.append(costs.ChargePeriodStart < _utc(query.end))
    for flt in query.where:
        expr = dimension(costs, flt.column, ledger.engine)
        if flt.value is None:
            preds.append(expr.isnull() if flt.op == "=" else expr.notnull())
        elif flt.op == "=":
            preds.append(expr.cast(idt.string) == flt.value)
        elif flt.op == "!=":
            preds.append((expr.cast(idt.string) != flt.value) | expr.isnull())
        else:
            preds.append(expr.cast(idt.string).re_search(flt.value).fill_null(False))
    return costs.filter(*preds) if preds else costs


@dataclass(frozen=True)
class CostTable:
    """The result: one row per period and dimension values, with the metric summed."""

    columns: tuple[str, ...]
    rows: tuple[dict, ...]
    metric: str

    @property
    def total(self) -> Decimal:
        return sum((r[self.metric] for r in self.rows), Decimal(0))


def cost_by(ledger: Ledger, query: CostQuery) -> CostTable:
    """Sum the query's metric by period and dimensions.

    >>> # cost_by(ledger, CostQuery.parse(by="ServiceName", granularity="month"))
    """
    costs = filtered(ledger, query)
    groups: dict[str, ir.Value] = {}
    if query.granularity != "none":
        groups[PERIOD] = costs.ChargePeriodStart.truncate(_TRUNC[query.granularity]).date()
    for name in query.by:
        groups[name] = dimension(costs, name, ledger.engine)
    metric = costs[query.metric].sum()
    if groups:
        expr = costs.group_by(**groups).aggregate(**{query.metric: metric})
        order = ([ibis.asc(PERIOD)] if PERIOD in groups else []) + [ibis.desc(query.metric)] + [ibis.asc(n) for n in query.by]
        expr = expr.order_by(order)
    else:
        expr = costs.aggregate(**{query.metric: metric})
    rows = ledger.fetch(expr)
    for r in rows:
        if r[query.metric] is None:
            r[query.metric] = Decimal(0)
    return CostTable(tuple(expr.columns), tuple(rows), query.metric)
