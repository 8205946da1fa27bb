"""A bill's LLM rows spread over the teams of the usage events they price.

A cloud bill or an invoice export (AWS CUR's Bedrock rows, Azure's OpenAI meters, a provider's FOCUS
invoice) prices token usage per model, token class and day or hour, often attributed to no more than
an account, a subscription or a project. Where usage events of the same provider, day, model
(``models.cover_key``) and token class are loaded too, the billed amount counts
(``ingest.apply_coverage`` sets the estimate aside) and the events only distribute it: a bill row
becomes one row per team, project, application and environment of those events, its costs and
quantities split in proportion to their tokens (those of any token class where no event has the
row's own).

The bill's own attribution is kept: the events fill in only what it leaves open, and only events that
agree with it take a share (a row tagged ``team=search`` is spread over the search team's events and
those that name no team; a row of project ``proj_1`` over the events of that project and those that
name none; a row's project is its x_Project, or its sub account where that is a project or a
workspace). A row no such event adds anything to stays as it is. The shares of a row sum exactly to
its amounts: each is the amount times the share's fraction of the tokens (cut at 18 places), rounded
to 18 places, and the largest share takes the remainder.

The bill rows as loaded are kept in ``llm_spread_bills``: when events of the same days arrive later,
the rows are spread again from the originals; when the bill itself is loaded again (a restated
month), its old originals are forgotten and its new rows spread.
"""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, Decimal, localcontext

from spendscope.focus.columns import ALL_COLUMNS
from spendscope.store import schema as s

# the dimensions the events distribute a bill over: (share column, costs column, Tags key)
DIMENSIONS = (("team", "x_Team", "team"), ("project", "x_Project", "project"),
              ("application", "x_Application", "application"), ("environment", "x_Environment", "environment"))
# costs and quantities split between the shares (unit prices stay as they are)
ADDITIVE = tuple(c.name for c in ALL_COLUMNS if c.data_type == "decimal" and "UnitPrice" not in c.name)
_FRACTION = Decimal(1).scaleb(-18)
_PARTITION = ("x_Source", "ProviderName", "BillingAccountId", "BillingPeriodStart")


def _bill_rows(days: str) -> str:
    """SQL condition on ``costs`` (alias c): a bill's row (not LLM usage, not a cost report) with a
    model and a token class, on a day of the table ``days`` (column ``day``, midnight UTC)."""
    from spendscope.llm.ingest import utc_day
    from spendscope.llm.sources import usage_sources

    names = ", ".join(f"'{n}'" for n in usage_sources())
    return (f"c.x_Source NOT IN ({names}) AND c.x_Model IS NOT NULL AND c.x_TokenClass IS NOT NULL "
            f"AND {utc_day('c.ChargePeriodStart')} IN (SELECT DISTINCT day FROM {days})")


def _same(a: str, b: str, columns) -> str:
    return " AND ".join(f"{a}.{c} = {b}.{c}" for c in columns)


def restore(con, days: str) -> int:
    """Put back, on the days of ``days``, the bill rows as loaded in place of their spread rows (the
    caller spreads them again); originals of a bill loaded again since are dropped. Returns how many
    rows came back."""
    from spendscope.llm.ingest import utc_date, utc_day

    if not con.execute(f"SELECT count(*) FROM {s.LLM_SPREAD_BILLS}").fetchone()[0]:
        return 0
    on_days = f"{utc_day('o.ChargePeriodStart')} IN (SELECT DISTINCT day FROM {days})"
    load = (*_PARTITION, "x_LoadId")
    try:
        # an original is live while its load's rows are in costs: a bill loaded again replaced them
        con.execute(f"""CREATE OR REPLACE TEMP TABLE __spread_back AS
            SELECT o.* FROM {s.LLM_SPREAD_BILLS} o
            WHERE {on_days} AND EXISTS (SELECT 1 FROM {s.COSTS} c WHERE {_same('c', 'o', load)})""")
        group = (*load, "x_Model", "x_TokenClass")
        con.execute(f"""DELETE FROM {s.COSTS} c WHERE EXISTS (
            SELECT 1 FROM __spread_back o WHERE {_same('c', 'o', group)}
              AND {utc_date('o.ChargePeriodStart')} = {utc_date('c.ChargePeriodStart')})""")
        con.execute(f"INSERT INTO {s.COSTS} BY NAME SELECT * FROM __spread_back")
        con.execute(f"DELETE FROM {s.LLM_SPREAD_BILLS} o WHERE {on_days}")
        return con.execute("SELECT count(*) FROM __spread_back").fetchone()[0]
    finally:
        con.execute("DROP TABLE IF EXISTS __spread_back")


def _weights(con, days: str) -> dict[tuple, dict[tuple, int]]:
    """Tokens of the stored events per (ProviderName, day, cover key, token class) and per
    (ProviderName, day, cover key, None), each by attribution (team, project, application,
    environment), on the (provider, day)s of ``__spread_keys``: one scan of the events."""
    from spendscope.llm.events import TOKEN_COLUMNS
    from spendscope.llm.ingest import provider_sql, utc_date
    from spendscope.llm.models import cover_key

    rows = con.execute(f"""
        SELECT * FROM (
          SELECT {provider_sql('provider', 0)} AS ProviderName, {utc_date('start_time')} AS day, model,
                 team, coalesce(project_id, workspace_id) AS project, application, environment,
                 {', '.join(f'sum({c})' for c in TOKEN_COLUMNS)}
          FROM {s.USAGE_EVENTS}
          WHERE model IS NOT NULL AND {utc_date('start_time')} IN (SELECT DISTINCT day FROM __spread_keys)
          GROUP BY ALL) e
        WHERE EXISTS (SELECT 1 FROM __spread_keys k WHERE k.ProviderName = e.ProviderName AND k.day = e.day)
    """).fetchall()
    classes = [cls for _, cls in TOKEN_COLUMNS.values()]
    weights: dict[tuple, dict[tuple, int]] = {}
    keys: dict[str, str] = {}
    for provider, day, model, *rest in rows:
        dims, counts = tuple(rest[:4]), rest[4:]
        key = keys.setdefault(model, cover_key(model))
        for cls, tokens in zip(classes, counts):
            if not tokens or tokens <= 0:
                continue
            for scope in ((provider, day, key, cls), (provider, day, key, None)):
                shares = weights.setdefault(scope, {})
                shares[dims] = shares.get(dims, 0) + int(tokens)
    return weights


def _shares(found: dict[tuple, int], row: tuple) -> list[tuple[tuple, int]]:
    """The events' (attribution, tokens) that agree with a bill row's own attribution ``row`` (sub
    account and its type, team, project, application, environment), as the row's attribution with
    theirs filling its gaps; [] where no event adds anything to it. A sub account of type project or
    workspace (OpenAI's projects, Anthropic's workspaces, GCP's projects) names the row's project."""
    sub, sub_type, team, project, application, environment = row
    own = project, sub if (sub_type or "").lower() in ("project", "workspace") else None
    projects = {p for p in own if p}
    project = next((p for p in own if p), None)
    out: dict[tuple, int] = {}
    adds = False
    for (e_team, e_project, e_application, e_environment), tokens in found.items():
        if any(e is not None and r is not None and e != r
               for e, r in ((e_team, team), (e_application, application), (e_environment, environment))):
            continue
        if e_project is not None and projects and e_project not in projects:
            continue
        dims = (team if team is not None else e_team, project if project is not None else e_project,
                application if application is not None else e_application,
                environment if environment is not None else e_environment)
        adds = adds or dims != (team, row[3], application, environment)
        out[dims] = out.get(dims, 0) + tokens
    return sorted(out.items(), key=lambda kv: (-kv[1], json.dumps(kv[0]))) if adds else []


_ROW = ("SubAccountId", "SubAccountType", "x_Team", "x_Project", "x_Application", "x_Environment")


def spread(con, days: str) -> int:
    """Spread the bill rows of the days in ``days`` over their events' attribution (see the module
    docstring), keeping the rows as loaded in ``llm_spread_bills``. Runs in the caller's
    transaction; returns how many bill rows were spread."""
    from spendscope.llm.ingest import utc_date
    from spendscope.llm.models import cover_key

    bill = _bill_rows(days)
    keys = con.execute(f"""SELECT DISTINCT ProviderName, {utc_date('c.ChargePeriodStart')} AS day, x_Model, x_TokenClass,
                                  {', '.join(_ROW)}
                           FROM {s.COSTS} c WHERE {bill}""").fetchall()
    if not keys:
        return 0
    names = ("ProviderName", "day", "x_Model", "x_TokenClass", *(f"row_{c}" for c in _ROW),
             *(d for d, _, _ in DIMENSIONS), "tags", "fraction", "largest")
    shares: dict[str, list] = {n: [] for n in names}
    try:
        s.stage_rows(con, "__spread_keys", {"ProviderName": [k[0] for k in keys], "day": [k[1] for k in keys]},
                    {"ProviderName": "VARCHAR", "day": "DATE"})
        weights = _weights(con, days)
        for provider, day, model, cls, *row in keys:
            key = cover_key(model)
            found = weights.get((provider, day, key, cls)) or weights.get((provider, day, key, None))
            parts = _shares(found, tuple(row)) if found else []
            if not parts:
                continue  # no events, none that agree with the row, or none that add to its attribution
            total = sum(tokens for _, tokens in parts)
            with localcontext() as ctx:
                ctx.prec = 60
                for k, (dims, tokens) in enumerate(parts):
                    tags = json.dumps({t: v for (_, _, t), v in zip(DIMENSIONS, dims) if v is not None},
                                      separators=(",", ":"))  # compact, as the ledger's other Tags
                    for name, value in zip(names, (provider, day, model, cls, *row, *dims, tags,
                                                   (Decimal(tokens) / total).quantize(_FRACTION, ROUND_DOWN), k == 0)):
                        shares[name].append(value)
        if not shares["ProviderName"]:
            return 0
        s.stage_rows(con, "__spread_shares", shares, {
            "ProviderName": "VARCHAR", "day": "DATE", "x_Model": "VARCHAR", "x_TokenClass": "VARCHAR",
            **{f"row_{c}": "VARCHAR" for c in _ROW}, **{d: "VARCHAR" for d, _, _ in DIMENSIONS}, "tags": "VARCHAR",
            "fraction": "DECIMAL(19, 18)", "largest": "BOOLEAN"})
        match = (f"sh.ProviderName = c.ProviderName AND sh.x_Model = c.x_Model AND sh.x_TokenClass = c.x_TokenClass "
                 f"AND sh.day = {utc_date('c.ChargePeriodStart')} AND "
                 + " AND ".join(f"sh.row_{c} IS NOT DISTINCT FROM c.{c}" for c in _ROW))
        shared = f"EXISTS (SELECT 1 FROM __spread_shares sh WHERE {match})"
        con.execute(f"CREATE OR REPLACE TEMP TABLE __spread_rows AS "
                    f"SELECT row_number() OVER () AS __rid, c.* FROM {s.COSTS} c WHERE {bill} AND {shared}")
        con.execute(f"INSERT INTO {s.LLM_SPREAD_BILLS} BY NAME SELECT * EXCLUDE (__rid) FROM __spread_rows")
        con.execute(f"DELETE FROM {s.COSTS} c WHERE {bill} AND {shared}")
        # a share of an amount: its whole part and its fraction multiplied apart, so no amount that
        # fits the ledger's DECIMAL(38, 18) overflows the product's scale
        parts = ", ".join(f"CAST(trunc(c.{a}) * sh.fraction AS DECIMAL(38, 18)) "
                          f"+ CAST((c.{a} - trunc(c.{a})) * sh.fraction AS DECIMAL(38, 18)) AS __part_{a}"
                          for a in ADDITIVE)
        amounts = ", ".join(f"CASE WHEN __largest THEN {a} - (sum(__part_{a}) OVER (PARTITION BY __rid) - __part_{a}) "
                            f"ELSE __part_{a} END AS {a}" for a in ADDITIVE)
        dims = ", ".join(f"__{d} AS {col}" for d, col, _ in DIMENSIONS)
        helpers = ", ".join(["__rid", "__largest", "__tags", *(f"__{d}" for d, _, _ in DIMENSIONS),
                             *(f"__part_{a}" for a in ADDITIVE)])
        con.execute(f"""
            INSERT INTO {s.COSTS} BY NAME
            SELECT * EXCLUDE ({helpers}) REPLACE (
              {amounts}, {dims},
              CASE WHEN Tags IS NULL THEN __tags ELSE CAST(json_merge_patch(__tags, Tags) AS VARCHAR) END AS Tags)
            FROM (SELECT c.*, sh.largest AS __largest, sh.tags AS __tags,
                         {', '.join(f'sh.{d} AS __{d}' for d, _, _ in DIMENSIONS)}, {parts}
                  FROM __spread_rows c JOIN __spread_shares sh ON {match})
        """)
        return con.execute("SELECT count(*) FROM __spread_rows").fetchone()[0]
    finally:
        for name in ("__spread_keys", "__spread_shares", "__spread_rows"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
