"""Properties of the model that hold for every valid case."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detainer_model import Case, evaluate
from detainer_model.core import engine as engine_module
from detainer_model.core.engine import RuleEngine, get_engine
from detainer_model.core.evaluate import CONTRACT_FIELDS

from strategies import LIB, case_dicts, cases

REGIMES = tuple(LIB.refs("federal"))  # every era under every reading


@given(cases(), st.sampled_from(REGIMES))
def test_engine_and_reference_evaluator_agree(case: Case, regime: str) -> None:
    """durable_rules and the plain-Python reference evaluator reach the same decision."""
    engine = evaluate(case, regime, rules=LIB)
    reference = evaluate(case, regime, rules=LIB, backend="reference")
    assert engine.fired == reference.fired
    assert [engine.get(k) for k in CONTRACT_FIELDS] == [reference.get(k) for k in CONTRACT_FIELDS]
    assert engine.answers == reference.answers


@given(cases(), st.sampled_from(("pep:as-practised", "pep:as-written")))
def test_pep_never_requests_where_secure_communities_does_not(case: Case, pep_ref: str) -> None:
    """For the same facts, PEP (either reading) asks only where Secure Communities as practised
    does, and a hold only where it holds. (Secure Communities as written, under the 2012 guidance,
    is not a superset: PEP's 2(b) counts 90 days' custody, the guidance does not.)"""
    sc = evaluate(case, "secure-communities:as-practised", rules=LIB)
    pep = evaluate(case, pep_ref, rules=LIB)
    if sc.request == "none":
        assert pep.request == "none"
    assert not (pep.request == "detainer" and sc.request != "detainer")


@given(case_dicts(), st.sampled_from(REGIMES), st.booleans())
def test_citizens_and_unidentified_people_never_get_a_request(
    data: dict[str, object], regime: str, citizen: bool
) -> None:
    """A U.S. citizen, or a person whose prints match no DHS record, gets no request."""
    person = dict(data["person"])  # type: ignore[call-overload]
    if citizen:
        person["status"] = "us_citizen"
        person.pop("removable", None)
    else:
        person["in_ident"] = False
    jurisdiction = data["jurisdiction"]
    jid = jurisdiction if isinstance(jurisdiction, str) else jurisdiction["id"]  # type: ignore[index]
    if jid == "jail-287g":  # a 287(g) jail screens everyone booked; identification by DHS record is moot
        data = {**data, "jurisdiction": "full-cooperation"}
    case = Case.model_validate({**data, "person": person})
    d = evaluate(case, regime, rules=LIB)
    assert (d.request, d.form, d.local_response, d.outcome) == ("none", None, "none", "no_request")


@given(cases(), cases(), st.sampled_from(REGIMES))
def test_a_decision_does_not_depend_on_what_the_engine_saw_before(
    case: Case, other: Case, regime: str
) -> None:
    """A case decided on a fresh engine equals the same case decided on the shared engine after another."""
    evaluate(other, regime, rules=LIB)
    shared = evaluate(case, regime, rules=LIB)
    with patch("detainer_model.core.evaluate.get_engine", return_value=RuleEngine()):
        fresh = evaluate(case, regime, rules=LIB)
    assert shared.to_dict() == fresh.to_dict()


@given(cases())
def test_outcome_follows_the_local_response(case: Case) -> None:
    """hold → transfer, notify → notified_release, decline → released_despite_request, none → no_request."""
    follows = {
        "hold": "transfer",
        "notify": "notified_release",
        "decline": "released_despite_request",
        "none": "no_request",
    }
    for regime in REGIMES:
        d = evaluate(case, regime, rules=LIB)
        assert d.outcome == follows[d.local_response]
        assert (d.request == "none") == (d.local_response == "none")


def test_many_evaluations_leave_the_engine_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    """5,000 evaluations in one process leave no session state behind in the engine."""
    import datetime as dt

    from builders import conviction, make_case

    # A fresh engine, so that asking it about every session it opened stays cheap however many
    # evaluations the rest of the suite ran before this test.
    monkeypatch.setattr(engine_module, "_engine", engine_module.RuleEngine())
    engine = get_engine()
    before = engine.sessions_opened
    variants = [
        make_case(
            convictions=[conviction("felony")] * (i % 3),
            in_ident=bool(i % 5),
            booking_date=dt.date(2015, 9, 1) + dt.timedelta(days=i % 30),
        )
        for i in range(50)
    ]
    with engine.unmemoised():
        for i in range(2500):
            case = variants[i % len(variants)]
            evaluate(case, "secure-communities", rules=LIB)
            evaluate(case, "pep", rules=LIB)
    assert engine.sessions_opened - before >= 5000
    assert engine.live_sessions() == 0


def test_engine_memo_gives_the_engines_own_answers() -> None:
    """With its memo on or off, the engine gives the same decisions, and the memo is really used."""
    from builders import conviction, make_case

    engine = get_engine()
    cases = [make_case(convictions=[conviction("felony")] * i, in_ident=bool(i % 2)) for i in range(4)]
    with engine.unmemoised():
        fresh = [evaluate(c, r, rules=LIB).to_dict() for c in cases for r in ("secure-communities", "pep")]
    hits = engine.memo_hits
    again = [evaluate(c, r, rules=LIB).to_dict() for c in cases for r in ("secure-communities", "pep")]
    again = [evaluate(c, r, rules=LIB).to_dict() for c in cases for r in ("secure-communities", "pep")]
    assert again == fresh
    assert engine.memo_hits > hits
