"""Evaluating cases: ``evaluate`` one case under one regime and place, ``compare`` regimes.

A case's facts are derived by the rule files' definitions; then each stratum of the composition
runs on the rule engine (durable_rules), and :mod:`detainer_model.core.resolve` settles its answers
before the next stratum reads them. The reference evaluator runs the very same compiled rules in
plain Python; it exists so that tests can hold the engine to the rules' meaning.

A decision is a function of the composition and the values its strata, findings and gap checks
read, so ``decide`` remembers each decision the engine made by those values and gives it again
when they come again (a case decided twice, or two cases alike in everything the rules read).
Every remembered decision was the engine's, for exactly those values; the memo follows the
engine's own (off inside ``RuleEngine.unmemoised``) and :func:`decisions_afresh` turns it off alone.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from itertools import chain
from operator import attrgetter, is_, itemgetter
from typing import Any, Literal

from ..errors import EvaluationError, RuleGapError, UnknownIdError, suggest
from ..rulebook import expressions as ex
from ..rulebook.enginelimits import EnginePart
from ..rulebook.library import (
    AUTO,
    Composition,
    LoadedRule,
    RuleLibrary,
    RuleSet,
    Stratum,
    join_ref,
    load_rules,
    split_ref,
)
from .engine import Fact, RuleEngine, get_engine
from .facts import DerivedFacts, derive
from .layers import Layer, deciding_layer, layering, layers_for
from .models import Case
from .resolve import Override, Settled, settle

Backend = Literal["engine", "reference"]
DEFAULT_REGIMES = ("secure-communities", "pep")
CONTRACT_FIELDS = (
    "identified",
    "removable",
    "priorities",
    "sc_level",
    "request",
    "form",
    "local_response",
    "outcome",
)
DISCLAIMER = "An illustrative teaching model, not legal advice."


@dataclass(frozen=True)
class Finding:
    """A rule that fired and took effect: what it concluded and the facts its condition read."""

    rule: LoadedRule
    concluded: dict[str, Any]
    facts: dict[str, Any]

    def line(self) -> str:
        """One explanation line: rule id, conclusion, plain-language summary and source."""
        said = ", ".join(f"{k} = {_show(v)}" for k, v in self.concluded.items())
        return f"{self.rule.id} → {said}: {self.rule.summary.strip()} Source: {self.rule.cite()}."


@dataclass(frozen=True)
class LayerAnswer:
    """How one layer (a place's version in force) answered, and the rules that decided it."""

    place: str
    version: str
    effective: str
    local_response: str
    rules: tuple[str, ...]
    mandate: bool = False
    fallback: bool = False
    reading: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "place": self.place,
            "version": self.version,
            "reading": self.reading,
            "effective": self.effective,
            "local_response": self.local_response,
            "rules": list(self.rules),
            "mandate": self.mandate,
            "fallback": self.fallback,
        }


@dataclass(frozen=True)
class Decision:
    """The outcome for one case under one federal regime and one local policy."""

    case_id: str
    regime: str
    jurisdiction: str
    booking_date: dt.date
    identified: bool
    removable: bool
    priorities: tuple[str, ...]
    sc_level: int | None
    request: str
    form: str | None
    local_response: str
    outcome: str
    findings: tuple[Finding, ...]
    overridden: tuple[Override, ...] = ()
    warnings: tuple[str, ...] = ()
    reported: tuple[str, ...] = ()
    """The answers beyond the contract's that the model reports (``ncic_answer``), in its order."""
    params: Mapping[str, Any] = field(default_factory=dict)
    answers: Mapping[str, Any] = field(default_factory=dict)
    facts: DerivedFacts = field(default_factory=lambda: DerivedFacts({}))
    reading: str | None = None
    jurisdiction_reading: str | None = None
    default_reading: str | None = None  # the regime's default, so that ``expect: {pep: ...}`` finds it
    place: str | None = None
    layers: tuple[LayerAnswer, ...] = ()
    deciding: int | None = None

    @property
    def hypothetical(self) -> bool:
        """Evaluated on a date outside the period its regime, local policy or a rule was in force.

        A shared rule set's answers given outside its own dates (the 2014 priorities for a 2012
        booking) are warned about, but do not by themselves make the evaluation hypothetical.
        """
        return any(not w.endswith(SHARED_OUTSIDE) for w in self.warnings)

    @property
    def regime_ref(self) -> str:
        """The regime with the reading used: ``pep:as-practised`` (the id alone if it has no readings)."""
        return join_ref(self.regime, self.reading)

    @property
    def jurisdiction_ref(self) -> str:
        """The local policy with the reading used (the id alone if it has no readings)."""
        return join_ref(self.jurisdiction, self.jurisdiction_reading)

    @property
    def label(self) -> str:
        """``pep`` under the default reading, ``pep:as-written`` under another (for column heads)."""
        return self.regime if self.reading == self.default_reading else self.regime_ref

    @property
    def local_ref(self) -> str:
        """The local rule set (and reading) whose answer stands: the deciding layer's, or the pinned one."""
        if self.deciding is not None:
            win = self.layers[self.deciding]
            return join_ref(win.version, win.reading)
        return self.jurisdiction_ref

    @property
    def version(self) -> str | None:
        """For a place: its own version in force on the booking date (None if it had none)."""
        own = [a for a in self.layers if a.place == self.place and not a.fallback]
        return own[0].version if own else None

    @property
    def layer_lines(self) -> tuple[str, ...]:
        """One line per layer, and one naming the layer and rule that decided."""
        if self.deciding is None:
            return ()
        out = []
        for a in self.layers:
            kind = " (no place has a policy in force: the model's fallback)" if a.fallback else ""
            kind += " (a mandate on the places inside it)" if a.mandate else ""
            by = ", ".join(a.rules) or "no rule (default)"
            read = f" (reading {a.reading})" if a.reading else ""
            out.append(
                f"layer {a.place}: {a.version}{read}, in force {a.effective}{kind} → local_response = "
                f"{a.local_response} by {by}."
            )
        win = self.layers[self.deciding]
        why = (
            "a mandate that binds the places inside it"
            if win.mandate
            else "the answer most restrictive toward ICE among the layers in force"
        )
        rule = ", ".join(win.rules) or "no rule (default)"
        out.append(f"decided by the {win.place} layer ({win.version}), rule {rule}: {why}.")
        return tuple(out)

    @property
    def fired(self) -> tuple[str, ...]:
        """Ids of the rules that fired and took effect, in the order they ran."""
        return tuple(f.rule.id for f in self.findings)

    @property
    def explanation(self) -> tuple[str, ...]:
        return (*(f.line() for f in self.findings), *self.layer_lines)

    def get(self, name: str) -> Any:
        """A result field by its contract name (``"request"``, ``"priorities"`` ...)."""
        if name in CONTRACT_FIELDS:
            return getattr(self, name)
        return self.answers[name]

    def to_dict(self) -> dict[str, Any]:
        """The contract's result object (plus ``overridden``, ``warnings`` and ``params``)."""
        out: dict[str, Any] = {
            "regime": self.regime,
            "reading": self.reading,
            "jurisdiction": self.jurisdiction,
            "jurisdiction_reading": self.jurisdiction_reading,
        }
        out.update({k: _jsonable(getattr(self, k)) for k in CONTRACT_FIELDS})
        out.update({k: _jsonable(self.answers.get(k)) for k in self.reported})
        out["fired"] = list(self.fired)
        out["explanation"] = list(self.explanation)
        out["overridden"] = [{"rule": o.rule.id, "by": o.by.id, "field": o.field} for o in self.overridden]
        out["warnings"] = list(self.warnings)
        out["params"] = dict(self.params)
        if self.place is not None:
            out["place"] = self.place
            out["version"] = self.version
            out["layers"] = [a.to_dict() for a in self.layers]
            out["decided_by"] = self.layers[self.deciding].to_dict() if self.deciding is not None else None
        return out

    def __repr__(self) -> str:
        return (
            f"<Decision {self.case_id} | {self.label} @ {self.jurisdiction_ref}: request={self.request}"
            f" form={self.form} response={self.local_response} outcome={self.outcome}"
            f" priorities={list(self.priorities)} fired={len(self.findings)} rules>"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td>{html.escape(_show(getattr(self, k)))}</td></tr>"
            for k in CONTRACT_FIELDS
        )
        fired = "".join(f"<li>{html.escape(line)}</li>" for line in self.explanation)
        return (
            f"<div><b>{html.escape(self.case_id)}</b>: {html.escape(self.regime_ref)} @ "
            f"{html.escape(self.jurisdiction_ref)}<table>{rows}</table><ul>{fired}</ul>"
            f"<small>{DISCLAIMER}</small></div>"
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    return value


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, tuple | list | frozenset):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Comparison:
    """One case under several regimes (and places), with the fields on which they differ."""

    case: Case
    decisions: tuple[Decision, ...]

    @property
    def differences(self) -> tuple[str, ...]:
        return tuple(k for k in CONTRACT_FIELDS if len({repr(d.get(k)) for d in self.decisions}) > 1)

    def to_frame(self) -> Any:
        """One row per decision as a polars DataFrame (see :mod:`detainer_model.report.frames`)."""
        from ..report.frames import to_frame

        return to_frame(self)

    def __repr__(self) -> str:
        parts = ", ".join(f"{d.label}@{d.jurisdiction_ref}: {d.outcome}" for d in self.decisions)
        return f"<Comparison {self.case.id}: {parts}; differ on {list(self.differences)}>"

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th>{html.escape(d.regime_ref)}<br>{html.escape(d.jurisdiction_ref)}</th>"
            for d in self.decisions
        )
        rows = ""
        diff = set(self.differences)
        for k in CONTRACT_FIELDS:
            style = " style='background:#fff3cd'" if k in diff else ""
            cells = "".join(f"<td>{html.escape(_show(d.get(k)))}</td>" for d in self.decisions)
            rows += f"<tr{style}><th style='text-align:left'>{k}</th>{cells}</tr>"
        return (
            f"<div><b>{html.escape(self.case.id)}</b>: {html.escape(self.case.title)}"
            f"<table><tr><th></th>{head}</tr>{rows}</table><small>{DISCLAIMER}</small></div>"
        )


# ---------------------------------------------------------------------------------------------


def evaluate(
    case: Case,
    regime: str = "secure-communities",
    jurisdiction: str | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    rules: RuleLibrary | None = None,
    backend: Backend = "engine",
) -> Decision:
    """Evaluate ``case`` under the federal ``regime`` and a local policy.

    ``regime="auto"`` picks the regime in force on the booking date (the result names it).

    The local policy is the case's own jurisdiction unless ``jurisdiction`` names another. The
    case's parameters apply to its own jurisdiction; ``params`` overrides them. Either id may name
    a reading, ``pep:as-written``; without one, the rule set's default reading is used.
    """
    lib = rules or load_rules()
    jid = jurisdiction or case.jurisdiction.id
    auto, own, base, reading, place = _refs(lib, regime, jid, case.jurisdiction.id)
    if auto:
        regime = lib.resolve_regime(regime, case.booking_date)
    given = dict(case.jurisdiction.params) if own else {}
    if params:
        given.update(params)
    if place:
        if reading is not None:  # (without one there is nothing to check)
            lib.check_place_reading(base, reading)
        return _evaluate_place(case, regime, base, reading, given, lib, backend)
    comp = lib.composition(regime, jid)
    for name in given:
        if name not in comp.parameters:
            raise UnknownIdError(f"'{jid}' has no parameter '{name}'{suggest(name, comp.parameters)}")
    values = comp.param_values(given)
    facts = derive(case, comp, values)
    try:
        return decide(
            comp, facts, case_id=case.id, booking_date=case.booking_date, params=values, backend=backend
        )
    except EvaluationError as exc:
        raise type(exc)(f"case '{case.id}' under {regime} in {jid}: {exc}") from None


_Refs = tuple[bool, bool, str, str | None, bool]
# per library (by id, checked by a weak reference: a library is never kept alive for this)
_REFS: dict[int, tuple[weakref.ref[RuleLibrary], dict[tuple[str, str, str], _Refs]]] = {}


def _refs(lib: RuleLibrary, regime: str, jid: str, case_jid: str) -> _Refs:
    """What :func:`evaluate` reads from the refs it is given, worked out once per library:
    whether the regime is ``auto`` (resolved by the booking date), whether ``jid`` is the case's
    own jurisdiction, its id and reading, and whether it is a place."""
    mine = _REFS.get(id(lib))
    if mine is None or mine[0]() is not lib:
        if len(_REFS) >= 64:
            _REFS.clear()
        mine = _REFS[id(lib)] = (weakref.ref(lib), {})
    known = mine[1].get((regime, jid, case_jid))
    if known is None:
        base, reading = split_ref(jid)
        known = (
            split_ref(regime)[0] == AUTO,
            base == split_ref(case_jid)[0],
            base,
            reading,
            base in lib.places,
        )
        if len(mine[1]) >= _WARNED_LIMIT:
            mine[1].clear()
        mine[1][(regime, jid, case_jid)] = known
    return known


def _evaluate_place(
    case: Case,
    regime: str,
    place: str,
    reading: str | None,
    given: Mapping[str, Any],
    lib: RuleLibrary,
    backend: Backend,
) -> Decision:
    """Every layer in force answers on its own; :func:`combine` picks the answer that stands.

    A reading named with the place applies to every layer whose version declares it; the others
    answer under their default reading."""
    if given:
        versions = [v for p in lib.place_chain(place) for v in lib.place(p).versions]
        known = {n for v in versions for n in lib.rulesets[v].parameters}
        for name in given:
            if name not in known:
                raise UnknownIdError(f"'{place}' has no parameter '{name}'{suggest(name, known)}")
    layers = layers_for(lib, place, case.booking_date)
    decisions = []
    for layer in layers:
        comp = lib.composition(regime, layer.ref(reading))
        values = comp.param_values({k: v for k, v in given.items() if k in comp.parameters})
        facts = derive(case, comp, values)
        try:
            decisions.append(
                decide(
                    comp,
                    facts,
                    case_id=case.id,
                    booking_date=case.booking_date,
                    params=values,
                    backend=backend,
                )
            )
        except EvaluationError as exc:
            raise type(exc)(
                f"case '{case.id}' under {regime} in {place} ({layer.version.id}): {exc}"
            ) from None
    return combine(lib, place, layers, decisions, reading)


def combine(
    lib: RuleLibrary,
    place: str,
    layers: Sequence[Layer],
    decisions: Sequence[Decision],
    reading: str | None = None,
) -> Decision:
    """One Decision for ``place`` from its layers' decisions (outermost first): the deciding
    layer's answers, with every layer's answer and the rule that decided recorded."""
    rule = layering(lib)
    answers = [d.get(rule.field) for d in decisions]
    k = deciding_layer(answers, [layer.mandate for layer in layers], rule.most_restrictive_first)
    record = tuple(
        LayerAnswer(
            place=layer.place,
            version=layer.version.id,
            effective=layer.version.effective.describe(),
            local_response=str(d.get(rule.field)),
            rules=tuple(f.rule.id for f in d.findings if rule.field in f.concluded),
            mandate=layer.mandate,
            fallback=layer.fallback,
            reading=d.jurisdiction_reading,
        )
        for layer, d in zip(layers, decisions, strict=True)
    )
    params = {k2: v for d in decisions for k2, v in d.params.items()}
    made = dict(vars(decisions[k]))
    made.update(
        jurisdiction=place,
        jurisdiction_reading=reading,
        place=place,
        layers=record,
        deciding=k,
        params=params,
    )
    return _new_decision(made)


def decide(
    comp: Composition,
    facts: DerivedFacts,
    *,
    case_id: str,
    booking_date: dt.date,
    params: Mapping[str, Any],
    backend: Backend = "engine",
    firing: Callable[[Stratum, Mapping[str, Any]], Sequence[str]] | None = None,
) -> Decision:
    """Run every stratum of ``comp`` over ``facts`` and build the Decision.

    ``firing``, when given, stands in for :func:`fire` (populations pass one that asks the engine
    once per distinct input of a stratum and remembers its answer).
    """
    plan = _decide_plan(comp)
    engine = get_engine() if firing is None and backend == "engine" else None
    single = plan.engine_single() if engine is not None else None
    key = None
    if engine is not None and single is not None and engine.memo_limit and _REMEMBER[0]:
        # the decision these very inputs were given before (see _DECISIONS), by this very
        # engine: another (a test's stand-in) starts afresh
        if _DECIDED_BY[0] is not engine or _DECIDED_BY[1] is not type(engine).fire:
            _DECISIONS.clear()
            _DECIDED_BY[:] = [engine, type(engine).fire]
        key = plan.decision_key(facts.values)
        known = _DECISIONS.get(key) if key is not None else None
        if known is not None:
            _REUSED[0] += 1
            answers, made_findings, overridden, dated = known
            return _made_decision(
                comp,
                plan,
                case_id,
                booking_date,
                params,
                facts,
                dict(answers),
                made_findings,
                overridden,
                dated,
            )
    values = dict(facts.values)
    findings: list[Finding] = []
    outcomes: list[StratumOutcome] = []
    if engine is not None and single is not None:
        # one engine ruleset per stratum (nearly always): the engine is asked, then what its
        # answer settles and the findings over these very input values are remembered with the fact
        ask = engine.fire
        for stratum, alike, pp, name, conditions in single:
            fact, seen = pp.entry(values)
            found = tuple(ask(name, conditions, fact))
            known_here = seen.get((alike, found))
            if known_here is None:
                outcome = _settle(comp, stratum, alike, tuple(map(pp.part.rule_of.__getitem__, found)))
                made = outcome.made_findings(values)
                known_here = seen[(alike, found)] = (outcome, made, outcome.settled.values)
            findings += known_here[1]
            outcomes.append(known_here[0])
            values.update(known_here[2])
    else:
        for stratum, alike, parts in plan.engine_strata() if engine is not None else plan.strata_alone:
            if engine is not None:
                fired_ids = _fire_parts(engine, parts, values)
            elif firing is not None:
                fired_ids = firing(stratum, values)
            else:
                fired_ids = fire(stratum, values, backend)
            outcome = _settle(comp, stratum, alike, fired_ids)
            findings.extend(outcome.made_findings(values))
            outcomes.append(outcome)
            values.update(outcome.settled.values)
    for name, node, holds, where in plan.requirements:
        # ``where``: the index of the stratum that decides the answer (-1: none does)
        if (where < 0 or name not in outcomes[where].decided) and holds(values):
            raise RuleGapError(
                f"no rule of {comp.local.id} or {comp.regime.id} decides '{name}' when "
                f"{ex.render(node)}; the rule set must answer this case"
            )
    answers = dict(zip(plan.outputs, plan.read_outputs(values), strict=True))
    for k, order in plan.sets:
        v = answers[k]
        if isinstance(v, frozenset):  # a set answer: its values in the declared order
            in_order = plan.ordered.get((k, v))
            if in_order is None:
                in_order = _in_order(order, v)
                if len(plan.ordered) >= _WARNED_LIMIT:
                    plan.ordered.clear()
                plan.ordered[(k, v)] = in_order
            answers[k] = in_order
    overridden = tuple(chain.from_iterable(map(_OVERRIDDEN, outcomes)))
    made_findings = tuple(findings)
    dated = _dated(plan, outcomes, made_findings)
    if key is not None:
        if len(_DECISIONS) >= DECISIONS_LIMIT:
            _DECISIONS.clear()
        _DECISIONS[key] = (dict(answers), made_findings, overridden, dated)
    return _made_decision(
        comp, plan, case_id, booking_date, params, facts, answers, made_findings, overridden, dated
    )


# The decisions given so far (the engine's answers, settled), keyed by the composition (its
# plan's token) and the values of every name decide reads from the derived facts (see
# _DecidePlan.decision_key). decide reads nothing else (the engine's answer to a fact is a function
# of the fact; settling, of which rules fired; the findings and the gap checks, of these values),
# so the same inputs under the same composition are the same decision. Used only while the
# engine's memo is on, and only for the engine that made them (_DECIDED_BY: the engine and its
# fire method); emptied when DECISIONS_LIMIT decisions are held (about 1.3 KB each).
# {key: (answers, findings, overridden rules, the dated rules that took effect)}
_DECISIONS: dict[tuple[Any, ...], _Remembered] = {}
_DECIDED_BY: list[Any] = [None, None]
DECISIONS_LIMIT = 20_000
# how many decisions were given again (see decisions_reused), and whether they are (see
# decisions_afresh)
_REUSED = [0]
_REMEMBER = [True]


@contextmanager
def decisions_afresh() -> Iterator[None]:
    """Within the block :func:`decide` remembers no decision and gives none again: every case is
    decided stratum by stratum (the engine's own memo of its answers stays as it is)."""
    saved = _REMEMBER[0]
    _REMEMBER[0] = False
    try:
        yield
    finally:
        _REMEMBER[0] = saved


def decisions_reused() -> int:
    """How many decisions :func:`decide` gave again, for inputs the engine had already decided
    under the same composition, instead of asking again (see ``_DECISIONS``)."""
    return _REUSED[0]


def _made_decision(
    comp: Composition,
    plan: _DecidePlan,
    case_id: str,
    booking_date: dt.date,
    params: Mapping[str, Any],
    facts: DerivedFacts,
    answers: dict[str, Any],
    made_findings: tuple[Finding, ...],
    overridden: tuple[Override, ...],
    dated: tuple[tuple[int, ...], tuple[LoadedRule, ...]],
) -> Decision:
    regime_id, local_id, default_reading = plan.names
    # every field of a Decision, made without the frozen dataclass's __init__ (see _new_decision;
    # a test checks that the object equals Decision(**its fields))
    decision = object.__new__(Decision)
    object.__setattr__(
        decision,
        "__dict__",
        {
            "case_id": case_id,
            "regime": regime_id,
            "jurisdiction": local_id,
            "booking_date": booking_date,
            "identified": answers["identified"],
            "removable": answers["removable"],
            "priorities": answers["priorities"],
            "sc_level": answers["sc_level"],
            "request": answers["request"],
            "form": answers["form"],
            "local_response": answers["local_response"],
            "outcome": answers["outcome"],
            "findings": made_findings,
            "overridden": overridden,
            "warnings": _warned(comp, plan, booking_date, dated),
            "reported": plan.reported,
            "params": dict(params),
            "answers": answers,
            "facts": facts,
            "reading": comp.regime_reading,
            "jurisdiction_reading": comp.local_reading,
            "default_reading": default_reading,
            "place": None,
            "layers": (),
            "deciding": None,
        },
    )
    return decision


_DECISION_FIELDS = tuple(f.name for f in fields(Decision))


def _new_decision(made: dict[str, Any]) -> Decision:
    """A Decision from every one of its fields, made without the frozen dataclass's ``__init__``
    (which sets each of its fields through ``object.__setattr__``: a tenth of a decision's cost).
    The same object ``Decision(**made)`` gives; a missing or unknown field is refused."""
    if len(made) != len(_DECISION_FIELDS) or not made.keys() >= _DECISION_FIELD_SET:
        raise TypeError(f"a Decision takes exactly the fields {', '.join(_DECISION_FIELDS)}")
    decision = object.__new__(Decision)
    decision.__dict__.update(made)
    return decision


_DECISION_FIELD_SET = frozenset(_DECISION_FIELDS)


# a decision as remembered: its answers, findings, overridden rules and the dated rules that took
# effect (see _dated)
_Remembered = tuple[
    dict[str, Any], tuple[Finding, ...], tuple[Override, ...], tuple[tuple[int, ...], tuple[LoadedRule, ...]]
]


_PLAN_TOKENS = itertools.count()


@dataclass(frozen=True)
class _DecidePlan:
    """What :func:`decide` needs of a composition that does not depend on the case."""

    strata: tuple[tuple[Stratum, int], ...]  # each stratum with its key for settle's memo
    outputs: tuple[str, ...]  # every answer
    sets: tuple[tuple[str, Any], ...]  # each answer that is a set, with its declared values (their order)
    reported: tuple[str, ...]
    # each required answer, its condition, and the index of the stratum deciding it (-1: none)
    requirements: tuple[tuple[str, ex.Node, Callable[[Mapping[str, Any]], bool], int], ...]
    shared: dict[str, RuleSet]  # shared rule sets (neither the regime nor the local policy)
    dated: frozenset[int]  # ids of the rules that may need a warning: dated, or of a shared rule set
    names: tuple[str, str, str | None]  # the regime's id, the local policy's, the regime's default reading
    read_outputs: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # every answer's value, in order
    # every name whose value decide reads from the derived facts (not settled by a stratum), in order
    read_inputs: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    # a number no other plan of the process has (in the key of a remembered decision: see _DECISIONS)
    token: int = field(default_factory=lambda: next(_PLAN_TOKENS), compare=False)
    warned: dict[tuple[Any, ...], tuple[str, ...]] = field(default_factory=dict)  # see _warned
    # the dated rules that took effect, for each sequence of the strata's outcomes (their tokens)
    dated_of: dict[tuple[int, ...], tuple[tuple[int, ...], tuple[LoadedRule, ...]]] = field(
        default_factory=dict
    )
    # each set answer's values in the declared order: {(answer, set): tuple}
    ordered: dict[tuple[str, frozenset[Any]], tuple[Any, ...]] = field(default_factory=dict)
    _engine: list[tuple[tuple[Stratum, int, tuple[_PartPlan, ...]], ...]] = field(default_factory=list)
    _single: list[tuple[tuple[Stratum, int, _PartPlan, str, Mapping[str, Any]], ...] | None] = field(
        default_factory=list
    )

    @property
    def strata_alone(self) -> tuple[tuple[Stratum, int, tuple[_PartPlan, ...]], ...]:
        """The strata without their engine rulesets (for the reference evaluator, or ``firing``)."""
        return tuple((s, alike, ()) for s, alike in self.strata)

    def engine_single(self) -> tuple[tuple[Stratum, int, _PartPlan, str, Mapping[str, Any]], ...] | None:
        """Where every stratum is one engine ruleset: each stratum with its settlement key, its
        engine ruleset, and the ruleset's name and conditions (None where a stratum is several)."""
        if not self._single:
            strata = self.engine_strata()
            one = all(len(parts) == 1 for _s, _a, parts in strata)
            self._single.append(
                tuple((s, alike, pp, pp.part.name, pp.part.conditions) for s, alike, (pp, *_) in strata)
                if one
                else None
            )
        return self._single[0]

    def decision_key(self, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The key of a remembered decision: this plan's token, the values decide reads from
        ``values`` and their types (True == 1, yet the engine is told them apart); None when one
        is missing (decide then says which)."""
        try:
            raw = self.read_inputs(values)
        except KeyError:
            return None
        return (self.token, raw, tuple(map(type, raw)))

    def engine_strata(self) -> tuple[tuple[Stratum, int, tuple[_PartPlan, ...]], ...]:
        """The strata with their engine rulesets (made on first use: the reference never needs them)."""
        if not self._engine:
            self._engine.append(tuple((s, alike, _parts_of(s)) for s, alike in self.strata))
        return self._engine[0]


_DECIDE_PLAN = "evaluate.decide"


def _decide_plan(comp: Composition) -> _DecidePlan:
    plan: _DecidePlan | None = comp.plans.get(_DECIDE_PLAN)
    if plan is not None:
        return plan
    shared = {rs.id: rs for rs in comp.rulesets if rs.id not in (comp.regime.id, comp.local.id)}
    plan = _DecidePlan(
        strata=tuple((s, _settles_alike(comp, s)) for s in comp.strata),
        outputs=tuple(comp.outputs),
        sets=tuple((k, o.values) for k, o in comp.outputs.items() if o.type == "set"),
        reported=tuple(k for k, o in comp.outputs.items() if o.report and k not in CONTRACT_FIELDS),
        requirements=tuple(
            (name, node, ex.python_predicate(node), _stratum_of(comp, name))
            for name, node in comp.requirements.items()
        ),
        shared=shared,
        dated=frozenset(
            id(r) for s in comp.strata for r in s.rules if r.rule.effective is not None or r.ruleset in shared
        ),
        names=(comp.regime.id, comp.local.id, comp.regime.default_reading),
        read_outputs=_reader(tuple(comp.outputs)),
        read_inputs=_reader(_decide_inputs(comp)),
    )
    comp.plans[_DECIDE_PLAN] = plan
    return plan


def _decide_inputs(comp: Composition) -> tuple[str, ...]:
    """Every name decide reads that no stratum settles: what the strata's rules read (and with
    them the findings), what the gap checks read, and any answer no stratum settles."""
    settled = {f for s in comp.strata for f in s.fields}
    read = {n for s in comp.strata for n, _t in s.inputs}
    read.update(n for s in comp.strata for p in s.engine_parts for n, _t in p.inputs)
    read.update(n for node in comp.requirements.values() for n in ex.refs(node))
    read.update(comp.outputs)
    return tuple(sorted(read - settled))


def _stratum_of(comp: Composition, name: str) -> int:
    """The index of the stratum whose rules decide ``name`` (-1 if no stratum does)."""
    for i, stratum in enumerate(comp.strata):
        if name in stratum.fields:
            return i
    return -1


def _reader(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A function giving the values of ``names``, in order, as a tuple."""
    if len(names) >= 2:
        return itemgetter(*names)

    def read(values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(values[n] for n in names)

    return read


def fire(stratum: Stratum, values: Mapping[str, Any], backend: Backend) -> list[str]:
    """The ids of the stratum's rules whose conditions hold for ``values``."""
    if backend == "reference":
        return [r.id for r in stratum.rules if r.predicate(values)]
    return list(_fire_parts(get_engine(), _parts_of(stratum), values))


def _fire_parts(engine: RuleEngine, parts: tuple[_PartPlan, ...], values: Mapping[str, Any]) -> Sequence[str]:
    """Ask the engine about each engine ruleset of a stratum: the rule ids it fires, first firing kept."""
    # A stratum too big for one engine ruleset runs as several (see rulebook.enginelimits).
    fired: dict[str, None] = {}
    for pp in parts:
        for key in engine.fire(pp.part.name, pp.part.conditions, pp.fact(values)):
            fired.setdefault(pp.part.rule_of[key], None)
    return tuple(fired)


_ENCODED: dict[tuple[str, Any, Any], dict[str, Any]] = {}
# each set of input values of an engine ruleset: its fact, and what decide learnt of it (see decide)
_FACTS: dict[tuple[_PartPlan, tuple[Any, ...], tuple[type, ...]], tuple[Fact, dict[Any, Any]]] = {}
_PARTS: dict[int, tuple[Stratum, tuple[_PartPlan, ...]]] = {}
_CACHE_LIMIT = 200_000


class _PartPlan:
    """One engine ruleset of a stratum and how to read its inputs from a case's values."""

    __slots__ = ("inputs", "last", "part", "read")

    def __init__(self, part: EnginePart) -> None:
        self.part = part
        # the input values last read and their entry
        self.last: tuple[tuple[Any, ...], tuple[Fact, dict[Any, Any]]] | None = None
        self.inputs = part.inputs
        names = [n for n, _ in part.inputs]
        read: Callable[[Mapping[str, Any]], tuple[Any, ...]]
        if len(names) >= 2:
            read = itemgetter(*names)
        elif names:
            (only,) = names

            def read(values: Mapping[str, Any]) -> tuple[Any, ...]:
                return (values[only],)
        else:

            def read(values: Mapping[str, Any]) -> tuple[Any, ...]:
                return ()

        self.read = read

    def fact(self, values: Mapping[str, Any]) -> Fact:
        """The flat engine fact for this engine ruleset's inputs (see :meth:`entry`)."""
        return self.entry(values)[0]

    def entry(self, values: Mapping[str, Any]) -> tuple[Fact, dict[Any, Any]]:
        """The flat engine fact for this engine ruleset's inputs, and a memo for these inputs.

        The encoding of each set of input values is remembered (the value's type is part of the
        key: True == 1 and 1 == 1.0 must not share an encoding), frozen as the engine's
        :class:`Fact`.
        """
        raw = self.read(values)
        last = self.last
        if last is not None and all(map(is_, raw, last[0])):
            # the very objects of the last call (the regimes of a ``compare`` share the first
            # stratum, and read the same objects from the case's facts): the same fact
            return last[1]
        key = (self, raw, tuple(map(type, raw)))
        known = _FACTS.get(key)
        if known is not None:
            self.last = (raw, known)
            return known
        fact: dict[str, Any] = {}
        for (name, ftype), value in zip(self.inputs, raw, strict=True):
            one = (name, type(value), value)
            encoded = _ENCODED.get(one)
            if encoded is None:
                encoded = ex.encode(name, ftype, value)
                if len(_ENCODED) >= _CACHE_LIMIT:
                    _ENCODED.clear()
                _ENCODED[one] = encoded
            fact.update(encoded)
        if len(_FACTS) >= _CACHE_LIMIT:
            _FACTS.clear()
        made = _FACTS[key] = (Fact(fact), {})
        self.last = (raw, made)
        return made


def _parts_of(stratum: Stratum) -> tuple[_PartPlan, ...]:
    """The stratum's engine rulesets, each with its reading of the inputs (made once per stratum;
    the stratum is held, so its id is not reused while the entry lives)."""
    known = _PARTS.get(id(stratum))
    if known is not None and known[0] is stratum:
        return known[1]
    parts = tuple(_PartPlan(p) for p in stratum.engine_parts)
    _PARTS[id(stratum)] = (stratum, parts)
    return parts


_OUTCOME_TOKENS = itertools.count()


@dataclass(frozen=True)
class StratumOutcome:
    """What a stratum's firing settles: the answers, the findings' rules and what they read."""

    settled: Settled
    findings: tuple[tuple[LoadedRule, dict[str, Any], tuple[str, ...]], ...]
    decided: tuple[str, ...]
    reads: tuple[str, ...] = ()  # every name the findings read, each once
    # a number no other outcome of the process has (for what is remembered per sequence of outcomes)
    token: int = field(default_factory=lambda: next(_OUTCOME_TOKENS), compare=False, repr=False)
    # the Findings made for each set of values read (see made_findings)
    made: dict[tuple[Any, ...], tuple[Finding, ...]] = field(default_factory=dict, repr=False, compare=False)

    def made_findings(self, values: Mapping[str, Any]) -> tuple[Finding, ...]:
        """The findings as :class:`Finding` objects over ``values``; made once for each set of
        values read (and the values' types), then shared: a Finding is frozen."""
        if not self.findings:
            return ()
        raw = tuple(map(values.__getitem__, self.reads))
        key = (raw, tuple(map(type, raw)))
        made = self.made.get(key)
        if made is None:
            made = tuple(
                Finding(rule, dict(concluded), {n: values[n] for n in reads})
                for rule, concluded, reads in self.findings
            )
            if len(self.made) >= _MADE_LIMIT:
                self.made.clear()
            self.made[key] = made
        return made


_MADE_LIMIT = 256


_OUTCOMES: dict[tuple[int, tuple[str, ...]], StratumOutcome] = {}
_SETTLES_ALIKE: dict[tuple[int, int], tuple[Composition, Stratum, int]] = {}
_ALIKE_TOKENS: dict[tuple[Any, ...], int] = {}


def _settles_alike(comp: Composition, stratum: Stratum) -> int:
    """A number equal for two strata that ``settle`` cannot tell apart (for example the shared
    first stratum of two compositions): the same rule objects, answers and precedence among them.

    (A small number, not the long description itself, so that looking an outcome up is cheap.)"""
    known = _SETTLES_ALIKE.get((id(comp), id(stratum)))
    if known is not None and known[0] is comp and known[1] is stratum:
        return known[2]
    ids = {r.id for r in stratum.rules}
    key = (
        tuple(id(r) for r in stratum.rules),
        stratum.fields,
        tuple(sorted((r, tuple(sorted(comp.beats[r] & ids))) for r in ids)),
        # the very declarations (compositions share them); the comp held below keeps them alive
        tuple(id(comp.outputs[f]) for f in stratum.fields),
    )
    token = _ALIKE_TOKENS.setdefault(key, len(_ALIKE_TOKENS))
    _SETTLES_ALIKE[(id(comp), id(stratum))] = (comp, stratum, token)
    return token


def settle_stratum(comp: Composition, stratum: Stratum, fired_ids: Sequence[str]) -> StratumOutcome:
    """Settle the stratum for the rules that fired; the same rules settle alike, so it is remembered.

    ``settle`` reads nothing but the stratum's rules, the answers they settle, the precedence among
    them and which of them fired. Conflicts and gaps raise every time (an error is never remembered).
    """
    return _settle(comp, stratum, _settles_alike(comp, stratum), fired_ids)


def _settle(comp: Composition, stratum: Stratum, alike: int, fired_ids: Sequence[str]) -> StratumOutcome:
    # keyed by the ids in the order they fired (settle reads only which fired, so an order met
    # for the first time is merely settled again)
    key = (alike, tuple(fired_ids))
    known = _OUTCOMES.get(key)
    if known is not None:
        return known
    fired_set = frozenset(fired_ids)
    fired = [r for r in stratum.rules if r.id in fired_set]
    settled = settle(stratum.fields, fired, comp)
    winners = {r.id for rules in settled.decided_by.values() for r in rules}
    found = []
    for r in fired:
        if r.id in winners:
            concluded = {
                k: settled.values[k] if comp.outputs[k].type != "set" else v
                for k, v in r.rule.then.items()
                if any(w is r for w in settled.decided_by.get(k, ()))
            }
            found.append((r, concluded, tuple(sorted(r.reads))))
    decided = tuple(k for k, rules in settled.decided_by.items() if rules)
    reads = tuple(dict.fromkeys(n for _r, _c, names in found for n in names))
    outcome = StratumOutcome(settled, tuple(found), decided, reads)
    if len(_OUTCOMES) >= _CACHE_LIMIT:
        _OUTCOMES.clear()
    _OUTCOMES[key] = outcome
    return outcome


def _in_order(order: Iterable[Any], value: frozenset[Any]) -> tuple[Any, ...]:
    return tuple(v for v in order if v in value)


# How the warning about a shared rule set used outside its dates ends: such an answer is shown for
# comparison, and does not make the evaluation as a whole hypothetical (see Decision.hypothetical).
SHARED_OUTSIDE = " are hypothetical"
_WARNED_LIMIT = 10_000


def _dated(
    plan: _DecidePlan, outcomes: Sequence[StratumOutcome], findings: Sequence[Finding]
) -> tuple[tuple[int, ...], tuple[LoadedRule, ...]]:
    """The rules that took effect and may need a warning (dated, or of a shared rule set).

    Which rules took effect follows from the strata's outcomes (the findings are theirs, over the
    case's values), so they are picked out once per sequence of outcomes."""
    tokens = tuple(map(_TOKEN, outcomes))
    dated = plan.dated_of.get(tokens)
    if dated is None:
        rules = tuple(f.rule for f in findings if id(f.rule) in plan.dated)
        dated = (tuple(map(id, rules)), rules)
        if len(plan.dated_of) >= _WARNED_LIMIT:
            plan.dated_of.clear()
        plan.dated_of[tokens] = dated
    return dated


def _warned(
    comp: Composition, plan: _DecidePlan, day: dt.date, dated: tuple[tuple[int, ...], tuple[LoadedRule, ...]]
) -> tuple[str, ...]:
    """The warnings for a booking on ``day`` when the rules ``dated`` took effect, worded once."""
    key = (day, dated[0])
    known = plan.warned.get(key)
    if known is None:
        known = tuple(_word_warnings(comp, day, dated[1]))
        if len(plan.warned) >= _WARNED_LIMIT:
            plan.warned.clear()
        plan.warned[key] = known
    return known


_TOKEN = attrgetter("token")
_OVERRIDDEN = attrgetter("settled.overridden")


def _word_warnings(comp: Composition, day: dt.date, rules: Iterable[LoadedRule]) -> list[str]:
    out = []
    for rs in (comp.regime, comp.local):
        if not rs.effective.contains(day):
            out.append(
                f"booked {day.isoformat()}, outside the period {rs.id} was in force "
                f"({rs.effective.describe()}): evaluated as a hypothetical"
            )
    shared = _decide_plan(comp).shared
    stale: dict[str, dict[str, None]] = {}
    for rule in rules:
        eff = rule.rule.effective
        if eff is not None and not eff.contains(day):
            out.append(f"rule {rule.id} was in force {eff.describe()}, not on {day.isoformat()}")
        owner = shared.get(rule.ruleset)
        if owner is not None and not owner.effective.contains(day):
            stale.setdefault(owner.id, {}).update(dict.fromkeys(rule.rule.then))
    for rs_id, answers in stale.items():
        # a shared rule set (the 2014 priorities, the 2010 levels) answers in every era, so that
        # eras can be compared; outside its own dates that answer is not what ICE applied
        out.append(
            f"booked {day.isoformat()}, outside the period {rs_id} was in force "
            f"({shared[rs_id].effective.describe()}): its answers ({', '.join(answers)}){SHARED_OUTSIDE}"
        )
    return out


def compare(
    case: Case,
    regimes: Sequence[str] | None = None,
    jurisdictions: Sequence[str] | None = None,
    *,
    rules: RuleLibrary | None = None,
    backend: Backend = "engine",
) -> Comparison:
    """Evaluate ``case`` under each regime (default: Secure Communities and PEP) and place."""
    lib = rules or load_rules()
    places = list(jurisdictions or [case.jurisdiction.id])
    decisions = tuple(
        evaluate(case, r, j, rules=lib, backend=backend) for j in places for r in (regimes or DEFAULT_REGIMES)
    )
    return Comparison(case, decisions)
