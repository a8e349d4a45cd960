"""Decisions are made without the frozen dataclass's ``__init__`` (for speed): each must be the very
object ``Decision(**fields)`` gives, for a local policy and for a place's layers."""

from __future__ import annotations

import dataclasses

import pytest

from detainer_model import Decision, compare, evaluate
from detainer_model.core.evaluate import _new_decision

from builders import make_case
from strategies import LIB

FELONY = {"offense": "A felony", "date": "2010-01-01", "level": "felony", "kinds": []}


@pytest.mark.parametrize("jurisdiction", ["san-francisco-2015", "san-francisco", "full-cooperation"])
def test_a_decision_equals_the_one_its_constructor_makes(jurisdiction: str) -> None:
    """Every field of a decision is set, and the decision equals Decision(**its fields)."""
    case = make_case(jurisdiction=jurisdiction, convictions=[FELONY])
    for d in compare(case, rules=LIB).decisions:
        names = [f.name for f in dataclasses.fields(Decision)]
        assert list(vars(d)) == names  # every field, in the constructor's order
        rebuilt = Decision(**{n: getattr(d, n) for n in names})
        assert rebuilt == d
        assert repr(rebuilt) == repr(d)
        assert rebuilt.to_dict() == d.to_dict()


def test_a_place_decision_records_its_layers() -> None:
    """A place's decision carries its layers and the deciding one (set without __init__ too)."""
    d = evaluate(make_case(jurisdiction="san-francisco"), "secure-communities", rules=LIB)
    assert d.place == "san-francisco"
    assert d.layers and d.deciding is not None
    assert d.layers[d.deciding].local_response == d.local_response


def test_a_decision_with_a_missing_or_unknown_field_is_refused() -> None:
    """The fast constructor refuses a field too few or one it does not know."""
    d = evaluate(make_case(), "pep", rules=LIB)
    fields = dict(vars(d))
    del fields["outcome"]
    with pytest.raises(TypeError):
        _new_decision(fields)
    with pytest.raises(TypeError):
        _new_decision({**vars(d), "surprise": 1})
