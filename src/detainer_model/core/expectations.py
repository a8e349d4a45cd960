"""Checking a case's ``expect`` block (its answer key) against the decisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..rulebook.library import split_ref
from .evaluate import Decision
from .models import Case

Status = Literal["pass", "fail", "none"]


@dataclass(frozen=True)
class Mismatch:
    """One expected answer that the model did not give."""

    regime: str
    field: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        if self.field == "fired":
            return f"{self.regime}: expected rules {_show(self.expected)} to fire; fired {_show(self.actual)}"
        return f"{self.regime}: {self.field} expected {_show(self.expected)}, got {_show(self.actual)}"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_case(case: Case, decisions: Sequence[Decision]) -> tuple[Status, list[Mismatch]]:
    """Compare ``expect`` with the decisions made under the case's own jurisdiction and params.

    Regimes that were not evaluated are not checked. Priorities compare as sets; ``fired``
    passes when every listed rule fired.
    """
    if not case.expect:
        return "none", []
    place = split_ref(case.jurisdiction.id)[0]
    own: dict[str, Decision] = {}
    for d in decisions:
        if d.jurisdiction == place and _own_params(case, d):
            own.setdefault(d.regime_ref, d)
            if d.reading == d.default_reading:
                own.setdefault(d.regime, d)  # ``expect: {pep: ...}`` means the default reading
    mismatches: list[Mismatch] = []
    checked = False
    for regime, expected in case.expect.items():
        decision = own.get(regime)
        if decision is None:
            continue
        checked = True
        for name, want in expected.items():
            if name == "fired":
                fired = decision.fired  # made afresh at each use: once here
                if any(r not in fired for r in want):
                    mismatches.append(Mismatch(regime, "fired", list(want), list(fired)))
                continue
            got = decision.get(name)
            if name == "priorities":
                if set(want) != set(got):
                    mismatches.append(Mismatch(regime, name, sorted(want), list(got)))
            elif want != got or type(want) is not type(got):
                mismatches.append(Mismatch(regime, name, want, got))
    if not checked:
        return "none", []
    return ("fail" if mismatches else "pass"), mismatches


def _own_params(case: Case, decision: Decision) -> bool:
    return all(decision.params.get(k) == v for k, v in case.jurisdiction.params.items())
