"""A case's facts are derived once across compositions: what one composition shares with the
next must be what the next would compute on its own (readings swap definitions, places add
parameters)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from detainer_model import Case
from detainer_model.core import facts
from detainer_model.rulebook.library import Composition

from strategies import LIB, cases_across_eras

# Every regime reading beside every local rule set and reading: the compositions a case meets.
COMPOSITIONS: list[Composition] = [
    LIB.composition(regime, local) for regime in LIB.refs("federal") for local in LIB.refs("local")
]


def _alone(case: Case, comp: Composition) -> facts.DerivedFacts:
    facts._last.clear()  # nothing shared: this composition computes every definition itself
    return facts.derive(case, comp, comp.param_values(None))


@settings(max_examples=15, deadline=None)
@given(case=cases_across_eras(), order=st.permutations(range(len(COMPOSITIONS))))
def test_shared_definitions_equal_their_own_computation(case: Case, order: list[int]) -> None:
    """Derived in any order of compositions, each composition's facts equal those it computes alone."""
    facts._last.clear()
    shared = [(i, facts.derive(case, COMPOSITIONS[i], COMPOSITIONS[i].param_values(None))) for i in order]
    for i, derived in shared:
        alone = _alone(case, COMPOSITIONS[i])
        assert derived.values == alone.values
        assert [type(v) for v in derived.values.values()] == [type(v) for v in alone.values.values()]
        assert derived.witnesses == alone.witnesses


def _closure(comp: Composition, name: str) -> frozenset[int]:
    """The definition objects ``name`` reads in ``comp``, directly or through other definitions."""
    defs = {d.id: d for d in comp.definitions}
    seen: set[int] = set()
    todo = [name]
    while todo:
        d = defs.get(todo.pop())
        if d is not None and id(d) not in seen:
            seen.add(id(d))
            todo.extend(d.read_order)
    return frozenset(seen)


def test_a_definition_is_shared_only_where_everything_it_reads_is_the_same() -> None:
    """Compositions share a definition's value only where it and all it reads are the same objects."""
    closures_of_key: dict[int, set[frozenset[int]]] = {}
    keys_of_object: dict[int, dict[frozenset[int], set[int]]] = {}  # definition object -> closures -> keys
    for comp in COMPOSITIONS:
        for d, key, _ in facts._plan(comp):
            if key is None:  # reads a parameter: computed in each composition
                continue
            closure = _closure(comp, d.id)
            closures_of_key.setdefault(id(key), set()).add(closure)
            keys_of_object.setdefault(id(d), {}).setdefault(closure, set()).add(id(key))
    assert all(len(c) == 1 for c in closures_of_key.values())
    # readings do swap definitions (more definition objects than ids), so sharing is put to the test
    assert len(keys_of_object) > len({d.id for comp in COMPOSITIONS for d in comp.definitions})
