"""``derive`` takes shortcuts (a count over no items is known without counting, items are read over
the case's own facts merged once, definitions are shared across compositions): its facts must be
what computing every definition plainly, in order, gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from detainer_model import Case
from detainer_model.core import facts
from detainer_model.rulebook.library import BOOKING_DATE, Composition, param_name

from strategies import LIB, cases_across_eras

COMPOSITIONS: list[Composition] = [
    LIB.composition(regime, local) for regime in LIB.refs("federal") for local in LIB.refs("local")
]


def _plain(case: Case, comp: Composition) -> tuple[dict[str, Any], dict[str, tuple[int, ...]]]:
    """Every definition computed in order over the case's facts, each item's test over the item's
    fields with every value so far beneath them (the rule files' meaning, without shortcuts)."""
    values: dict[str, Any] = {BOOKING_DATE: case.booking_date}
    values.update({f"person.{k}": v for k, v in case.person.model_dump().items()})
    values.update({f"ice.{k}": v for k, v in case.ice.model_dump().items()})
    values.update({param_name(k): v for k, v in comp.param_values(None).items()})
    witnesses: dict[str, tuple[int, ...]] = {}
    for d in comp.definitions:
        spec = d.definition
        if spec.expr is not None:
            values[d.id] = d.predicate(values)
            continue
        group = spec.count or spec.any or "convictions"
        items = facts.items_of(case, group)
        matched = tuple(i for i, item in enumerate(items) if d.predicate({**values, **item}))
        witnesses[d.id] = matched
        if spec.any is not None:
            values[d.id] = bool(matched)
        elif spec.distinct is not None:
            values[d.id] = len({items[i][spec.distinct] for i in matched})
        else:
            values[d.id] = len(matched)
    return values, witnesses


@settings(max_examples=25, deadline=None)
@given(
    case=cases_across_eras(),
    picks=st.lists(st.sampled_from(range(len(COMPOSITIONS))), min_size=1, max_size=4),
)
def test_derived_facts_equal_a_plain_computation(case: Case, picks: list[int]) -> None:
    """Compositions derived in a row for one case each equal the plain computation, in order and type."""
    facts._last.clear()
    for i in picks:
        comp = COMPOSITIONS[i]
        derived = facts.derive(case, comp, comp.param_values(None))
        values, witnesses = _plain(case, comp)
        assert derived.values == values
        assert list(derived.values) == list(values)
        assert [type(v) for v in derived.values.values()] == [type(v) for v in values.values()]
        assert derived.witnesses == witnesses
