"""Running scenario files: every case under the chosen regimes and places, expectations checked.

This is what ``detainer-model run`` does, as a function a script can call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..rulebook.library import RuleLibrary, load_rules
from .evaluate import DEFAULT_REGIMES, Backend, Decision, evaluate
from .expectations import Mismatch, Status, check_case
from .models import Case
from .scenarios import LoadedScenario, load_scenarios


@dataclass(frozen=True)
class CaseRun:
    """One case's decisions and the verdict on its ``expect`` block."""

    file: str
    line: int | None
    case: Case
    decisions: tuple[Decision, ...]
    expect: Status
    mismatches: tuple[Mismatch, ...] = ()
    checked: tuple[Decision, ...] = ()
    """Decisions made only to check ``expect`` under the other eras and readings it names."""


@dataclass(frozen=True)
class RunResult:
    """Everything ``detainer-model run`` reports."""

    rules: RuleLibrary
    regimes: tuple[str, ...]
    cases: tuple[CaseRun, ...]
    jurisdictions: tuple[str, ...] | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> tuple[CaseRun, ...]:
        return tuple(c for c in self.cases if c.expect == "fail")

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def to_frame(self) -> Any:
        """One row per decision as a polars DataFrame (see :mod:`detainer_model.report.frames`)."""
        from ..report.frames import to_frame

        return to_frame(self)

    def _repr_html_(self) -> str:
        from ..report.frames import run_html

        return run_html(self)


def resolve_regimes(lib: RuleLibrary, regimes: Sequence[str] | None) -> tuple[str, ...]:
    """The regimes asked for (default: Secure Communities and PEP), checked, as results label them."""
    return tuple(dict.fromkeys(lib.check_regime(r) for r in regimes or DEFAULT_REGIMES))


def run_scenarios(
    scenarios: Sequence[LoadedScenario],
    *,
    regimes: Sequence[str] | None = None,
    jurisdictions: Sequence[str] | None = None,
    rules: RuleLibrary | None = None,
    backend: Backend = "engine",
) -> RunResult:
    """Evaluate every case under each regime and, by default, its own jurisdiction.

    Without ``regimes``, a case is also evaluated under every other era or reading its ``expect``
    block names (``"pep:as-written"``), so that each expectation written is checked.

    ``jurisdictions`` evaluates each case under those places instead (the case's own
    parameters apply only to its own place).
    """
    lib = rules or load_rules()
    chosen = resolve_regimes(lib, regimes)
    places = tuple(dict.fromkeys(jurisdictions)) if jurisdictions else None
    for j in places or ():
        lib.check_local(j)
    runs: list[CaseRun] = []
    for scenario in scenarios:
        for index, case in enumerate(scenario.cases):
            where = places or (case.jurisdiction.id,)
            decisions = tuple(
                evaluate(case, regime, place, rules=lib, backend=backend)
                for place in where
                for regime in chosen
            )
            extra = () if regimes else _named_by_expect(case, chosen)
            checked = tuple(evaluate(case, regime, rules=lib, backend=backend) for regime in extra)
            status, mismatches = check_case(case, decisions + checked)
            runs.append(
                CaseRun(
                    scenario.file,
                    scenario.line_of(index),
                    case,
                    decisions,
                    status,
                    tuple(mismatches),
                    checked,
                )
            )
    counts = {s: sum(1 for r in runs if r.expect == s) for s in ("pass", "fail", "none")}
    return RunResult(lib, chosen, tuple(runs), places, counts)


def _named_by_expect(case: Case, chosen: Sequence[str]) -> tuple[str, ...]:
    """The regime refs a case's ``expect`` names beyond those already ``chosen``."""
    return tuple(k for k in (case.expect or {}) if k not in chosen)


def run_paths(
    paths: Sequence[str | Path],
    *,
    regimes: Sequence[str] | None = None,
    jurisdictions: Sequence[str] | None = None,
    rules: RuleLibrary | None = None,
) -> RunResult:
    """Load (all or nothing) and run scenario files."""
    lib = rules or load_rules()
    return run_scenarios(load_scenarios(paths, lib), regimes=regimes, jurisdictions=jurisdictions, rules=lib)
