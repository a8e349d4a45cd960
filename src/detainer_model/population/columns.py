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
    """``people`` with one more column per definition (in the given, dependency-respecting order).

    Definitions already present as columns are kept. Counts over items are gathered in as few
    passes over the items as their dependencies allow.
    """
    pending: dict[str, list[LoadedDefinition]] = {}
    pending_cols: set[str] = set()

    def flush() -> None:
        nonlocal people
        for group, defs in pending.items():
            people = _aggregate(people, items[group], defs, namer)
        pending.clear()
        pending_cols.clear()

    for d in definitions:
        target = namer(d.id)
        if target in people.columns:
            continue
        reads = {namer(n) for n in d.reads}
        if reads & pending_cols:
            flush()
        spec = d.definition
        if spec.expr is not None:
            people = people.with_columns(compile_node(d.node, namer.col).alias(target))
        else:
            group = spec.count or spec.any or "convictions"
            pending.setdefault(group, []).append(d)
            pending_cols.add(target)
    flush()
    return people


def _aggregate(
    people: pl.DataFrame, items: pl.DataFrame, defs: Sequence[LoadedDefinition], namer: Namer
) -> pl.DataFrame:
    """Count, test or count distinct labels of items, per person, for several definitions at once."""
    own = set(items.columns)
    outer = sorted({namer(n) for d in defs for n in d.reads} - own)
    # Tables come in row order; told so, polars groups and joins by slices instead of hashing
    # (about twice as fast on a million people). The flag is set only where it is checked true.
    frame, people = _flag_sorted(items), _flag_sorted(people)
    if outer:
        frame = frame.join(people.select(ROW, *outer), on=ROW, how="inner", maintain_order="left")
    aggs = []
    fill: dict[str, int | bool] = {}
    for d in defs:
        spec, target = d.definition, namer(d.id)
        cond = compile_node(d.node, namer.col)
        if spec.any is not None:
            aggs.append(cond.any().alias(target))
            fill[target] = False
        elif spec.distinct == LABELLED:
            labelled = pl.col(LABELLED).filter(cond).drop_nulls().n_unique()
            unlabelled = (cond & pl.col(LABELLED).is_null()).sum()
            aggs.append((labelled + unlabelled).cast(pl.Int64).alias(target))
            fill[target] = 0
        elif spec.distinct is not None:
            aggs.append(pl.col(spec.distinct).filter(cond).n_unique().cast(pl.Int64).alias(target))
            fill[target] = 0
        else:
            aggs.append(cond.sum().cast(pl.Int64).alias(target))
            fill[target] = 0
    counted = _flag_sorted(frame.group_by(ROW, maintain_order=True).agg(aggs))
    out = people.join(counted, on=ROW, how="left", maintain_order="left")
    return out.with_columns(pl.col(k).fill_null(v) for k, v in fill.items())


def _flag_sorted(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its row keys flagged as sorted, when they are."""
    rows = frame.get_column(ROW)
    return frame.with_columns(rows.set_sorted()) if rows.is_sorted() else frame
