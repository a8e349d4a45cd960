"""What-ifs: the smallest changes to a case's facts that change its outcome.

For each regime and place, the search tries every *single change* the rule files make relevant
(one field, or one conviction or charge, at a time), then, where some outcome is still out of
reach, *pairs* of changes. What counts as a change comes from the rules themselves, never from a
list in this module:

- a true-or-false fact the rules read is flipped; an enumerated fact takes each other value;
- a number or date the rules compare with a threshold is moved just across it (the thresholds are
  the literal values each name is compared with, ``expressions.literals``), and a conviction's
  date just inside or outside each look-back window (``within_years``) a definition uses;
- a conviction or charge is removed, changes level, gains or loses an offense kind the rules
  mention, shares (or stops sharing) an incident with another;
- a conviction or charge of each level, with each kind the rules mention, is added;
- a parameter of the local policy is switched.

A pair is reported for an outcome only when neither of its changes reaches that outcome alone.
Pairs are drawn from the single changes that move some fact a rule reads, and from changes to the
same conviction or charge, which is where two changes can matter together when neither does alone.

Changes that would describe an impossible person are never proposed: a kind is not added to a
conviction the case names (that would make it another offense; adding a conviction of that kind
is proposed instead), a level never takes a kind its vocabulary entry excludes (a minor traffic
offense is never an aggravated felony), and a U.S. citizen never has a removal order or past
removals. Options are ranked most instructive first: a number or date moved across a threshold,
then a fact switched, then a conviction or charge changed, removed or added, then pairs.

The search is bounded: it stops after ``max_variants`` variants or ``time_limit`` seconds for each
regime and place, says so (``WhatIfResult.complete`` is false) and reports what it found.

The search runs on the reference evaluator (the same compiled rules in plain Python) for speed,
and every change it reports is then confirmed on the rule engine: a disagreement is an
:class:`~detainer_model.errors.EngineError`, never a silent answer.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from ..core.evaluate import DEFAULT_REGIMES, DISCLAIMER, Decision, combine, decide, evaluate
from ..core.facts import derive
from ..core.layers import Layer, layers_for
from ..core.models import Case
from ..errors import EngineError, EvaluationError, UnknownIdError, suggest
from ..rulebook import expressions as ex
from ..rulebook.library import Composition, RuleLibrary, load_rules, split_ref
from .plain import plain_label, plain_value
from .reasons import show_value

Op = Literal["set", "remove", "add", "add_kind", "remove_kind"]
ItemGroup = Literal["convictions", "charges"]
GROUPS: tuple[ItemGroup, ...] = ("convictions", "charges")
_NOUN = {"convictions": "conviction", "charges": "charge"}
_UNDECIDED = object()
MAX_VARIANTS = 20_000  # per regime and place
TIME_LIMIT = 20.0  # seconds for the whole search
MAX_OPTIONS = 40  # per new value: each is confirmed on the rule engine
Progress = Callable[[int, str], None]  # (variants tried so far, "regime @ place")


class _OutOfBudget(Exception):
    """The search has tried as many variants, or spent as long, as it may."""


@dataclass(frozen=True)
class Change:
    """One change to a case's facts, as a student would make it in the scenario file."""

    target: Literal["person", "ice", "param"] | ItemGroup
    op: Op
    name: str | None = None  # the field, parameter or kind
    index: int | None = None  # the conviction or charge
    old: Any = None
    new: Any = None
    label: str = ""  # "conviction 2 (Petty theft)"
    note: str = ""  # words for a change that values alone would not explain

    @property
    def slot(self) -> tuple[Any, ...]:
        """What the change touches; two changes of one pair never touch the same thing."""
        if self.op == "add":
            return ("add", self.target, id(self))
        if self.index is not None:
            if self.op == "remove":
                return (self.target, self.index)
            if self.op in ("add_kind", "remove_kind"):
                return (self.target, self.index, "kinds", self.name)
            return (self.target, self.index, self.name)
        return (self.target, self.name)

    @property
    def item(self) -> tuple[str, int] | None:
        return (self.target, self.index) if self.index is not None else None

    def text(self) -> str:
        """``person.age: 15 → 16``, ``remove conviction 1 (Theft)``, ``add a conviction: ...``."""
        if self.note:
            return f"{self.label}: {self.note}"
        if self.op == "remove":
            return f"remove {self.label}"
        if self.op == "add":
            return f"add a {_NOUN[self.target]}: {_describe_new(self.target, self.new)}"
        if self.op == "add_kind":
            return f"{self.label}: add kind {self.name}"
        if self.op == "remove_kind":
            return f"{self.label}: remove kind {self.name}"
        where = {"person": "person.", "ice": "ice.", "param": "parameter "}.get(
            self.target, f"{self.label}: "
        )
        return f"{where}{self.name}: {show_value(self.old)} → {show_value(self.new)}"

    def distance(self) -> float:
        """How far a number or date moves (to prefer the nearest of several equivalent values)."""
        if isinstance(self.old, int) and isinstance(self.new, int) and not isinstance(self.old, bool):
            return abs(self.new - self.old)
        if isinstance(self.old, dt.date) and isinstance(self.new, dt.date):
            return abs((self.new - self.old).days)
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "op": self.op,
            "name": self.name,
            "index": self.index,
            "old": _jsonable(self.old),
            "new": _jsonable(self.new),
            "text": self.text(),
        }


@dataclass
class _Variant:
    data: dict[str, Any]
    params: dict[str, Any]
    removed: dict[str, set[int]] = field(default_factory=dict)


def apply(
    case: Case, changes: Sequence[Change], params: Mapping[str, Any] | None = None
) -> tuple[Case, dict[str, Any]]:
    """The case with ``changes`` made (and the parameters to evaluate it with); raises
    ValidationError when the changed case is not a valid case."""
    base = _dump(case)
    data = {**base, "person": dict(base["person"]), "ice": dict(base["ice"])}
    data["convictions"] = [dict(c) for c in base["convictions"]]
    data["charges"] = [dict(c) for c in base["charges"]]
    v = _Variant(data, dict(params or {}))
    for c in changes:
        _apply_one(v, c)
    for group, indices in v.removed.items():
        items = list(v.data[group])
        for i in sorted(indices, reverse=True):
            del items[i]
        v.data[group] = items
    return Case.model_validate(v.data), v.params


_DUMPS: dict[int, tuple[Case, dict[str, Any]]] = {}


def _dump(case: Case) -> dict[str, Any]:
    """The case as plain data (cached: a search applies thousands of changes to one case)."""
    hit = _DUMPS.get(id(case))
    if hit is None or hit[0] is not case:
        if len(_DUMPS) > 64:
            _DUMPS.clear()
        hit = (case, case.model_dump(exclude={"expect"}))
        _DUMPS[id(case)] = hit
    return hit[1]


def _apply_one(v: _Variant, c: Change) -> None:
    d = v.data
    if c.target == "person":
        d["person"][c.name] = c.new
        if c.name == "removal_order" and c.new == "none":
            d["person"]["removal_order_date"] = None  # a date needs an order
    elif c.target == "ice":
        d["ice"][c.name] = c.new
    elif c.target == "param":
        assert c.name is not None
        v.params[c.name] = c.new
    elif c.op == "add":
        d[c.target] = [*d[c.target], dict(c.new)]
    elif c.op == "remove":
        assert c.index is not None
        v.removed.setdefault(c.target, set()).add(c.index)
    else:
        assert c.index is not None
        item = d[c.target][c.index]
        if c.op == "add_kind":
            item["kinds"] = (*item["kinds"], c.name)
        elif c.op == "remove_kind":
            item["kinds"] = tuple(k for k in item["kinds"] if k != c.name)
        else:
            item[c.name] = c.new


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Option:
    """A set of changes that gives the answer another value, confirmed on the rule engine."""

    changes: tuple[Change, ...]
    value: Any
    decision: Decision

    def text(self) -> str:
        return " and ".join(c.text() for c in self.changes)

    def to_dict(self, field_name: str) -> dict[str, Any]:
        return {
            "changes": [c.to_dict() for c in self.changes],
            field_name: _jsonable(self.value),
            "text": self.text(),
            "fired": list(self.decision.fired),
        }


@dataclass(frozen=True)
class WhatIfResult:
    """The options found for one regime and place."""

    regime: str
    jurisdiction: str
    field: str
    current: Any
    options: tuple[Option, ...]
    tried: int
    complete: bool = True  # false when the search stopped at its bound

    @property
    def label(self) -> str:
        return f"{self.regime} @ {self.jurisdiction}"

    def by_value(self) -> dict[Any, list[Option]]:
        out: dict[Any, list[Option]] = {}
        for o in self.options:
            out.setdefault(o.value, []).append(o)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "jurisdiction": self.jurisdiction,
            "field": self.field,
            "current": _jsonable(self.current),
            "options": [o.to_dict(self.field) for o in self.options],
            "variants_tried": self.tried,
            "complete": self.complete,
        }


@dataclass(frozen=True)
class WhatIf:
    """Every what-if found for one case."""

    case: Case
    field: str
    max_changes: int
    results: tuple[WhatIfResult, ...]

    def to_dict(self, plain: RuleLibrary | None = None) -> dict[str, Any]:
        """The what-ifs as a JSON-ready dict; with ``plain`` (the rules whose words to use), each
        result and option also carries ``plain``: the answer in plain English beside its code."""
        results = [r.to_dict() for r in self.results]
        doc: dict[str, Any] = {
            "case": self.case.id,
            "title": self.case.title,
            "field": self.field,
            "max_changes": self.max_changes,
            "results": results,
        }
        if plain is not None:
            doc["plain"] = {"label": plain_label(self.field, plain)}
            for r, shown in zip(self.results, results, strict=True):
                shown["plain"] = {"current": plain_value(self.field, r.current, plain)}
                for o, option in zip(r.options, shown["options"], strict=True):
                    option["plain"] = {"value": plain_value(self.field, o.value, plain)}
        return doc

    def __repr__(self) -> str:
        found = sum(len(r.options) for r in self.results)
        n = len(self.results)
        return f"<WhatIf {self.case.id}: {found} ways to change the {self.field} in {n} evaluations>"

    def lines(self, limit: int | None = None) -> list[str]:
        out = [f"{self.case.id}: what would change the {self.field}?"]
        for r in self.results:
            out.append(f"{r.label}: {self.field} is {show_value(r.current, 'null')}")
            if not r.complete:
                out.append(f"  (the search stopped after {r.tried:,} variants: {INCOMPLETE})")
            groups = r.by_value()
            if not groups:
                out.append(f"  no change of up to {self.max_changes} facts changes it")
            for value, options in groups.items():
                out.append(f"  → {show_value(value, 'null')}:")
                shown = options if limit is None else options[:limit]
                for i, o in enumerate(shown, 1):
                    out.append(f"    {i}. {o.text()}")
                if len(shown) < len(options):
                    out.append(f"    … and {len(options) - len(shown)} more")
        return out

    def _repr_html_(self) -> str:
        rows = ""
        for r in self.results:
            for value, options in r.by_value().items():
                items = "".join(f"<li>{html.escape(o.text())}</li>" for o in options)
                rows += (
                    f"<tr><td>{html.escape(r.label)}</td>"
                    f"<td>{html.escape(show_value(r.current, 'null'))}</td>"
                    f"<td>{html.escape(show_value(value, 'null'))}</td><td><ol>{items}</ol></td></tr>"
                )
        return (
            f"<div><b>{html.escape(self.case.id)}</b>: what would change the {html.escape(self.field)}?"
            f"<table><tr><th>regime @ place</th><th>now</th><th>becomes</th><th>changes</th></tr>{rows}"
            f"</table><small>{DISCLAIMER}</small></div>"
        )


# ---------------------------------------------------------------------------------------------
# The search


def what_if(
    case: Case,
    regimes: Sequence[str] | None = None,
    jurisdictions: Sequence[str] | None = None,
    *,
    field: str | None = None,
    max_changes: int = 2,
    rules: RuleLibrary | None = None,
    max_variants: int = MAX_VARIANTS,
    time_limit: float | None = TIME_LIMIT,
    progress: Progress | None = None,
) -> WhatIf:
    """The smallest changes to ``case`` that change ``field`` (default: the outcome) under each
    regime and place, fewest changes first and the most instructive first among them.

    Each regime and place may try ``max_variants`` variants and take an equal share of
    ``time_limit`` seconds (None: no limit); ``progress`` is told how far the search has got."""
    lib = rules or load_rules()
    name = field or lib.model.outcome_field
    reported = [k for k, v in lib.model.outputs.items() if v.report]
    if name not in reported:
        raise UnknownIdError(f"unknown result field '{name}'{suggest(name, reported)}")
    if max_changes not in (1, 2):
        raise ValueError("max_changes must be 1 or 2")
    places = list(jurisdictions or [case.jurisdiction.id])
    pairs = [(regime, place) for place in places for regime in regimes or DEFAULT_REGIMES]
    share = None if time_limit is None else time_limit / max(len(pairs), 1)
    results = []
    for regime, place in pairs:
        resolved = lib.resolve_regime(regime, case.booking_date)
        base, reading = split_ref(place)
        budget = _Budget(max_variants, share, progress, f"{regime} @ {place}")
        if base in lib.places:
            lib.check_place_reading(base, reading)
            # a place: every layer in force on the booking date answers, and combine picks the
            # answer that stands, as evaluate does (the changes tried never move the date)
            layers = tuple(layers_for(lib, base, case.booking_date))
            comps = tuple(lib.composition(resolved, layer.ref(reading)) for layer in layers)
            search = _Search(case, comps, place, name, max_changes, budget, layers=layers)
        else:
            comp = lib.composition(resolved, place)
            search = _Search(case, (comp,), comp.local_ref, name, max_changes, budget)
        results.append(search.run())
    return WhatIf(case, name, max_changes, tuple(results))


INCOMPLETE = "the changes listed were found before it stopped; there may be others"


class _Budget:
    """How many variants a search may try and until when, and whom to tell how far it has got."""

    def __init__(self, variants: int, seconds: float | None, progress: Progress | None, label: str) -> None:
        self.variants = variants
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.progress = progress
        self.label = label

    def spend(self, tried: int) -> None:
        if tried >= self.variants or (
            tried % 50 == 0 and self.deadline is not None and time.monotonic() > self.deadline
        ):
            raise _OutOfBudget
        if self.progress is not None and tried % 100 == 0:
            self.progress(tried, self.label)


class _Search:
    """The search for one regime and one local policy (``local_ref``): a pinned version, with its
    one composition, or a place, with the ``layers`` in force on the booking date and theirs,
    whose variants are decided layer by layer and combined as :func:`evaluate` combines them."""

    def __init__(
        self,
        case: Case,
        comps: tuple[Composition, ...],
        local_ref: str,
        field_name: str,
        max_changes: int,
        budget: _Budget | None = None,
        *,
        layers: tuple[Layer, ...] | None = None,
    ) -> None:
        self.budget = budget or _Budget(MAX_VARIANTS, None, None, "")
        self.case = case
        self.comps = comps
        self.comp = comps[0]  # the regime and the outputs are the same in every layer
        self.local_ref = local_ref
        self.layers = layers
        self.field = field_name
        self.max = max_changes
        self.lib = self.comp.library
        own = layers is not None or self.comp.local.id == case.jurisdiction.id
        self.params = dict(case.jurisdiction.params) if own else {}
        self.rule_names = [sorted({n for r in c.rules.values() for n in r.reads}) for c in comps]
        self.memo: dict[tuple[Any, ...], Any] = {}
        self.tried = 0

    # evaluating a variant -------------------------------------------------------------------
    def outcome(self, changes: Sequence[Change]) -> tuple[Any, tuple[Any, ...]] | None:
        """The field's value and the facts the rules read, or None for an invalid variant."""
        self.budget.spend(self.tried)
        try:
            variant, overrides = apply(self.case, changes, self.params)
        except ValidationError:
            return None
        if not coherent(variant, self.lib, self.case):
            return None
        self.tried += 1
        derived = []
        for comp, names in zip(self.comps, self.rule_names, strict=True):
            values = comp.param_values(overrides)  # a layer takes the parameters it declares
            facts = derive(variant, comp, values)
            key = tuple(_hashable(facts.values.get(n)) for n in names if n not in comp.outputs)
            derived.append((comp, values, facts, key))
        signature = derived[0][3] if self.layers is None else tuple(d[3] for d in derived)
        if signature not in self.memo:
            try:
                decisions = [
                    decide(
                        comp,
                        facts,
                        case_id=variant.id,
                        booking_date=variant.booking_date,
                        params=values,
                        backend="reference",
                    )
                    for comp, values, facts, _key in derived
                ]
            except EvaluationError:
                # the rules cannot decide this variant (a gap or a conflict): not an answer to offer
                self.memo[signature] = _UNDECIDED
            else:
                if self.layers is None:
                    d = decisions[0]
                else:
                    base, reading = split_ref(self.local_ref)
                    d = combine(self.lib, base, self.layers, decisions, reading)
                self.memo[signature] = d.get(self.field)
        if self.memo[signature] is _UNDECIDED:
            return None
        return self.memo[signature], signature

    def confirm(self, changes: Sequence[Change], expected: Any) -> Decision:
        variant, overrides = apply(self.case, changes, self.params)
        d = evaluate(variant, self.comp.regime_ref, self.local_ref, params=overrides, rules=self.lib)
        if d.get(self.field) != expected:
            raise EngineError(
                f"what-if for '{self.case.id}' under {self.comp.regime_ref} @ {self.local_ref}: "
                f"the rule engine gives {self.field} = {d.get(self.field)!r} for '"
                f"{' and '.join(c.text() for c in changes)}', the reference evaluator {expected!r}"
            )
        return d

    # the search -------------------------------------------------------------------------------
    def run(self) -> WhatIfResult:
        base = self.outcome(())
        if base is None:  # the case itself cannot be decided: say why, as evaluate does
            evaluate(self.case, self.comp.regime_ref, self.local_ref, params=self.params, rules=self.lib)
            raise AssertionError("unreachable")  # pragma: no cover
        current, base_sig = base
        # a place's layers read many of the same facts: each change is tried once
        unique = {repr(c): c for comp in self.comps for c in candidates(self.case, comp, self.params)}
        singles = sorted(unique.values(), key=instructive)
        found: list[tuple[tuple[Change, ...], Any]] = []
        reach: dict[int, Any] = {}
        moving: list[int] = []
        moved: set[int] = set()
        effects: set[tuple[Any, ...]] = {base_sig}
        complete = True
        try:
            for i, c in enumerate(singles):
                got = self.outcome((c,))
                if got is None:
                    continue
                value, sig = got
                reach[i] = value
                if sig != base_sig:
                    moved.add(i)
                if sig not in effects:
                    # one representative of the changes that move the rules' facts the same way
                    effects.add(sig)
                    moving.append(i)
                if value != current:
                    found.append(((c,), value))
        except _OutOfBudget:
            complete = False
        found = _plainest(_nearest(found))
        if self.max >= 2 and complete:
            reached = {v for _, v in found}
            wanted = [v for v in self.values() if v != current and v not in reached]
            if wanted:
                try:
                    self.pairs(singles, reach, moving, moved, set(wanted), found)
                except _OutOfBudget:
                    complete = False
        kept: list[tuple[tuple[Change, ...], Any]] = []
        per_value: dict[str, int] = {}
        for chs, v in found:
            per_value[repr(v)] = per_value.get(repr(v), 0) + 1
            if per_value[repr(v)] <= MAX_OPTIONS:
                kept.append((chs, v))
            else:
                complete = False
        options = tuple(Option(chs, v, self.confirm(chs, v)) for chs, v in kept)
        return WhatIfResult(
            self.comp.regime_ref, self.local_ref, self.field, current, options, self.tried, complete
        )

    def values(self) -> list[Any]:
        decl = self.comp.outputs[self.field]
        if decl.type == "bool":
            return [True, False]
        return [*decl.values, *([None] if decl.nullable else [])]

    def pairs(
        self,
        singles: list[Change],
        reach: dict[int, Any],
        moving: list[int],
        moved: set[int],
        wanted: set[Any],
        out: list[tuple[tuple[Change, ...], Any]],
    ) -> None:
        """Append to ``out`` the pairs that reach a wanted value neither change reaches alone."""
        pool: set[tuple[int, int]] = set()
        for a_pos, a in enumerate(moving):
            for b in moving[a_pos + 1 :]:
                pool.add((a, b))
        # two changes to one conviction can matter together when one of them alone moves nothing
        # (a kind that counts only for a misdemeanor, added to a felony)
        still = set(reach) - moved
        by_item: dict[tuple[str, int], list[int]] = {}
        for i, c in enumerate(singles):
            if i in reach and c.item is not None and c.op != "remove":
                by_item.setdefault(c.item, []).append(i)
        for idx in by_item.values():
            for a_pos, a in enumerate(idx):
                for b in idx[a_pos + 1 :]:
                    if a in still or b in still:
                        pool.add((a, b))
        adds = [i for i in moving if singles[i].op == "add"]
        pool.update((i, i) for i in adds)  # the same kind of conviction, added twice
        seen: set[tuple[Any, ...]] = set()
        for a, b in sorted(pool):
            ca, cb = singles[a], singles[b]
            if a != b and (ca.slot == cb.slot or _clash(ca, cb)):
                continue
            pair = (ca, cb) if a != b else (ca, _again(ca))
            got = self.outcome(pair)
            if got is None:
                continue
            value = got[0]
            if value in wanted and reach.get(a) != value and reach.get(b) != value:
                key = (_slot_kind(ca), _slot_kind(cb), repr(value))
                if key not in seen:
                    seen.add(key)
                    out.append((pair, value))


def instructive(c: Change) -> int:
    """How directly a change teaches the rule it crosses (lower first): a number or date moved
    across a threshold, a fact of the person or request switched, a conviction or charge changed,
    one removed, one added (a plain one before one of a kind)."""
    if c.op == "set" and c.distance() > 0:
        return 0
    if c.target in ("person", "ice", "param"):
        return 1
    if c.op in ("set", "remove_kind"):
        return 2
    if c.op == "remove":
        return 3
    return 4 if not (c.new or {}).get("kinds") else 5


def coherent(variant: Case, lib: RuleLibrary, original: Case | None = None) -> bool:
    """Whether a changed case describes a possible person: no conviction or charge has a kind its
    level's vocabulary entry rules out, and a U.S. citizen has no removal order or past removal.
    Only what the change brings counts: a case given that way stays as it was given."""
    new = _impossible(variant, lib)
    return not (new - _impossible(original, lib) if original is not None else new)


def _impossible(case: Case, lib: RuleLibrary) -> set[str]:
    levels = lib.vocabulary.levels
    out: set[str] = set()
    items: list[tuple[str, tuple[str, ...]]] = [(c.level, c.kinds) for c in case.convictions]
    items += [(c.level, c.kinds) for c in case.charges]
    for level, kinds in items:
        allowed = levels[level].kinds if level in levels else None
        out.update(f"{level}:{k}" for k in kinds if allowed is not None and k not in allowed)
    p = case.person
    if p.status == "us_citizen" and (p.removal_order != "none" or p.prior_removals > 0):
        out.add("citizen-removed")
    return out


def _again(c: Change) -> Change:
    return Change(c.target, c.op, c.name, c.index, c.old, c.new, c.label, c.note)


def _clash(a: Change, b: Change) -> bool:
    """Removing an item and changing it, or two changes of one field."""
    if a.item is not None and a.item == b.item and "remove" in (a.op, b.op):
        return True
    return a.target == b.target and a.index == b.index and a.name == b.name and a.op == b.op == "set"


def _slot_kind(c: Change) -> tuple[Any, ...]:
    """Pairs that differ only in which kind of conviction is added count as one."""
    if c.op == "add":
        return ("add", c.target, c.new.get("level"))
    return (c.target, c.op, c.name, c.index, repr(c.new))


def _plainest(found: list[tuple[tuple[Change, ...], Any]]) -> list[tuple[tuple[Change, ...], Any]]:
    """An added conviction with a kind is no smaller a change than a plain one of the same level:
    when the plain one already gives a result, leave out the others that give the same."""
    plain = {
        (c.target, c.new.get("level"), repr(v))
        for (c,), v in ((chs, v) for chs, v in found if len(chs) == 1)
        if c.op == "add" and c.new == _plain_item(c.new)
    }
    out = []
    for changes, value in found:
        c = changes[0]
        if (
            len(changes) == 1
            and c.op == "add"
            and c.new != _plain_item(c.new)
            and (c.target, c.new.get("level"), repr(value)) in plain
        ):
            continue
        out.append((changes, value))
    return out


def _plain_item(item: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("offense", "level", "date")
    return {k: (v if k in keep else ()) for k, v in item.items() if k in keep or k == "kinds"}


def _nearest(found: list[tuple[tuple[Change, ...], Any]]) -> list[tuple[tuple[Change, ...], Any]]:
    """Of several values of one field that give the same result, keep the nearest to the case's."""
    best: dict[tuple[Any, ...], tuple[tuple[Change, ...], Any]] = {}
    order: list[tuple[Any, ...]] = []
    for changes, value in found:
        c = changes[0]
        key = (c.target, c.index, c.name, c.op, repr(value)) if c.op == "set" else (id(c),)
        if key not in best:
            order.append(key)
            best[key] = (changes, value)
        elif c.distance() < best[key][0][0].distance():
            best[key] = (changes, value)
    return [best[k] for k in order]


# ---------------------------------------------------------------------------------------------
# Candidate changes, from what the rules read


@dataclass(frozen=True)
class _Reads:
    """What a composition's rules and definitions read, and the values they compare with."""

    names: frozenset[str]
    item_fields: dict[str, frozenset[str]]
    literals: dict[str, set[Any]]
    windows: dict[str, set[int]]  # item date field -> look-back years


def reads_of(comp: Composition) -> _Reads:
    names: set[str] = set()
    literals: dict[str, set[Any]] = {}
    windows: dict[str, set[int]] = {}
    item_fields: dict[str, set[str]] = {g: set() for g in GROUPS}
    nodes: list[ex.Node] = [r.condition for r in comp.rules.values()]
    nodes.extend(comp.requirements.values())
    for d in comp.definitions:
        nodes.append(d.node)
        spec = d.definition
        if spec.expr is None:
            group = spec.count or spec.any or "convictions"
            fields = set(comp.library.item_names(group))
            item_fields[group] |= {n for n in d.reads if n in fields}
            if spec.distinct:
                item_fields[group].add(spec.distinct)
            names.add(f"@{group}")
    for node in nodes:
        names |= ex.refs(node)
        for k, vs in ex.literals(node).items():
            literals.setdefault(k, set()).update(vs)
        for w in _withins(node):
            windows.setdefault(w.ref.name, set()).add(w.years)
    return _Reads(frozenset(names), {g: frozenset(v) for g, v in item_fields.items()}, literals, windows)


def _withins(node: ex.Node) -> Iterator[ex.Within]:
    return (n for n in ex.walk(node) if isinstance(n, ex.Within))


def candidates(case: Case, comp: Composition, given: Mapping[str, Any]) -> Iterator[Change]:
    """Every single change worth trying for ``comp``, in a stable order (``given``: the
    parameters the case sets for it, or for the place it is a layer of)."""
    lib = comp.library
    reads = reads_of(comp)
    vocab = lib.vocabulary
    booking = case.booking_date
    person = case.person.model_dump()
    for fname, decl in vocab.person_facts.items():
        full = f"person.{fname}"
        if full in reads.names and fname in person:
            ftype = lib.fact_type(decl.type, decl.values_from, decl.values, decl.nullable)
            for new in _alternatives(person[fname], ftype, reads.literals.get(full, set()), booking):
                yield Change("person", "set", fname, None, person[fname], new)
    ice = case.ice.model_dump()
    for fname, decl in vocab.ice_facts.items():
        full = f"ice.{fname}"
        if full in reads.names and fname in ice:
            ftype = lib.fact_type(decl.type, decl.values_from, decl.values, decl.nullable)
            for new in _alternatives(ice[fname], ftype, reads.literals.get(full, set()), booking):
                yield Change("ice", "set", fname, None, ice[fname], new)
    current_params = comp.param_values(given)
    for pname, (_rs, p) in comp.parameters.items():
        full = f"param.{pname}"
        if full in reads.names:
            ftype = ex.FactType(p.type)
            for new in _alternatives(current_params[pname], ftype, reads.literals.get(full, set()), booking):
                yield Change("param", "set", pname, None, current_params[pname], new)
    for group in GROUPS:
        if f"@{group}" in reads.names:
            yield from _item_changes(case, comp, group, reads)


def _alternatives(current: Any, ftype: ex.FactType, literals: set[Any], booking: dt.date) -> list[Any]:
    """Other values of a fact that could matter: the other truth value, the other options, the
    values just either side of each threshold the rules compare it with."""
    out: list[Any] = []
    if ftype.kind == "bool":
        out = [not current] if not ftype.nullable else [v for v in (True, False, None) if v is not current]
        return out
    if ftype.kind == "enum":
        out = [v for v in ftype.values if v != current]
    elif ftype.kind == "int":
        numbers = sorted({p for lit in literals if type(lit) is int for p in (lit - 1, lit, lit + 1)})
        out = [p for p in numbers if p >= 0 and p != current]
    elif ftype.kind == "date":
        one = dt.timedelta(days=1)
        days = sorted(
            {p for lit in literals if isinstance(lit, dt.date) for p in (lit - one, lit, lit + one)}
        )
        out = [p for p in days if p <= booking and p != current]
    if ftype.nullable and current is not None and ftype.kind != "set":
        out.append(None)
    return out


def _item_changes(case: Case, comp: Composition, group: ItemGroup, reads: _Reads) -> Iterator[Change]:
    lib = comp.library
    fields = reads.item_fields[group]
    decls = lib.item_names(group)
    booking = case.booking_date
    items = [dict(x.model_dump()) for x in getattr(case, group)]
    kinds = [k for k in lib.offense_kinds if k in reads.literals.get("kinds", set())]
    labels = [x.get("incident") or f"#{i + 1}" for i, x in enumerate(items)] if group == "convictions" else []
    classes: dict[tuple[Any, ...], list[int]] = {}
    for i, item in enumerate(items):
        classes.setdefault(_projection(item, fields, reads, kinds, booking), []).append(i)
    like = {idx[0]: idx[1:] for idx in classes.values()}
    for i, item in enumerate(items):
        label = f"{_NOUN[group]} {i + 1} ({item['offense']})"
        if i not in like:
            # the rules cannot tell this one from an earlier one: its changes would repeat them
            yield from _incident_changes(group, i, item, labels, fields, label)
            continue
        if like[i]:
            alike = ", ".join(str(j + 1) for j in like[i])
            label = f"{_NOUN[group]} {i + 1} ({item['offense']}; or {alike} alike)"
        yield Change(group, "remove", None, i, item, None, label)
        for fname in decls:
            if fname not in fields or fname not in item or fname == "incident":
                continue
            ftype = decls[fname]
            if fname == "kinds":
                # adding a kind would make the named offense another one: an added item does that
                for k in kinds:
                    if k in item["kinds"]:
                        yield Change(group, "remove_kind", k, i, None, None, label)
                continue
            lits = reads.literals.get(fname, set())
            alts = _alternatives(item[fname], ftype, lits, booking)
            if ftype.kind == "date":
                alts = sorted(
                    set(alts) | set(_window_dates(reads.windows.get(fname, set()), booking)) - {item[fname]},
                    key=lambda d: (d is None, d),
                )
            for new in alts:
                yield Change(group, "set", fname, i, item[fname], new, label)
        yield from _incident_changes(group, i, item, labels, fields, label)
    yield from _additions(group, decls, fields, reads, kinds, booking, lib.vocabulary.levels)


def _incident_changes(
    group: ItemGroup, i: int, item: Mapping[str, Any], labels: list[str], fields: frozenset[str], label: str
) -> Iterator[Change]:
    """Join another conviction's incident, or leave a shared one."""
    if "incident" not in fields or len(labels) < 2:
        return
    joined: set[str] = set()
    for j, other in enumerate(labels):
        if j != i and other != labels[i] and other not in joined:
            joined.add(other)
            note = f"the same incident as {_NOUN[group]} {j + 1}"
            yield Change(group, "set", "incident", i, item.get("incident"), other, label, note)
    if labels.count(labels[i]) > 1:
        note = "an incident of its own"
        yield Change(group, "set", "incident", i, item.get("incident"), f"separate-{i + 1}", label, note)


def _projection(
    item: Mapping[str, Any], fields: frozenset[str], reads: _Reads, kinds: list[str], booking: dt.date
) -> tuple[Any, ...]:
    """What the rules can see of an item: which side of every threshold each value is on."""
    out: list[Any] = []
    for fname in sorted(fields - {"incident"}):
        v = item.get(fname)
        lits = reads.literals.get(fname, set())
        if fname == "kinds":
            out.append(tuple(k for k in kinds if k in (v or ())))
        elif isinstance(v, bool) or v is None or isinstance(v, str):
            out.append(v)
        elif isinstance(v, int):
            out.append(tuple((v < x, v == x) for x in sorted(x for x in lits if type(x) is int)))
        elif isinstance(v, dt.date):
            dates = sorted(x for x in lits if isinstance(x, dt.date))
            windows = sorted(reads.windows.get(fname, set()))
            out.append(
                (
                    tuple((v < x, v == x) for x in dates),
                    tuple(v >= ex.years_before(booking, y) for y in windows),
                )
            )
        else:  # pragma: no cover - every item field is one of the kinds above
            out.append(repr(v))
    return tuple(out)


def _window_dates(years: Iterable[int], booking: dt.date) -> list[dt.date]:
    out = []
    for y in sorted(years):
        inside = ex.years_before(booking, y)
        out += [inside, inside - dt.timedelta(days=1)]
    return out


def _additions(
    group: ItemGroup,
    decls: Mapping[str, ex.FactType],
    fields: frozenset[str],
    reads: _Reads,
    kinds: list[str],
    booking: dt.date,
    levels: Iterable[str],
) -> Iterator[Change]:
    """A new conviction (or charge) of each level, plain or of one kind the rules mention, or
    with custody (or another number) at each threshold; a year before booking."""
    date = ex.years_before(booking, 1)
    for level in levels:
        base: dict[str, Any] = {
            "offense": f"A hypothetical {level.replace('_', ' ')}",
            "level": level,
            "kinds": (),
        }
        if "date" in decls:
            base["date"] = date
        variants: list[dict[str, Any]] = [base]
        variants += [{**base, "kinds": (k,)} for k in kinds]
        for fname, ftype in decls.items():
            if fname in fields and ftype.kind == "int":
                for lit in sorted(x for x in reads.literals.get(fname, set()) if type(x) is int and x > 0):
                    variants.append({**base, fname: lit})
            if fname in fields and ftype.kind == "bool" and not ftype.nullable:
                variants.append({**base, fname: True})
        for v in variants:
            yield Change(group, "add", None, None, None, v)


def _describe_new(group: str, item: Mapping[str, Any]) -> str:
    bits = [str(item["level"])]
    if item.get("kinds"):
        bits.append("of kind " + ", ".join(item["kinds"]))
    for k, v in item.items():
        if k in ("offense", "level", "kinds", "date"):
            continue
        bits.append(f"{k} {show_value(v)}")
    if item.get("date") is not None:
        bits.append(f"dated {item['date']}")
    return ", ".join(bits)


def _hashable(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted(map(repr, value)))
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list | frozenset | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


__all__ = [
    "Change",
    "Option",
    "WhatIf",
    "WhatIfResult",
    "apply",
    "candidates",
    "coherent",
    "instructive",
    "what_if",
]
