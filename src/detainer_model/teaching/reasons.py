"""Why a condition holds or fails: the comparisons that decide it, with the values they saw.

A rule's ``when:`` is a tree of ``and`` / ``or`` / ``not`` over simple comparisons (the *leaves*).
:func:`why` evaluates the tree against a case's facts exactly as the reference evaluator does
and returns, with the truth value, the leaves that make it so: for a condition that holds, the
comparisons that hold in every ``and`` and in the true branches of every ``or``; for one that
fails, the comparisons that fail. A ``has_any(kinds, [...])`` or ``x in [...]`` (an ``or`` of
tests on one name) counts as a single leaf, so that an explanation reads "priorities includes
none of 1(a), 1(c), ..." rather than six separate lines.

:func:`branches` and :func:`covered` name the branches of a condition (each part of an ``or``
that is not under a ``not``, and both arms of ``x if c else y``) for coverage reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..rulebook import expressions as ex
from ..rulebook.expressions import And, Cmp, Given, Has, IfElse, Node, Not, Or, Within

_OPS = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def show_value(value: Any, none: str = "not given") -> str:
    """A value as the rule files write it: true/false, ISO dates, lists in brackets."""
    if value is None:
        return none
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset | set | tuple | list):
        items = sorted(map(str, value))
        return "[" + ", ".join(items) + "]" if items else "nothing"
    return str(value)


def is_group(node: Node) -> bool:
    """An ``or`` of membership or equality tests on one name (``has_any``, ``x in [...]``)."""
    if not isinstance(node, Or) or not node.parts:
        return False
    first = node.parts[0]
    if isinstance(first, Has):
        return all(isinstance(p, Has) and p.ref.name == first.ref.name for p in node.parts)
    if isinstance(first, Cmp) and first.op == "==":
        return all(isinstance(p, Cmp) and p.op == "==" and p.ref.name == first.ref.name for p in node.parts)
    return False


def is_leaf(node: Node) -> bool:
    return isinstance(node, Cmp | Has | Given | Within) or is_group(node)


def leaf_name(node: Node) -> str:
    if isinstance(node, Cmp | Has | Given | Within):
        return node.ref.name
    assert isinstance(node, Or)
    return leaf_name(node.parts[0])


def group_values(node: Or) -> tuple[Any, ...]:
    return tuple(p.value for p in node.parts if isinstance(p, Cmp | Has))


@dataclass(frozen=True)
class Leaf:
    """One comparison of a condition, whether it held, and the value its name had."""

    node: Node
    holds: bool
    name: str
    actual: Any

    def text(self) -> str:
        """The comparison in words, as it came out: "request is detainer", "not ice.judicial_warrant"."""
        n, v, node = self.name, self.actual, self.node
        if isinstance(node, Given):
            return f"{n} is given ({show_value(v)})" if self.holds else f"{n} is not given"
        if isinstance(node, Within):
            if v is None:
                return f"{n} is not given"
            word = "within" if self.holds else "more than"
            return f"{n} {show_value(v)} is {word} {node.years} years before {node.anchor.name}"
        if isinstance(node, Has):
            lit = show_value(node.value)
            return f"{n} includes {lit}" if self.holds else f"{n} does not include {lit}"
        if isinstance(node, Or):
            values = group_values(node)
            listed = ", ".join(show_value(x) for x in values)
            if isinstance(node.parts[0], Has):
                found = [x for x in values if x in (v or ())]
                if self.holds:
                    return f"{n} includes {', '.join(show_value(x) for x in found)} (one of {listed})"
                held = f"it has {show_value(v)[1:-1]}" if v else "it is empty"
                return f"{n} includes none of {listed} ({held})"
            if self.holds:
                return f"{n} is {show_value(v)} (one of {listed})"
            return f"{n} is {show_value(v)}, not one of {listed}"
        assert isinstance(node, Cmp)
        if isinstance(node.value, bool):
            if v is None:
                return f"{n} is not given"
            return f"{n} is {show_value(v)}"
        lit = show_value(node.value)
        if v is None:
            return f"{n} is not given"
        if node.op == "==":
            return f"{n} is {lit}" if self.holds else f"{n} is {show_value(v)}, not {lit}"
        if node.op == "!=":
            return f"{n} is {show_value(v)}, not {lit}" if self.holds else f"{n} is {lit}"
        op = _OPS[node.op]
        if self.holds:
            return f"{n} is {show_value(v)} ({op} {lit})"
        return f"{n} is {show_value(v)}, not {op} {lit}"


def _leaf(node: Node, facts: Mapping[str, Any]) -> Leaf:
    holds = ex.python_predicate(node)(facts)
    name = leaf_name(node)
    return Leaf(node, holds, name, facts.get(name))


def why(node: Node, facts: Mapping[str, Any]) -> tuple[bool, list[Leaf]]:
    """The truth of ``node`` over ``facts`` and the leaves that make it so."""
    if is_leaf(node):
        leaf = _leaf(node, facts)
        return leaf.holds, [leaf]
    if isinstance(node, And):
        results = [why(p, facts) for p in node.parts]
        if all(ok for ok, _ in results):
            return True, _drop_guards([leaf for _, ls in results for leaf in ls])
        return False, _failing([leaf for ok, ls in results if not ok for leaf in ls])
    if isinstance(node, Or):
        results = [why(p, facts) for p in node.parts]
        if any(ok for ok, _ in results):
            return True, [leaf for ok, ls in results if ok for leaf in ls]
        return False, [leaf for _, ls in results for leaf in ls]
    if isinstance(node, Not):
        ok, leaves = why(node.part, facts)
        return not ok, leaves
    assert isinstance(node, IfElse)
    cond, cond_leaves = why(node.cond, facts)
    ok, leaves = why(node.then if cond else node.orelse, facts)
    return ok, _drop_guards([*cond_leaves, *leaves])


def _drop_guards(leaves: list[Leaf]) -> list[Leaf]:
    """Leave out "x is given" when another leaf already shows x's value."""
    named = {leaf.name for leaf in leaves if not isinstance(leaf.node, Given)}
    return _unique(
        [leaf for leaf in leaves if not (isinstance(leaf.node, Given) and leaf.holds and leaf.name in named)]
    )


def _failing(leaves: list[Leaf]) -> list[Leaf]:
    """A missing value fails every comparison on it: say "x is not given" once."""
    missing = {leaf.name for leaf in leaves if isinstance(leaf.node, Given) and not leaf.holds}
    kept = [leaf for leaf in leaves if not (leaf.name in missing and not isinstance(leaf.node, Given))]
    return _unique(kept)


def _unique(leaves: list[Leaf]) -> list[Leaf]:
    seen: set[str] = set()
    out = []
    for leaf in leaves:
        key = leaf.text()
        if key not in seen:
            seen.add(key)
            out.append(leaf)
    return out


def holds(node: Node, facts: Mapping[str, Any]) -> bool:
    return ex.python_predicate(node)(facts)


# ---------------------------------------------------------------------------------------------
# Branches, for coverage

Path = tuple[int, ...]


@dataclass(frozen=True)
class Branch:
    """One way a condition can come true: a part of an ``or`` or an arm of ``x if c else y``."""

    path: Path
    text: str


def branches(node: Node) -> list[Branch]:
    """Every branch of ``node``, outside any ``not``, in reading order."""
    return list(_branches(node, ()))


def plain(node: Node) -> str:
    """``ex.render``, with a true-or-false test written as the name (or "not name")."""
    if isinstance(node, Cmp) and isinstance(node.value, bool) and node.op in ("==", "!="):
        return node.ref.name if (node.value is True) == (node.op == "==") else f"not {node.ref.name}"
    return ex.render(node)


def _branches(node: Node, path: Path) -> Iterator[Branch]:
    if isinstance(node, Or):
        for i, part in enumerate(node.parts):
            yield Branch((*path, i), plain(part))
            yield from _branches(part, (*path, i))
    elif isinstance(node, And):
        for i, part in enumerate(node.parts):
            yield from _branches(part, (*path, i))
    elif isinstance(node, IfElse):
        yield Branch((*path, 1), f"{plain(node.then)}, when {plain(node.cond)}")
        yield Branch((*path, 2), f"{plain(node.orelse)}, when not ({plain(node.cond)})")
        yield from _branches(node.then, (*path, 1))
        yield from _branches(node.orelse, (*path, 2))


def covered(node: Node, facts: Mapping[str, Any]) -> set[Path]:
    """The branches that made ``node`` true for ``facts`` (empty when it is false)."""
    out: set[Path] = set()
    if holds(node, facts):
        _cover(node, facts, (), out)
    return out


def _cover(node: Node, facts: Mapping[str, Any], path: Path, out: set[Path]) -> None:
    # called only on nodes that are true
    if isinstance(node, Or):
        for i, part in enumerate(node.parts):
            if holds(part, facts):
                out.add((*path, i))
                _cover(part, facts, (*path, i), out)
    elif isinstance(node, And):
        for i, part in enumerate(node.parts):
            _cover(part, facts, (*path, i), out)
    elif isinstance(node, IfElse):
        arm = 1 if holds(node.cond, facts) else 2
        out.add((*path, arm))
        _cover(node.then if arm == 1 else node.orelse, facts, (*path, arm), out)
