"""Typed values from raw ones, shared by every source: text, exact decimals, UTC timestamps.

Money never passes through a float: a float column (some Parquet writers use them) is first turned
into its shortest decimal text, then into an exact decimal, so 0.1 stays 0.1.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from spendscope.store.schema import MONEY, UTC_TIMESTAMP

NULL_TEXTS = ("", "NULL", "null")


def text(value: ir.Value) -> ir.StringValue:
    """A string column with placeholder nulls (empty, NULL) turned into real nulls."""
    if value.type().is_string():
        return ibis.cases((value.isin(NULL_TEXTS), ibis.null(dt.string)), else_=value)
    if value.type().is_struct() or value.type().is_map() or value.type().is_array():
        return value.cast(dt.json).cast(dt.string)
    return value.cast(dt.string)


# Text with at most 8 integer and 10 decimal digits converts exactly through DECIMAL(18, 10), which
# DuckDB parses ~35 times faster than DECIMAL(38, 18); anything longer takes the exact slow path.
_SHORT_DECIMAL = r"^-?[0-9]{1,8}(\.[0-9]{0,10})?$"
SHORT = dt.Decimal(18, 10)


def decimal(value: ir.Value, *, strict: bool = True, scientific: bool = False) -> ir.DecimalValue:
    """An exact DECIMAL(38, 18); ``strict=False`` gives null where the value is not a number.

    ``scientific=True``: for sources that write small amounts in scientific notation (AWS CUR),
    read it through the fast path too. Without it such text is still read exactly, only slower;
    the rewrite costs other sources time (a larger expression in every number column).
    """
    typ = value.type()
    if typ.is_floating():
        value = value.cast(dt.string)
    elif typ.is_string():
        value = text(value)
    else:
        return value.cast(MONEY) if strict else value.try_cast(MONEY)
    if scientific:
        value = _unexponent(value)
    convert = (lambda v, t: v.cast(t)) if strict else (lambda v, t: v.try_cast(t))
    return ibis.cases(
        (value.re_search(_SHORT_DECIMAL), convert(value, SHORT).cast(MONEY)),
        else_=convert(value, MONEY),
    )


# Scientific notation, as AWS writes small amounts ("1.81E-8"): only the slow exact parse reads it
# (2.8 s per million values against 0.3 s), so such text is first rewritten as the same number in
# plain notation ("0.0000000181"), which usually fits the fast path. Exponents beyond +-30 are left
# to the slow path.
_SCIENTIFIC = r"^(-?)([0-9]+)(?:\.([0-9]*))?[eE]([-+]?[0-9]+)$"


def _unexponent(value: ir.StringValue) -> ir.StringValue:
    """``value`` with scientific notation rewritten as plain decimal text, digit for digit."""
    sign = value.re_extract(_SCIENTIFIC, 1)
    whole = value.re_extract(_SCIENTIFIC, 2)
    digits = whole + value.re_extract(_SCIENTIFIC, 3)
    exponent = value.re_extract(_SCIENTIFIC, 4).cast(dt.int32)
    point = whole.length() + exponent  # where the decimal point goes in ``digits``
    zero = ibis.literal("0")
    plain = ibis.cases(
        (point <= 0, sign + "0." + zero.repeat(-point) + digits),
        (point >= digits.length(), sign + digits + zero.repeat(point - digits.length())),
        else_=sign + digits.substr(0, point) + "." + digits.substr(point),
    )
    scientific = value.re_search(_SCIENTIFIC).fill_null(False)
    usable = scientific & (exponent.abs() <= 30)
    # the regular expressions run only where an "e" could make the text scientific (a cheap test)
    maybe = (value.contains("E") | value.contains("e")).fill_null(False)
    return ibis.cases((maybe, ibis.cases((usable, plain), else_=value)), else_=value)


def timestamp(value: ir.Value, *, strict: bool = True) -> ir.TimestampValue:
    """A UTC timestamp; text without a zone is read as UTC, text with an offset is converted."""
    typ = value.type()
    if typ.is_string():
        value = text(value)
    elif typ.is_timestamp() and typ.timezone is None:
        # the session time zone is UTC, so a naive timestamp is read as UTC
        pass
    return value.cast(UTC_TIMESTAMP) if strict else value.try_cast(UTC_TIMESTAMP)


def remap(value: ir.StringValue, mapping: dict[str, str]) -> ir.StringValue:
    """Rewrite the values in ``mapping`` (raw -> normalised); others stay as they are."""
    changes = {k: v for k, v in mapping.items() if k != v}
    if not changes:
        return value
    return value.cases(*changes.items(), else_=value)
