"""The JSON document of the contract (section 2), extended with mismatches and a summary."""

from __future__ import annotations

import json
from typing import Any

from .._version import __version__
from ..core.runner import RunResult
from ..teaching.contrast import contrasts
from .common import DISCLAIMER


def document(result: RunResult) -> dict[str, Any]:
    """The run as a JSON-ready dict."""
    return {
        "model": {"version": __version__, "rules": result.rules.digest},
        "disclaimer": DISCLAIMER,
        "regimes": list(result.regimes),
        "cases": [
            {
                "file": run.file,
                "id": run.case.id,
                "title": run.case.title,
                "booking_date": run.case.booking_date.isoformat(),
                "results": [d.to_dict() for d in run.decisions],
                "contrast": [c.to_dict() for c in contrasts(run.case, run.decisions, result.rules)],
                "expect": run.expect,
                "mismatches": [
                    {"regime": m.regime, "field": m.field, "expected": m.expected, "actual": m.actual}
                    for m in run.mismatches
                ],
            }
            for run in result.cases
        ],
        "summary": {"cases": len(result.cases), "expect": result.counts},
    }


def render_json(result: RunResult) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
