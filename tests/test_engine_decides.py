"""The rule engine decides: its answer, not the reference evaluator's, is the one a decision uses.

Each test substitutes ``RuleEngine.fire`` (the single entry point to durable_rules) with a
recording or a deliberately wrong engine. A decision that followed the reference evaluator, or
skipped the engine, would not change when the engine's answer does.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from detainer_model import Case, evaluate
from detainer_model.core.engine import RuleEngine, get_engine
from detainer_model.population import evaluate_population, read_batch
from detainer_model.population.tables import tables_from_cases

from builders import make_case
from strategies import LIB

# A person with no warrant booked in San Francisco in 2015: the Sheriff declines the detainer.
WARRANT_HOLD = "san-francisco-2015.warrant-hold"
Conditions = Mapping[str, Mapping[str, Any]]
Fire = Callable[[RuleEngine, str, Conditions, Mapping[str, Any]], list[str]]
REAL_FIRE: Fire = RuleEngine.fire
FELONY = {"offense": "A felony", "date": "2010-01-01", "level": "felony", "kinds": []}


# Secure Communities as practised: a detainer for any identified, removable person, record or not
SC_ANY = "secure-communities:as-practised"


def _sf_case(case_id: str = "no-warrant") -> Case:
    case = make_case(jurisdiction="san-francisco-2015")
    return case.model_copy(update={"id": case_id})


def _wrong_engine(calls: list[str]) -> Fire:
    """An engine that also "fires" the warrant-hold rule, whose condition does not hold."""

    def fire(self: RuleEngine, name: str, conditions: Conditions, fact: Mapping[str, Any]) -> list[str]:
        calls.append(name)
        found = REAL_FIRE(self, name, conditions, fact)
        if WARRANT_HOLD in conditions and WARRANT_HOLD not in found:
            found = [*found, WARRANT_HOLD]
        return found

    return fire


def _batch_rows(cases: list[Case], regimes: list[str]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, frame in tables_from_cases(cases).items():
            paths[name] = Path(tmp) / f"{name}.csv"
            frame.write_csv(paths[name])
        batch = read_batch(LIB, paths["people"], paths["convictions"], paths["charges"])
    return list(evaluate_population(batch, LIB, regimes, fired=True).table.iter_rows(named=True))


def test_the_unaltered_engine_declines_the_san_francisco_case() -> None:
    """Control: with the real engine, the Sheriff declines a detainer that has no warrant."""
    d = evaluate(_sf_case(), SC_ANY, rules=LIB)
    assert (d.request, d.local_response, d.outcome) == ("detainer", "decline", "released_despite_request")
    assert WARRANT_HOLD not in d.fired


def test_a_decision_follows_a_wrong_engine_not_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine that wrongly fires the warrant-hold rule makes a hold; the reference still declines."""
    calls: list[str] = []
    monkeypatch.setattr(RuleEngine, "fire", _wrong_engine(calls))
    engine = evaluate(_sf_case(), SC_ANY, rules=LIB)
    reference = evaluate(_sf_case(), SC_ANY, rules=LIB, backend="reference")
    assert (engine.local_response, engine.outcome) == ("hold", "transfer")
    assert WARRANT_HOLD in engine.fired
    assert (reference.local_response, reference.outcome) == ("decline", "released_despite_request")
    assert calls, "the engine path never asked the engine"


def test_a_decision_follows_an_engine_that_drops_a_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the engine does not fire the Secure Communities detainer rule, ICE asks for nothing."""

    def fire(self: RuleEngine, name: str, conditions: Conditions, fact: Mapping[str, Any]) -> list[str]:
        return [r for r in REAL_FIRE(self, name, conditions, fact) if r != "sc.request.detainer"]

    monkeypatch.setattr(RuleEngine, "fire", fire)
    d = evaluate(make_case(), SC_ANY, rules=LIB)
    assert (d.identified, d.request, d.local_response, d.outcome) == (True, "none", "none", "no_request")
    assert "sc.request.detainer" not in d.fired


def test_every_stratum_asks_the_engine_once_and_uses_its_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A recording engine sees one call per stratum, and the rules that took effect are among its answers."""
    seen: list[tuple[str, list[str]]] = []

    def fire(self: RuleEngine, name: str, conditions: Conditions, fact: Mapping[str, Any]) -> list[str]:
        found = REAL_FIRE(self, name, conditions, fact)
        seen.append((name, found))
        return found

    monkeypatch.setattr(RuleEngine, "fire", fire)
    comp = LIB.composition("pep", "full-cooperation")
    case = make_case(removal_order="final", convictions=[FELONY])
    d = evaluate(case, "pep", rules=LIB)
    asked = [s.engine_name for s in comp.strata if s.engine_conditions]
    assert [name for name, _ in seen] == asked
    answered = {r for _, found in seen for r in found}
    assert set(d.fired) <= answered
    assert {"pep.request.detainer", "full-cooperation.hold", "outcome.transfer"} <= set(d.fired)


def test_rules_that_took_effect_are_listed_in_the_order_their_strata_ran() -> None:
    """Fired rules run identification, priorities, request, form, local response, outcome, in that order."""
    case = make_case(removal_order="final", convictions=[FELONY])
    d = evaluate(case, "pep", rules=LIB)
    assert d.fired == (
        "identification.fingerprint-match",
        "removability.removable",
        "priority.1d",
        "sc-level.2",
        "ncic.absconder",
        "pep.transfer-category",
        "full-cooperation.ncic-hold-absconder",  # reads the NCIC record, as the category does
        "pep.request.detainer",
        "pep.form.i247d",
        "full-cooperation.hold",
        "outcome.transfer",
    )


def test_the_reference_backend_never_touches_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the reference backend an engine that fails on every call is never called; no session opens."""

    def broken(self: RuleEngine, *_args: Any) -> list[str]:
        raise AssertionError("the reference backend asked the rule engine")

    before = get_engine().sessions_opened
    monkeypatch.setattr(RuleEngine, "fire", broken)
    d = evaluate(_sf_case(), SC_ANY, rules=LIB, backend="reference")
    assert (d.request, d.local_response) == ("detainer", "decline")
    assert get_engine().sessions_opened == before
    with pytest.raises(AssertionError, match="reference backend asked"):
        evaluate(_sf_case(), SC_ANY, rules=LIB)


def test_a_population_follows_a_wrong_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """The population memo passes on the engine's answer: a wrong engine turns the decline into a hold."""
    calls: list[str] = []
    monkeypatch.setattr(RuleEngine, "fire", _wrong_engine(calls))
    rows = _batch_rows([_sf_case("a"), _sf_case("b")], [SC_ANY])
    assert [(r["local_response"], r["outcome"]) for r in rows] == [("hold", "transfer")] * 2
    assert all(WARRANT_HOLD in r["fired"].split(";") for r in rows)
    assert calls


def test_a_population_asks_the_engine_and_remembers_its_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The memo asks the engine for the first of two identical people only, and both get the real decline."""
    calls: list[str] = []

    def fire(self: RuleEngine, name: str, conditions: Conditions, fact: Mapping[str, Any]) -> list[str]:
        calls.append(name)
        return REAL_FIRE(self, name, conditions, fact)

    monkeypatch.setattr(RuleEngine, "fire", fire)
    _batch_rows([_sf_case("a")], [SC_ANY])
    one = len(calls)
    assert one > 0
    calls.clear()
    rows = _batch_rows([_sf_case("a"), _sf_case("b")], [SC_ANY])
    assert len(calls) == one
    declined = ("decline", "released_despite_request")
    assert [(r["local_response"], r["outcome"]) for r in rows] == [declined] * 2
