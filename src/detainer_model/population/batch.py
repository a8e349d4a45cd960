"""Evaluating a population: the rule files' facts by column, each distinct case once on the engine.

For each federal regime and local policy (a *composition*) the work is:

1. derive every definition of the composition for every person at once, with polars
   (:mod:`.columns` compiles the rule files' own expressions);
2. replace each fact the rules read by the representative of its class (:mod:`.canonical`),
   so that people whom every rule treats alike share one row of facts;
3. take the distinct rows (where the first stratum of rules, which reads facts only, fires alike
   and every later rule reads alike, people are one case): a few hundred or thousand cases,
   where there were a million people;
4. evaluate each of them once with :func:`detainer_model.core.evaluate.decide`, on the rule engine,
   exactly as a single case is evaluated (the engine decides; nothing here knows the law);
5. join the decisions back onto the people.

The single-case path and this one give the same answers (``tests/test_population_equivalence.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ..core.evaluate import CONTRACT_FIELDS, Decision, decide, fire
from ..core.facts import DerivedFacts
from ..core.layers import Layer, deciding_layer, layering, layers_for
from ..errors import EvaluationError
from ..rulebook import expressions as ex
from ..rulebook.library import (
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
from ..rulebook.rulefile import OutputDecl
from .canonical import Classes, classes_for
from .columns import Namer, add_definitions, definition_column, with_default_incidents
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
        self._outcomes: dict[tuple[str, frozenset[str]], int] = {}
        self.engine_calls = 0

    def outcome_id(self, stratum: Stratum, values: Mapping[str, Any]) -> int:
        """A number for the set of rules that fire for ``values`` (the same set, the same number)."""
        fired = frozenset(self(stratum, values))
        return self._outcomes.setdefault((stratum.engine_name, fired), len(self._outcomes))

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

    def _fire(self, group: Stratum, values: Mapping[str, Any]) -> tuple[str, ...]:
        key = (group.engine_name, tuple(values[n] for n, _t in group.inputs))
        found = self._seen.get(key)
        if found is None:
            found = tuple(fire(group, values, "engine"))
            self._seen[key] = found
            self.engine_calls += 1
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
    """One row per person, regime and place, and what it took to get there."""

    table: pl.DataFrame
    people: int
    regimes: tuple[str, ...]
    jurisdictions: tuple[str, ...] | None
    compositions: list[CompositionStats] = field(default_factory=list)
    engine_calls: int = 0

    @property
    def classes(self) -> int:
        """How many distinct cases the engine evaluated."""
        return sum(c.classes for c in self.compositions)


def evaluate_population(
    batch: ValidBatch,
    lib: RuleLibrary,
    regimes: Sequence[str],
    jurisdictions: Sequence[str] | None = None,
    *,
    fired: bool = False,
    progress: Progress | None = None,
) -> PopulationResult:
    """Evaluate every person under each regime and their own local policy (or each of ``jurisdictions``)."""
    prog = progress or Progress()
    people = batch.people
    items = dict(batch.items)
    items["convictions"] = with_default_incidents(items["convictions"])
    places = (
        list(jurisdictions) if jurisdictions else sorted(people.get_column(JURISDICTION).unique().to_list())
    )
    local_sets = {j: _local_sets(lib, j) for j in places}
    comps = {(r, v): lib.composition(r, v) for j in places for v in local_sets[j] for r in regimes}

    prog.stage("deriving facts")
    frame = _with_default_params(people, comps.values())
    for group in _common_definitions(comps.values()):
        # each group is one reading's definitions, named as that reading's rules read them
        frame = add_definitions(frame, items, group, Namer.of(group))

    outputs: list[pl.DataFrame] = []
    stats: list[CompositionStats] = []
    memo = EngineMemo()
    run = _Runner(lib, regimes, comps, items, memo, people, fired, stats)
    prog.stage("evaluating distinct cases on the rule engine", len(places) * len(regimes))
    for j in places:
        # one place at a time, so that only its people's keys are held in memory
        subset = frame if jurisdictions else frame.filter(pl.col(JURISDICTION) == j)
        if subset.height == 0:
            prog.advance(len(regimes))
            continue
        base, reading = split_ref(j)
        is_place = base in lib.places
        results = _place_results(lib, base, reading, subset, run) if is_place else run.local(base, j, subset)
        for r in regimes:
            outputs.append(
                results[r].select(
                    ROW, pl.lit(r).alias("regime"), pl.lit(j).alias("jurisdiction"), *_result_columns(fired)
                )
            )
            prog.advance()

    prog.stage("assembling results")
    table = _assemble(people, outputs, regimes, places, lib, fired)
    return PopulationResult(
        table,
        people.height,
        tuple(regimes),
        tuple(jurisdictions) if jurisdictions else None,
        stats,
        memo.engine_calls,
    )


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
    """Evaluates people under one local rule set and every regime, as ``evaluate`` would."""

    lib: RuleLibrary
    regimes: Sequence[str]
    comps: Mapping[tuple[str, str], Composition]
    items: Mapping[str, pl.DataFrame]
    memo: EngineMemo
    people: pl.DataFrame
    fired: bool
    stats: list[CompositionStats]

    def local(self, owner: str, version: str, subset: pl.DataFrame) -> dict[str, pl.DataFrame]:
        """``{regime: rows (_row and result columns)}`` for ``subset`` under ``version``.

        A row's own parameter values apply where the row is booked in ``owner``.
        """
        subset = _with_local_params(subset, self.lib, version, owner)
        comps = [self.comps[(r, version)] for r in self.regimes]
        local_defs = _local_definitions(comps)
        if local_defs:
            rows = subset.get_column(ROW).implode()
            own = {t: f.filter(pl.col(ROW).is_in(rows)) for t, f in self.items.items()}
            all_defs = [d for c in comps for d in c.definitions]
            subset = add_definitions(subset, own, local_defs, Namer.of(all_defs))
        out = {}
        for r, comp in zip(self.regimes, comps, strict=True):
            plan = _Plan.of(comp, subset, self.memo)
            decided = _decide_all(plan, self.memo, self.people, fired=self.fired)
            joined = plan.keys.join(decided, on=plan.case_key, how="left", nulls_equal=True)
            out[r] = joined.select(ROW, *_result_columns(self.fired))
            self.stats.append(CompositionStats(r, version, plan.keys.height, plan.cases.height))
        return out


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
    parts: dict[str, list[pl.DataFrame]] = {r: [] for r in run.regimes}
    for layers, days in stacks.values():
        part = subset.filter(pl.col(BOOKING_DATE).is_in(days))
        per_layer = [run.local(place, layer.ref(reading), part) for layer in layers]
        mandates = [layer.mandate for layer in layers]
        for r in run.regimes:
            frames = [answers[r].sort(ROW) for answers in per_layer]
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
                parts[r].append(f.filter(pl.col(ROW).is_in(rows)))
    return {r: pl.concat(parts[r], how="vertical_relaxed").sort(ROW) for r in run.regimes}


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
        for local in lib.jurisdictions:
            nodes.extend(lib.composition(regime, local).requirements.values())
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


def _with_local_params(
    people: pl.DataFrame, lib: RuleLibrary, version: str, owner: str | None = None
) -> pl.DataFrame:
    """The policy's parameters: the row's value where the row is booked in ``owner``, else the default."""
    owner = owner if owner is not None else split_ref(version)[0]
    cols = []
    for name, p in lib.ruleset(version, "local").parameters.items():
        fact = param_name(name)
        dtype = pl.Boolean if p.type == "bool" else pl.Int64
        given = pl.col(fact).cast(dtype) if fact in people.columns else pl.lit(None, dtype=dtype)
        own = pl.col(JURISDICTION) == owner
        cols.append(
            pl.when(own).then(given).otherwise(None).fill_null(pl.lit(p.default, dtype=dtype)).alias(fact)
        )
    return people.with_columns(cols) if cols else people


# ---------------------------------------------------------------------------------------------
# classes and decisions


FIRST = "key:first-stratum"


@dataclass
class _Plan:
    """One composition's people, their representative facts, and the distinct cases among them.

    Two refinements keep the distinct cases few, both exact:

    * every fact is replaced by the representative of its class (:mod:`.canonical`);
    * the first stratum's rules read facts only, so its outcome (which rules fired) is worked out
      once per distinct input on the engine, and people whose first stratum fired the same rules
      and who agree on every fact read after it are one case: ``decide`` cannot tell them apart.
    """

    comp: Composition
    classes: dict[str, Classes]
    columns: dict[str, str]  # fact name -> key column
    keys: pl.DataFrame  # _row, key columns, first-stratum outcome
    case_key: list[str]  # the columns that identify a case
    cases: pl.DataFrame  # one row per case: a person's _row and every key column

    @classmethod
    def of(cls, comp: Composition, subset: pl.DataFrame, memo: EngineMemo) -> _Plan:
        classes = classes_for(comp)
        namer = Namer.of(comp.definitions)
        columns = {name: "key:" + namer(name) for name in classes}
        keys = subset.select(ROW, *[c.expression(namer.col(n)).alias(columns[n]) for n, c in classes.items()])
        case_key = list(columns.values())
        if comp.strata:
            first = comp.strata[0]
            first_cols = [columns[n] for n, _t in first.inputs]
            later = set(later_inputs(comp))
            distinct = keys.select(first_cols).unique()
            outcome = [
                memo.outcome_id(
                    first, {n: _python(classes[n], v) for (n, _t), v in zip(first.inputs, row, strict=True)}
                )
                for row in distinct.iter_rows()
            ]
            distinct = distinct.with_columns(pl.Series(FIRST, outcome, dtype=pl.UInt32))
            keys = keys.join(distinct, on=first_cols, how="left", nulls_equal=True, maintain_order="left")
            case_key = [FIRST, *(columns[n] for n in classes if n in later)]
        cases = keys.unique(subset=case_key, keep="first", maintain_order=True)  # _row: one of its people
        return cls(comp, classes, columns, keys, case_key, cases)


def later_inputs(comp: Composition) -> list[str]:
    """The facts read after the first stratum: by later strata, requirements and warnings."""
    read = {n for s in comp.strata[1:] for n, _t in s.inputs}
    for node in comp.requirements.values():
        read |= ex.refs(node)
    read.add(BOOKING_DATE)
    return sorted(read - set(comp.outputs))


def _decide_all(plan: _Plan, memo: EngineMemo, people: pl.DataFrame, *, fired: bool) -> pl.DataFrame:
    """Decide each distinct case of the plan once, with ``decide`` on the engine."""
    comp, classes = plan.comp, plan.classes
    names = list(classes)
    at = {c: i for i, c in enumerate(plan.cases.columns)}
    where = [at[plan.columns[n]] for n in names]
    key_at = [at[c] for c in plan.case_key]
    params = {k: p.default for k, (_rs, p) in comp.parameters.items()}
    rows: list[dict[str, Any]] = []
    for values in plan.cases.iter_rows():
        facts = {n: _python(classes[n], values[i]) for n, i in zip(names, where, strict=True)}
        for k in params:
            params[k] = facts.get(param_name(k), params[k])
        try:
            decision = decide(
                comp,
                DerivedFacts(facts),
                case_id="batch",
                booking_date=facts[BOOKING_DATE],
                params=dict(params),
                firing=memo,
            )
        except EvaluationError as exc:
            person = people.filter(pl.col(ROW) == values[at[ROW]]).get_column(PERSON_ID).item()
            raise type(exc)(
                f"person '{person}' (and everyone with the same facts) under {comp.regime.id} in "
                f"{comp.local.id}: {exc}"
            ) from None
        rows.append(_result_row(decision, plan.case_key, [values[i] for i in key_at], fired))
    schema = {c: plan.cases.schema[c] for c in plan.case_key}
    schema.update(_result_schema(comp, fired))
    return pl.DataFrame(rows, schema=schema, orient="row")


def _python(c: Classes, value: Any) -> Any:
    if c.type.kind == "set" and value is not None:
        return frozenset(v for i, v in enumerate(c.type.values) if value & (1 << i))
    return value


def _result_row(
    decision: Decision, columns: Sequence[str], key: Sequence[Any], fired: bool
) -> dict[str, Any]:
    row = dict(zip(columns, key, strict=True))
    for k in CONTRACT_FIELDS:
        v = decision.get(k)
        row[k] = LIST_SEPARATOR.join(map(str, v)) if isinstance(v, tuple) else v
    row["hypothetical"] = bool(decision.warnings)
    if fired:
        row[FIRED] = LIST_SEPARATOR.join(decision.fired)
    return row


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
    outputs: Sequence[pl.DataFrame],
    regimes: Sequence[str],
    places: Sequence[str],
    lib: RuleLibrary,
    fired: bool,
) -> pl.DataFrame:
    regime_enum = pl.Enum(list(regimes))
    place_enum = pl.Enum(list(dict.fromkeys([*places, *lib.jurisdictions])))
    parts = [
        o.with_columns(pl.col("regime").cast(regime_enum), pl.col("jurisdiction").cast(place_enum))
        for o in outputs
    ]
    if parts:
        body = pl.concat(parts, how="vertical_relaxed")
    else:
        body = pl.DataFrame(schema={ROW: pl.UInt32, "regime": regime_enum, "jurisdiction": place_enum})
    body = body.sort(ROW, "jurisdiction", "regime", maintain_order=True)
    meta = people.select(ROW, PERSON_ID, pl.col(BOOKING_DATE).alias("booking_date"), SYNTHETIC)
    table = meta.join(body, on=ROW, how="inner", maintain_order="right")
    first = [PERSON_ID, "regime", "jurisdiction", "booking_date"]
    rest = [c for c in table.columns if c not in (*first, ROW, SYNTHETIC)]
    return table.select(*first, *rest, SYNTHETIC)
