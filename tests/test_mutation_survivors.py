"""Tests that kill the mutants that survived the reliability review's mutation testing.

Each test names the mutant it kills: a change to the code or to a rule file that the rest of the
suite did not notice.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given

from detainer_model import RuleLibrary, evaluate
from detainer_model.core import engine as engine_module
from detainer_model.errors import EvaluationError
from detainer_model.population import run_batch
from detainer_model.rulebook import expressions as ex
from detainer_model.teaching.whatif import what_if
from test_expressions import SCOPE, engine_says

from builders import BOOKING, conviction, make_case
from strategies import expression_facts, expression_texts

FACTS = {"a": 1, "n": None, "b": False, "m": None, "e": "x", "s": frozenset(), "d": None}

# The readings these tests were written for: PEP as the memo reads (notification unless a final
# order), Secure Communities asking a detainer of everyone identified (as practised).
PEP_MEMO = "pep:as-written"
SC_ANY = "secure-communities:as-practised"


# --- the expression compiler: negating `>` as `<` ------------------------------------------------


@given(expression_texts(), expression_facts())
@example("not (a > 1)", {**FACTS, "a": 1})
@example("not (a >= 1)", {**FACTS, "a": 1})
@example("not (a < 1)", {**FACTS, "a": 1})
@example("not (a <= 1)", {**FACTS, "a": 1})
def test_negated_comparisons_hold_at_the_threshold_on_the_engine(text: str, facts: dict[str, Any]) -> None:
    """`not (a > 1)` holds at a == 1 on the engine as in Python (kills `>` negated as `<`)."""
    node = ex.parse(text, SCOPE)
    assert engine_says(node, facts) == ex.python_predicate(node)(facts)


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
@pytest.mark.parametrize("value", [0, 1, 2])
def test_every_negated_order_comparison_agrees_at_and_beside_the_threshold(op: str, value: int) -> None:
    """For each order operator, `not (a OP 1)` on the engine equals Python at 0, 1 and 2."""
    node = ex.parse(f"not (a {op} 1)", SCOPE)
    facts = {**FACTS, "a": value}
    assert engine_says(node, facts) == ex.python_predicate(node)(facts)


# --- fired order -----------------------------------------------------------------------------------


def test_fired_rules_are_listed_in_the_order_they_ran(lib: RuleLibrary) -> None:
    """Decision.fired lists rules stratum by stratum, in declaration order (kills reversing it)."""
    case = make_case(
        removal_order="final",
        convictions=[conviction("felony", "aggravated_felony"), conviction("misdemeanor", days_ago=900)],
    )
    for regime in ("secure-communities", "pep"):
        comp = lib.composition(regime, "full-cooperation")
        order = [r.id for s in comp.strata for r in s.rules]
        for backend in ("engine", "reference"):
            d = evaluate(case, regime, rules=lib, backend=backend)  # type: ignore[arg-type]
            assert len(d.fired) >= 4
            assert list(d.fired) == sorted(d.fired, key=order.index)
            assert d.fired[0].startswith("identification.")
            assert d.fired[-1].startswith("outcome.")


# --- the batch: set-valued answers decoded one bit off ----------------------------------------------


def test_a_batch_decodes_every_set_member_exactly(lib: RuleLibrary, tmp_path: Path) -> None:
    """Batch priorities equal evaluate's for the first and last categories (kills an off-by-one bit)."""
    people = tmp_path / "people.csv"
    people.write_text(
        "person_id,booking_date,jurisdiction,status,age,removal_order,removal_order_date,"
        "national_security_risk\n"
        "first,2015-09-01,full-cooperation,unauthorized,30,none,,true\n"
        "last,2015-09-01,full-cooperation,unauthorized,30,final,2015-01-01,false\n"
        "both,2015-09-01,full-cooperation,unauthorized,30,final,2015-01-01,true\n"
    )
    _batch, result = run_batch(lib, people, tmp_path / "out.csv", regimes=(PEP_MEMO, "secure-communities"))
    rows = {(r["person_id"], r["regime"]): r for r in result.table.to_dicts()}
    wanted = {"first": {"1(a)"}, "last": {"3"}, "both": {"1(a)", "3"}}
    for pid, want in wanted.items():
        for regime in (PEP_MEMO, "secure-communities"):
            got = rows[(pid, regime)]["priorities"]
            got_set = set(got.split(";")) if isinstance(got, str) else set(got or [])
            assert got_set == want, (pid, regime, got)
    assert rows[("first", PEP_MEMO)]["request"] == "notification"
    assert rows[("both", PEP_MEMO)]["request"] == "detainer"


# --- whatif: lit+1, confirmation on the engine, dates inside a look-back window ---------------------


def test_whatif_tries_one_above_a_threshold(lib: RuleLibrary) -> None:
    """`prior_removals > 0` is crossed by setting it to 1 (lit+1); kills trying only lit-1 and lit."""
    case = make_case(convictions=[conviction("felony", "aggravated_felony")])
    result = what_if(case, [PEP_MEMO], rules=lib, max_changes=1)
    texts = [o.text() for r in result.results for o in r.options]
    changes = [c for r in result.results for o in r.options for c in o.changes]
    assert any(c.name == "prior_removals" and c.new == 1 for c in changes), texts


def test_whatif_confirms_every_option_on_the_engine(
    lib: RuleLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An engine that disagrees with the reference makes whatif fail loudly (kills skipping confirmation)."""
    case = make_case(convictions=[conviction("felony", "aggravated_felony")])
    real = engine_module.RuleEngine.fire

    def lying(self: Any, name: str, conditions: Any, fact: Any) -> list[str]:
        fired = real(self, name, conditions, fact)
        return [f for f in fired if not f.startswith("pep.request")]

    monkeypatch.setattr(engine_module.RuleEngine, "fire", lying)
    with pytest.raises(EvaluationError):
        what_if(case, [PEP_MEMO], rules=lib, max_changes=1)


def test_whatif_moves_a_conviction_to_the_first_day_inside_a_look_back_window(lib: RuleLibrary) -> None:
    """A violent conviction just outside NYC's 5-year window is moved to the first day inside it."""
    booking = BOOKING
    day_before_window = ex.years_before(booking, 5) - dt.timedelta(days=1)
    case = make_case(
        jurisdiction="new-york-city-2014",
        ice={"judicial_warrant": True},
        convictions=[
            {"offense": "Robbery", "date": day_before_window, "level": "felony", "kinds": ["violent"]}
        ],
    )
    base = evaluate(case, "secure-communities", rules=lib)
    assert base.local_response == "decline"
    result = what_if(case, ["secure-communities"], rules=lib, max_changes=1)
    moved = [
        c.new
        for r in result.results
        for o in r.options
        for c in o.changes
        if c.target == "convictions" and c.name == "date"
    ]
    assert ex.years_before(booking, 5) in moved


# --- rule files: the conditions each survivor dropped or weakened -----------------------------------


def _decide(lib: RuleLibrary, place: str, regime: str = SC_ANY, **kw: Any) -> Any:
    params = kw.pop("params", None)
    return evaluate(make_case(jurisdiction=place, **kw), regime, rules=lib, params=params)


def test_connecticut_does_not_count_a_minor_traffic_charge(lib: RuleLibrary) -> None:
    """A pending minor-traffic charge without bond is no reason to hold in Connecticut; a misdemeanor is."""
    place = "connecticut-trust-act-2014"
    charge = {"offense": "A charge", "level": "minor_traffic", "bond_posted": False}
    assert _decide(lib, place, charges=[charge]).local_response == "decline"
    misdemeanor = {**charge, "level": "misdemeanor"}
    assert _decide(lib, place, charges=[misdemeanor]).local_response == "hold"
    assert _decide(lib, place, charges=[{**misdemeanor, "bond_posted": True}]).local_response == "decline"


def test_new_york_city_needs_a_violent_conviction_and_a_reentry(lib: RuleLibrary) -> None:
    """NYPD holds for a violent or serious conviction AND a re-entry, not either alone."""
    place = "new-york-city-2014"
    params = {"nypd_custody": True}
    old_violent = [conviction("felony", "violent", days_ago=4000)]
    both = _decide(lib, place, params=params, convictions=old_violent, prior_removals=1)
    assert both.local_response == "hold"
    assert _decide(lib, place, params=params, convictions=old_violent).local_response == "decline"
    assert _decide(lib, place, params=params, prior_removals=1).local_response == "decline"


def test_santa_clara_counts_only_felonies(lib: RuleLibrary) -> None:
    """Santa Clara (with an agreement) holds for a serious felony in 10 years, not a serious misdemeanor."""
    place = "santa-clara-2011"
    params = {"reimbursement_agreement": True}
    felony = _decide(lib, place, params=params, convictions=[conviction("felony", "serious")])
    assert felony.local_response == "hold"
    misdemeanor = _decide(lib, place, params=params, convictions=[conviction("misdemeanor", "serious")])
    assert misdemeanor.local_response == "decline"


def test_miami_dade_notifies_only_under_an_agreement_for_those_it_would_hold(lib: RuleLibrary) -> None:
    """Miami-Dade notifies only under an agreement and for a felon (or a non-bondable charge)."""
    place = "miami-dade-2013"
    felony = [conviction("felony", "aggravated_felony")]
    agreed = {"reimbursement_agreement": True}
    notified = _decide(lib, place, PEP_MEMO, params=agreed, convictions=felony)
    assert notified.request == "notification"
    assert notified.local_response == "notify"
    assert _decide(lib, place, PEP_MEMO, convictions=felony).local_response == "decline"
    gang = _decide(lib, place, PEP_MEMO, params=agreed, gang_participation=True)
    assert gang.request == "notification"
    assert gang.local_response == "decline"
