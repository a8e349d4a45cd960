"""Properties every local policy keeps, for every valid case."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from detainer_model import Case, evaluate
from detainer_model.core.evaluate import CONTRACT_FIELDS

from builders import conviction, make_case
from strategies import LIB, LOCAL_POLICIES, cases, cases_in, policies_with_parameter

REGIMES = tuple(LIB.regimes)
REIMBURSED = policies_with_parameter("reimbursement_agreement")
# how far a response goes toward ICE's request (a request is answered by hold or notify, not both)
FELON = make_case(convictions=[conviction("felony", "violent", days_ago=400)])
COOPERATION = {"none": 0, "decline": 0, "notify": 1, "hold": 1}


@given(cases_in("full-cooperation"), st.sampled_from(REGIMES))
def test_full_cooperation_never_declines(case: Case, regime: str) -> None:
    """full-cooperation holds on every detainer and notifies on every notification request."""
    d = evaluate(case, regime, rules=LIB)
    assert d.local_response != "decline"
    assert d.local_response == {"detainer": "hold", "notification": "notify", "none": "none"}[d.request]


@given(cases(), st.sampled_from(REGIMES))
def test_a_policy_answers_only_the_request_ice_made(case: Case, regime: str) -> None:
    """No request means no answer; a hold answers only a detainer, a notice only a notification."""
    for jurisdiction in LOCAL_POLICIES:
        d = evaluate(case, regime, jurisdiction, rules=LIB)
        assert (d.request == "none") == (d.local_response == "none"), jurisdiction
        if d.local_response == "hold":
            assert d.request == "detainer", jurisdiction
        if d.local_response == "notify":
            assert d.request == "notification", jurisdiction


@given(cases(), st.sampled_from(REGIMES))
def test_engine_and_reference_agree_on_every_local_policy(case: Case, regime: str) -> None:
    """durable_rules and the reference evaluator decide every local policy alike."""
    for jurisdiction in LOCAL_POLICIES:
        engine = evaluate(case, regime, jurisdiction, rules=LIB)
        reference = evaluate(case, regime, jurisdiction, rules=LIB, backend="reference")
        assert engine.fired == reference.fired, jurisdiction
        assert [engine.get(k) for k in CONTRACT_FIELDS] == [reference.get(k) for k in CONTRACT_FIELDS]
        assert engine.warnings == reference.warnings


def test_the_reimbursement_gate_is_declared_where_the_reference_puts_it() -> None:
    """Cook County, Santa Clara, DC and Miami-Dade declare reimbursement_agreement, default false."""
    assert set(REIMBURSED) == {
        "cook-county-2011",
        "santa-clara-2011",
        "washington-dc-2012",
        "miami-dade-2013",
    }
    for j in REIMBURSED:
        p = LIB.ruleset(j).parameters["reimbursement_agreement"]
        assert (p.type, p.default) == ("bool", False)
        assert p.source in LIB.sources


@example(FELON, "pep")  # DC notifies without an agreement
@example(FELON, "secure-communities")
@given(cases(), st.sampled_from(REGIMES))
def test_reimbursement_never_turns_a_hold_into_a_decline(case: Case, regime: str) -> None:
    """Setting reimbursement_agreement true never makes a held person released, nor a notice withheld."""
    for jurisdiction in REIMBURSED:
        without = evaluate(case, regime, jurisdiction, params={"reimbursement_agreement": False}, rules=LIB)
        paid = evaluate(case, regime, jurisdiction, params={"reimbursement_agreement": True}, rules=LIB)
        assert without.request == paid.request
        assert COOPERATION[paid.local_response] >= COOPERATION[without.local_response], jurisdiction


@example(FELON, "secure-communities")  # Chicago, Connecticut, California ... hold without a warrant
@example(FELON, "pep")
@given(cases(), st.sampled_from(REGIMES))
def test_a_judicial_warrant_never_turns_a_hold_into_a_decline(case: Case, regime: str) -> None:
    """Adding a judge's warrant to ICE's request never makes any policy less cooperative."""
    bare = case.model_copy(update={"ice": case.ice.model_copy(update={"judicial_warrant": False})})
    warranted = case.model_copy(update={"ice": case.ice.model_copy(update={"judicial_warrant": True})})
    for jurisdiction in LOCAL_POLICIES:
        before = evaluate(bare, regime, jurisdiction, rules=LIB)
        after = evaluate(warranted, regime, jurisdiction, rules=LIB)
        assert before.request == after.request
        assert COOPERATION[after.local_response] >= COOPERATION[before.local_response], jurisdiction


@given(cases_in("jail-287g"), st.sampled_from(REGIMES))
def test_a_287g_jail_identifies_every_removable_person(case: Case, regime: str) -> None:
    """Under a 287(g) jail agreement a removable person is identified even without a DHS record."""
    d = evaluate(case, regime, rules=LIB)
    if d.removable:
        assert d.identified
    assert d.local_response in ("hold", "notify", "none")


@given(cases())
def test_a_booking_outside_a_policy_s_dates_carries_a_warning(case: Case) -> None:
    """Every evaluation outside the local policy's dates warns, naming the policy; inside, none does."""
    for jurisdiction in LOCAL_POLICIES:
        d = evaluate(case, "pep", jurisdiction, rules=LIB)
        outside = not LIB.ruleset(jurisdiction).effective.contains(case.booking_date)
        named = [w for w in d.warnings if f"period {jurisdiction} was in force" in w]
        assert bool(named) == outside, jurisdiction
