"""Run the FinOps Foundation's focus-validator on one file and print its verdict as JSON.

Runs under the validator's own Python >= 3.12 virtualenv (``make validator``), not spendscope's:
``.venv-validator/bin/python tests/export/validate_focus.py FILE``. Prints
``{"summary": {...}, "failed": {rule_id: message}}``. The validator exits 0 even when rules fail,
so callers must read ``failed``.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

import focus_validator

# focus-validator 2.2.1 opens focus_validator/rules/currency_codes.csv relative to the working
# directory (upstream PR #112), so it must run from its site-packages folder.
os.chdir(Path(focus_validator.__file__).resolve().parent.parent)

from focus_validator.validator import Validator  # noqa: E402


def main(path: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        validator = Validator(
            data_filename=str(Path(path).resolve()),
            output_type="unittest",
            output_destination=str(Path(tmp) / "report.xml"),
            rules_version="1.2",
            rules_block_remote_download=True,
            focus_dataset="CostAndUsage",
        )
        results = validator.validate()
    failed, passed, skipped = {}, 0, 0
    for rule_id, entry in sorted(results.by_rule_id.items()):
        details = entry.get("details") or {}
        if details.get("skipped"):
            skipped += 1
        elif entry.get("ok"):
            passed += 1
        else:
            failed[rule_id] = str(details.get("message") or details)[:300]
    summary = {"total": len(results.by_rule_id), "passed": passed, "failed": len(failed), "skipped": skipped}
    print(json.dumps({"summary": summary, "failed": failed}))


if __name__ == "__main__":
    main(sys.argv[1])
