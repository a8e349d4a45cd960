"""Santa Clara County: Board Policy 3.54 (2011) and the judicial-warrant standard kept on June 4, 2019.

Hand-written from the County's sources (County Counsel's report on the 2011 policy; the County's
news release on the Board's June 4, 2019 vote): the 2011 policy honored a detainer only with a
reimbursement agreement that was never made; from the 2019 version a judge's warrant allows a hold;
neither answers a notification request, and the county's refusal outlasts SB 54's permission.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from detainer_model import Case, evaluate

from strategies import LIB

D = dt.date
LAST_2011, FIRST_2019 = D(2019, 6, 3), D(2019, 6, 4)
VIOLENT = [{"offense": "Robbery", "date": D(2015, 4, 1), "level": "felony", "kinds": ["ca_violent_felony"]}]


def _case(place: str, booking: D, warrant: bool, **extra: Any) -> Case:
    return Case.model_validate(
        {
            "id": "sc",
            "title": "a Santa Clara booking",
            "booking_date": booking,
            "jurisdiction": place,
            "person": {"status": "unauthorized", "age": 41},
            "convictions": VIOLENT,
            "ice": {"judicial_warrant": warrant},
            **extra,
        }
    )


def test_the_place_lists_both_versions_in_order() -> None:
    """santa-clara has the 2011 policy, then the 2019 version, and sits inside California."""
    assert LIB.place_chain("santa-clara")[-1] == "santa-clara"
    assert "california" in LIB.place_chain("santa-clara")
    assert LIB.version_in_force("santa-clara", LAST_2011).id == "santa-clara-2011"
    assert LIB.version_in_force("santa-clara", FIRST_2019).id == "santa-clara-2019"


@pytest.mark.parametrize(
    ("booking", "warrant", "want", "rule"),
    [
        (LAST_2011, True, "decline", "santa-clara-2011.no-reimbursement"),
        (FIRST_2019, True, "hold", "santa-clara-2019.warrant-hold"),
        (LAST_2011, False, "decline", "santa-clara-2011.no-reimbursement"),
        (FIRST_2019, False, "decline", "santa-clara-2019.decline-detainer"),
    ],
    ids=str,
)
def test_a_judges_warrant_decides_only_from_june_4_2019(
    booking: D, warrant: bool, want: str, rule: str
) -> None:
    """On June 3, 2019 a judge's warrant changes nothing (no reimbursement); from June 4 it allows a hold."""
    d = evaluate(_case("santa-clara", booking, warrant), "secure-communities-2017", rules=LIB)
    assert d.local_response == want
    assert rule in d.fired
    assert d.version == rule.split(".")[0]


@pytest.mark.parametrize("booking", [D(2018, 3, 1), FIRST_2019, D(2020, 1, 1)])
def test_the_county_refuses_notice_that_sb54_would_allow(booking: D) -> None:
    """A notification request about a serious felon: SB 54 allows notice, the county's refusal stands."""
    case = _case("santa-clara", booking, False)
    d = evaluate(case, "pep:as-written", rules=LIB)
    answers = {a.place: a.local_response for a in d.layers}
    assert d.request == "notification"
    assert answers == {"california": "notify", "santa-clara": "decline"}
    assert d.local_response == "decline"


def test_the_pinned_2019_version_declines_notification_even_with_a_warrant() -> None:
    """santa-clara-2019 answers no notification request, with or without a judge's warrant."""
    for warrant in (False, True):
        d = evaluate(_case("santa-clara-2019", D(2019, 8, 1), warrant), "pep:as-written", rules=LIB)
        assert (d.request, d.local_response) == ("notification", "decline")
