"""Provider unit spellings become FOCUS Unit Format, literally."""

from __future__ import annotations

import pytest

from spendscope.normalize.units import is_focus_unit, normalize_unit


@pytest.mark.parametrize("raw, focus", [
    ("Hrs", "Hours"),
    ("GB-Mo", "GB-Months"),
    ("Obj-Month", "Obj-Months"),  # AWS S3 object monitoring
    ("Lambda-GB-Second", "GB-Seconds"),
    ("Lambda-GB-Seconds", "GB-Seconds"),
    ("GB Hours", "GB-Hours"),
    ("1K tokens", "1000 Tokens"),  # Bedrock: the spelling FOCUS examples use
    ("1M tokens", "1000000 Tokens"),
    ("OCPU Per Hour", "OCPU/Hour"),
    ("Requests", "Requests"),
])
def test_units(raw, focus):
    assert normalize_unit(raw) == focus
    assert is_focus_unit(focus)
