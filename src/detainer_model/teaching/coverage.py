"""Coverage: which rules, and which branches of their conditions, the scenario files exercise.

Every case is evaluated under every federal regime the rules define and under its own local
policy. A *rule* is exercised when its condition held in some evaluation (whether it decided the
answer or gave way to an exception). A *branch* is one way a condition can come true: each part
of an ``or`` that is not under a ``not`` (so each value of ``has_any(kinds, [...])`` and of
``x in [...]``), and each arm of ``x if c else y``. A branch is exercised when it was true in an
evaluation where the whole condition held. Definitions are covered the same way; a definition
that counts convictions or charges is exercised by any conviction or charge its ``where``
accepted.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.evaluate import Decision
from ..core.facts import items_of
from ..core.models import Case
from ..core.runner import run_scenarios
from ..core.scenarios import LoadedScenario
from ..rulebook.library import LoadedDefinition, LoadedRule, RuleLibrary
from .explain import decision_values
from .reasons import Path, branches, covered

TargetKind = Literal["rule", "branch", "definition", "definition branch"]


@dataclass(frozen=True)
class Target:
    """Something a scenario set should exercise."""

    kind: TargetKind
    ruleset: str
    owner: str  # the rule or definition id
    path: Path
    text: str
    file: str
    line: int | None

    @property
    def key(self) -> tuple[str, Path]:
        return (self.owner, self.path)

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self, hit: bool) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ruleset": self.ruleset,
            "id": self.owner,
            "branch": self.text if self.kind.endswith("branch") else None,
            "where": self.where(),
            "exercised": hit,
        }


@dataclass(frozen=True)
class Coverage:
    """What the scenario files exercise, of the rule sets considered."""

    targets: tuple[Target, ...]
    hit: frozenset[tuple[str, Path]]
    cases: int
    evaluations: int
    rulesets: tuple[str, ...]
    examples: dict[tuple[str, Path], str] = field(default_factory=dict)

    @property
    def missing(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.key not in self.hit)

    @property
    def complete(self) -> bool:
        return not self.missing

    def counts(self, ruleset: str | None = None) -> dict[str, tuple[int, int]]:
        """(exercised, total) for rules, branches, definitions and definition branches."""
        out: dict[str, tuple[int, int]] = {}
        for kind in ("rule", "branch", "definition", "definition branch"):
            ts = [t for t in self.targets if t.kind == kind and (ruleset is None or t.ruleset == ruleset)]
            out[kind] = (sum(1 for t in ts if t.key in self.hit), len(ts))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "evaluations": self.evaluations,
            "complete": self.complete,
            "rulesets": {
                rs: {kind: {"exercised": a, "total": b} for kind, (a, b) in self.counts(rs).items()}
                for rs in self.rulesets
            },
            "missing": [t.to_dict(False) for t in self.missing],
            "targets": [
                {**t.to_dict(t.key in self.hit), "example": self.examples.get(t.key)} for t in self.targets
            ],
        }


def targets(lib: RuleLibrary, rulesets: Iterable[str] | None = None) -> list[Target]:
    """Every rule, definition and branch of the chosen rule sets (default: all), in file order."""
    chosen = list(rulesets) if rulesets is not None else _ordered(lib)
    out: list[Target] = []
    for sid in chosen:
        rs = lib.ruleset(sid)
        for d in rs.definitions:
            out.append(Target("definition", rs.id, d.id, (), d.id, d.file, d.line))
            out.extend(
                Target("definition branch", rs.id, d.id, b.path, b.text, d.file, d.line)
                for b in branches(d.node)
            )
        for r in rs.rules:
            out.append(Target("rule", rs.id, r.id, (), r.id, r.file, r.line))
            out.extend(
                Target("branch", rs.id, r.id, b.path, b.text, r.file, r.line) for b in branches(r.condition)
            )
    return out


def _ordered(lib: RuleLibrary) -> list[str]:
    levels = {"shared": 0, "federal": 1, "local": 2}
    shared = list(lib.model.shared)
    rest = sorted(
        (rs for rs in lib.rulesets.values() if rs.id not in shared), key=lambda rs: (levels[rs.level], rs.id)
    )
    return [*shared, *(rs.id for rs in rest)]


def coverage(
    scenarios: Sequence[LoadedScenario], lib: RuleLibrary, rulesets: Iterable[str] | None = None
) -> Coverage:
    """Evaluate every case (every era under every reading, its own place) and record what was exercised."""
    chosen = list(rulesets) if rulesets is not None else _ordered(lib)
    for sid in chosen:
        lib.ruleset(sid)
    run = run_scenarios(scenarios, regimes=lib.refs("federal"), rules=lib)
    hit: set[tuple[str, Path]] = set()
    examples: dict[tuple[str, Path], str] = {}
    evaluations = 0
    for case_run in run.cases:
        for d in case_run.decisions:
            evaluations += 1
            label = f"{case_run.file}: {case_run.case.id} ({d.label} @ {d.jurisdiction_ref})"
            for key in _exercised(d, case_run.case, lib):
                hit.add(key)
                examples.setdefault(key, label)
    return Coverage(
        tuple(targets(lib, chosen)), frozenset(hit), len(run.cases), evaluations, tuple(chosen), examples
    )


def _exercised(d: Decision, case: Case, lib: RuleLibrary) -> Iterable[tuple[str, Path]]:
    comp = lib.composition(d.regime_ref, d.local_ref)
    values = decision_values(d, comp)
    applied = {*d.fired, *(o.rule.id for o in d.overridden)}
    for r in comp.rules.values():
        yield from _rule_hits(r, values, applied)
    groups: dict[str, list[dict[str, Any]]] = {}
    for definition in comp.definitions:
        yield from _definition_hits(definition, values, groups, case)


def _rule_hits(r: LoadedRule, values: dict[str, Any], applied: set[str]) -> Iterable[tuple[str, Path]]:
    if r.id not in applied:
        return
    yield (r.id, ())
    for path in covered(r.condition, values):
        yield (r.id, path)


def _definition_hits(
    d: LoadedDefinition, values: dict[str, Any], groups: dict[str, list[dict[str, Any]]], case: Case
) -> Iterable[tuple[str, Path]]:
    spec = d.definition
    if spec.expr is not None:
        yield (d.id, ())  # an expression is computed, whatever its value
        yield from ((d.id, p) for p in covered(d.node, values))
        return
    group = spec.count or spec.any or "convictions"
    if group not in groups:
        groups[group] = items_of(case, group)
    for item in groups[group]:
        paths = covered(d.node, ChainMap(item, values))
        if d.predicate(ChainMap(item, values)):
            yield (d.id, ())
        yield from ((d.id, p) for p in paths)
