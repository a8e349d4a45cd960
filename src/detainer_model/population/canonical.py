"""Equivalence classes of facts: which values every rule of a composition treats alike.

Every rule condition compares a name with literals only (``person.age >= 16``,
``priority_felony_convictions >= 1``, ``removal_order == "final"``). So two people whose values
fall on the same side of every literal they are compared with fire exactly the same rules, and the
engine need see only one of them. This module works out, for each name a composition's rules read,

* for whole numbers and dates: the *split points* ``s`` such that some condition asks
  ``value < s`` or ``value >= s`` (``x > 5`` is ``x >= 6`` for whole numbers and days; ``x == 5``
  splits at 5 and at 6), and maps each value to the least value of its class: the greatest split
  point not above it, or one below the lowest split point;
* for true/false, enumerations and text: the literals it is compared with; any value outside them
  is mapped to one representative outside them;
* for sets: the members a condition asks about; the other members are dropped;

and leaves "not given" (null) as its own class. The mapping is exact: a condition holds for a
value if and only if it holds for its representative (``tests/test_population_canonical.py``).

The booking date also decides whether a result carries a warning that the booking fell outside
the period a rule set or rule was in force, so the start of each such period and the day after
its end are split points too.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ..rulebook import expressions as ex
from ..rulebook.expressions import FactType, Node
from ..rulebook.library import BOOKING_DATE, Composition
from ..rulebook.rulefile import Effective

ORDERED = ("int", "date")
_BELOW = {"int": 1, "date": dt.timedelta(days=1)}
_NEUTRAL: dict[str, Any] = {"int": 0, "date": dt.date(2000, 1, 1), "bool": False, "text": ""}


@dataclass
class Classes:
    """The classes of one name's values."""

    name: str
    type: FactType
    splits: set[Any] = field(default_factory=set)
    equals: set[Any] = field(default_factory=set)
    members: set[Any] = field(default_factory=set)
    exact: bool = False  # read in a way this module cannot class: keep every value

    def representative(self, value: Any) -> Any:
        """The representative of ``value``'s class (plain Python, for tests and examples)."""
        if value is None or self.exact:
            return value
        kind = self.type.kind
        if kind in ORDERED:
            if not self.splits:
                return _NEUTRAL[kind]
            below = [s for s in self.splits if s <= value]
            return max(below) if below else min(self.splits) - _BELOW[kind]
        if kind == "set":
            return frozenset(v for v in value if v in self.members)
        if value in self.equals or not self.collapsible:
            return value
        return self.other

    @property
    def collapsible(self) -> bool:
        return self.type.kind in ("enum", "text") and self.other is not None

    @property
    def other(self) -> Any:
        """One value outside the literals, standing for all of them."""
        if self.type.kind == "enum":
            return next((v for v in self.type.values if v not in self.equals), None)
        if self.type.kind == "text":
            candidate = "\x00other"
            while candidate in self.equals:
                candidate += "\x00"
            return candidate
        return None

    def expression(self, column: pl.Expr) -> pl.Expr:
        """``representative`` as a polars expression over ``column``."""
        kind = self.type.kind
        if self.exact or kind == "bool" or (kind in ("enum", "text") and not self.collapsible):
            return column
        if kind in ORDERED:
            if not self.splits:
                return pl.when(column.is_not_null()).then(pl.lit(_NEUTRAL[kind])).otherwise(None)
            points = sorted(self.splits)
            chain: Any = pl.when(column < points[0]).then(pl.lit(points[0] - _BELOW[kind]))
            for lo, hi in itertools.pairwise(points):
                chain = chain.when(column < hi).then(pl.lit(lo))
            ranked: pl.Expr = chain.otherwise(pl.lit(points[-1]))
            return pl.when(column.is_null()).then(None).otherwise(ranked)
        if kind == "set":
            mask = sum(1 << self.type.values.index(v) for v in self.members)
            return column & pl.lit(mask, dtype=pl.UInt64)
        return pl.when(column.is_in(sorted(self.equals, key=str))).then(column).otherwise(pl.lit(self.other))


def split_points(op: str, value: Any, kind: str) -> tuple[Any, ...]:
    """Where ``x OP value`` divides the whole numbers or days into ``x < s`` and ``x >= s``."""
    step = _BELOW[kind]
    if op in ("<", ">="):
        return (value,)
    if op in ("<=", ">"):
        return (value + step,)
    return (value, value + step)


def collect(nodes: Iterable[Node], names: Mapping[str, FactType]) -> dict[str, Classes]:
    """The classes of every name that ``nodes`` read."""
    out: dict[str, Classes] = {}

    def of(ref: ex.Ref) -> Classes:
        if ref.name not in out:
            out[ref.name] = Classes(ref.name, names.get(ref.name, ref.type))
        return out[ref.name]

    for n in (m for node in nodes for m in ex.walk(node)):
        if isinstance(n, ex.Cmp):
            c = of(n.ref)
            if c.type.kind in ORDERED:
                c.splits.update(split_points(n.op, n.value, c.type.kind))
            else:
                c.equals.add(n.value)
        elif isinstance(n, ex.Has):
            of(n.ref).members.add(n.value)
        elif isinstance(n, ex.Given):
            of(n.ref)
        elif isinstance(n, ex.Within):
            of(n.ref).exact = True
            of(n.anchor).exact = True
    return out


def effective_splits(periods: Iterable[Effective | None]) -> set[dt.date]:
    """The days on which "in force" can change: each start, and the day after each end."""
    out: set[dt.date] = set()
    for p in periods:
        if p is None:
            continue
        if p.from_ is not None:
            out.add(p.from_)
        if p.to is not None:
            out.add(p.to + dt.timedelta(days=1))
    return out


def engine_inputs(comp: Composition) -> list[str]:
    """The facts (not answers) that deciding a case under ``comp`` reads, plus the booking date."""
    read = {n for s in comp.strata for n, _t in s.inputs}
    for node in comp.requirements.values():
        read |= ex.refs(node)
    read.add(BOOKING_DATE)
    return sorted(read - set(comp.outputs))


def classes_for(comp: Composition) -> dict[str, Classes]:
    """The classes of every fact the composition's engine evaluation reads."""
    nodes: list[Node] = [r.condition for r in comp.rules.values()]
    nodes.extend(comp.requirements.values())
    found = collect(nodes, comp.names)
    out = {}
    for name in engine_inputs(comp):
        out[name] = found.get(name) or Classes(name, comp.names[name])
    booking = out[BOOKING_DATE]
    if not booking.exact:
        periods: list[Effective | None] = [rs.effective for rs in comp.rulesets]
        for r in comp.rules.values():
            periods.extend((r.effective, r.rule.effective))
        booking.splits.update(effective_splits(periods))
    return out
