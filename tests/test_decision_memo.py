"""Remembered decisions: ``decide`` gives a composition's decision again for inputs the engine has
already decided, and such a decision is the one deciding afresh gives, field for field."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from detainer_model import Case, compare, evaluate, load_scenarios
from detainer_model.core.engine import RuleEngine, get_engine
from detainer_model.core.evaluate import decisions_afresh, decisions_reused

from builders import make_case
from strategies import LIB, neighbouring_cases

ROOT = Path(__file__).resolve().parents[1]
REGIMES = ("secure-communities", "pep")


def _shipped_cases() -> list[Case]:
    return [c for s in load_scenarios(ROOT / "scenarios", LIB) for c in s.cases]


def _decisions(cases: list[Case]) -> list[dict[str, object]]:
    return [d.to_dict() for c in cases for d in compare(c, rules=LIB).decisions]


def test_remembered_decisions_of_the_shipped_scenarios_equal_fresh_ones() -> None:
    """Every shipped case, decided a second time from memory, equals its fresh and its reference decision."""
    cases = _shipped_cases()
    with decisions_afresh():
        before = decisions_reused()
        fresh = _decisions(cases)
        assert decisions_reused() == before
    _decisions(cases)
    before = decisions_reused()
    again = _decisions(cases)
    assert decisions_reused() - before >= len(cases)  # most decisions came from memory
    assert again == fresh
    reference = [d.to_dict() for c in cases for d in compare(c, rules=LIB, backend="reference").decisions]
    assert again == reference


def test_no_decision_is_given_again_inside_decisions_afresh() -> None:
    """Inside ``decisions_afresh`` the count of decisions given again does not move."""
    case = make_case(removal_order="final")
    evaluate(case, "pep", rules=LIB)
    with decisions_afresh():
        before = decisions_reused()
        for _ in range(3):
            evaluate(case, "pep", rules=LIB)
        assert decisions_reused() == before
    evaluate(case, "pep", rules=LIB)
    assert decisions_reused() == before + 1


def test_the_engines_memo_switched_off_switches_remembered_decisions_off() -> None:
    """With the engine's memo off, every decision asks the engine: sessions open and none is given again."""
    case = make_case(removal_order="final")
    evaluate(case, "pep", rules=LIB)
    engine = get_engine()
    with engine.unmemoised():
        before, opened = decisions_reused(), engine.sessions_opened
        evaluate(case, "pep", rules=LIB)
        assert decisions_reused() == before
        assert engine.sessions_opened > opened


def test_another_engine_is_asked_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A decision remembered from the real engine is not given again once the engine is replaced."""
    case = make_case(removal_order="final")
    evaluate(case, "pep", rules=LIB)
    asked: list[str] = []
    real = RuleEngine.fire

    def recording(self: RuleEngine, name: str, conditions: object, fact: object) -> list[str]:
        asked.append(name)
        return real(self, name, conditions, fact)  # type: ignore[arg-type]

    monkeypatch.setattr(RuleEngine, "fire", recording)
    evaluate(case, "pep", rules=LIB)
    assert asked


@settings(max_examples=40, deadline=None)
@given(neighbouring_cases())
def test_cases_that_differ_in_one_part_get_their_own_decisions(cases: list[Case]) -> None:
    """Cases a part apart, decided in turn with decisions remembered, each equal their fresh decision."""
    remembered = [[evaluate(c, r, rules=LIB).to_dict() for r in REGIMES] for c in cases]
    again = [[evaluate(c, r, rules=LIB).to_dict() for r in REGIMES] for c in cases]
    with decisions_afresh():
        fresh = [[evaluate(c, r, rules=LIB).to_dict() for r in REGIMES] for c in cases]
    assert remembered == fresh
    assert again == fresh


class _Unread:
    """A value no rule can have read: any comparison with it is refused."""

    def __eq__(self, other: object) -> bool:
        raise AssertionError("decide read a value outside the key of its remembered decisions")

    __hash__ = object.__hash__


def test_decide_reads_nothing_outside_the_key_of_its_remembered_decisions() -> None:
    """For every shipped case, any value outside the memo's key leaves the decision as it was."""
    from detainer_model.core.evaluate import _decide_inputs, decide
    from detainer_model.core.facts import DerivedFacts, derive

    checked = 0
    for case in _shipped_cases():
        if case.jurisdiction.id.split(":")[0] in LIB.places:
            continue  # a place's layers are compositions of their own, checked as their versions
        for regime in REGIMES:
            comp = LIB.composition(regime, case.jurisdiction.id)
            params = comp.param_values(dict(case.jurisdiction.params))
            facts = derive(case, comp, params)
            keyed = set(_decide_inputs(comp))
            blurred = DerivedFacts(
                {n: v if n in keyed else _Unread() for n, v in facts.values.items()}, facts.witnesses
            )
            with decisions_afresh():
                kwargs = {"case_id": case.id, "booking_date": case.booking_date, "params": params}
                want, got = decide(comp, facts, **kwargs), decide(comp, blurred, **kwargs)  # type: ignore[arg-type]
            assert (got.answers, got.fired, got.warnings) == (want.answers, want.fired, want.warnings)
            assert [f.facts for f in got.findings] == [f.facts for f in want.findings]
            checked += 1
    assert checked >= 500
