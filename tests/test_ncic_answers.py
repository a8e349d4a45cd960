"""How each local policy answers an NCIC immigration record (``ncic_answer``), written out by hand.

The answers come from the texts the rule files cite: Chicago's Mun. Code § 2-173-042(a)(2) and its
carve-outs, § 2-173-020 after January 2021, the Illinois TRUST Act's "non-judicial immigration
warrant", SB 54's ban on arrests on civil immigration warrants, 8 U.S.C. § 1252c for a cooperating
jail. Every other policy's sources say nothing of NCIC records, and the answer is ``unaddressed``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given

from detainer_model import Case, evaluate

from strategies import LIB, cases

D = dt.date
ABSCONDER: dict[str, Any] = {"removal_order": "final", "removal_order_date": D(2010, 2, 1)}
DEPORTED_FELON: dict[str, Any] = {"prior_removals": 1}
FELONY = [{"offense": "Robbery", "date": D(2009, 4, 1), "level": "felony"}]

# The policies whose rule files answer an NCIC record; every other one leaves it unaddressed.
ANSWERING = {
    "chicago-2012",
    "chicago-2021",
    "illinois-trust-act-2017",
    "california-sb54-2018",
    "santa-clara-2019",
    "full-cooperation",
    "jail-287g",
}


def _case(place: str, booking: D, record: dict[str, Any], felony: bool = False, **person: Any) -> Case:
    return Case.model_validate(
        {
            "id": "n",
            "title": "an NCIC case",
            "booking_date": booking,
            "jurisdiction": place,
            "person": {"status": "unauthorized", "age": 33, **record, **person},
            "convictions": FELONY if felony else [],
        }
    )


ROWS = [
    # (place, booking, record, felony?, extra person facts, regime, ncic_answer)
    ("chicago-2012", D(2016, 3, 1), ABSCONDER, False, {}, "pep", "decline"),
    ("chicago-2012", D(2016, 3, 1), DEPORTED_FELON, True, {}, "pep", "hold"),  # felony carve-out
    ("chicago-2012", D(2016, 3, 1), ABSCONDER, False, {"gang_database_listed": True}, "pep", "hold"),
    ("chicago-2012", D(2016, 3, 1), ABSCONDER, False, {"outstanding_criminal_warrant": True}, "pep", "hold"),
    ("chicago-2021", D(2021, 3, 1), DEPORTED_FELON, True, {}, "secure-communities-2017", "decline"),
    (
        "chicago",
        D(2018, 3, 1),
        DEPORTED_FELON,
        True,
        {},
        "secure-communities-2017",
        "decline",
    ),  # Illinois decides
    ("illinois-trust-act-2017", D(2018, 3, 1), ABSCONDER, False, {}, "secure-communities-2017", "decline"),
    ("california-sb54-2018", D(2018, 3, 1), ABSCONDER, False, {}, "secure-communities-2017", "decline"),
    ("santa-clara-2019", D(2019, 8, 1), ABSCONDER, False, {}, "secure-communities-2017", "decline"),
    ("full-cooperation", D(2012, 6, 1), DEPORTED_FELON, True, {}, "secure-communities", "hold"),
    ("full-cooperation", D(2012, 6, 1), ABSCONDER, False, {}, "secure-communities", "hold"),
    ("jail-287g", D(2012, 6, 1), ABSCONDER, False, {}, "secure-communities", "hold"),
    ("washington-dc-2012", D(2013, 6, 1), ABSCONDER, False, {}, "secure-communities", "unaddressed"),
    ("cook-county-2011", D(2013, 6, 1), DEPORTED_FELON, True, {}, "secure-communities", "unaddressed"),
    ("santa-clara-2011", D(2013, 6, 1), ABSCONDER, False, {}, "secure-communities", "unaddressed"),
    ("chicago-2012", D(2016, 3, 1), {}, True, {}, "pep", "none"),  # no record
]


@pytest.mark.parametrize(("place", "booking", "record", "felony", "extra", "regime", "want"), ROWS, ids=str)
def test_each_policy_answers_an_ncic_record(
    place: str,
    booking: D,
    record: dict[str, Any],
    felony: bool,
    extra: dict[str, Any],
    regime: str,
    want: str,
) -> None:
    """The answer to an NCIC record, per policy, record and carve-out, on both backends."""
    case = _case(place, booking, record, felony, **extra)
    for backend in ("engine", "reference"):
        assert evaluate(case, regime, rules=LIB, backend=backend).get("ncic_answer") == want, backend


@pytest.mark.parametrize("policy", sorted(LIB.jurisdictions))
def test_only_the_policies_whose_texts_speak_answer_the_record(policy: str) -> None:
    """A policy with no NCIC rule answers ``unaddressed``; one that has a rule says hold or decline."""
    case = _case(policy, D(2019, 8, 1), ABSCONDER, False)
    got = evaluate(case, "secure-communities-2017", rules=LIB).get("ncic_answer")
    if policy in ANSWERING:
        assert got in ("hold", "decline")
    else:
        assert got == "unaddressed"


def test_the_answer_does_not_change_ices_request() -> None:
    """The NCIC record sits beside the request: Chicago's answer to the detainer is the carve-out's own."""
    with_record = _case("chicago-2012", D(2016, 3, 1), DEPORTED_FELON, True)
    without = _case("chicago-2012", D(2016, 3, 1), {}, True)
    a, b = evaluate(with_record, "pep", rules=LIB), evaluate(without, "pep", rules=LIB)
    assert (a.request, a.local_response) == (b.request, b.local_response) == ("detainer", "hold")
    assert (a.get("ncic_answer"), b.get("ncic_answer")) == ("hold", "none")


@given(case=cases())
def test_no_record_means_nothing_to_answer(case: Case) -> None:
    """Whoever and wherever, a person with no NCIC immigration record gets ``ncic_answer: none``."""
    d = evaluate(case, "secure-communities", rules=LIB)
    assert (d.get("ncic_record") == "none") is (d.get("ncic_answer") == "none")
