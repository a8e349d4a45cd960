"""Small helpers the presenters share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core.evaluate import CONTRACT_FIELDS, DISCLAIMER, Decision
from ..core.runner import CaseRun, RunResult

__all__ = [
    "CONTRACT_FIELDS",
    "DISCLAIMER",
    "column_label",
    "differing",
    "failure_lines",
    "fired_rules",
    "show",
]


def show(value: Any) -> str:
    """A result value as a reader sees it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value)) if value else "—"
    return str(value)


def column_label(run: CaseRun, d: Decision) -> str:
    """``pep`` for the case's own place, ``pep @ cook-county-2011`` for another."""
    places = {x.jurisdiction for x in run.decisions}
    return d.label if len(places) == 1 else f"{d.label} @ {d.jurisdiction_ref}"


def differing(decisions: Iterable[Decision]) -> set[str]:
    ds = list(decisions)
    return {k for k in CONTRACT_FIELDS if len({repr(d.get(k)) for d in ds}) > 1}


def fired_rules(run: CaseRun) -> list[tuple[str, str, list[str]]]:
    """(rule id, explanation line, labels of the columns it fired in), in order of first firing."""
    order: dict[str, tuple[str, list[str]]] = {}
    for d in run.decisions:
        for f in d.findings:
            if f.rule.id not in order:
                order[f.rule.id] = (f.line(), [])
            order[f.rule.id][1].append(column_label(run, d))
    return [(rid, line, cols) for rid, (line, cols) in order.items()]


def failure_lines(result: RunResult) -> list[str]:
    """One line per expectation that failed: ``✗ file:line case 'id': regime: field expected ...``."""
    lines: list[str] = []
    for run in result.failed:
        where = f"{run.file}:{run.line}" if run.line else run.file
        lines.extend(f"✗ {where} case '{run.case.id}': {m}" for m in run.mismatches)
    return lines
