"""Rewrite providers' unit spellings into the FOCUS Unit Format, without changing what they mean.

FOCUS (``attributes/unit_format.md``) allows ``<units>``, ``<unit>-<plural time units>``
(``GB-Hours``), ``<units>/<time unit>`` (``GB/Hour``) and a leading whole-number block size
(``1000000 Tokens``). Providers write ``GB Hours``, ``Lambda-GB-Seconds``, ``1K Tokens`` or
``OCPU Per Hour``; this module rewrites such spellings literally and leaves anything it does not
recognise as it was.

>>> normalize_unit("GB Hours")
'GB-Hours'
>>> normalize_unit("Lambda-GB-Seconds")
'GB-Seconds'
>>> normalize_unit("1K Tokens")
'1000 Tokens'
>>> normalize_unit("Obj-Month")
'Obj-Months'
>>> normalize_unit("Requests")
'Requests'
>>> normalize_unit("gibibyte month")
'GiB-Months'
"""

from __future__ import annotations

import re
from functools import cache

DATA_SIZES = (
    "b", "Kb", "Mb", "Gb", "Tb", "Pb", "Eb", "B", "KB", "MB", "GB", "TB", "PB", "EB",
    "Kib", "Mib", "Gib", "Tib", "Pib", "Eib", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
)
TIME_SINGULAR = ("Year", "Month", "Day", "Hour", "Minute", "Second")
TIME_PLURAL = tuple(t + "s" for t in TIME_SINGULAR)

# Whole spellings seen in real exports, with their FOCUS form.
EXACT = {
    "Gigabyte Per Hour": "GB/Hour",
    "Gigabyte Per Month": "GB/Month",
    "GiB/Second-Months": "GiBps-Months",  # AWS gp3 provisioned throughput (MiBps-Mo in CUR)
    "Hrs": "Hours",
    "hrs": "Hours",
    "Hour": "Hours",
    "GB-Mo": "GB-Months",
    "1K tokens": "1000 Tokens",  # Bedrock's per-model token usage types in CUR
    "1M tokens": "1000000 Tokens",  # Bedrock Marketplace models in CUR
}
# GCP's lower-case units (usage.unit, usage.pricing_unit): "gibibyte month", "byte-seconds", "hour"
GCP_SIZES = {"byte": "B", "bytes": "B", "kibibyte": "KiB", "mebibyte": "MiB", "gibibyte": "GiB", "tebibyte": "TiB",
             "pebibyte": "PiB", "kilobyte": "KB", "megabyte": "MB", "gigabyte": "GB", "terabyte": "TB"}
GCP_TIMES = {t.lower(): t for t in TIME_SINGULAR}
WORD_SIZES = {"Gigabyte": "GB", "Gigabytes": "GB", "Megabyte": "MB", "Terabyte": "TB", "Kilobyte": "KB"}
MULTIPLIERS = {"K": 1_000, "M": 1_000_000, "B": 1_000_000_000}

_COUNT = r"[A-Za-z][A-Za-z0-9]*(?:\s+[A-Za-z][A-Za-z0-9]*)*"
_SIZE = "|".join(DATA_SIZES)
_TS = "|".join(TIME_SINGULAR)
_TP = "|".join(TIME_PLURAL)
FOCUS_UNIT = re.compile(
    rf"^(?:(?:{_SIZE}|{_TS}|{_TP}|{_COUNT})"
    rf"|(?:(?:{_SIZE}|{_COUNT})-(?:{_TP}))"
    rf"|(?:(?:{_SIZE}|{_COUNT}|{_TP})/(?:{_TS}))"
    rf"|(?:[0-9]+ (?:{_SIZE}|{_TS}|{_TP}|{_COUNT}))"
    rf"|(?:(?:{_SIZE}|{_COUNT}|{_TP})/[0-9]+ (?:{_TP})))$"
)


def is_focus_unit(unit: str) -> bool:
    """Whether ``unit`` matches the FOCUS Unit Format (the FinOps Foundation validator's reading)."""
    return bool(FOCUS_UNIT.match(unit))


@cache
def normalize_unit(unit: str) -> str:
    """The FOCUS spelling of ``unit``; unchanged when it is already conformant or unknown."""
    text = " ".join(unit.split())
    if text in EXACT:
        return EXACT[text]
    # GCP: "gibibyte" -> "GiB", "gibibyte month" -> "GiB-Months", "byte-seconds" -> "B-Seconds", "hour" -> "Hours"
    m = re.fullmatch(r"([a-z]+?)(?:[ -]([a-z]+?)s?)?", text)
    if m and (m.group(1) in GCP_SIZES or m.group(1).rstrip("s") in GCP_TIMES) and (m.group(2) is None or m.group(2) in GCP_TIMES):
        if m.group(1) not in GCP_SIZES:
            return GCP_TIMES[m.group(1).rstrip("s")] + "s"
        size = GCP_SIZES[m.group(1)]
        return size if m.group(2) is None else f"{size}-{GCP_TIMES[m.group(2)]}s"
    if re.fullmatch(r"[a-z]+", text):  # GCP's "count", "requests"
        return text.capitalize()
    # "<x> Per <Time>" -> "<x>/<Time>"
    m = re.fullmatch(rf"(.+?) [Pp]er ({_TS})", text)
    if m:
        return f"{WORD_SIZES.get(m.group(1), m.group(1))}/{m.group(2)}"
    # "1K Tokens" -> "1000 Tokens", "1M Tokens" -> "1000000 Tokens"
    m = re.fullmatch(r"(\d+)\s*([KMB]) (.+)", text)
    if m:
        return f"{int(m.group(1)) * MULTIPLIERS[m.group(2)]} {m.group(3)}"
    # "Lambda-GB-Seconds" -> "GB-Seconds": drop a product prefix before a data size
    m = re.fullmatch(rf"[A-Za-z]+-({_SIZE})-({_TP})", text)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    # "Obj-Month" (AWS S3 object monitoring) -> "Obj-Months": the time unit after a hyphen is plural
    m = re.fullmatch(rf"(.+)-({_TS})", text)
    if m:
        return normalize_unit(f"{m.group(1)}-{m.group(2)}s")
    # "GB Hours", "OCPU Hours", "GB Months" -> hyphenated
    m = re.fullmatch(rf"(.+) ({_TP})", text)
    if m and not re.fullmatch(r"\d+", m.group(1)):
        return f"{WORD_SIZES.get(m.group(1), m.group(1))}-{m.group(2)}"
    return text
