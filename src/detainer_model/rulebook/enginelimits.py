"""What durable_rules can take, and the rules cut to fit it (or refused when the files load).

durable_rules fails at sizes a rule author can reach, and fails badly: past some sizes it
corrupts its heap and the process dies with no message, past others ``create_ruleset`` spins at
100% CPU ignoring Ctrl-C, past others every evaluation fails with a bare error code. These
limits were measured with ``benchmarks/engine_limits.py`` (which prints them beside the values
here); each limit below is set well inside the largest size that still worked.

So no ruleset handed to the engine exceeds them. A stratum's rules are spread over several engine
rulesets when they are too many (``engine_parts``). A rule whose condition is too big for the
engine (a long ``in [...]`` list, ``and``s and ``or``s nested deep) is written out as an ``or`` of
``and``s and cut into runs, several engine rules that answer for the same rule. What cannot be
cut, a condition of more than 4,096 alternatives, an ``and`` of too many terms, or a rule reading
more facts than one engine fact can hold, is refused when the rule files load, with the file, the
line and the limit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .expressions import ExpressionError, FactType, engine_keys

# The limits of durable_rules 2.0.28 as measured by benchmarks/engine_limits.py: the smallest size
# that failed (exit -6 is a corrupted heap; "Could not create ruleset" and error 302 are refusals).
MEASURED_FAILURES: dict[str, int] = {
    "firing_rules": 64,  # distinct rules of one ruleset firing on one fact (+ the always-rule)
    "ruleset_rules": 511,  # rules in one ruleset (+ the always-rule)
    "or_branches": 511,  # branches of one `or`
    "true_branches": 64,  # true branches of one rule's `or` (each fires, like a rule)
    "nesting_depth": 16,  # `and`s (or and/or alternating) nested, two terms each
    "fact_fields": 252,  # fields of one fact (error 302)
    "or_of_ands": 15,  # branches of one `or` that are themselves `and`s (error 113)
}
# The limits this project keeps to, well inside those:
ENGINE_LIMITS: dict[str, int] = {
    "firing_rules": 48,
    "ruleset_rules": 48,
    "or_branches": 48,
    "nesting_depth": 4,
    "or_of_ands": 8,
    # Not a measured failure (an `and` of two 200-way `or`s worked) but a margin: a condition of
    # more alternatives is written out as runs of `and`s, the one shape measured above.
    "expanded": 8,
    "true_branches": 48,
    "and_terms": 4096,  # terms of one `and` (30,000 were measured to work)
    "fact_fields": 200,
}
# One rule may be written out as at most this many alternatives (an `or` of `and`s) when it is
# too big to hand to the engine as it is; they are then spread over several engine rules.
MAX_TERMS_PER_RULE = 4096
_ADAPTER_FIELDS = 2  # "sid" and the always-rule's key, added by core.engine
# Every ruleset carries the always-rule, and a rule whose `or` has several true branches fires once
# per branch (see core.engine), so each alternative counts against the firing budget.
RULESET_BUDGET = (
    min(ENGINE_LIMITS["firing_rules"], ENGINE_LIMITS["ruleset_rules"], ENGINE_LIMITS["or_branches"]) - 1
)


@dataclass(frozen=True)
class EnginePart:
    """One engine ruleset: conditions keyed by engine rule key, and the names its fact carries."""

    name: str
    conditions: dict[str, dict[str, Any]]
    rule_of: dict[str, str]  # engine rule key -> rule id
    inputs: tuple[tuple[str, FactType], ...]


Cond = dict[str, Any]


def _kind(cond: Cond) -> str | None:
    if len(cond) == 1:
        (key,) = cond
        if key in ("$and", "$or"):
            return key
    return None


def flatten(cond: Cond) -> Cond:
    """The same condition with an ``and`` inside an ``and`` (an ``or`` inside an ``or``) merged."""
    kind = _kind(cond)
    if kind is None:
        return cond
    parts: list[Cond] = []
    for p in cond[kind]:
        f = flatten(p)
        parts.extend(f[kind] if _kind(f) == kind else [f])
    return parts[0] if len(parts) == 1 else {kind: parts}


def depth(cond: Cond) -> int:
    """How deeply ``$and``/``$or`` nest in a durable_rules condition."""
    kind = _kind(cond)
    return 0 if kind is None else 1 + max((depth(p) for p in cond[kind]), default=0)


def alternatives(cond: Cond, cap: int = MAX_TERMS_PER_RULE + 1) -> int:
    """How many ``and``s the condition becomes written out as an ``or`` of ``and``s (at most ``cap``)."""
    kind = _kind(cond)
    if kind is None:
        return 1
    if kind == "$or":
        return min(cap, sum(alternatives(p, cap) for p in cond[kind]))
    total = 1
    for p in cond[kind]:
        total = min(cap, total * alternatives(p, cap))
    return total


def _dnf(cond: Cond) -> list[list[Cond]]:
    kind = _kind(cond)
    if kind is None:
        return [[cond]]
    if kind == "$or":
        return [t for p in cond[kind] for t in _dnf(p)]
    terms: list[list[Cond]] = [[]]
    for p in cond[kind]:
        terms = [[*t, *u] for t in terms for u in _dnf(p)]
    return terms


def _check_ands(cond: Cond) -> None:
    kind = _kind(cond)
    if kind is None:
        return
    if kind == "$and" and len(cond[kind]) > ENGINE_LIMITS["and_terms"]:
        raise ExpressionError(
            f"the condition joins {len(cond[kind])} terms with 'and'; the rule engine takes at most "
            f"{ENGINE_LIMITS['and_terms']} (a long 'not in [...]' list is such an 'and')"
        )
    for p in cond[kind]:
        _check_ands(p)


def weighted_pieces(cond: Cond) -> list[tuple[Cond, int]]:
    """Engine conditions whose disjunction is ``cond``, each with its number of alternatives.

    A condition within the limits stays as it is (flattened). A bigger one is written out as an
    ``or`` of ``and``s and cut into runs that fit. Raises ExpressionError naming the limit when
    even that cannot be done.
    """
    flat = flatten(cond)
    _check_ands(flat)
    n = alternatives(flat)
    if n <= ENGINE_LIMITS["expanded"] and depth(flat) <= ENGINE_LIMITS["nesting_depth"]:
        return [(flat, n)]
    if n > MAX_TERMS_PER_RULE:
        raise ExpressionError(
            f"the condition has more than {MAX_TERMS_PER_RULE:,} alternatives once written out as an "
            "'or' of 'and's, more than the rule engine can take; split the rule, or name a part of "
            "it as a definition"
        )
    terms = [t[0] if len(t) == 1 else {"$and": t} for t in _dnf(flat)]
    for t in terms:
        _check_ands(t)
    runs: list[list[Cond]] = []
    for t in terms:
        # plain comparisons go RULESET_BUDGET to an `or`; `and`s only a few (error 113 beyond)
        room = (
            RULESET_BUDGET
            if all(_kind(x) is None for x in [t, *(runs[-1] if runs else [])])
            else ENGINE_LIMITS["or_of_ands"]
        )
        if runs and len(runs[-1]) < room:
            runs[-1].append(t)
        else:
            runs.append([t])
    return [(run[0] if len(run) == 1 else {"$or": run}, len(run)) for run in runs]


def pieces(cond: Cond) -> list[Cond]:
    """The engine conditions ``cond`` is cut into (see :func:`weighted_pieces`)."""
    return [p for p, _n in weighted_pieces(cond)]


def check_fact_size(names: Iterable[tuple[str, FactType]]) -> None:
    """Raise ExpressionError if one rule reads more fields than one engine fact can hold."""
    n = sum(len(engine_keys(name, t)) for name, t in names) + _ADAPTER_FIELDS
    if n > ENGINE_LIMITS["fact_fields"]:
        raise ExpressionError(
            f"the condition reads {n - _ADAPTER_FIELDS} engine fields; one engine fact holds at most "
            f"{ENGINE_LIMITS['fact_fields'] - _ADAPTER_FIELDS}"
        )


def engine_parts(
    rules: Sequence[tuple[str, Sequence[tuple[Cond, int]], tuple[tuple[str, FactType], ...]]],
) -> tuple[EnginePart, ...]:
    """Cut rules ``(id, weighted pieces of its engine condition, names read)`` into engine
    rulesets within the limits (the pieces are :func:`weighted_pieces`'s, made once per rule).

    Rules keep their order. Each ruleset holds at most the firing budget of alternatives and the
    fields one fact can carry. A stratum small enough for one ruleset gives one part.
    """
    max_fields = ENGINE_LIMITS["fact_fields"] - _ADAPTER_FIELDS
    parts: list[EnginePart] = []
    conds: dict[str, Cond] = {}
    rule_of: dict[str, str] = {}
    inputs: dict[str, FactType] = {}
    weight = 0
    n_fields = 0

    def close() -> None:
        nonlocal conds, rule_of, inputs, weight, n_fields
        if conds:
            blob = json.dumps(conds, sort_keys=True)
            name = "dm_" + hashlib.sha256(blob.encode()).hexdigest()[:20]
            parts.append(EnginePart(name, conds, rule_of, tuple(sorted(inputs.items()))))
        conds, rule_of, inputs, weight, n_fields = {}, {}, {}, 0, 0

    def fields(names: Mapping[str, FactType]) -> int:
        return sum(len(engine_keys(n, t)) for n, t in names.items())

    for rule_id, split, reads in rules:
        for i, (piece, n) in enumerate(split):
            merged = {**inputs, **dict(reads)}
            # only the names this rule adds are counted: the ruleset's fields so far are known
            extra = fields({k: t for k, t in reads if k not in inputs})
            if conds and (weight + n > RULESET_BUDGET or n_fields + extra > max_fields):
                close()
                merged = dict(reads)
                extra = fields(merged)
            key = rule_id if len(split) == 1 else f"{rule_id}#{i}"
            conds[key] = piece
            rule_of[key] = rule_id
            inputs = merged
            weight += n
            n_fields += extra
    close()
    return tuple(parts)
