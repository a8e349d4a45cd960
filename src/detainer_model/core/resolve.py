"""Precedence between the rules that fired: exceptions, defaults, conflicts and gaps.

For each answer settled in a stratum: among the rules that fired and conclude it, a rule that is
(directly or through a chain of ``exception_to``) an exception to another beats it. The rules
that nobody beats decide; if they disagree, that is a conflict and an error naming both rules,
never a matter of file order. If no rule decides, the answer takes its declared default, or,
when the model requires an answer, that is a gap and an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import RuleConflictError, RuleGapError
from ..rulebook.library import Composition, LoadedRule
from ..rulebook.rulefile import OutputDecl


@dataclass(frozen=True)
class Override:
    """A rule that applied but gave way to an exception."""

    rule: LoadedRule
    by: LoadedRule
    field: str


@dataclass(frozen=True)
class Settled:
    """The answers settled for a composition, the rules deciding each, and the rules overridden."""

    values: dict[str, Any]
    decided_by: dict[str, tuple[LoadedRule, ...]]
    overridden: tuple[Override, ...]


def settle(fields: Sequence[str], fired: Sequence[LoadedRule], comp: Composition) -> Settled:
    """Settle ``fields`` from the rules that ``fired`` (given in declaration order)."""
    values: dict[str, Any] = {}
    decided: dict[str, tuple[LoadedRule, ...]] = {}
    overridden: list[Override] = []
    for name in fields:
        decl = comp.outputs[name]
        candidates = [r for r in fired if name in r.rule.then]
        winners = []
        for r in candidates:
            beaters = [o for o in candidates if r.id in comp.beats[o.id]]
            if beaters:
                overridden.append(Override(r, beaters[0], name))
            else:
                winners.append(r)
        decided[name] = tuple(winners)
        values[name] = _value(name, decl, winners)
    return Settled(values, decided, tuple(overridden))


def _value(name: str, decl: OutputDecl, winners: list[LoadedRule]) -> Any:
    if decl.type == "set":
        found: set[Any] = set()
        for r in winners:
            v = r.rule.then[name]
            found.update(v if isinstance(v, list) else [v])
        return frozenset(found)
    if winners:
        first = winners[0]
        for other in winners[1:]:
            if other.rule.then[name] != first.rule.then[name]:
                raise RuleConflictError(
                    f"rules '{first.id}' ({first.file}:{first.line}) and '{other.id}' "
                    f"({other.file}:{other.line}) both apply and disagree on {name}: "
                    f"{first.rule.then[name]!r} vs {other.rule.then[name]!r}; declare one "
                    "an exception_to the other"
                )
        return first.rule.then[name]
    if decl.required:
        raise RuleGapError(f"no rule decides '{name}', and the model requires an answer")
    if decl.has_default:
        return decl.default
    return False if decl.type == "bool" else None
