"""Evaluating a population: facts by column, each stratum's distinct inputs once on the engine.

For each federal regime and local policy (a *composition*) the work is:

1. derive every definition of the composition for every person at once, with polars
   (:mod:`.columns` compiles the rule files' own expressions);
2. replace each fact the rules read by the representative of its class (:mod:`.canonical`),
   so that people whom every rule treats alike share the same values;
3. decide the strata in order, in columns: the rules of a stratum fall into groups that read no
   name in common; each group is fired on the rule engine once per distinct input of its own
   (through :meth:`detainer_model.core.engine.RuleEngine.fire`, so the engine decides; nothing
   here knows the law); each distinct combination of the groups' outcomes is settled once, as
   ``decide`` settles it; the answers are joined back onto every person as columns, for the next
   stratum to read;
4. check the model's required answers, mark hypothetical evaluations (a rule set or rule not in
   force on the booking date), and build the rules that fired only when asked (``--fired``).

The single-case path and this one give the same answers (``tests/test_population_equivalence.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ..core.evaluate import CONTRACT_FIELDS, StratumOutcome, fire, settle_stratum
from ..core.facts import check_schema
from ..core.layers import Layer, deciding_layer, layering, layers_for
from ..errors import EvaluationError, RuleGapError
from ..rulebook import expressions as ex
from ..rulebook.library import (
    AUTO,
    BOOKING_DATE,
    Composition,
    LoadedDefinition,
    LoadedRule,
    RuleLibrary,
    Stratum,
    join_ref,
    param_name,
    split_ref,
)
from ..rulebook.rulefile import Effective, OutputDecl
from .canonical import Classes, classes_for, engine_inputs
from .columns import (
    Namer,
    add_definition_groups,
    add_definitions,
    definition_column,
    positions,
    with_default_incidents,
)
from .schema import JURISDICTION, LIST_SEPARATOR, PERSON_ID, ROW, SYNTHETIC
from .validate import ValidBatch

EXTRA_FIELDS = ("hypothetical",)
FIRED = "fired"


class Progress:
    """Progress callbacks; the default does nothing (the CLI draws a bar on a terminal)."""

    def stage(self, name: str, total: int | None = None) -> None:
        """A new stage begins, with ``total`` steps when known."""

    def advance(self, steps: int = 1) -> None:
        """Steps of the current stage are done."""


class EngineMemo:
    """Asks the rule engine once for each distinct input of each group of rules, and remembers it.

    The rules of a stratum each match one fact on their own; which of them fire depends only on
    the names each one reads. So a stratum is split into groups of rules that share no input
    (the identification rule, each priority category, the offense levels ...), each group is a
    small ruleset of its own on the engine, and each is asked once per distinct input. The
    rules that fire in the stratum are the union of the groups' answers, exactly what the whole
    stratum would have answered. Groups shared by several compositions have one engine ruleset
    name, and share answers too.
    """

    def __init__(self) -> None:
        self._groups: dict[str, tuple[Stratum, ...]] = {}
        self._seen: dict[tuple[str, tuple[Any, ...]], tuple[str, ...]] = {}
        self._whole: dict[tuple[str, tuple[Any, ...]], list[str]] = {}
        # a settled outcome as result columns, by outcome (compositions share settled outcomes)
        self.encoded: dict[tuple[int, bool], tuple[StratumOutcome, tuple[Any, ...]]] = {}
        self.engine_calls = 0

    def __call__(self, stratum: Stratum, values: Mapping[str, Any]) -> list[str]:
        key = (stratum.engine_name, tuple(values[n] for n, _t in stratum.inputs))
        found = self._whole.get(key)
        if found is None:
            fired: set[str] = set()
            for group in self.groups(stratum):
                fired.update(self._fire(group, values))
            found = [r.id for r in stratum.rules if r.id in fired]
            self._whole[key] = found
        return found

    def fire_group(self, group: Stratum, values: Mapping[str, Any]) -> tuple[str, ...]:
        """The rules of one group (see :meth:`groups`) that fire for ``values``, asked once."""
        return self._fire(group, values)

    def _fire(self, group: Stratum, values: Mapping[str, Any]) -> tuple[str, ...]:
        key = (group.engine_name, tuple(values[n] for n, _t in group.inputs))
        found = self._seen.get(key)
        if found is None:
            found = tuple(fire(group, values, "engine"))
            self._seen[key] = found
            self.engine_calls += 1
        return found

    def settled_row(
        self, comp: Composition, stratum: Stratum, fired_ids: Sequence[str], *, fired: bool
    ) -> tuple[Any, ...]:
        """The stratum settled for the rules that fired (:func:`settle_stratum`), as work columns
        (:func:`_outcome_row`); encoded once for every composition that shares the outcome."""
        outcome = settle_stratum(comp, stratum, fired_ids)
        known = self.encoded.get((id(outcome), fired))
        if known is not None and known[0] is outcome:
            return known[1]
        found = _outcome_row(comp, stratum, outcome, fired=fired)
        self.encoded[(id(outcome), fired)] = (outcome, found)
        return found

    def groups(self, stratum: Stratum) -> tuple[Stratum, ...]:
        """The stratum's rules in groups that read no name in common."""
        known = self._groups.get(stratum.engine_name)
        if known is None:
            known = tuple(
                Stratum(
                    stratum.index,
                    tuple(rules),
                    (),
                    tuple((n, t) for n, t in stratum.inputs if any(n in r.reads for r in rules)),
                )
                for rules in _components(stratum.rules)
            )
            self._groups[stratum.engine_name] = known
        return known


def _components(rules: Sequence[LoadedRule]) -> list[list[LoadedRule]]:
    """Rules grouped so that two rules reading a common name are in one group."""
    groups: list[tuple[set[str], list[LoadedRule]]] = []
    for r in rules:
        reads = set(r.reads)
        joined = [g for g in groups if g[0] & reads]
        for g in joined:
            groups.remove(g)
            reads |= g[0]
        members = [m for g in joined for m in g[1]] + [r]
        groups.append((reads, members))
    order = {r.id: i for i, r in enumerate(rules)}
    return [sorted(m, key=lambda r: order[r.id]) for _reads, m in groups]


@dataclass
class CompositionStats:
    regime: str
    jurisdiction: str
    people: int
    classes: int


@dataclass
class PopulationResult:
    """One row per person, regime and place, and what it took to get there.

    A batch that streamed (:mod:`.stream`) wrote its rows part by part: its ``table`` then holds
    the columns and no rows, and ``written_rows`` and ``written_synthetic`` say what was written.
    """

    table: pl.DataFrame
    people: int
    regimes: tuple[str, ...]
    jurisdictions: tuple[str, ...] | None
    compositions: list[CompositionStats] = field(default_factory=list)
    engine_calls: int = 0
    written_rows: int | None = None
    written_synthetic: bool | None = None

    @property
    def rows(self) -> int:
        """How many result rows the run made."""
        return self.table.height if self.written_rows is None else self.written_rows

    @property
    def synthetic(self) -> bool:
        """Whether any result row is about a synthetic person."""
        if self.written_synthetic is not None:
            return self.written_synthetic
        return bool(self.table.height and self.table.get_column(SYNTHETIC).any())

    @property
    def classes(self) -> int:
        """How many distinct inputs (of a group of rules or a stratum) were decided, over all compositions."""
        return sum(c.classes for c in self.compositions)


def evaluate_population(
    batch: ValidBatch,
    lib: RuleLibrary,
    regimes: Sequence[str],
    jurisdictions: Sequence[str] | None = None,
    *,
    fired: bool = False,
    progress: Progress | None = None,
    chunk_size: int | None = None,
) -> PopulationResult:
    """Evaluate every person under each regime and their own local policy (or each of ``jurisdictions``).

    With ``chunk_size``, the people are evaluated in consecutive parts of at most that many (each
    with their own convictions and charges), so that the work tables of one part only are held
    at a time; the results are the same as in one part (``tests/test_population_chunks.py``).
    """
    check_schema(lib)
    prog = progress or Progress()
    people = batch.people
    places = (
        list(jurisdictions) if jurisdictions else sorted(people.get_column(JURISDICTION).unique().to_list())
    )
    memo = EngineMemo()
    if chunk_size is None or people.height <= chunk_size:
        return evaluate_part(batch, lib, regimes, jurisdictions, places, memo, fired=fired, progress=prog)
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    parts = []
    for start in range(0, people.height, chunk_size):
        part_people = people.slice(start, chunk_size)
        rows = part_people.get_column(ROW).implode()
        part_items = {t: f.filter(pl.col(ROW).is_in(rows)) for t, f in batch.items.items()}
        part = dataclasses.replace(batch, people=part_people, items=part_items)
        parts.append(
            evaluate_part(part, lib, regimes, jurisdictions, places, memo, fired=fired, progress=prog)
        )
    return PopulationResult(
        pl.concat([p.table for p in parts], how="vertical"),
        people.height,
        tuple(regimes),
        tuple(jurisdictions) if jurisdictions else None,
        [c for p in parts for c in p.compositions],
        memo.engine_calls,
    )


def evaluate_part(
    batch: ValidBatch,
    lib: RuleLibrary,
    regimes: Sequence[str],
    jurisdictions: Sequence[str] | None,
    all_places: Sequence[str],
    memo: EngineMemo,
    *,
    fired: bool = False,
    progress: Progress | None = None,
) -> PopulationResult:
    """One part of a population, typed as the whole's results are (``all_places``: the places of
    the whole population, or ``jurisdictions``), asking ``memo`` (shared by the parts)."""
    check_schema(lib)
    prog = progress or Progress()
    people = batch.people
    items = dict(batch.items)
    items["convictions"] = with_default_incidents(items["convictions"])
    # in person order, so that a place's people's items are found as slices (see _ItemsByPerson)
    items = {
        t: f if f.get_column(ROW).is_sorted() else f.sort(ROW, maintain_order=True) for t, f in items.items()
    }
    places = (
        list(jurisdictions) if jurisdictions else sorted(people.get_column(JURISDICTION).unique().to_list())
    )
    runs = _runs(lib, regimes, people)
    regimes = list(dict.fromkeys(label for label, _ref, _eff in runs))
    comps = {
        (r, v): lib.composition(r, v) for j in places for v in _local_sets(lib, j) for _label, r, _eff in runs
    }

    prog.stage("deriving facts")
    frame = _with_default_params(people, comps.values())
    # each group is one reading's definitions, named as that reading's rules read them
    groups = [(group, Namer.of(group)) for group in _common_definitions(comps.values())]
    frame = add_definition_groups(frame, items, groups)

    outputs: list[pl.DataFrame] = []
    stats: list[CompositionStats] = []
    by_person = {t: _ItemsByPerson.of(f) for t, f in items.items()}
    run = _Runner(lib, runs, comps, by_person, memo, people, fired, stats)
    prog.stage("deciding the strata on the rule engine", len(places) * len(regimes))
    # (with auto, each person is evaluated once, under the era of their booking date)
    subset = frame
    for j in places:
        # one place at a time, so that only its people's keys are held in memory; and only the
        # columns its compositions read (a place's people copied with every column, for each of
        # the places, cost as much as deciding them)
        read = _columns_read([comps[(r, v)] for v in _local_sets(lib, j) for _l, r, _e in runs], frame)
        narrow = frame.select(read)
        subset = narrow if jurisdictions else narrow.filter(pl.col(JURISDICTION) == j)
        if subset.height == 0:
            prog.advance(len(regimes))
            continue
        base, reading = split_ref(j)
        results = (
            _place_results(lib, base, reading, subset, run)
            if base in lib.places
            else run.local(base, j, subset)
        )
        for label, answers in results.items():
            outputs.append(
                answers.select(
                    ROW,
                    pl.lit(label).alias("regime"),
                    pl.lit(j).alias("jurisdiction"),
                    *_result_columns(fired),
                )
            )
        prog.advance(len(regimes))

    prog.stage("assembling results")
    del frame, subset, run, by_person  # the derived facts: not needed beside the results' copies
    table = _assemble(people, outputs, regimes, all_places, lib, fired)
    return PopulationResult(
        table,
        people.height,
        tuple(regimes),
        tuple(jurisdictions) if jurisdictions else None,
        stats,
        memo.engine_calls,
    )


# ---------------------------------------------------------------------------------------------
# places: every layer in force, the answer most restrictive toward ICE


def _columns_read(comps: Sequence[Composition], frame: pl.DataFrame) -> list[str]:
    """The columns of ``frame`` that deciding people under ``comps`` reads: the row key, place
    and booking date, each fact the engine evaluation reads (:func:`engine_inputs`: rules and
    required answers, parameters included) and what the local policies' own definitions (not
    yet columns) read."""
    wanted = {ROW, JURISDICTION, BOOKING_DATE}
    for comp in comps:
        namer = Namer.of(comp.definitions)
        wanted.update(namer(n) for n in engine_inputs(comp))
        for d in comp.definitions:
            if d.ruleset == comp.local.id:
                wanted.update(namer(n) for n in d.reads)
    return [c for c in frame.columns if c in wanted]


def _local_sets(lib: RuleLibrary, ref: str) -> list[str]:
    """The local rule sets (refs) a place may use on some date: every layer's versions, under the
    reading named with the place where they declare it, and the fallback."""
    place, reading = split_ref(ref)
    if place not in lib.places:
        return [ref]
    out = [
        join_ref(v, reading) if reading in lib.rulesets[v].readings else v
        for p in lib.place_chain(place)
        for v in lib.place(p).versions
    ]
    return [*out, layering(lib).fallback]


@dataclass
class _Runner:
    """Evaluates people under one local rule set and every regime run, as ``evaluate`` would."""

    lib: RuleLibrary
    runs: Sequence[tuple[str, str, Effective | None]]
    comps: Mapping[tuple[str, str], Composition]
    items: Mapping[str, _ItemsByPerson]
    memo: EngineMemo
    people: pl.DataFrame
    fired: bool
    stats: list[CompositionStats]

    def local(self, owner: str, version: str, subset: pl.DataFrame) -> dict[str, pl.DataFrame]:
        """``{regime label: rows (_row and result columns)}`` for ``subset`` under ``version``.

        A row's own parameter values apply where the row is booked in ``owner``. With ``auto``, a
        run holds only the people booked while its era was in force (a run with none is left out).
        """
        subset = _with_local_params(subset, self.lib, version, owner)
        comps = [self.comps[(r, version)] for _label, r, _eff in self.runs]
        local_defs = _local_definitions(comps)
        if local_defs:
            rows = subset.get_column(ROW)
            own = {t: f.of_people(rows) for t, f in self.items.items()}
            all_defs = [d for c in comps for d in c.definitions]
            subset = add_definitions(subset, own, local_defs, Namer.of(all_defs))
        out = {}
        for (label, _r, eff), comp in zip(self.runs, comps, strict=True):
            part = subset if eff is None else subset.filter(_in_force(eff))
            if part.height == 0:
                continue
            decided, inputs = _decide_columns(comp, part, self.memo, self.people, fired=self.fired)
            out[label] = decided.select(ROW, *_result_columns(self.fired))
            self.stats.append(CompositionStats(label, version, part.height, inputs))
        return out


@dataclass(frozen=True)
class _ItemsByPerson:
    """A table of items in person order, with where each person's items begin: a place's
    people's items are then one gather, whose cost follows the people asked for rather than all
    the items (a filter over every item, for every local policy that counts them, cost more)."""

    items: pl.DataFrame
    first_key: int
    # starts[k] to starts[k + 1]: the positions of the items of the person whose key is first_key + k
    starts: np.ndarray[Any, np.dtype[np.int64]]

    @classmethod
    def of(cls, items: pl.DataFrame) -> _ItemsByPerson:
        """``items`` (sorted by person key) indexed; items of no person (no key) are left out."""
        linked = items if items.get_column(ROW).null_count() == 0 else items.filter(pl.col(ROW).is_not_null())
        keys = linked.get_column(ROW).to_numpy().astype(np.int64)
        first = int(keys[0]) if keys.size else 0
        counts = np.bincount(keys - first) if keys.size else np.zeros(0, dtype=np.int64)
        return cls(linked, first, np.concatenate(([0], np.cumsum(counts))).astype(np.int64))

    def of_people(self, rows: pl.Series) -> pl.DataFrame:
        """The items of the people whose keys are ``rows``, in person order."""
        wanted = np.sort(rows.to_numpy().astype(np.int64)) - self.first_key
        wanted = wanted[(wanted >= 0) & (wanted < self.starts.size - 1)]
        first = self.starts[wanted]
        counts = self.starts[wanted + 1] - first
        begins = np.repeat(first - np.cumsum(counts) + counts, counts)
        return self.items[pl.Series(begins + np.arange(int(counts.sum())))]


def _place_results(
    lib: RuleLibrary, place: str, reading: str | None, subset: pl.DataFrame, run: _Runner
) -> dict[str, pl.DataFrame]:
    """Each person under every layer in force on their booking date, combined as ``evaluate`` does."""
    rule = layering(lib)
    stacks: dict[tuple[tuple[str, str, bool], ...], tuple[tuple[Layer, ...], list[Any]]] = {}
    for day in subset.get_column(BOOKING_DATE).unique().sort().to_list():
        found = layers_for(lib, place, day)
        key = tuple((x.place, x.version.id, x.fallback) for x in found)
        stacks.setdefault(key, (found, []))[1].append(day)
    parts: dict[str, list[pl.DataFrame]] = {}
    for layers, days in stacks.values():
        part = subset.filter(pl.col(BOOKING_DATE).is_in(days))
        per_layer = [run.local(place, layer.ref(reading), part) for layer in layers]
        mandates = [layer.mandate for layer in layers]
        for label in per_layer[0]:
            frames = [answers[label].sort(ROW) for answers in per_layer]
            answers = pl.DataFrame(
                {ROW: frames[0].get_column(ROW)}
                | {f"a{i}": f.get_column(rule.field).cast(pl.String) for i, f in enumerate(frames)}
            )
            cols = [f"a{i}" for i in range(len(frames))]
            combos = answers.select(cols).unique()
            winners = [
                deciding_layer(list(row), mandates, rule.most_restrictive_first) for row in combos.iter_rows()
            ]
            combos = combos.with_columns(pl.Series("winner", winners, dtype=pl.Int64))
            chosen = answers.join(combos, on=cols, how="left", nulls_equal=True).select(ROW, "winner")
            for i, f in enumerate(frames):
                rows = chosen.filter(pl.col("winner") == i).get_column(ROW).implode()
                parts.setdefault(label, []).append(f.filter(pl.col(ROW).is_in(rows)))
    return {label: pl.concat(frames, how="vertical_relaxed").sort(ROW) for label, frames in parts.items()}


# ---------------------------------------------------------------------------------------------
# regimes, and "auto": the era in force on each person's booking date


def _runs(
    lib: RuleLibrary, regimes: Sequence[str], people: pl.DataFrame
) -> list[tuple[str, str, Effective | None]]:
    """(label, regime ref, dates) for each regime asked for; ``auto`` becomes one run per era,
    each for the people booked while it was in force (labelled with the era's id)."""
    out: list[tuple[str, str, Effective | None]] = []
    for r in regimes:
        rid, reading = split_ref(r)
        if rid != AUTO:
            lib.ruleset(r, "federal")
            out.append((r, r, None))
            continue
        eras = [lib.rulesets[e] for e in lib.regimes]
        covered = pl.lit(False)
        asked = set(regimes)
        for era in eras:
            ref = lib.era_ref(era, reading)
            lib.ruleset(ref, "federal")
            covered = covered | _in_force(era.effective)
            if ref not in asked:  # asked for by name too: its rows already cover these people
                out.append((ref, ref, era.effective))
        outside = people.filter(~covered)
        if outside.height:
            first = outside.row(0, named=True)
            lib.era(first[BOOKING_DATE])  # raises, naming the eras
    return out


def _in_force(eff: Effective) -> pl.Expr:
    day = pl.col(BOOKING_DATE)
    cond = pl.lit(True)
    if eff.from_ is not None:
        cond = cond & (day >= eff.from_)
    if eff.to is not None:
        cond = cond & (day <= eff.to)
    return cond


# ---------------------------------------------------------------------------------------------
# definitions and parameters


def needed_columns(lib: RuleLibrary) -> dict[str, set[str]]:
    """The facts and item fields that some rule, definition or requirement of ``lib`` reads."""
    people: set[str] = set()
    items: dict[str, set[str]] = {"convictions": set(), "charges": set()}
    nodes: list[ex.Node] = [r.condition for r in lib.all_rules.values()]
    for rs in lib.rulesets.values():
        for d in rs.definitions:
            spec = d.definition
            if spec.expr is not None:
                nodes.append(d.node)
                continue
            group = spec.count or spec.any or "convictions"
            fields = set(lib.item_names(group))
            items[group] |= d.reads & fields
            if spec.distinct:
                items[group].add(spec.distinct)
            people |= d.reads - fields
    for regime in lib.regimes:
        for place in lib.jurisdictions:
            nodes.extend(lib.composition(regime, place).requirements.values())
    for node in nodes:
        people |= ex.refs(node)
    return {"people": people, **items}


def _common_definitions(comps: Iterable[Composition]) -> list[list[LoadedDefinition]]:
    """Definitions of the shared and federal rule sets, in an order that respects dependencies:
    one list per distinct set of them (a regime's readings may define a fact differently)."""
    out: dict[tuple[str, ...], list[LoadedDefinition]] = {}
    for comp in comps:
        defs = [d for d in comp.definitions if d.ruleset != comp.local.id]
        out.setdefault(tuple(definition_column(d) for d in defs), defs)
    return list(out.values())


def _local_definitions(comps: Sequence[Composition]) -> list[LoadedDefinition]:
    out: dict[str, LoadedDefinition] = {}
    for comp in comps:
        for d in comp.definitions:
            if d.ruleset == comp.local.id:
                out.setdefault(d.id, d)
    return list(out.values())


def _with_default_params(people: pl.DataFrame, comps: Iterable[Composition]) -> pl.DataFrame:
    """Parameters of shared and federal rule sets, which a batch row cannot set: their defaults."""
    cols = {}
    for comp in comps:
        for name, (rs, p) in comp.parameters.items():
            if rs.id != comp.local.id:
                cols[param_name(name)] = pl.lit(p.default, dtype=pl.Boolean if p.type == "bool" else pl.Int64)
    return people.with_columns(**cols) if cols else people


def _with_local_params(people: pl.DataFrame, lib: RuleLibrary, version: str, owner: str) -> pl.DataFrame:
    """The policy's parameters: the row's value where the row is booked in ``owner``, else the default."""
    cols = []
    booked_in = pl.col(JURISDICTION).cast(pl.String).str.split(":").list.first() == split_ref(owner)[0]
    for name, p in lib.ruleset(version, "local").parameters.items():
        fact = param_name(name)
        dtype = pl.Boolean if p.type == "bool" else pl.Int64
        given = pl.col(fact).cast(dtype) if fact in people.columns else pl.lit(None, dtype=dtype)
        cols.append(
            pl.when(booked_in)
            .then(given)
            .otherwise(None)
            .fill_null(pl.lit(p.default, dtype=dtype))
            .alias(fact)
        )
    return people.with_columns(cols) if cols else people


# ---------------------------------------------------------------------------------------------
# classes and decisions


def _decide_columns(
    comp: Composition, subset: pl.DataFrame, memo: EngineMemo, people: pl.DataFrame, *, fired: bool
) -> tuple[pl.DataFrame, int]:
    """Every person of ``subset`` decided under ``comp``, stratum by stratum, in columns.

    The people's facts are first replaced by their classes' representatives (:mod:`.canonical`).
    Then, for each stratum in order: the distinct combinations of the names it reads (facts, and
    answers settled by earlier strata) are taken across all rows; the engine fires the stratum
    once for each (through ``memo``, which asks :meth:`RuleEngine.fire`), the answers are settled
    exactly as ``decide`` settles them (:func:`settle_stratum`), and they are joined back onto
    every row as columns, for the next stratum to read. Returns ``_row`` with the result columns
    (rows in no particular order: the results are put in order once, when assembled), and how
    many stratum inputs were decided.
    """
    classes = classes_for(comp)
    namer = Namer.of(comp.definitions)
    column = {name: "key:" + namer(name) for name in classes}
    keys = [c.expression(namer.col(n)).alias(column[n]) for n, c in classes.items()]
    # Every rule reads only these columns, so people who agree on all of them are decided alike:
    # the strata run on each distinct combination once (with the rows that hold it, as a list),
    # and the answers go back onto the rows at the end, instead of joining every stratum's
    # answers onto every row.
    frame = subset.select(ROW, *keys).group_by([column[n] for n in classes]).agg(pl.col(ROW))
    column.update({name: f"out:{name}" for name in comp.outputs})
    decided_col = {name: f"dec:{name}" for name in comp.outputs}
    booking = pl.col(column[BOOKING_DATE])
    hypothetical = pl.lit(False)
    for rs in (comp.regime, comp.local):
        hypothetical = hypothetical | _outside(rs.effective.from_, rs.effective.to, booking)
    decided_inputs = 0
    fired_cols: list[str] = []
    # numbered: the facts the strata read (the rest are read only by the checks of required answers)
    engine_reads = {n for s in comp.strata for n, _t in s.inputs}
    cols = _WorkColumns(frame, [column[n] for n in classes if n in engine_reads])
    row_lists = frame.get_column(ROW)

    def first_row(k: int) -> int:
        return int(row_lists[k][0])

    for stratum in comp.strata:
        decided_inputs += _stratum_columns(
            comp, stratum, cols, frame.height, column, classes, memo, first_row, people, fired=fired
        )
        i = stratum.index
        hypothetical = hypothetical | _outside(pl.col(f"from:{i}"), pl.col(f"to:{i}"), booking)
        if fired:
            fired_cols.append(f"fired:{i}")
    # the answers read from here on: the results', and what the checks of required answers read
    read = {*CONTRACT_FIELDS, *comp.requirements}
    read.update(n for node in comp.requirements.values() for n in ex.refs(node) if n in comp.outputs)
    wanted = {column[n] for n in read} | {decided_col[n] for n in read}
    frame = frame.with_columns(
        cols.table(
            lambda name: _work_dtype(comp, name),
            lambda name: name in wanted or name.partition(":")[0] in ("from", "to", "fired"),
        )
    )
    for name in read:
        if column[name] not in frame.columns:  # an answer no stratum settles: its default
            frame = frame.with_columns(
                pl.lit(_encode_output(comp, name, _default(comp.outputs[name]))).alias(column[name]),
                pl.lit(False).alias(decided_col[name]),
            )
    _check_requirements_columns(comp, frame, column, decided_col, classes, people)
    schema = _result_schema(comp, fired)
    results = [_result_column(comp, k, frame, column[k], schema[k]) for k in CONTRACT_FIELDS]
    results.append(hypothetical.alias("hypothetical"))
    if fired:
        results.append(
            pl.concat_str([pl.col(c) for c in fired_cols], separator=LIST_SEPARATOR, ignore_nulls=True)
            .fill_null("")
            .alias(FIRED)
        )
    return frame.select(ROW, *results).explode(ROW), decided_inputs


LISTED_COMBINATIONS = 10_000
"""Up to this many combinations in a composition, a key column's values are listed once for all
its groups of rules (a gather for each group cost more, by polars' fixed cost per call); above,
only those of each group's distinct inputs are gathered (whole lists of a composition of
varied facts held 70 MB more at the peak)."""


class _WorkColumns:
    """The work columns of a composition's distinct combinations, numbered.

    Each column's values are numbered (its *codes*: equal values, equal codes; "not given" a
    code of its own), so that the distinct inputs of a group of rules, and the distinct outcomes
    of a stratum, are found by numpy over arrays of whole numbers (:func:`_distinct`); Python
    then sees one combination of each, to ask the engine or to settle (over tuples of values,
    for every combination and every group, Python cost more than the deciding). The key
    columns are numbered by polars, all in one pass (a dense rank). A stratum's answers are kept
    as its few distinct settled rows and, for each combination, which of them it has; a column's
    codes follow from those rows. Table columns are made only at the end, for the answers read
    from there on, one gather per stratum.
    """

    def __init__(self, frame: pl.DataFrame, keys: Sequence[str]) -> None:
        self._frame = frame
        self._lists: dict[str, list[Any]] = {}
        self._codes: dict[str, tuple[np.ndarray[Any, np.dtype[np.int64]], int]] = {}
        if keys:
            for ranked in frame.select(pl.col(keys).rank("dense").fill_null(0)).get_columns():
                codes = ranked.to_numpy().astype(np.int64)
                self._codes[ranked.name] = (codes, int(codes.max()) + 1 if codes.size else 1)
        # what each stratum added: its names, distinct rows and each combination's row among them
        self._strata: list[tuple[Sequence[str], Sequence[tuple[Any, ...]], np.ndarray[Any, Any]]] = []
        # an added column: its stratum's place in ``_strata`` and its place in that stratum's rows
        self._where: dict[str, tuple[int, int]] = {}

    def codes(self, name: str) -> tuple[np.ndarray[Any, np.dtype[np.int64]], int]:
        """Column ``name``'s code for each combination, and how many codes it has."""
        found = self._codes.get(name)
        if found is None:
            distinct, at = self._added(name)
            numbered: dict[Any, int] = {}
            of_row = np.array([numbered.setdefault(v, len(numbered)) for v in distinct], dtype=np.int64)
            found = (of_row[at], len(numbered))
            self._codes[name] = found
        return found

    def values(self, name: str, where: np.ndarray[Any, np.dtype[np.intp]]) -> list[Any]:
        """Column ``name``'s values for the combinations ``where``."""
        if name in self._where:
            distinct, at = self._added(name)
            return [distinct[i] for i in at[where].tolist()]
        if self._frame.height > LISTED_COMBINATIONS:
            return self._frame.get_column(name).gather(where).to_list()
        listed = self._lists.get(name)
        if listed is None:
            listed = self._lists[name] = self._frame.get_column(name).to_list()
        return [listed[i] for i in where.tolist()]

    def _added(self, name: str) -> tuple[list[Any], np.ndarray[Any, Any]]:
        """A column a stratum added: its values on the stratum's distinct rows, and each
        combination's row among them."""
        k, j = self._where[name]
        _names, rows, at = self._strata[k]
        return [row[j] for row in rows], at

    def add(self, names: Sequence[str], rows: Sequence[tuple[Any, ...]], at: np.ndarray[Any, Any]) -> None:
        """Columns ``names``: combination ``k`` has the values of ``rows[at[k]]``."""
        for j, name in enumerate(names):
            self._where[name] = (len(self._strata), j)
            self._codes.pop(name, None)
        self._strata.append((names, rows, at))

    def table(self, dtype: Callable[[str], pl.DataType], wanted: Callable[[str], bool]) -> list[pl.Series]:
        """The added columns that are ``wanted``, as table columns: each stratum's distinct rows
        made a small table and gathered by its positions once, for all its columns together (a
        gather per column cost more than the deciding at small sizes, by polars' fixed cost per
        operation)."""
        out: list[pl.Series] = []
        for names, rows, at in self._strata:
            kept = [(j, name) for j, name in enumerate(names) if wanted(name)]
            if not kept:
                continue
            distinct = pl.DataFrame(
                [pl.Series(name, [row[j] for row in rows], dtype=dtype(name)) for j, name in kept]
            )
            out.extend(distinct[pl.Series(at, dtype=pl.UInt32)].get_columns())
        return out


def _distinct(
    columns: Sequence[tuple[np.ndarray[Any, np.dtype[np.int64]], int]], rows: int
) -> tuple[np.ndarray[Any, np.dtype[np.intp]], np.ndarray[Any, np.dtype[np.intp]]]:
    """The distinct combinations of ``columns`` (each: codes, and how many codes) over ``rows``
    combinations: each combination's number among the distinct ones (numbered in order of first
    appearance, as a Python dict would keep them) and where each distinct one first appears.

    The codes are combined into one whole number per combination (mixed radix), renumbered
    whenever the next column would take it past 64 bits."""
    code = np.zeros(rows, dtype=np.int64)
    span = 1
    for values, radix in columns:
        if span * radix >= 1 << 62:
            code = np.unique(code, return_inverse=True)[1].reshape(-1).astype(np.int64)
            span = int(code.max()) + 1 if code.size else 1
        code = code * radix + values
        span *= radix
    _unique, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    number = np.empty_like(order)
    number[order] = np.arange(order.size)
    return number[inverse.reshape(-1)], first[order]


def _stratum_columns(
    comp: Composition,
    stratum: Stratum,
    cols: _WorkColumns,
    rows: int,
    column: Mapping[str, str],
    classes: Mapping[str, Classes],
    memo: EngineMemo,
    first_row: Callable[[int], int],
    people: pl.DataFrame,
    *,
    fired: bool,
) -> int:
    """The stratum's answers for every distinct combination, added to ``cols`` as new columns
    (:class:`_WorkColumns`).

    The stratum's rules fall into groups that read no name in common (:meth:`EngineMemo.groups`);
    each group is fired on the engine once per distinct input of its own, and its outcome (which
    of its rules fired) numbered. The stratum fired, for a combination, the union of its groups'
    outcomes, so each distinct combination of outcomes is settled once. Returns how many engine
    inputs were decided.
    """
    outcomes: list[tuple[np.ndarray[Any, np.dtype[np.int64]], int]] = []
    per_group: list[list[tuple[str, ...]]] = []
    decided = 0
    for group in memo.groups(stratum):
        names = [n for n, _t in group.inputs]
        inputs, firsts = _distinct([cols.codes(column[n]) for n in names], rows)
        numbers: dict[tuple[str, ...], int] = {}
        outcome = np.empty(firsts.size, dtype=np.int64)
        given = (
            list(zip(*(cols.values(column[n], firsts) for n in names), strict=True))
            if names
            else [()] * firsts.size
        )
        for d, values in enumerate(given):
            facts = {n: _as_python(comp, classes, n, v) for n, v in zip(names, values, strict=True)}
            outcome[d] = numbers.setdefault(memo.fire_group(group, facts), len(numbers))
        decided += firsts.size
        outcomes.append((outcome[inputs], len(numbers)))
        per_group.append(list(numbers))
    order = {r.id: k for k, r in enumerate(stratum.rules)}
    at, firsts = _distinct(outcomes, rows)
    firsts_of = [o[firsts].tolist() for o, _n in outcomes]
    combos = list(zip(*firsts_of, strict=True)) if outcomes else [()] * firsts.size
    found_rows: list[tuple[Any, ...]] = []
    for k, combo in zip(firsts.tolist(), combos, strict=True):
        fired_ids = sorted({r for g, n in enumerate(combo) for r in per_group[g][n]}, key=order.__getitem__)
        try:
            found = memo.settled_row(comp, stratum, fired_ids, fired=fired)
        except EvaluationError as exc:
            raise _named(exc, comp, first_row(k), people) from None
        found_rows.append(found)
    # each combination's row among the few distinct ones: its columns are gathered through it
    cols.add(_work_names(stratum, column, fired=fired), found_rows, at)
    return decided


def _work_names(stratum: Stratum, column: Mapping[str, str], *, fired: bool) -> list[str]:
    """The work columns a stratum adds, in the order of :func:`_outcome_row`'s values."""
    i = stratum.index
    names = [column[f] for f in stratum.fields] + [f"dec:{f}" for f in stratum.fields]
    return names + [f"from:{i}", f"to:{i}"] + ([f"fired:{i}"] if fired else [])


def _outcome_row(
    comp: Composition, stratum: Stratum, outcome: StratumOutcome, *, fired: bool
) -> tuple[Any, ...]:
    """A settled outcome as the stratum's work columns: answers, which were decided, the dates
    of the rules that decided (``from``, ``to``) and, with ``fired``, the rules that fired."""
    encoded = [_encode_output(comp, f, outcome.settled.values[f]) for f in stratum.fields]
    done = [f in outcome.decided for f in stratum.fields]
    periods = [r.rule.effective for r, _c, _r in outcome.findings if r.rule.effective is not None]
    starts = [p.from_ for p in periods if p.from_ is not None]
    ends = [p.to for p in periods if p.to is not None]
    found = (*encoded, *done, max(starts) if starts else None, min(ends) if ends else None)
    if fired:
        found = (*found, LIST_SEPARATOR.join(r.id for r, _c, _r in outcome.findings) or None)
    return found


def _work_dtype(comp: Composition, name: str) -> pl.DataType:
    """The type of a work column that a stratum added (see :func:`_stratum_columns`)."""
    kind, _sep, rest = name.partition(":")
    if kind == "out":
        return _column_dtype(comp.outputs[rest])
    if kind == "dec":
        return pl.Boolean()
    if kind in ("from", "to"):
        return pl.Date()
    return pl.String()


def _outside(start: Any, end: Any, day: pl.Expr) -> pl.Expr:
    """``day`` falls outside a period (either end may be open: ``None`` or a null column)."""
    first: pl.Expr = start if isinstance(start, pl.Expr) else pl.lit(start, dtype=pl.Date)
    last: pl.Expr = end if isinstance(end, pl.Expr) else pl.lit(end, dtype=pl.Date)
    return (day < first).fill_null(False) | (day > last).fill_null(False)


def _as_python(comp: Composition, classes: Mapping[str, Classes], name: str, value: Any) -> Any:
    """A column value as ``decide`` holds it: sets as frozensets, everything else as it is."""
    if name in comp.outputs:
        decl = comp.outputs[name]
        if decl.type == "set":
            return frozenset(v for i, v in enumerate(decl.values) if value & (1 << i))
        return value
    return _python(classes[name], value)


def _encode_output(comp: Composition, name: str, value: Any) -> Any:
    """An answer as a column value: a set as a bit mask over its declared values."""
    decl = comp.outputs[name]
    if decl.type == "set":
        members = value or frozenset()
        return sum(1 << i for i, v in enumerate(decl.values) if v in members)
    return value


def _default(decl: OutputDecl) -> Any:
    if decl.type == "set":
        return frozenset()
    if decl.has_default:
        return decl.default
    return False if decl.type == "bool" else None


def _column_dtype(decl: OutputDecl) -> pl.DataType:
    if decl.type == "bool":
        return pl.Boolean()
    if decl.type == "set":
        return pl.UInt64()
    if decl.values and all(type(v) is int for v in decl.values):
        return pl.Int64()
    return pl.String()


def _result_column(comp: Composition, name: str, frame: pl.DataFrame, col: str, dtype: Any) -> pl.Expr:
    decl = comp.outputs[name]
    if decl.type == "set":
        masks = frame.get_column(col).unique().to_list()
        text = {
            m: LIST_SEPARATOR.join(str(v) for i, v in enumerate(decl.values) if m & (1 << i)) for m in masks
        }
        return pl.col(col).replace_strict(text, return_dtype=pl.String).cast(dtype).alias(name)
    return pl.col(col).cast(dtype).alias(name)


def _check_requirements_columns(
    comp: Composition,
    frame: pl.DataFrame,
    column: Mapping[str, str],
    decided: Mapping[str, str],
    classes: Mapping[str, Classes],
    people: pl.DataFrame,
) -> None:
    """A required answer no rule decided, where the model requires it: a gap, named by one person."""
    for name, node in comp.requirements.items():
        refs = sorted(ex.refs(node))
        keys = [column[n] for n in refs]
        flag = decided.get(name)
        known = flag is not None and flag in frame.columns
        candidates = frame.filter(~pl.col(flag)) if known and flag else frame
        check = ex.python_predicate(node)
        for values in candidates.select(keys).unique(maintain_order=True).iter_rows():
            facts = {n: _as_python(comp, classes, n, v) for n, v in zip(refs, values, strict=True)}
            if check(facts):
                exc = RuleGapError(
                    f"no rule of {comp.local.id} or {comp.regime.id} decides '{name}' when "
                    f"{ex.render(node)}; the rule set must answer this case"
                )
                raise _named(exc, comp, _first_row(candidates, keys, values), people)


def _first_row(frame: pl.DataFrame, keys: Sequence[str], values: Sequence[Any]) -> int:
    """The first person's row among the distinct combinations whose ``keys`` hold ``values``."""
    match = frame
    for k, v in zip(keys, values, strict=True):
        match = match.filter(pl.col(k).is_null() if v is None else pl.col(k) == v)
    return int(match.get_column(ROW).item(0)[0])


def _named(exc: EvaluationError, comp: Composition, row: int, people: pl.DataFrame) -> EvaluationError:
    """The error, naming the person of ``row`` (the first whose facts raised it)."""
    person = people.filter(pl.col(ROW) == row).get_column(PERSON_ID).item()
    return type(exc)(
        f"person '{person}' (and everyone with the same facts) under {comp.regime.id} in "
        f"{comp.local.id}: {exc}"
    )


def _python(c: Classes, value: Any) -> Any:
    if c.type.kind == "set" and value is not None:
        return frozenset(v for i, v in enumerate(c.type.values) if value & (1 << i))
    return value


def _dtype(decl: OutputDecl) -> pl.DataType:
    if decl.type == "bool":
        return pl.Boolean()
    if decl.type == "set":
        return pl.String()
    if decl.values and all(type(v) is int for v in decl.values):
        return pl.Int64()
    return pl.Enum([str(v) for v in decl.values])


def _result_schema(comp: Composition, fired: bool) -> dict[str, pl.DataType]:
    out: dict[str, pl.DataType] = {k: _dtype(comp.outputs[k]) for k in CONTRACT_FIELDS}
    out["hypothetical"] = pl.Boolean()
    if fired:
        out[FIRED] = pl.String()
    return out


def _result_columns(fired: bool) -> list[str]:
    return [*CONTRACT_FIELDS, *EXTRA_FIELDS, *((FIRED,) if fired else ())]


# ---------------------------------------------------------------------------------------------


def _assemble(
    people: pl.DataFrame,
    outputs: list[pl.DataFrame],
    regimes: Sequence[str],
    places: Sequence[str],
    lib: RuleLibrary,
    fired: bool,
) -> pl.DataFrame:
    """The results in one table: a row per person, place and regime, in that order, with the
    person's id and booking date. ``outputs`` is emptied."""
    regime_enum = pl.Enum(list(regimes))
    place_enum = pl.Enum(list(dict.fromkeys([*places, *lib.jurisdictions])))
    parts = [
        o.with_columns(pl.col("regime").cast(regime_enum), pl.col("jurisdiction").cast(place_enum))
        for o in outputs
    ]
    # The list is emptied as its rows are gathered: sorted and joined, they are copied twice, and
    # the parts need not be held beside both copies (a tenth of the peak memory at 1M people).
    outputs.clear()
    if parts:
        body = pl.concat(parts, how="vertical_relaxed")
        del parts
    else:
        # nobody to evaluate: still every column, so that an empty batch is a valid results table
        any_comp = lib.composition(regimes[0], places[0] if places else lib.jurisdictions[0])
        body = pl.DataFrame(
            schema={
                ROW: pl.UInt32,
                "regime": regime_enum,
                "jurisdiction": place_enum,
                **_result_schema(any_comp, fired),
            }
        )
    # in order of person, place and regime, as one whole number (a sort on the three columns
    # cost half as much again); the enumerations sort in their own order
    places_n, regimes_n = len(place_enum.categories), len(regime_enum.categories)
    body = body.sort(
        pl.col(ROW).cast(pl.UInt64) * (places_n * regimes_n)
        + pl.col("jurisdiction").to_physical().cast(pl.UInt64) * regimes_n
        + pl.col("regime").to_physical().cast(pl.UInt64)
    )
    # each row's person found by position (rows are in person order), cheaper than a join
    at = positions(people.get_column(ROW), body.get_column(ROW))
    if bool((at < 0).any()):  # pragma: no cover - every result row is about a person of the batch
        body, at = body.filter(pl.Series(at >= 0)), at[at >= 0]
    taken = pl.Series(at)
    meta = people.select(PERSON_ID, pl.col(BOOKING_DATE).alias("booking_date"), SYNTHETIC)
    table = body.with_columns(meta.get_column(c).gather(taken) for c in meta.columns)
    del body
    first = [PERSON_ID, "regime", "jurisdiction", "booking_date"]
    rest = [c for c in table.columns if c not in (*first, ROW, SYNTHETIC)]
    return table.select(*first, *rest, SYNTHETIC)
