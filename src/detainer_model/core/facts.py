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
    values = dict(_own(case)[0])
    values.update({param_name(k): v for k, v in params.items()})
    return values


# The derived values of the last case read, shared by every composition that evaluates it:
# ``{sharing key of a definition: (value, items counted)}`` (see :func:`_plan`).
DefinitionMemo = dict["_Shared", tuple[Any, "tuple[int, ...] | None"]]
_last: list[tuple[Case, dict[str, Any], dict[str, list[dict[str, Any]]], DefinitionMemo]] = []


def _own(case: Case) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The case's facts and items as plain values, kept for the last case read.

    ``compare`` evaluates one case under several regimes and places; the case is dumped once.
    Callers copy what they change (the items are only read).
    """
    if _last and _last[0][0] is case:
        return _last[0][1], _last[0][2]
    values: dict[str, Any] = {BOOKING_DATE: case.booking_date}
    for prefix, model in (("person.", case.person), ("ice.", case.ice)):
        names = _NAMES.get(prefix)
        if names is None:
            names = _NAMES[prefix] = {}
        for k, v in vars(model).items():
            name = names.get(k)
            if name is None:
                name = names[k] = prefix + k
            values[name] = v
    groups = {g: items_of(case, g) for g in ("convictions", "charges")}
    _last[:] = [(case, values, groups, {})]
    return values, groups


# ``{"person.": {"age": "person.age", ...}, ...}``: each name made once (and its hash kept)
_NAMES: dict[str, dict[str, str]] = {}
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
    values = base_values(case, params)
    witnesses: dict[str, tuple[int, ...]] = {}
    # each item seen over this composition's values (see _ItemFacts)
    groups: dict[str, list[dict[str, Any]]] = {
        g: [_ItemFacts(values, item) for item in items] for g, items in _own(case)[1].items()
    }
    # Compositions share most definitions (the common rule sets): a definition that reads only
    # the case (directly or through definitions that do) has one value per case, computed once
    # for all the compositions that evaluate the case (``compare`` runs several).
    memo = _last[0][3]
    for name, shared, step in _steps(comp):
        known = memo.get(shared) if shared is not None else None
        if known is None:
            known = step(values, groups, case)
            if shared is not None:
                memo[shared] = known
        values[name] = known[0]
        if known[1] is not None:
            witnesses[name] = known[1]
    return DerivedFacts(values, witnesses)


_STEPS_PLAN = "facts.derive.steps"


def _steps(comp: Composition) -> tuple[tuple[str, _Shared | None, Step], ...]:
    """:func:`_plan` with each definition's name read once."""
    steps: tuple[tuple[str, _Shared | None, Step], ...] | None = comp.plans.get(_STEPS_PLAN)
    if steps is None:
        steps = comp.plans[_STEPS_PLAN] = tuple((d.id, shared, step) for d, shared, step in _plan(comp))
    return steps


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
    if plan is not None:
        return plan
    lib = comp.library
    own = set(lib.base_names) | set(lib.item_names("convictions")) | set(lib.item_names("charges"))
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
        steps.append((d, shared, _compiled(d)))
    comp.plans[_PLAN] = plan = tuple(steps)
    return plan


def evaluate_definition(
    d: LoadedDefinition,
    values: dict[str, Any],
    groups: dict[str, list[dict[str, Any]]],
    case: Case,
) -> tuple[Any, tuple[int, ...] | None]:
    """The value of one definition and, for counts, the indices of the items it counted."""
    return _compiled(d)(values, groups, case)


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


Step = Callable[[dict[str, Any], dict[str, list[dict[str, Any]]], Case], tuple[Any, "tuple[int, ...] | None"]]
_STEPS: dict[int, tuple[LoadedDefinition, Step]] = {}


def _compiled(d: LoadedDefinition) -> Step:
    """How to compute ``d``: its expression, or its count over the case's items (made once)."""
    known = _STEPS.get(id(d))
    if known is not None and known[0] is d:
        return known[1]
    spec = d.definition
    test = d.predicate
    step: Step
    if spec.expr is not None:

        def step(values: dict[str, Any], groups: dict[str, list[dict[str, Any]]], case: Case) -> Any:
            return test(values), None

    else:
        group = spec.count or spec.any or "convictions"
        distinct, is_any = spec.distinct, spec.any is not None

        def step(values: dict[str, Any], groups: dict[str, list[dict[str, Any]]], case: Case) -> Any:
            items = groups.get(group)
            if items is None:
                items = groups[group] = items_of(case, group)
            matched: tuple[int, ...] = ()
            if items:
                # An item's fields over the case's facts (item fields and definitions never share
                # names; were they to, the item's field would be read).
                first = items[0]
                seen = (
                    items  # derive wrapped them over these values
                    if type(first) is _ItemFacts and first.outer is values
                    else [_ItemFacts(values, item) for item in items]
                )
                matched = tuple([i for i, item in enumerate(seen) if test(item)])
            if is_any:
                return bool(matched), matched
            if distinct is not None:
                return len({items[i][distinct] for i in matched}), matched
            return len(matched), matched

    if len(_STEPS) >= 10_000:
        _STEPS.clear()
    _STEPS[id(d)] = (d, step)
    return step
