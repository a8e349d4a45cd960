"""The rule files' expressions and definitions, compiled into polars column expressions.

:mod:`detainer_model.rulebook.expressions` compiles one typed tree into engine conditions and into a
plain-Python predicate; this module compiles the same tree a third way, into a polars expression
that computes it for a whole column of people (or of convictions) at once. It follows the
reference semantics exactly: a comparison with a value that is not given is false; a date is
``within_years`` when it falls on or after the same calendar day that many years before the
booking (February 29 falling back to February 28); ``count`` counts the items whose ``where``
holds, ``any`` asks whether one does, and ``distinct`` counts their different labels, an
unlabelled conviction being its own incident.

Nothing here knows the law: every name, value and threshold comes from the rule files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ..rulebook import expressions as ex
from ..rulebook.expressions import Node
from ..rulebook.library import LoadedDefinition
from .schema import ROW

Column = Callable[[str], pl.Expr]


def compile_node(node: Node, column: Column) -> pl.Expr:
    """A boolean polars expression (never null) that holds exactly where ``node`` holds."""
    if isinstance(node, ex.Cmp):
        c, v = column(node.ref.name), pl.lit(node.value)
        test = {
            "==": c == v,
            "!=": c != v,
            "<": c < v,
            "<=": c <= v,
            ">": c > v,
            ">=": c >= v,
        }[node.op]
        return test.fill_null(False)
    if isinstance(node, ex.Has):
        bit = 1 << node.ref.type.values.index(node.value)
        return ((column(node.ref.name) & pl.lit(bit, dtype=pl.UInt64)) != 0).fill_null(False)
    if isinstance(node, ex.Given):
        return column(node.ref.name).is_not_null()
    if isinstance(node, ex.Within):
        earliest = column(node.anchor.name).dt.offset_by(f"-{node.years}y")
        return (column(node.ref.name) >= earliest).fill_null(False)
    if isinstance(node, ex.And):
        out = compile_node(node.parts[0], column)
        for p in node.parts[1:]:
            out = out & compile_node(p, column)
        return out
    if isinstance(node, ex.Or):
        out = compile_node(node.parts[0], column)
        for p in node.parts[1:]:
            out = out | compile_node(p, column)
        return out
    if isinstance(node, ex.Not):
        return ~compile_node(node.part, column)
    return (
        pl.when(compile_node(node.cond, column))
        .then(compile_node(node.then, column))
        .otherwise(compile_node(node.orelse, column))
    )


LABELLED = "incident"  # the item field whose unlabelled items are each their own label


def with_default_incidents(convictions: pl.DataFrame) -> pl.DataFrame:
    """Give every unlabelled conviction its own incident label, as the single-case path does.

    The label is ``#n`` for the person's n-th conviction in file order
    (:func:`detainer_model.core.facts.items_of`). When no label in the table starts with ``#``, no
    default label can meet a given one, and the labels are left out: :func:`_aggregate` counts an
    unlabelled conviction as one incident of its own, which is the same count, found faster.
    """
    if LABELLED not in convictions.columns:
        return convictions
    given = convictions.get_column(LABELLED)
    if not given.str.starts_with("#").any():
        return convictions
    nth = pl.int_range(pl.len(), dtype=pl.UInt32).over(ROW) + 1
    return convictions.with_columns(
        pl.when(pl.col(LABELLED).is_null())
        .then(pl.format("#{}", nth))
        .otherwise(pl.col(LABELLED))
        .alias(LABELLED)
    )


@dataclass(frozen=True)
class Namer:
    """Column names for the names a composition's expressions read.

    Facts keep their rule-file names (``person.age``); a definition's column is named after its
    rule set as well (``def/priorities-2014/priority_felony_convictions``), because two local
    policies, never composed together, may each define a fact of the same name.
    """

    definitions: Mapping[str, str]

    @classmethod
    def of(cls, definitions: Sequence[LoadedDefinition]) -> Namer:
        return cls({d.id: definition_column(d) for d in definitions})

    def __call__(self, name: str) -> str:
        return self.definitions.get(name, name)

    def col(self, name: str) -> pl.Expr:
        return pl.col(self(name))


def definition_column(d: LoadedDefinition) -> str:
    """``def/RULESET/ID``, with ``@READING+...`` when the definition exists only under some readings."""
    suffix = f"@{'+'.join(d.readings)}" if d.readings else ""
    return f"def/{d.ruleset}/{d.id}{suffix}"


def add_definitions(
    people: pl.DataFrame,
    items: Mapping[str, pl.DataFrame],
    definitions: Sequence[LoadedDefinition],
    namer: Namer,
) -> pl.DataFrame:
    """``people`` with one more column per definition (see :func:`add_definition_groups`)."""
    return add_definition_groups(people, items, [(definitions, namer)])


def add_definition_groups(
    people: pl.DataFrame,
    items: Mapping[str, pl.DataFrame],
    groups: Sequence[tuple[Sequence[LoadedDefinition], Namer]],
) -> pl.DataFrame:
    """``people`` with one more column per definition of every group, each named by its group's namer.

    Definitions already present as columns, or named alike by two groups, are computed once.
    The work goes in rounds: every definition whose inputs are all known is computed, the
    expressions first, then the counts over items, one pass over each table of items for all
    the counts of the round, whichever group asked for them. A definition that reads another
    waits for the next round, so there are as many passes as the longest chain of counts.
    """
    todo: dict[str, tuple[LoadedDefinition, Namer]] = {}
    for definitions, namer in groups:
        for d in definitions:
            target = namer(d.id)
            if target not in people.columns:
                todo.setdefault(target, (d, namer))
    while todo:
        waiting = set(todo)
        ready = [(t, d, n) for t, (d, n) in todo.items() if not ({n(x) for x in d.reads} & waiting) - {t}]
        exprs = [(t, d, n) for t, d, n in ready if d.definition.expr is not None]
        counts = [(t, d, n) for t, d, n in ready if d.definition.expr is None]
        if not ready:  # pragma: no cover - the library refuses definitions that read each other in a cycle
            raise ValueError(f"definitions that read each other: {sorted(todo)}")
        if exprs:  # none of them reads another of this round
            people = people.with_columns(compile_node(d.node, n.col).alias(t) for t, d, n in exprs)
        pending: dict[str, list[tuple[str, LoadedDefinition, Namer]]] = {}
        for t, d, n in counts:
            spec = d.definition
            pending.setdefault(spec.count or spec.any or "convictions", []).append((t, d, n))
        for table, defs in pending.items():
            people = _aggregate(people, items[table], defs)
        for t, _d, _n in ready:
            del todo[t]
    return people


def _aggregate(
    people: pl.DataFrame, items: pl.DataFrame, defs: Sequence[tuple[str, LoadedDefinition, Namer]]
) -> pl.DataFrame:
    """Count, test or count distinct labels of items, per person, for several definitions at once
    (each given with its column's name and its group's namer).

    Each item is placed at its person's position in ``people``; each definition's condition is
    one column over all items, and its counts per person are a ``numpy.bincount`` of the
    positions where it holds. (A polars ``group_by`` pays per group and per aggregation, about
    ten times as much for a million people with a few convictions each.)
    """
    own = set(items.columns)
    outer = sorted({namer(n) for _t, d, namer in defs for n in d.reads} - own)
    at = positions(people.get_column(ROW), items.get_column(ROW))
    linked = at >= 0
    frame = items
    if not linked.all():
        frame, at = items.filter(pl.Series(linked)), at[linked]
    if outer:
        taken = pl.Series(at)
        frame = frame.with_columns(people.get_column(c).gather(taken) for c in outer)
    conditions = frame.select(compile_node(d.node, namer.col).alias(t) for t, d, namer in defs)
    size = people.height
    out = []
    for target, d, _namer in defs:
        spec = d.definition
        holds = conditions.get_column(target).to_numpy()
        if spec.distinct is None:
            counts = np.bincount(at[holds], minlength=size)
        else:
            label = frame.get_column(spec.distinct)
            pairs = pl.DataFrame({"at": at, "label": label}).filter(pl.Series(holds))
            if spec.distinct == LABELLED:
                # an unlabelled conviction is an incident of its own
                unlabelled = pairs.filter(pl.col("label").is_null()).get_column("at").to_numpy()
                pairs = pairs.drop_nulls("label")
                counts = np.bincount(unlabelled, minlength=size)
            else:
                counts = np.zeros(size, dtype=np.int64)
            counts = counts + np.bincount(pairs.unique().get_column("at").to_numpy(), minlength=size)
        out.append(
            pl.Series(target, counts > 0)
            if spec.any is not None
            else pl.Series(target, counts, dtype=pl.Int64)
        )
    return people.with_columns(out)


def positions(people_rows: pl.Series, item_rows: pl.Series) -> np.ndarray[Any, np.dtype[np.int64]]:
    """For each item, the position in ``people_rows`` of the person it belongs to, or -1."""
    wanted = item_rows.cast(pl.Int64).fill_null(-1).to_numpy()
    keys = people_rows.cast(pl.Int64).to_numpy()
    if keys.size == 0:
        return np.full(wanted.size, -1, dtype=np.int64)
    first, last = int(keys[0]), int(keys[-1])
    if last - first == keys.size - 1 and bool(np.all(np.diff(keys) == 1)):
        # consecutive row keys (a whole table, or a part of one): the position is the offset
        inside = (wanted >= first) & (wanted <= last)
        return np.where(inside, wanted - first, -1)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    found = np.minimum(np.searchsorted(ordered, wanted), ordered.size - 1)
    return np.where(ordered[found] == wanted, order[found], -1).astype(np.int64)
