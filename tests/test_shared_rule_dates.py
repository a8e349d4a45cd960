"""Shared rule sets (the 2014 priorities, the 2010 levels) answer in every era, and say when
their answers are hypothetical: booked outside the dates the rule set was in force."""

from __future__ import annotations

import datetime as dt

import pytest

from detainer_model import evaluate

from builders import make_case
from strategies import LIB

FELONY = [{"offense": "Burglary", "date": "2009-01-01", "level": "felony"}]
DAY = dt.timedelta(days=1)


def _stale(warnings: tuple[str, ...] | list[str], ruleset: str) -> list[str]:
    return [w for w in warnings if f"outside the period {ruleset} was in force" in w]


def test_the_shared_rule_sets_dates_are_the_memos() -> None:
    """The 2014 priorities ran from January 5, 2015 to the Kelly memo; the levels from June 30, 2010."""
    priorities = LIB.rulesets["priorities-2014"].effective
    levels = LIB.rulesets["sc-levels"].effective
    assert (priorities.from_, priorities.to) == (dt.date(2015, 1, 5), dt.date(2017, 2, 20))
    assert (levels.from_, levels.to) == (dt.date(2010, 6, 30), dt.date(2014, 11, 20))


@pytest.mark.parametrize(
    ("ruleset", "answer", "edge", "inside"),
    [
        ("priorities-2014", "priorities", "from_", True),
        ("priorities-2014", "priorities", "from_", False),
        ("priorities-2014", "priorities", "to", True),
        ("priorities-2014", "priorities", "to", False),
        ("sc-levels", "sc_level", "from_", True),
        ("sc-levels", "sc_level", "from_", False),
        ("sc-levels", "sc_level", "to", True),
        ("sc-levels", "sc_level", "to", False),
    ],
    ids=lambda v: str(v),
)
def test_a_shared_answer_is_hypothetical_exactly_outside_its_dates(
    ruleset: str, answer: str, edge: str, inside: bool
) -> None:
    """On the first and last day in force no warning; the day before or after, one naming the answer."""
    day = getattr(LIB.rulesets[ruleset].effective, edge)
    if not inside:
        day = day - DAY if edge == "from_" else day + DAY
    d = evaluate(make_case(convictions=FELONY, booking_date=day), "auto", rules=LIB)
    stale = _stale(d.warnings, ruleset)
    if inside:
        assert stale == []
    else:
        assert len(stale) == 1 and f"its answers ({answer}) are hypothetical" in stale[0]


def test_a_2018_booking_says_the_2014_priorities_were_rescinded() -> None:
    """Under the revived Secure Communities, the 2014 categories are still shown, marked hypothetical."""
    d = evaluate(make_case(convictions=FELONY, booking_date=dt.date(2018, 3, 1)), "auto", rules=LIB)
    assert d.regime == "secure-communities-2017"
    assert list(d.get("priorities")) == ["1(d)"]
    assert _stale(d.warnings, "priorities-2014")
    assert "2015-01-05 to 2017-02-20" in _stale(d.warnings, "priorities-2014")[0]


def test_no_warning_when_the_shared_rule_set_decided_nothing() -> None:
    """A person with no record meets no priority and no level: nothing is reported, nothing warned."""
    d = evaluate(make_case(booking_date=dt.date(2018, 3, 1)), "auto", rules=LIB)
    assert _stale(d.warnings, "priorities-2014") == []
    assert _stale(d.warnings, "sc-levels") == []


def test_a_shared_answer_outside_its_dates_does_not_make_the_evaluation_hypothetical() -> None:
    """A 2016 PEP booking with a felony: sc_level is warned about; PEP was in force, so not hypothetical."""
    d = evaluate(make_case(convictions=FELONY, booking_date=dt.date(2016, 3, 1)), "pep", rules=LIB)
    assert _stale(d.warnings, "sc-levels") and not d.hypothetical
    outside = evaluate(make_case(convictions=FELONY, booking_date=dt.date(2013, 3, 1)), "pep", rules=LIB)
    assert outside.hypothetical
