"""What durable_rules can take, and the rules cut to fit it (or refused when the files load).

durable_rules fails at sizes a rule author can reach, and fails badly: past some sizes it
corrupts its heap and the process dies with no message, past others ``create_ruleset`` spins at
100% CPU ignoring Ctrl-C, past others every evaluation fails with a bare error code. These
limits were measured with ``benchmarks/engine_limits.py`` (which prints them beside the values
here); each limit below is set well inside the largest size that still worked.

So no ruleset handed to the engine exceeds them: a stratum's rules are cut into several engine
rulesets (``engine_parts``), and a rule whose condition is an ``or`` of many branches (a long
``in [...]`` list) becomes several engine rules, one per run of branches, that answer for the
same rule. What cannot be cut, a condition nested too deep, an ``and`` of too many terms, or a
rule reading more facts than one engine fact can hold, is refused when the rule files load, with
the file, the line and the limit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .expressions import ExpressionError, FactType, engine_keys

# The limits of durable_rules 2.0.28, measured (largest working size / first failing size):
ENGINE_LIMITS: dict[str, int] = {
    # rules of one ruleset that fire on one fact (65 corrupt the heap: exit 134/139)
    "firing_rules": 48,
    # rules in one ruleset (about 512 hang create_ruleset)
    "ruleset_rules": 48,
    # branches of one `or` (about 512 hang create_ruleset)
    "or_branches": 64,
    # terms of one `and` (measured like `or`)
    "and_terms": 64,
    # nesting of and/or inside one condition (190 fail every evaluation, error 113)
    "nesting_depth": 24,
    # fields in one fact, including the adapter's own two (255 is the engine's maximum, error 302)
    "fact_fields": 200,
}
# One rule may become at most this many engine rules when its `or`s are cut into runs.
MAX_PIECES_PER_RULE = 64
_ADAPTER_FIELDS = 2  # "sid" and the always-rule's key, added by core.engine


@dataclass(frozen=True)
class EnginePart:
    """One engine ruleset: conditions keyed by engine rule key, and the names its fact carries."""

    name: str
    conditions: dict[str, dict[str, Any]]
    rule_of: dict[str, str]  # engine rule key -> rule id
    inputs: tuple[tuple[str, FactType], ...]


def depth(cond: Any) -> int:
    """How deeply ``$and``/``$or`` nest in a durable_rules condition."""
    best = 0
    stack = [(cond, 0)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, Mapping):
            for k, v in node.items():
                if k in ("$and", "$or") and isinstance(v, list):
                    best = max(best, d + 1)
                    stack.extend((p, d + 1) for p in v)
    return best


def pieces(cond: dict[str, Any]) -> list[dict[str, Any]]:
    """Conditions whose disjunction is ``cond``, each ``or`` of at most the limit's branches.

    Raises ExpressionError (naming the limit) when that cannot be done within the limits.
    """
    if depth(cond) > ENGINE_LIMITS["nesting_depth"]:
        raise ExpressionError(
            f"the condition nests and/or {depth(cond)} deep; the rule engine takes at most "
            f"{ENGINE_LIMITS['nesting_depth']} (split the rule, or name a part as a definition)"
        )
    out = _pieces(cond)
    if len(out) > MAX_PIECES_PER_RULE:
        raise ExpressionError(
            f"the condition needs {len(out)} engine rules once its long 'or's are cut into runs of "
            f"{ENGINE_LIMITS['or_branches']}; the limit is {MAX_PIECES_PER_RULE} (split the rule)"
        )
    return out


def _pieces(cond: dict[str, Any]) -> list[dict[str, Any]]:
    limit = ENGINE_LIMITS["or_branches"]
    if "$or" in cond:
        alternatives = [p for part in cond["$or"] for p in _pieces(part)]
        if len(alternatives) <= limit and all(len(_pieces(part)) == 1 for part in cond["$or"]):
            return [cond]
        runs = [alternatives[i : i + limit] for i in range(0, len(alternatives), limit)]
        return [run[0] if len(run) == 1 else {"$or": run} for run in runs]
    if "$and" in cond:
        parts = cond["$and"]
        if len(parts) > ENGINE_LIMITS["and_terms"]:
            raise ExpressionError(
                f"the condition joins {len(parts)} terms with 'and'; the rule engine takes at most "
                f"{ENGINE_LIMITS['and_terms']} (a long 'not in [...]' list is such an 'and')"
            )
        options = [_pieces(p) for p in parts]
        if all(len(o) == 1 for o in options):
            return [cond]
        combos: list[list[dict[str, Any]]] = [[]]
        for o in options:
            combos = [[*c, p] for c in combos for p in o]
            if len(combos) > MAX_PIECES_PER_RULE:
                raise ExpressionError(
                    f"the condition needs more than {MAX_PIECES_PER_RULE} engine rules once its long "
                    f"'or's are cut into runs of {limit} (split the rule)"
                )
        return [{"$and": c} for c in combos]
    return [cond]


def check_fact_size(names: Iterable[tuple[str, FactType]]) -> None:
    """Raise ExpressionError if one rule reads more fields than one engine fact can hold."""
    n = sum(len(engine_keys(name, t)) for name, t in names) + _ADAPTER_FIELDS
    if n > ENGINE_LIMITS["fact_fields"]:
        raise ExpressionError(
            f"the condition reads {n - _ADAPTER_FIELDS} engine fields; one engine fact holds at most "
            f"{ENGINE_LIMITS['fact_fields'] - _ADAPTER_FIELDS}"
        )


def engine_parts(
    rules: Sequence[tuple[str, dict[str, Any], tuple[tuple[str, FactType], ...]]],
) -> tuple[EnginePart, ...]:
    """Cut rules ``(id, engine condition, names read)`` into engine rulesets within the limits.

    Rules keep their order; a rule cut into pieces keeps its pieces in one ruleset when they fit.
    A stratum small enough for one ruleset gives one part, named as before by its conditions.
    """
    per_part = min(ENGINE_LIMITS["ruleset_rules"], ENGINE_LIMITS["firing_rules"]) - 1  # the always-rule
    max_fields = ENGINE_LIMITS["fact_fields"] - _ADAPTER_FIELDS
    parts: list[EnginePart] = []
    conds: dict[str, dict[str, Any]] = {}
    rule_of: dict[str, str] = {}
    inputs: dict[str, FactType] = {}
    fields = 0

    def close() -> None:
        nonlocal conds, rule_of, inputs, fields
        if conds:
            blob = json.dumps(conds, sort_keys=True)
            name = "dm_" + hashlib.sha256(blob.encode()).hexdigest()[:20]
            parts.append(EnginePart(name, conds, rule_of, tuple(sorted(inputs.items()))))
        conds, rule_of, inputs, fields = {}, {}, {}, 0

    for rule_id, cond, reads in rules:
        split = pieces(cond)
        new = {n: t for n, t in reads if n not in inputs}
        extra = sum(len(engine_keys(n, t)) for n, t in new.items())
        if conds and (len(conds) + len(split) > per_part or fields + extra > max_fields):
            close()
            new = dict(reads)
            extra = sum(len(engine_keys(n, t)) for n, t in new.items())
        for i, piece in enumerate(split):
            if len(conds) >= per_part:
                close()
                new = dict(reads)
                extra = sum(len(engine_keys(n, t)) for n, t in new.items())
            key = rule_id if len(split) == 1 else f"{rule_id}#{i}"
            conds[key] = piece
            rule_of[key] = rule_id
            if i == 0 or new:
                inputs.update(new)
                fields += extra
                new, extra = {}, 0
    close()
    return tuple(parts)
