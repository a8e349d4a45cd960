"""The JSON document of the contract (section 2), extended with mismatches and a summary."""

from __future__ import annotations

import json
from typing import Any

from .._version import __version__
from ..core.evaluate import Decision
from ..core.runner import RunResult
from ..teaching.contrast import contrasts
from ..teaching.plain import plain_decision
from .common import DISCLAIMER


def document(result: RunResult, *, plain: bool = False) -> dict[str, Any]:
    """The run as a JSON-ready dict; ``plain``: each result also carries ``plain``, its answers and
    reasons in plain English (:func:`~detainer_model.teaching.plain.plain_decision`)."""
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
                "results": [_result(d, result, plain) for d in run.decisions],
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


def _result(d: Decision, result: RunResult, plain: bool) -> dict[str, Any]:
    out = d.to_dict()
    if plain:
        out["plain"] = plain_decision(d, result.rules)
    return out


def render_json(result: RunResult, *, plain: bool = False) -> str:
    return json.dumps(document(result, plain=plain), indent=2, ensure_ascii=False) + "\n"
