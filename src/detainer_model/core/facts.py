"""From a case to the flat facts the rules read.

The scenario's own facts are read as they are (``person.age``, ``case.booking_date``,
``ice.judicial_warrant``, ``param.reimbursement_agreement``); then every definition of the
composition is computed in order: counted, tested or evaluated exactly as its rule file says.
Python here is only machinery (count, any, distinct, within-years); every threshold and every
list of offenses comes from the rule files.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from ..errors import Problem, RuleFileError, suggest
from ..rulebook.library import BOOKING_DATE, Composition, LoadedDefinition, RuleLibrary, param_name
from .models import Case, Charge, Conviction, IceRequest, Person


@dataclass(frozen=True)
class DerivedFacts:
    """Every name the rules may read, with its value, and which items each count counted."""

    values: dict[str, Any]
    witnesses: dict[str, tuple[int, ...]] = field(default_factory=dict)


def items_of(case: Case, group: str) -> list[dict[str, Any]]:
    """Convictions or charges as plain dicts with sets for kinds and a label for every incident."""
    out = []
    for i, item in enumerate(getattr(case, group)):
        # flat models of plain values that forbid extra fields: their __dict__ holds exactly
        # their fields, as ``dict(item)`` or model_dump give them (read directly: much cheaper)
        d = dict(vars(item))
        d["kinds"] = frozenset(d["kinds"])
        if group == "convictions" and d.get("incident") is None:
            d["incident"] = f"#{i + 1}"  # by default each conviction is its own incident
        out.append(d)
    return out


def base_values(case: Case, params: Mapping[str, Any]) -> dict[str, Any]:
    """The case's own facts under their rule-file names."""
    values = dict(_own(case).values)
    if params:
        values.update(zip(map(_param_name, params), params.values(), strict=True))
    return values


def _param_name(name: str) -> str:
    known = _PARAM_NAMES.get(name)
    if known is None:
        if len(_PARAM_NAMES) >= 10_000:
            _PARAM_NAMES.clear()
        known = _PARAM_NAMES[name] = param_name(name)
    return known


_PARAM_NAMES: dict[str, str] = {}

# The derived values of the last case read, shared by every composition that evaluates it:
# ``{sharing key of a definition: (value, items counted)}`` (see :func:`_plan`).
DefinitionMemo = dict["_Shared | None", tuple[Any, "tuple[int, ...] | None"]]


class _Own:
    """A case's own facts and items as plain values, with what its compositions derived from them.

    ``compare`` evaluates one case under several regimes and places; the case is read once.
    Callers copy what they change (the values and items are only read).
    """

    __slots__ = ("case", "empty", "groups", "memo", "over", "values")

    def __init__(self, case: Case) -> None:
        self.case = case
        self.values = _own_values(case)
        self.groups: dict[str, list[dict[str, Any]]] = {}  # the items as plain dicts (items_of)
        self.over: dict[str, list[dict[str, Any]]] = {}  # each item's fields over the case's own facts
        self.memo: DefinitionMemo = {}  # see derive
        self.empty = _EMPTY[not case.convictions, not case.charges]  # the groups without items

    @classmethod
    def of(cls, case: Case, values: dict[str, Any], groups: dict[str, list[dict[str, Any]]]) -> _Own:
        """The case with ``values`` as its own facts and ``groups`` as its items."""
        own = cls.__new__(cls)
        own.case, own.values, own.groups, own.over = case, values, groups, {}
        own.memo = {}
        own.empty = _EMPTY[not case.convictions, not case.charges]
        return own

    def items(self, group: str) -> list[dict[str, Any]]:
        found = self.groups.get(group)
        if found is None:
            found = self.groups[group] = items_of(self.case, group)
        return found

    def items_over_own(self, group: str) -> list[dict[str, Any]]:
        """Each item's fields over the case's own facts (its field wins where names meet): what a
        count's test reads when it reads nothing but item fields and the case's own facts."""
        found = self.over.get(group)
        if found is None:
            found = self.over[group] = [{**self.values, **item} for item in self.items(group)]
        return found


# the groups a case has no items of, for (no convictions, no charges)
_EMPTY = {
    (a, b): frozenset(g for g, none in (("convictions", a), ("charges", b)) if none)
    for a in (False, True)
    for b in (False, True)
}
_last: list[_Own] = []


def _own(case: Case) -> _Own:
    """The case's facts and items as plain values, kept for the last case read."""
    if _last and _last[0].case is case:
        return _last[0]
    own = _Own(case)
    _last[:] = [own]
    return own


def _own_values(case: Case) -> dict[str, Any]:
    values: dict[str, Any] = {BOOKING_DATE: case.booking_date}
    for prefix, model in (("person.", case.person), ("ice.", case.ice)):
        # flat models of plain values that forbid extra fields: their __dict__ holds exactly their
        # fields (read directly: much cheaper than model_dump), each renamed with its prefix
        fields = vars(model)
        known = _NAMES.get(prefix)
        if known is None or known[0] != tuple(fields):
            keys = tuple(fields)
            known = _NAMES[prefix] = (keys, tuple(prefix + k for k in keys))
        values.update(zip(known[1], fields.values(), strict=True))
    return values


# ``{"person.": (("age", ...), ("person.age", ...)), ...}``: each name made once (and its hash
# kept), for the fields in the order the model holds them
_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
_checked: set[str] = set()


def check_schema(lib: RuleLibrary) -> None:
    """Refuse a vocabulary that declares a fact the scenario schema cannot give (RuleFileError).

    The vocabulary lists the facts rules may read; each must be a field of the scenario models,
    or a rule reading it would find nothing there.
    """
    if lib.digest in _checked:
        return
    fields = {
        "person": set(Person.model_fields),
        "ice": set(IceRequest.model_fields),
        "case": {BOOKING_DATE.split(".", 1)[1]},
    }
    problems = [
        Problem(
            "vocabulary",
            None,
            f"{prefix}_facts.{name.split('.', 1)[1]}",
            f"'{name}' is declared for the rules to read, but a scenario has no such field"
            f"{suggest(name.split('.', 1)[1], fields[prefix])}",
        )
        for name in lib.base_names
        for prefix in [name.split(".", 1)[0]]
        if name.split(".", 1)[1] not in fields.get(prefix, set())
    ]
    for group, model in (("convictions", Conviction), ("charges", Charge)):
        known = set(model.model_fields) | {"incident"}
        problems.extend(
            Problem(
                "vocabulary",
                None,
                f"{group[:-1]}_facts.{n}",
                f"'{n}' is not a field of {group} in a scenario",
            )
            for n in lib.item_names(group)
            if n not in known
        )
    if problems:
        raise RuleFileError(problems)
    _checked.add(lib.digest)


def derive(case: Case, comp: Composition, params: Mapping[str, Any]) -> DerivedFacts:
    """Compute every definition of ``comp`` for ``case``."""
    check_schema(comp.library)
    own = _own(case)
    values = dict(own.values)
    if params:
        values.update(zip(map(_param_name, params), params.values(), strict=True))
    witnesses: dict[str, tuple[int, ...]] = {}
    # Compositions share most definitions (the common rule sets): a definition that reads only
    # the case (directly or through definitions that do) has one value per case, computed once
    # for all the compositions that evaluate the case (``compare`` runs several). A count over
    # a group the case has no items of is known without counting.
    memo, empty = own.memo, own.empty
    plan = _steps_plan(comp)
    for name, key, group, compute in plan.steps:
        found: tuple[Any, tuple[int, ...] | None] | None = memo.get(key) if key is not None else None
        if found is None:
            if group is None:  # an expression
                found = (compute(values), None)
            elif group in empty:
                found = plan.over_none[name]
            else:
                found = compute(values, own)
            if key is not None:
                memo[key] = found
        values[name] = found[0]
        if found[1] is not None:
            witnesses[name] = found[1]
    return DerivedFacts(values, witnesses)


_STEPS_PLAN = "facts.derive.steps"


class _StepsPlan:
    """:func:`_plan` with each definition's name, sharing key, group (for a count) and what a
    count gives over no items read once."""

    __slots__ = ("over_none", "steps")

    def __init__(self, comp: Composition) -> None:
        plan = _plan(comp)
        # (name, key, the group a count counts (None for an expression), how to compute it: a
        # count's step, an expression's test)
        self.steps: tuple[tuple[str, _Shared | None, str | None, Any], ...] = tuple(
            (d.id, k, _group_of(d), step if d.definition.expr is None else d.predicate) for d, k, step in plan
        )
        self.over_none: dict[str, tuple[Any, tuple[int, ...] | None]] = {
            d.id: _over_none(d) for d, _k, _s in plan if d.definition.expr is None
        }


def _steps_plan(comp: Composition) -> _StepsPlan:
    plan: _StepsPlan | None = comp.plans.get(_STEPS_PLAN)
    if plan is None:
        plan = comp.plans[_STEPS_PLAN] = comp.library.derived(
            (_STEPS_PLAN, *map(id, comp.definitions)), lambda: _StepsPlan(comp)
        )
    return plan


class _Shared:
    """The sharing key of a definition: the definition object and the keys of the definitions it
    reads. Equal keys (the same object, hence identity) mean the same value for the same case.
    It holds what it names, so the ids in :data:`_SHARED`'s keys cannot be reused while it lives.
    """

    __slots__ = ("__weakref__", "definition", "reads")

    def __init__(self, definition: LoadedDefinition, reads: tuple[_Shared, ...]) -> None:
        self.definition = definition
        self.reads = reads


_SHARED: weakref.WeakValueDictionary[tuple[int, ...], _Shared] = weakref.WeakValueDictionary()
_PLAN = "facts.derive"


def _plan(comp: Composition) -> tuple[tuple[LoadedDefinition, _Shared | None, Step], ...]:
    """The composition's definitions in order, each with its sharing key, or None when its value
    may depend on more than the case (a parameter, or a name the case and the definitions do
    not give): such a definition is computed every time."""
    plan: tuple[tuple[LoadedDefinition, _Shared | None, Step], ...] | None = comp.plans.get(_PLAN)
    if plan is None:
        # a plan depends on the definitions alone: compositions with the same ones share it (it
        # holds them, so their ids in the key stay theirs while the library keeps it)
        plan = comp.plans[_PLAN] = comp.library.derived(
            (_PLAN, *map(id, comp.definitions)), lambda: _make_plan(comp)
        )
    return plan


def _make_plan(comp: Composition) -> tuple[tuple[LoadedDefinition, _Shared | None, Step], ...]:
    lib = comp.library
    items, base = _own_names(lib)
    own = items | base
    keys: dict[str, _Shared | None] = {}
    steps = []
    for d in comp.definitions:
        reads: list[_Shared] = []
        case_only = True
        for name in d.read_order:
            if name in keys:
                dep = keys[name]
                if dep is None:
                    case_only = False
                    break
                reads.append(dep)
            elif name not in own:
                case_only = False
                break
        shared = None
        if case_only:
            ident = (id(d), *map(id, reads))
            shared = _SHARED.get(ident)
            if shared is None:
                shared = _SHARED[ident] = _Shared(d, tuple(reads))
        keys[d.id] = shared
        steps.append((d, shared, _compiled(d, _reads_only_own(d, items, base))))
    return tuple(steps)


def evaluate_definition(
    d: LoadedDefinition,
    values: dict[str, Any],
    groups: dict[str, list[dict[str, Any]]],
    case: Case,
) -> tuple[Any, tuple[int, ...] | None]:
    """The value of one definition and, for counts, the indices of the items it counted."""
    own = _Own.of(case, values, groups)
    return _compiled(d, False)(values, own)


class _ItemFacts(dict[str, Any]):
    """An item's fields, and under them every fact of the case: what a count's test reads.

    A name the item does not have is looked up in ``outer``, the values derived so far (read live,
    so a definition computed after the item was wrapped is seen too)."""

    __slots__ = ("outer",)

    def __init__(self, outer: Mapping[str, Any], item: Mapping[str, Any]) -> None:
        super().__init__(item)
        self.outer = outer

    def __missing__(self, name: str) -> Any:
        return self.outer[name]


def _reads_only_own(d: LoadedDefinition, items: frozenset[str], base: frozenset[str]) -> bool:
    """A count whose test reads nothing but its items' fields and the case's own facts (``items``
    and ``base``: the names of those, see :func:`_own_names`)."""
    return d.definition.expr is None and d.reads - items <= base


def _own_names(lib: RuleLibrary) -> tuple[frozenset[str], frozenset[str]]:
    """The names of the items' fields (convictions and charges), and of the case's own facts."""
    found: tuple[frozenset[str], frozenset[str]] = lib.derived(
        ("facts.own names",),
        lambda: (
            frozenset(lib.item_names("convictions")) | frozenset(lib.item_names("charges")),
            frozenset(lib.base_names),
        ),
    )
    return found


def _group_of(d: LoadedDefinition) -> str | None:
    """The group of items a count counts (None for an expression)."""
    spec = d.definition
    return None if spec.expr is not None else spec.count or spec.any or "convictions"


def _over_none(d: LoadedDefinition) -> tuple[Any, tuple[int, ...]]:
    """What a count gives over no items: ``any`` false, a count (distinct or not) zero."""
    return (False, ()) if d.definition.any is not None else (0, ())


Step = Callable[[dict[str, Any], _Own], tuple[Any, "tuple[int, ...] | None"]]
_STEPS: dict[tuple[int, bool], tuple[LoadedDefinition, Step]] = {}


def _compiled(d: LoadedDefinition, over_own: bool) -> Step:
    """How to compute ``d``: its expression, or its count over the case's items (made once).

    ``over_own``: the count's test reads nothing but the item's fields and the case's own facts,
    so it reads each item over the case's own facts (made once per case), not over the values
    derived so far."""
    known = _STEPS.get((id(d), over_own))
    if known is not None and known[0] is d:
        return known[1]
    spec = d.definition
    test = d.predicate
    step: Step
    if spec.expr is not None:

        def step(values: dict[str, Any], own: _Own) -> Any:
            return test(values), None

    else:
        group = spec.count or spec.any or "convictions"
        distinct, is_any = spec.distinct, spec.any is not None
        none = _over_none(d)

        def seen_by(values: dict[str, Any], own: _Own) -> list[dict[str, Any]]:
            """The items as the test reads them: each item's fields over the case's facts (item
            fields and definitions never share names; were they to, the item's field would be read)."""
            if over_own:
                return own.items_over_own(group)
            return [_ItemFacts(values, item) for item in own.items(group)]

        if is_any:

            def step(values: dict[str, Any], own: _Own) -> Any:
                seen = (own.over.get(group) if over_own else None) or seen_by(values, own)
                matched = tuple(compress(range(len(seen)), map(test, seen)))
                return (True, matched) if matched else none

        elif distinct is not None:

            def step(values: dict[str, Any], own: _Own) -> Any:
                seen = (own.over.get(group) if over_own else None) or seen_by(values, own)
                matched = tuple(compress(range(len(seen)), map(test, seen)))
                items = own.items(group)
                return (len({items[i][distinct] for i in matched}), matched) if matched else none

        else:

            def step(values: dict[str, Any], own: _Own) -> Any:
                seen = (own.over.get(group) if over_own else None) or seen_by(values, own)
                matched = tuple(compress(range(len(seen)), map(test, seen)))
                return (len(matched), matched) if matched else none

    if len(_STEPS) >= 10_000:
        _STEPS.clear()
    _STEPS[(id(d), over_own)] = (d, step)
    return step
