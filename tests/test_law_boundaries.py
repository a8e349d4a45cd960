"""Every dated, listed and counted piece of the law in rules/, tested on both sides of its edge.

The expected answers are written out by hand below, one table per rule set, from the sources the
rule files cite (not read from the rule files or the code under test). When the law in rules/
changes on purpose, the table for that rule set is the one to update; a change made by accident
fails here. Dates: ``from`` is the first day a rule set is in force and ``to`` the last.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from detainer_model import Case, UnknownIdError, evaluate

from builders import invoke
from strategies import LIB

D = dt.date
DAY = dt.timedelta(days=1)

# ---------------------------------------------------------------------------------------------
# When each rule set was in force (hand-written; None = open-ended).
# Update when the regimes are split into dated eras (issue 10) or places get dated versions (11).

REGIME_PERIODS: dict[str, tuple[D | None, D | None]] = {
    "secure-communities": (D(2008, 10, 27), D(2014, 11, 19)),
    "interim-2015": (D(2014, 11, 20), D(2015, 7, 1)),
    "pep": (D(2015, 7, 2), D(2017, 1, 24)),
    "secure-communities-2017": (D(2017, 1, 25), D(2021, 1, 19)),
}

# The tables below were written for the readings that ask ICE's question of every identified,
# removable person: Secure Communities as practised (a detainer whatever the record) and PEP as
# written (a hold only with a final order or a prior removal). The default readings are tested
# in tests/test_timeline.py, tests/test_federal_rules.py and scenarios/federal/eras.yaml.
SC_ANY, PEP_MEMO = "secure-communities:as-practised", "pep:as-written"

LOCAL_PERIODS: dict[str, tuple[D | None, D | None]] = {
    "california-sb54-2018": (D(2018, 1, 1), None),
    "california-trust-act-2014": (D(2014, 1, 1), D(2017, 12, 31)),
    "chicago-2012": (D(2012, 9, 12), D(2021, 1, 26)),
    "chicago-2021": (D(2021, 1, 27), None),
    "connecticut-2019": (D(2019, 10, 1), None),
    "connecticut-trust-act-2014": (D(2014, 1, 1), D(2019, 9, 30)),
    "cook-county-2011": (D(2011, 9, 7), None),
    "full-cooperation": (None, None),
    "illinois-trust-act-2017": (D(2017, 8, 28), None),
    "jail-287g": (D(2002, 1, 1), None),
    "judicial-warrant-only": (D(2014, 4, 11), None),
    "massachusetts-lunn-2017": (D(2017, 7, 24), None),
    "miami-dade-2013": (D(2014, 1, 1), D(2017, 1, 25)),
    "miami-dade-2017": (D(2017, 1, 26), None),
    "new-york-city-2011": (D(2012, 2, 20), D(2013, 3, 17)),
    "new-york-city-2013": (D(2013, 3, 18), D(2014, 12, 13)),
    "new-york-city-2014": (D(2014, 12, 14), None),
    "oregon-1987": (D(1987, 7, 1), None),
    "san-francisco-2013": (D(2013, 11, 1), D(2014, 5, 28)),
    "san-francisco-2014": (D(2014, 5, 29), D(2015, 3, 12)),
    "san-francisco-2015": (D(2015, 3, 13), D(2016, 5, 31)),
    "san-francisco-2016": (D(2016, 6, 1), None),
    "santa-clara-2011": (D(2011, 10, 18), D(2019, 6, 3)),
    "santa-clara-2019": (D(2019, 6, 4), None),
    "texas-sb4-2017": (D(2017, 9, 1), None),
    "travis-county-2017": (D(2017, 2, 1), None),
    "washington-dc-2012": (D(2012, 12, 11), None),
}

# Shared rule sets: their dates are shown to users ("rules list") but no evaluation reads them.
SHARED_PERIODS: dict[str, str] = {
    "identification": "from 2008-10-01",
    "ncic": "from 2002-01-01",
    "outcome": "at any date",
    "priorities-2014": "2015-01-05 to 2017-02-20",
    "sc-levels": "2010-06-30 to 2014-11-20",
}

FAR_PAST, FAR_FUTURE = D(1990, 1, 1), D(2040, 1, 1)
BOOKED, CONVICTED = D(2016, 3, 1), D(2010, 1, 1)  # 5 years back is March 1, 2011


def _case(
    place: str = "full-cooperation",
    booking: D = BOOKED,
    *,
    params: dict[str, Any] | None = None,
    convictions: list[dict[str, Any]] | None = None,
    charges: list[dict[str, Any]] | None = None,
    ice: dict[str, Any] | None = None,
    **person: Any,
) -> Case:
    """An unauthorized 30-year-old with no record unless told otherwise."""
    return Case.model_validate(
        {
            "id": "boundary",
            "title": "A boundary case",
            "booking_date": booking,
            "jurisdiction": {"id": place, "params": params or {}},
            "person": {"status": "unauthorized", "age": 30, **person},
            "convictions": convictions or [],
            "charges": charges or [],
            "ice": ice or {},
        }
    )


def _conv(level: str, *kinds: str, on: D = CONVICTED, **extra: Any) -> dict[str, Any]:
    return {"offense": "An offense", "date": on, "level": level, "kinds": list(kinds), **extra}


def _charge(level: str, *kinds: str, **extra: Any) -> dict[str, Any]:
    return {"offense": "A charge", "level": level, "kinds": list(kinds), **extra}


def _outside(rs_id: str, warnings: tuple[str, ...]) -> bool:
    return any(f"outside the period {rs_id} was in force" in w for w in warnings)


def _edges(period: tuple[D | None, D | None]) -> list[tuple[str, D, bool]]:
    """(edge name, day, in force?) on each side of each end of a period; far days for open ends."""
    start, end = period
    out = [("day before first", start - DAY, False), ("first day", start, True)] if start else []
    out += [] if start else [("open start", FAR_PAST, True)]
    out += [("last day", end, True), ("day after last", end + DAY, False)] if end else []
    out += [] if end else [("open end", FAR_FUTURE, True)]
    return out


def _edge_cases(table: dict[str, tuple[D | None, D | None]]) -> list[Any]:
    return [
        pytest.param(rs, day, inside, id=f"{rs} {name} {day}")
        for rs, period in table.items()
        for name, day, inside in _edges(period)
    ]


# The same dates, read straight from the rule files (not through the loader), so that a date
# edited in rules/ fails the pinned tables, and the behaviour is checked on the days the files give.
RULES_DIR = Path(__file__).resolve().parents[1] / "rules"


@cache
def _rule_docs() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(RULES_DIR.rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("kind") == "ruleset":
            out[str(doc["id"])] = doc
    return out


def _period_in_file(rs_id: str) -> tuple[D | None, D | None]:
    """The ``effective`` from and to of a rule set, as its file writes them."""
    eff = _rule_docs()[rs_id].get("effective") or {}
    return eff.get("from"), eff.get("to")


def _places_in_file() -> dict[str, dict[str, Any]]:
    doc = yaml.safe_load((RULES_DIR / "places.yaml").read_text(encoding="utf-8"))
    places: dict[str, dict[str, Any]] = doc["places"]
    return places


def _dates_in_file(rs_id: str, item_id: str) -> set[D]:
    """Every ``date("...")`` in the expressions of one rule or definition, as the file writes it."""
    doc = _rule_docs()[rs_id]
    found: set[D] = set()
    for item in [*doc.get("rules", []), *doc.get("definitions", [])]:
        if item["id"] == item_id:
            for key in ("when", "expr", "where"):
                found.update(
                    D.fromisoformat(s) for s in re.findall(r'date\("([0-9-]+)"\)', item.get(key, ""))
                )
    return found


def test_the_tables_name_every_rule_set() -> None:
    """Every rule set in rules/ has a row in one of the period tables (add one for a new rule set)."""
    tabled = set(REGIME_PERIODS) | set(LOCAL_PERIODS) | set(SHARED_PERIODS)
    assert set(LIB.rulesets) == tabled == set(_rule_docs())


@pytest.mark.parametrize(
    ("rs_id", "period"),
    [pytest.param(k, v, id=k) for k, v in [*REGIME_PERIODS.items(), *LOCAL_PERIODS.items()]],
)
def test_the_pinned_periods_are_the_rule_files_periods(rs_id: str, period: tuple[D | None, D | None]) -> None:
    """The hand-written first and last days are those of the rule file and of the loaded rule set."""
    assert _period_in_file(rs_id) == period
    eff = LIB.rulesets[rs_id].effective
    assert (eff.from_, eff.to) == period


@pytest.mark.parametrize(("regime", "day", "in_force"), _edge_cases(REGIME_PERIODS))
def test_a_regime_warns_exactly_outside_its_period(regime: str, day: D, in_force: bool) -> None:
    """A booking one day outside a regime's period is a hypothetical with a warning; the edge day is not."""
    d = evaluate(_case(booking=day), regime, rules=LIB)
    assert _outside(regime, d.warnings) is not in_force, d.warnings


@pytest.mark.parametrize(("place", "day", "in_force"), _edge_cases(LOCAL_PERIODS))
def test_a_local_policy_warns_exactly_outside_its_period(place: str, day: D, in_force: bool) -> None:
    """A booking a day outside a local policy's period carries its warning; the edge day does not."""
    d = evaluate(_case(place, booking=day), SC_ANY, rules=LIB)
    assert _outside(place, d.warnings) is not in_force, d.warnings


def test_rules_list_shows_the_shared_rule_sets_periods(capsys: pytest.CaptureFixture[str]) -> None:
    """`rules list` shows each shared rule set in force over the hand-written period."""
    status, out, _ = invoke(capsys, "rules", "list", "--level", "shared", "--format", "markdown")
    assert status == 0
    rows = {line.split("|")[1].strip(" `"): line for line in out.splitlines() if line.startswith("| `")}
    for rs_id, period in SHARED_PERIODS.items():
        assert period in rows[rs_id], rows.get(rs_id)


# ---------------------------------------------------------------------------------------------
# Identification and removability (identification.yaml): the U.S.-citizen guard.


@dataclass(frozen=True)
class Row:
    """One case and the answers the sources give for it."""

    name: str
    case: Case
    want: dict[str, Any]
    regime: str = SC_ANY
    extra: dict[str, Any] = field(default_factory=dict)


def _check(row: Row) -> None:
    d = evaluate(row.case, row.regime, rules=LIB)
    got = {k: (set(v) if k == "priorities" else v) for k in row.want for v in [d.get(k)]}
    want = {k: (set(v) if k == "priorities" else v) for k, v in row.want.items()}
    assert got == want, (row.name, d.fired)


IDENTIFICATION = [
    Row(
        "unauthorized: identified, removable, a detainer",
        _case(),
        {"identified": True, "removable": True, "request": "detainer"},
    ),
    Row(
        "a U.S. citizen with a final order and prior removals is never removable",
        _case(status="us_citizen", removal_order="final", prior_removals=2),
        {"identified": False, "removable": False, "request": "none", "outcome": "no_request"},
    ),
    Row(
        "a U.S. citizen found in IDENT is identified but not removable",
        _case(status="us_citizen", in_ident=True),
        {"identified": True, "removable": False, "request": "none"},
    ),
    Row(
        "a permanent resident is not removable by default",
        _case(status="lpr"),
        {"identified": True, "removable": False, "request": "none"},
    ),
    Row(
        "a permanent resident with a final order is removable",
        _case(status="lpr", removal_order="final"),
        {"removable": True, "request": "detainer"},
    ),
    Row(
        "a nonimmigrant removed before is removable",
        _case(status="nonimmigrant", prior_removals=1),
        {"removable": True},
    ),
    Row(
        "a nonimmigrant never removed is not removable",
        _case(status="nonimmigrant", prior_removals=0),
        {"removable": False},
    ),
    Row(
        "no earlier DHS record: not identified, no request",
        _case(in_ident=False),
        {"identified": False, "removable": True, "request": "none"},
    ),
    Row(
        "a 287(g) jail identifies a removable person without a DHS record",
        _case("jail-287g", in_ident=False),
        {"identified": True, "request": "detainer", "local_response": "hold"},
    ),
    Row(
        "a 287(g) jail does not identify a U.S. citizen",
        _case("jail-287g", status="us_citizen", in_ident=False),
        {"identified": False, "request": "none"},
    ),
]


@pytest.mark.parametrize("row", IDENTIFICATION, ids=lambda r: r.name)
def test_identification_and_removability(row: Row) -> None:
    """Who is identified and who is removable, including the U.S.-citizen guard."""
    _check(row)


# Removability grounds of INA § 237(a)(2), read only when the scenario does not say whether the
# person is removable: a permanent resident (not removable by default) with one ground each.
LPR_ENTERED = D(2012, 1, 1)


def _lpr(*convictions: dict[str, Any], entry: D = LPR_ENTERED, **extra: Any) -> Case:
    return _case(status="lpr", entry_date=entry, convictions=list(convictions), **extra)


REMOVABILITY = [
    Row("no ground: not removable", _lpr(_conv("felony")), {"removable": False}),
    Row("an aggravated felony", _lpr(_conv("felony", "aggravated_felony")), {"removable": True}),
    Row("drug possession", _lpr(_conv("misdemeanor", "drug_possession")), {"removable": True}),
    Row("drug trafficking", _lpr(_conv("felony", "drug_trafficking")), {"removable": True}),
    Row(
        "one small marijuana possession is the exception",
        _lpr(_conv("misdemeanor", "marijuana_possession_small")),
        {"removable": False},
    ),
    Row(
        "a second small marijuana possession is not",
        _lpr(*[_conv("misdemeanor", "marijuana_possession_small", on=D(2010, m, 1)) for m in (1, 2)]),
        {"removable": True},
    ),
    Row("a firearm offense", _lpr(_conv("misdemeanor", "firearm")), {"removable": True}),
    Row("domestic violence", _lpr(_conv("misdemeanor", "domestic_violence")), {"removable": True}),
    Row(
        "a moral-turpitude felony, entered 5 years before to the day",
        _lpr(_conv("felony", "cimt"), entry=D(2011, 3, 1)),
        {"removable": True},
    ),
    Row(
        "a moral-turpitude felony, entered 5 years and a day before",
        _lpr(_conv("felony", "cimt"), entry=D(2011, 2, 28)),
        {"removable": False},
    ),
    Row(
        "a moral-turpitude misdemeanor, entered recently",
        _lpr(_conv("misdemeanor", "cimt"), entry=D(2015, 1, 1)),
        {"removable": False},
    ),
    Row(
        "two moral-turpitude crimes from two incidents",
        _lpr(
            *[_conv("misdemeanor", "cimt", on=D(2000, m, 1), incident=i) for m, i in ((1, "x"), (2, "y"))],
            entry=D(1990, 1, 1),
        ),
        {"removable": True},
    ),
    Row(
        "two moral-turpitude crimes from one incident",
        _lpr(
            *[_conv("misdemeanor", "cimt", on=D(2000, 1, 1), incident="x") for _ in (1, 2)],
            entry=D(1990, 1, 1),
        ),
        {"removable": False},
    ),
    Row(
        "stated not removable: the record is not read",
        _lpr(_conv("felony", "aggravated_felony"), removable=False),
        {"removable": False},
    ),
    Row(
        "a U.S. citizen with an aggravated felony",
        _case(status="us_citizen", convictions=[_conv("felony", "aggravated_felony")]),
        {"removable": False},
    ),
]


@pytest.mark.parametrize("row", REMOVABILITY, ids=lambda r: r.name)
def test_removability_grounds(row: Row) -> None:
    """Each deportability ground alone makes a permanent resident removable; its edges do not."""
    _check(row)


# The same grounds are PEP's Part B probable cause as practised (the default reading): a permanent
# resident stated removable, in a transfer category (gang participation, 1(c)), draws a hold
# request (I-247D) when the record shows a ground, and only a notification request when not.
PEP_PART_B = [
    Row(
        f"{row.name}: " + ("a detainer" if row.want["removable"] else "a notification"),
        row.case.model_copy(
            update={
                "person": row.case.person.model_copy(update={"removable": True, "gang_participation": True})
            }
        ),
        {"request": "detainer", "form": "I-247D"}
        if row.want["removable"]
        else {"request": "notification", "form": "I-247N"},
        regime="pep:as-practised",
    )
    for row in REMOVABILITY
    if row.case.person.status == "lpr" and row.case.person.removable is None
]


@pytest.mark.parametrize("row", PEP_PART_B, ids=lambda r: r.name)
def test_pep_as_practised_holds_only_with_a_ground_in_the_record(row: Row) -> None:
    """PEP as practised asks a resident's jail for a hold only when the record shows a ground."""
    _check(row)


# ICE's detainer guidance of December 21, 2012: under Secure Communities as written (from that
# day) and in the interim era until January 4, 2015, a detainer only when a listed condition is
# met. Each condition alone; the two lists of misdemeanor kinds differ by illegal entry, which
# Secure Communities counts at any level (condition 4) and the interim rule as a listed misdemeanor.
GUIDANCE_LISTED = [
    "violent",
    "domestic_violence",
    "sexual_abuse",
    "dui",
    "flight_from_accident",
    "firearm",
    "drug_trafficking",
]
GUIDANCE: list[tuple[str, dict[str, Any], bool]] = [
    ("no record", {}, False),
    ("a felony conviction", {"convictions": [_conv("felony")]}, True),
    ("a felony charge", {"charges": [_charge("felony")]}, True),
    ("a plain misdemeanor conviction", {"convictions": [_conv("misdemeanor")]}, False),
    ("a plain misdemeanor charge", {"charges": [_charge("misdemeanor")]}, False),
    ("two misdemeanors", {"convictions": [_conv("misdemeanor")] * 2}, False),
    ("three misdemeanors", {"convictions": [_conv("misdemeanor")] * 3}, True),
    ("a prior removal", {"prior_removals": 1}, True),
    ("a final order", {"removal_order": "final"}, True),
    ("a national-security risk", {"national_security_risk": True}, True),
    ("a public-safety risk", {"public_safety_risk": True}, True),
    ("a minor traffic offense marked dui", {"convictions": [_conv("minor_traffic", "dui")]}, False),
    *[
        (f"a {k} misdemeanor conviction", {"convictions": [_conv("misdemeanor", k)]}, True)
        for k in GUIDANCE_LISTED
    ],
    *[(f"a {k} misdemeanor charge", {"charges": [_charge("misdemeanor", k)]}, True) for k in GUIDANCE_LISTED],
    (
        "an illegal-entry misdemeanor conviction",
        {"convictions": [_conv("misdemeanor", "illegal_entry")]},
        True,
    ),
]
GUIDANCE_ROWS = [
    Row(
        f"{label}: {name}",
        _case(booking=day, **kw),
        {"request": "detainer" if want else "none"},
        regime=regime,
    )
    for label, regime, day in (
        ("Secure Communities as written, 2013", "secure-communities:as-written", D(2013, 6, 1)),
        ("interim, December 2014", "interim-2015", D(2014, 12, 1)),
    )
    for name, kw, want in GUIDANCE
]


@pytest.mark.parametrize("row", GUIDANCE_ROWS, ids=lambda r: r.name)
def test_the_2012_detainer_guidance_condition_by_condition(row: Row) -> None:
    """Each condition of the 2012 guidance alone draws a detainer; what it does not list draws none."""
    _check(row)


# Executive Order 13768 § 5 (secure-communities-2017): each priority alone draws a detainer; a
# person with none of them draws nothing.
EO_PRIORITIES: list[tuple[str, dict[str, Any], bool]] = [
    ("no record, no charge", {}, False),
    ("a minor traffic conviction", {"convictions": [_conv("minor_traffic")]}, True),
    ("a pending charge", {"charges": [_charge("misdemeanor")]}, True),
    ("a prior removal", {"prior_removals": 1}, True),
    ("an immigration-fraud conviction", {"convictions": [_conv("misdemeanor", "immigration_fraud")]}, True),
    ("a final order", {"removal_order": "final"}, True),
    ("visa abuse", {"visa_abuse": True}, True),
    ("a public-safety risk", {"public_safety_risk": True}, True),
    ("a national-security risk", {"national_security_risk": True}, True),
    ("a pending removal case only", {"removal_order": "pending"}, False),
]
EO_ROWS = [
    Row(
        f"EO 13768: {name}",
        _case(booking=D(2018, 3, 1), **kw),
        {"request": "detainer" if want else "none"},
        regime="secure-communities-2017",
    )
    for name, kw, want in EO_PRIORITIES
]


@pytest.mark.parametrize("row", EO_ROWS, ids=lambda r: r.name)
def test_executive_order_13768_priority_by_priority(row: Row) -> None:
    """Each EO 13768 priority alone draws a detainer in 2018; a person in none draws no request."""
    _check(row)


# ---------------------------------------------------------------------------------------------
# Priorities of November 20, 2014 (priorities-2014.yaml) and PEP's transfer categories (pep.yaml).
# For each category: a person who meets that category and no other, and whether PEP (with no
# final order) asks to be notified of their release.

ONLY = {
    "1(a)": _case(national_security_risk=True),
    "1(b)": _case(apprehended_at_border=True),
    "1(c)": _case(gang_participation=True),
    "1(d)": _case(convictions=[_conv("felony")]),
    "1(e)": _case(convictions=[_conv("misdemeanor", "aggravated_felony")]),
    "2(a)": _case(convictions=[_conv("misdemeanor", on=D(2010, m, 1)) for m in (1, 2, 3)]),
    "2(b)": _case(convictions=[_conv("misdemeanor", "dui")]),
    "2(c)": _case(entry_date=D(2014, 6, 1)),
    "2(d)": _case(visa_abuse=True),
    "3": _case(removal_order="final", removal_order_date=D(2014, 6, 1)),
}
PEP_TRANSFER = {"1(a)", "1(c)", "1(d)", "1(e)", "2(a)", "2(b)"}


def test_every_priority_category_has_a_single_category_case() -> None:
    """The table covers every category the model reports."""
    assert set(ONLY) == set(LIB.model.outputs["priorities"].values or [])


@pytest.mark.parametrize("category", sorted(ONLY))
def test_a_person_meeting_one_category_meets_only_that_one(category: str) -> None:
    """Each single-category case meets exactly its category."""
    d = evaluate(ONLY[category], SC_ANY, rules=LIB)
    assert d.priorities == (category,)


@pytest.mark.parametrize("category", sorted(ONLY))
def test_pep_seeks_a_transfer_only_for_its_categories(category: str) -> None:
    """Under PEP only 1(a), 1(c), 1(d), 1(e), 2(a) or 2(b) alone draws a request; other categories none."""
    d = evaluate(ONLY[category], PEP_MEMO, rules=LIB)
    if category in PEP_TRANSFER:
        want: tuple[str, str | None] = ("notification", "I-247N")
    else:
        want = ("none", None)
    assert (d.request, d.form) == want, d.fired


PRIORITY_EDGES = [
    Row("gang participation at 16 is 1(c)", _case(gang_participation=True, age=16), {"priorities": ["1(c)"]}),
    Row("gang participation at 15 is not", _case(gang_participation=True, age=15), {"priorities": []}),
    Row(
        "a gang-element conviction is 1(c) at any age",
        _case(age=15, convictions=[_conv("misdemeanor", "gang_element")]),
        {"priorities": ["1(c)"]},
    ),
    Row(
        "a state immigration-status felony is not 1(d)",
        _case(convictions=[_conv("felony", "state_immigration_offense")]),
        {"priorities": []},
    ),
    Row(
        "two misdemeanor incidents are not 2(a)",
        _case(convictions=[_conv("misdemeanor", on=D(2010, m, 1)) for m in (1, 2)]),
        {"priorities": []},
    ),
    Row(
        "three misdemeanors from two incidents are not 2(a)",
        _case(
            convictions=[
                _conv("misdemeanor", on=D(2010, m, 1), incident=i) for m, i in ((1, "x"), (2, "x"), (3, "y"))
            ]
        ),
        {"priorities": []},
    ),
    Row(
        "a state immigration-status misdemeanor does not count toward 2(a)",
        _case(
            convictions=[
                _conv("misdemeanor", on=D(2010, 1, 1)),
                _conv("misdemeanor", on=D(2010, 2, 1)),
                _conv("misdemeanor", "state_immigration_offense", on=D(2010, 3, 1)),
            ]
        ),
        {"priorities": []},
    ),
    Row(
        "three minor traffic offenses are not 2(a)",
        _case(convictions=[_conv("minor_traffic", on=D(2010, m, 1)) for m in (1, 2, 3)]),
        {"priorities": [], "sc_level": None},
    ),
    Row(
        "a misdemeanor with 90 days of custody is 2(b)",
        _case(convictions=[_conv("misdemeanor", custody_days=90)]),
        {"priorities": ["2(b)"]},
    ),
    Row(
        "a misdemeanor with 89 days of custody is not",
        _case(convictions=[_conv("misdemeanor", custody_days=89)]),
        {"priorities": []},
    ),
    Row(
        "a felony with 90 days of custody is 1(d), not 2(b)",
        _case(convictions=[_conv("felony", custody_days=90)]),
        {"priorities": ["1(d)"]},
    ),
    Row("last entry on January 2, 2014 is 2(c)", _case(entry_date=D(2014, 1, 2)), {"priorities": ["2(c)"]}),
    Row("last entry on January 1, 2014 is not", _case(entry_date=D(2014, 1, 1)), {"priorities": []}),
    Row(
        "a permanent resident who entered after January 1, 2014 is not 2(c)",
        _case(status="lpr", entry_date=D(2014, 6, 1)),
        {"priorities": []},
    ),
    Row(
        "a final order on January 1, 2014 is 3",
        _case(removal_order="final", removal_order_date=D(2014, 1, 1)),
        {"priorities": ["3"]},
    ),
    Row(
        "a final order on December 31, 2013 is not",
        _case(removal_order="final", removal_order_date=D(2013, 12, 31)),
        {"priorities": []},
    ),
    Row("a final order without a date is not 3", _case(removal_order="final"), {"priorities": []}),
    Row(
        "a pending order is not 3",
        _case(removal_order="pending", removal_order_date=D(2015, 1, 1)),
        {"priorities": []},
    ),
]
SIGNIFICANT_MISDEMEANORS = [
    "domestic_violence",
    "sexual_abuse",
    "burglary",
    "firearm",
    "drug_trafficking",
    "dui",
]
PRIORITY_EDGES += [
    Row(
        f"a {kind} misdemeanor is 2(b)",
        _case(convictions=[_conv("misdemeanor", kind)]),
        {"priorities": ["2(b)"]},
    )
    for kind in SIGNIFICANT_MISDEMEANORS
]
PRIORITY_EDGES += [
    Row(
        f"a {kind} minor traffic offense is not 2(b)",
        _case(convictions=[_conv("minor_traffic", kind)]),
        {"priorities": []},
    )
    for kind in ("dui",)
]


@pytest.mark.parametrize("row", PRIORITY_EDGES, ids=lambda r: r.name)
def test_priority_thresholds_and_lists(row: Row) -> None:
    """Each threshold, date and listed offense of the priorities, on both sides."""
    _check(row)


PEP_REQUESTS = [
    Row(
        "a transfer category with a final order: a detainer",
        _case(removal_order="final", convictions=[_conv("felony")]),
        {"request": "detainer", "form": "I-247D"},
        regime=PEP_MEMO,
    ),
    Row(
        "a transfer category after a prior removal: a detainer",
        _case(prior_removals=1, convictions=[_conv("felony")]),
        {"request": "detainer", "form": "I-247D"},
        regime=PEP_MEMO,
    ),
    Row(
        "a transfer category, no final order: a notification",
        _case(convictions=[_conv("felony")]),
        {"request": "notification", "form": "I-247N"},
        regime=PEP_MEMO,
    ),
    Row(
        "a final order without a transfer category: nothing",
        _case(removal_order="final"),
        {"request": "none", "form": None},
        regime=PEP_MEMO,
    ),
    Row(
        "Secure Communities: a detainer for anyone removable",
        _case(),
        {"request": "detainer", "form": "I-247"},
    ),
    Row(
        "not removable: no PEP request",
        _case(status="lpr", convictions=[_conv("felony")]),
        {"request": "none"},
        regime=PEP_MEMO,
    ),
]


@pytest.mark.parametrize("row", PEP_REQUESTS, ids=lambda r: r.name)
def test_which_request_and_form_each_regime_uses(row: Row) -> None:
    """PEP's notification or detainer and Secure Communities' detainer, with their forms."""
    _check(row)


# ---------------------------------------------------------------------------------------------
# ICE offense levels (sc-levels.yaml): 1 for an aggravated felony or 2+ felonies, 2 for one felony
# or 3+ misdemeanors, 3 for one or two misdemeanors.

SC_LEVELS = [
    Row("no conviction: no level", _case(), {"sc_level": None}),
    Row("one misdemeanor: level 3", _case(convictions=[_conv("misdemeanor")]), {"sc_level": 3}),
    Row("two misdemeanors: level 3", _case(convictions=[_conv("misdemeanor")] * 2), {"sc_level": 3}),
    Row("three misdemeanors: level 2", _case(convictions=[_conv("misdemeanor")] * 3), {"sc_level": 2}),
    Row("one felony: level 2", _case(convictions=[_conv("felony")]), {"sc_level": 2}),
    Row("two felonies: level 1", _case(convictions=[_conv("felony")] * 2), {"sc_level": 1}),
    Row(
        "an aggravated-felony misdemeanor: level 1",
        _case(convictions=[_conv("misdemeanor", "aggravated_felony")]),
        {"sc_level": 1},
    ),
    Row(
        "a minor traffic offense marked aggravated felony: no level",
        _case(convictions=[_conv("minor_traffic", "aggravated_felony")]),
        {"sc_level": None},
    ),
]


@pytest.mark.parametrize("row", SC_LEVELS, ids=lambda r: r.name)
def test_offense_level_thresholds(row: Row) -> None:
    """Each count threshold of ICE's offense levels, on both sides."""
    _check(row)


# ---------------------------------------------------------------------------------------------
# Local policies: for each exception, a case whose only qualifying fact is that exception (under
# Secure Communities, which asks for a detainer), the bare case, and each look-back on both sides.
# Booked March 1, 2016 unless said: 5 years back is March 1, 2011, 10 years March 1, 2006.

FELONY, MISDEMEANOR = _conv("felony"), _conv("misdemeanor")
R = {"reimbursement_agreement": True}
# The TRUST Act as written; as practised (the default) it declines every detainer from June 1, 2014.
CA_WRITTEN = "california-trust-act-2014:as-written"


def hold(name: str, case: Case, response: str = "hold", **kw: Any) -> Row:
    return Row(name, case, {"local_response": response}, **kw)


LOCAL: dict[str, list[Row]] = {
    "california-trust-act-2014": [
        hold("no criterion: decline", _case(CA_WRITTEN, convictions=[MISDEMEANOR]), "decline"),
        hold("a felony conviction", _case(CA_WRITTEN, convictions=[FELONY])),
        hold(
            "a wobbler 5 years to the day",
            _case(CA_WRITTEN, convictions=[_conv("misdemeanor", "serious", on=D(2011, 3, 1))]),
        ),
        hold(
            "a wobbler 5 years and a day",
            _case(CA_WRITTEN, convictions=[_conv("misdemeanor", "serious", on=D(2011, 2, 28))]),
            "decline",
        ),
        hold(
            "a violent wobbler within 5 years",
            _case(CA_WRITTEN, convictions=[_conv("misdemeanor", "violent", on=D(2013, 1, 1))]),
        ),
        hold(
            "a minor traffic offense marked serious within 5 years",
            _case(CA_WRITTEN, convictions=[_conv("minor_traffic", "serious", on=D(2015, 1, 1))]),
            "decline",
        ),
        hold(
            "a felony charge with probable cause",
            _case(CA_WRITTEN, charges=[_charge("felony", probable_cause_found=True)]),
        ),
        hold(
            "a felony charge without probable cause",
            _case(CA_WRITTEN, charges=[_charge("felony")]),
            "decline",
        ),
        hold(
            "a misdemeanor charge with probable cause",
            _case(CA_WRITTEN, charges=[_charge("misdemeanor", probable_cause_found=True)]),
            "decline",
        ),
        hold("a sex or arson registrant", _case(CA_WRITTEN, sex_arson_registrant=True)),
        hold(
            "an aggravated-felony misdemeanor",
            _case(CA_WRITTEN, convictions=[_conv("misdemeanor", "aggravated_felony")]),
        ),
        hold("a federal felony warrant", _case(CA_WRITTEN, federal_felony_warrant=True)),
        hold(
            "a notification is answered",
            _case(CA_WRITTEN, convictions=[FELONY]),
            "notify",
            regime=PEP_MEMO,
        ),
    ],
    "chicago-2012": [
        hold("no exception: decline", _case("chicago-2012", convictions=[MISDEMEANOR]), "decline"),
        hold("an outstanding criminal warrant", _case("chicago-2012", outstanding_criminal_warrant=True)),
        hold("a felony conviction", _case("chicago-2012", convictions=[FELONY])),
        hold("a pending felony case", _case("chicago-2012", charges=[_charge("felony")])),
        hold(
            "a pending misdemeanor case: decline",
            _case("chicago-2012", charges=[_charge("misdemeanor")]),
            "decline",
        ),
        hold("a known gang member", _case("chicago-2012", gang_participation=True)),
        hold(
            "a judicial warrant is no exception",
            _case("chicago-2012", ice={"judicial_warrant": True}),
            "decline",
        ),
        hold(
            "word of release for a felon",
            _case("chicago-2012", convictions=[FELONY]),
            "notify",
            regime=PEP_MEMO,
        ),
        hold(
            "no word of release without a carve-out",
            _case("chicago-2012", convictions=[_conv("misdemeanor", "dui")]),
            "decline",
            regime=PEP_MEMO,
        ),
    ],
    "connecticut-trust-act-2014": [
        hold(
            "no criterion: decline", _case("connecticut-trust-act-2014", convictions=[MISDEMEANOR]), "decline"
        ),
        hold("a felony conviction", _case("connecticut-trust-act-2014", convictions=[FELONY])),
        hold(
            "a pending charge, bond not posted",
            _case("connecticut-trust-act-2014", charges=[_charge("misdemeanor", bond_posted=False)]),
        ),
        hold(
            "a pending charge, bond posted",
            _case("connecticut-trust-act-2014", charges=[_charge("misdemeanor", bond_posted=True)]),
            "decline",
        ),
        hold(
            "a pending minor traffic charge",
            _case("connecticut-trust-act-2014", charges=[_charge("minor_traffic")]),
            "decline",
        ),
        hold(
            "an outstanding arrest warrant",
            _case("connecticut-trust-act-2014", outstanding_criminal_warrant=True),
        ),
        hold("a gang member", _case("connecticut-trust-act-2014", gang_participation=True)),
        hold("a watch-list match", _case("connecticut-trust-act-2014", watchlist_match=True)),
        hold("a final order of removal", _case("connecticut-trust-act-2014", removal_order="final")),
        hold("removed before", _case("connecticut-trust-act-2014", prior_removals=1)),
        hold(
            "an unacceptable risk to public safety",
            _case("connecticut-trust-act-2014", public_safety_risk=True),
        ),
        hold(
            "a notification is answered",
            _case("connecticut-trust-act-2014", convictions=[FELONY]),
            "notify",
            regime=PEP_MEMO,
        ),
    ],
    "cook-county-2011": [
        hold(
            "without reimbursement: decline",
            _case("cook-county-2011", convictions=[FELONY, FELONY]),
            "decline",
        ),
        hold("with reimbursement: hold", _case("cook-county-2011", params=R)),
        hold(
            "no word of release", _case("cook-county-2011", convictions=[FELONY]), "decline", regime=PEP_MEMO
        ),
        hold(
            "word of release with a judicial warrant",
            _case("cook-county-2011", convictions=[FELONY], ice={"judicial_warrant": True}),
            "notify",
            regime=PEP_MEMO,
        ),
    ],
    "full-cooperation": [
        hold("every detainer is honored", _case("full-cooperation")),
        hold(
            "every notification is answered",
            _case("full-cooperation", convictions=[FELONY]),
            "notify",
            regime=PEP_MEMO,
        ),
    ],
    "jail-287g": [
        hold("every detainer is honored", _case("jail-287g")),
        hold(
            "every notification is answered",
            _case("jail-287g", convictions=[FELONY]),
            "notify",
            regime=PEP_MEMO,
        ),
    ],
    "judicial-warrant-only": [
        hold("no warrant: decline", _case("judicial-warrant-only", convictions=[FELONY, FELONY]), "decline"),
        hold("a judicial warrant", _case("judicial-warrant-only", ice={"judicial_warrant": True})),
        hold(
            "a notification is answered",
            _case("judicial-warrant-only", convictions=[FELONY]),
            "notify",
            regime=PEP_MEMO,
        ),
    ],
    "miami-dade-2013": [
        hold(
            "reimbursed, no criterion: decline",
            _case("miami-dade-2013", params=R, convictions=[MISDEMEANOR]),
            "decline",
        ),
        hold("reimbursed, a felony conviction", _case("miami-dade-2013", params=R, convictions=[FELONY])),
        hold(
            "reimbursed, a non-bondable charge",
            _case("miami-dade-2013", params=R, charges=[_charge("misdemeanor", non_bondable=True)]),
        ),
        hold(
            "not reimbursed, a non-bondable charge",
            _case("miami-dade-2013", charges=[_charge("misdemeanor", non_bondable=True)]),
            "decline",
        ),
        hold(
            "not reimbursed, a felony conviction", _case("miami-dade-2013", convictions=[FELONY]), "decline"
        ),
        hold(
            "not reimbursed, no word of release",
            _case("miami-dade-2013", convictions=[FELONY]),
            "decline",
            regime=PEP_MEMO,
        ),
        hold(
            "reimbursed felon, word of release",
            _case("miami-dade-2013", params=R, convictions=[FELONY]),
            "notify",
            regime=PEP_MEMO,
        ),
        hold(
            "reimbursed, no criterion, no word",
            _case("miami-dade-2013", params=R, convictions=[_conv("misdemeanor", "dui")]),
            "decline",
            regime=PEP_MEMO,
        ),
    ],
    "new-york-city-2014": [
        hold(
            "warrant and violent conviction 5 years to the day",
            _case(
                "new-york-city-2014",
                ice={"judicial_warrant": True},
                convictions=[_conv("felony", "violent", on=D(2011, 3, 1))],
            ),
        ),
        hold(
            "warrant and violent conviction 5 years and a day",
            _case(
                "new-york-city-2014",
                ice={"judicial_warrant": True},
                convictions=[_conv("felony", "violent", on=D(2011, 2, 28))],
            ),
            "decline",
        ),
        hold(
            "warrant and serious conviction, released 5 years to the day",
            _case(
                "new-york-city-2014",
                ice={"judicial_warrant": True},
                convictions=[_conv("felony", "serious", on=D(2000, 1, 1), release_date=D(2011, 3, 1))],
            ),
        ),
        hold(
            "warrant and serious conviction, released 5 years and a day",
            _case(
                "new-york-city-2014",
                ice={"judicial_warrant": True},
                convictions=[_conv("felony", "serious", on=D(2000, 1, 1), release_date=D(2011, 2, 28))],
            ),
            "decline",
        ),
        hold(
            "a recent violent conviction without a warrant",
            _case("new-york-city-2014", convictions=[_conv("felony", "violent", on=D(2015, 1, 1))]),
            "decline",
        ),
        hold(
            "a warrant without a conviction",
            _case("new-york-city-2014", ice={"judicial_warrant": True}, convictions=[FELONY]),
            "decline",
        ),
        hold(
            "warrant and watch list",
            _case("new-york-city-2014", ice={"judicial_warrant": True}, watchlist_match=True),
        ),
        hold(
            "NYPD: violent conviction and reentry after removal",
            _case(
                "new-york-city-2014",
                params={"nypd_custody": True},
                prior_removals=1,
                convictions=[_conv("felony", "violent", on=D(1990, 1, 1))],
            ),
        ),
        hold(
            "NYPD: violent conviction and illegal reentry conviction",
            _case(
                "new-york-city-2014",
                params={"nypd_custody": True},
                convictions=[
                    _conv("felony", "violent", on=D(1990, 1, 1)),
                    _conv("felony", "illegal_reentry", on=D(2000, 1, 1)),
                ],
            ),
        ),
        hold(
            "NYPD: serious (not violent) conviction and reentry after removal",
            _case(
                "new-york-city-2014",
                params={"nypd_custody": True},
                prior_removals=1,
                convictions=[_conv("felony", "serious", on=D(1990, 1, 1))],
            ),
        ),
        hold(
            "NYPD: violent conviction, never removed",
            _case(
                "new-york-city-2014",
                params={"nypd_custody": True},
                convictions=[_conv("felony", "violent", on=D(1990, 1, 1))],
            ),
            "decline",
        ),
        hold(
            "NYPD: watch list",
            _case("new-york-city-2014", params={"nypd_custody": True}, watchlist_match=True),
        ),
        hold(
            "DOC custody: violent conviction and prior removal",
            _case(
                "new-york-city-2014",
                prior_removals=1,
                convictions=[_conv("felony", "violent", on=D(1990, 1, 1))],
            ),
            "decline",
        ),
        hold(
            "no word of release without a warrant",
            _case("new-york-city-2014", convictions=[_conv("felony", "violent", on=D(2015, 1, 1))]),
            "decline",
            regime=PEP_MEMO,
        ),
        hold(
            "word of release with warrant and recent conviction",
            _case(
                "new-york-city-2014",
                ice={"judicial_warrant": True},
                convictions=[_conv("felony", "violent", on=D(2015, 1, 1))],
            ),
            "notify",
            regime=PEP_MEMO,
        ),
    ],
    "san-francisco-2015": [
        hold("no warrant: decline", _case("san-francisco-2015", convictions=[FELONY, FELONY]), "decline"),
        hold("a judicial warrant", _case("san-francisco-2015", ice={"judicial_warrant": True})),
        hold(
            "no warrant, no word of release",
            _case("san-francisco-2015", convictions=[FELONY]),
            "decline",
            regime=PEP_MEMO,
        ),
        hold(
            "a warrant, word of release",
            _case("san-francisco-2015", convictions=[FELONY], ice={"judicial_warrant": True}),
            "notify",
            regime=PEP_MEMO,
        ),
    ],
    "santa-clara-2011": [
        hold(
            "conviction 10 years to the day",
            _case("santa-clara-2011", params=R, convictions=[_conv("felony", "violent", on=D(2006, 3, 1))]),
        ),
        hold(
            "conviction 10 years and a day",
            _case("santa-clara-2011", params=R, convictions=[_conv("felony", "violent", on=D(2006, 2, 28))]),
            "decline",
        ),
        hold(
            "a serious felony 10 years to the day",
            _case("santa-clara-2011", params=R, convictions=[_conv("felony", "serious", on=D(2006, 3, 1))]),
        ),
        hold(
            "a violent misdemeanor is no serious or violent felony",
            _case(
                "santa-clara-2011", params=R, convictions=[_conv("misdemeanor", "violent", on=D(2015, 3, 1))]
            ),
            "decline",
        ),
        hold(
            "released 5 years to the day",
            _case(
                "santa-clara-2011",
                params=R,
                convictions=[_conv("felony", "violent", on=D(2000, 1, 1), release_date=D(2011, 3, 1))],
            ),
        ),
        hold(
            "released 5 years and a day",
            _case(
                "santa-clara-2011",
                params=R,
                convictions=[_conv("felony", "violent", on=D(2000, 1, 1), release_date=D(2011, 2, 28))],
            ),
            "decline",
        ),
        hold(
            "serving a sentence for an old serious misdemeanor",
            _case(
                "santa-clara-2011",
                params=R,
                convictions=[_conv("misdemeanor", "serious", on=D(2000, 1, 1), serving_sentence=True)],
            ),
            "decline",
        ),
        hold(
            "released recently from a violent misdemeanor sentence",
            _case(
                "santa-clara-2011",
                params=R,
                convictions=[_conv("misdemeanor", "violent", on=D(2000, 1, 1), release_date=D(2014, 1, 1))],
            ),
            "decline",
        ),
        hold(
            "serving a sentence for a felony neither serious nor violent",
            _case(
                "santa-clara-2011",
                params=R,
                convictions=[_conv("felony", on=D(2000, 1, 1), serving_sentence=True)],
            ),
            "decline",
        ),
        hold(
            "serving a sentence for an old serious felony",
            _case(
                "santa-clara-2011",
                params=R,
                convictions=[_conv("felony", "serious", on=D(2000, 1, 1), serving_sentence=True)],
            ),
        ),
        hold(
            "homicide long ago",
            _case("santa-clara-2011", params=R, convictions=[_conv("felony", "homicide", on=D(1980, 1, 1))]),
        ),
        hold(
            "without reimbursement: decline",
            _case("santa-clara-2011", convictions=[_conv("felony", "homicide", on=D(2015, 1, 1))]),
            "decline",
        ),
        hold(
            "18 years old: hold",
            _case(
                "santa-clara-2011",
                params=R,
                age=18,
                convictions=[_conv("felony", "violent", on=D(2015, 1, 1))],
            ),
        ),
        hold(
            "17 years old: decline",
            _case(
                "santa-clara-2011",
                params=R,
                age=17,
                convictions=[_conv("felony", "violent", on=D(2015, 1, 1))],
            ),
            "decline",
        ),
        hold(
            "no word of release",
            _case("santa-clara-2011", params=R, convictions=[_conv("felony", "violent", on=D(2015, 1, 1))]),
            "decline",
            regime=PEP_MEMO,
        ),
    ],
    "washington-dc-2012": [
        hold(
            "conviction 10 years to the day",
            _case(
                "washington-dc-2012",
                params=R,
                convictions=[_conv("misdemeanor", "violent", on=D(2006, 3, 1))],
            ),
        ),
        hold(
            "conviction 10 years and a day",
            _case(
                "washington-dc-2012",
                params=R,
                convictions=[_conv("misdemeanor", "violent", on=D(2006, 2, 28))],
            ),
            "decline",
        ),
        hold(
            "a serious (dangerous) crime 10 years to the day",
            _case("washington-dc-2012", params=R, convictions=[_conv("felony", "serious", on=D(2006, 3, 1))]),
        ),
        hold(
            "released 5 years to the day",
            _case(
                "washington-dc-2012",
                params=R,
                convictions=[_conv("felony", "violent", on=D(2000, 1, 1), release_date=D(2011, 3, 1))],
            ),
        ),
        hold(
            "released 5 years and a day",
            _case(
                "washington-dc-2012",
                params=R,
                convictions=[_conv("felony", "violent", on=D(2000, 1, 1), release_date=D(2011, 2, 28))],
            ),
            "decline",
        ),
        hold(
            "homicide long ago",
            _case(
                "washington-dc-2012", params=R, convictions=[_conv("felony", "homicide", on=D(1980, 1, 1))]
            ),
        ),
        hold(
            "a non-violent felony: decline",
            _case("washington-dc-2012", params=R, convictions=[_conv("felony", on=D(2015, 1, 1))]),
            "decline",
        ),
        hold(
            "without reimbursement: decline",
            _case("washington-dc-2012", convictions=[_conv("felony", "homicide", on=D(2015, 1, 1))]),
            "decline",
        ),
        hold(
            "18 years old: hold",
            _case(
                "washington-dc-2012",
                params=R,
                age=18,
                convictions=[_conv("felony", "violent", on=D(2015, 1, 1))],
            ),
        ),
        hold(
            "17 years old: decline",
            _case(
                "washington-dc-2012",
                params=R,
                age=17,
                convictions=[_conv("felony", "violent", on=D(2015, 1, 1))],
            ),
            "decline",
        ),
        hold(
            "a notification is answered",
            _case("washington-dc-2012", convictions=[FELONY]),
            "notify",
            regime=PEP_MEMO,
        ),
    ],
}


# The versions and state laws added with places (rules/places.yaml). A PEP notification needs a
# transfer category, so the notification rows give the person one (gang participation, 1(c))
# that is no local criterion, beside the criterion under test.
GANG = {"gang_participation": True}
WARRANT = {"judicial_warrant": True}


def _sv(kind: str, on: D, level: str = "felony", **extra: Any) -> dict[str, Any]:
    return _conv(level, kind, on=on, **extra)


LOCAL.update(
    {
        "california-sb54-2018": [
            hold("no warrant: decline", _case("california-sb54-2018", convictions=[FELONY]), "decline"),
            hold("a judicial warrant", _case("california-sb54-2018", ice=WARRANT)),
            hold(
                "notification, no criterion: decline",
                _case("california-sb54-2018", **GANG),
                "decline",
                regime=PEP_MEMO,
            ),
            hold(
                "notification, a serious felony",
                _case("california-sb54-2018", convictions=[_sv("serious", D(2000, 1, 1))], **GANG),
                "notify",
                regime=PEP_MEMO,
            ),
            hold(
                "notification, a felony neither serious nor violent",
                _case("california-sb54-2018", convictions=[FELONY]),
                "decline",
                regime=PEP_MEMO,
            ),
            hold(
                "notification, a listed misdemeanor 5 years to the day",
                _case(
                    "california-sb54-2018", convictions=[_sv("violent", D(2011, 3, 1), "misdemeanor")], **GANG
                ),
                "notify",
                regime=PEP_MEMO,
            ),
            hold(
                "notification, a listed misdemeanor 5 years and a day",
                _case(
                    "california-sb54-2018",
                    convictions=[_sv("violent", D(2011, 2, 28), "misdemeanor")],
                    **GANG,
                ),
                "decline",
                regime=PEP_MEMO,
            ),
            hold(
                "notification, a felony charge with probable cause",
                _case("california-sb54-2018", charges=[_charge("felony", probable_cause_found=True)], **GANG),
                "notify",
                regime=PEP_MEMO,
            ),
            hold(
                "notification, a felony charge without probable cause",
                _case("california-sb54-2018", charges=[_charge("felony")], **GANG),
                "decline",
                regime=PEP_MEMO,
            ),
            hold(
                "notification, a sex or arson registrant",
                _case("california-sb54-2018", sex_arson_registrant=True, **GANG),
                "notify",
                regime=PEP_MEMO,
            ),
            hold(
                "notification, an aggravated felony",
                _case("california-sb54-2018", convictions=[_conv("misdemeanor", "aggravated_felony")]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
        "chicago-2021": [
            hold(
                "a felon without a warrant: decline", _case("chicago-2021", convictions=[FELONY]), "decline"
            ),
            hold("a judicial warrant", _case("chicago-2021", ice=WARRANT)),
            hold(
                "no word of release, even for a felon",
                _case("chicago-2021", convictions=[FELONY], **GANG),
                "decline",
                regime=PEP_MEMO,
            ),
        ],
        "connecticut-2019": [
            hold("a plain felony: decline", _case("connecticut-2019", convictions=[FELONY]), "decline"),
            hold("a violent felony", _case("connecticut-2019", convictions=[_sv("violent", D(2000, 1, 1))])),
            hold("a homicide", _case("connecticut-2019", convictions=[_sv("homicide", D(2000, 1, 1))])),
            hold(
                "a violent misdemeanor: decline",
                _case("connecticut-2019", convictions=[_sv("violent", D(2015, 1, 1), "misdemeanor")]),
                "decline",
            ),
            hold("a watch-list match", _case("connecticut-2019", watchlist_match=True)),
            hold("a judicial warrant", _case("connecticut-2019", ice=WARRANT)),
            hold(
                "a notification is answered",
                _case("connecticut-2019", convictions=[FELONY]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
        "illinois-trust-act-2017": [
            hold(
                "no warrant: decline", _case("illinois-trust-act-2017", convictions=[FELONY] * 2), "decline"
            ),
            hold("a judicial warrant", _case("illinois-trust-act-2017", ice=WARRANT)),
            hold(
                "a notification is answered",
                _case("illinois-trust-act-2017", convictions=[FELONY]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
        "massachusetts-lunn-2017": [
            hold(
                "no warrant: decline", _case("massachusetts-lunn-2017", convictions=[FELONY] * 2), "decline"
            ),
            hold("a judicial warrant", _case("massachusetts-lunn-2017", ice=WARRANT)),
            hold(
                "a notification is answered",
                _case("massachusetts-lunn-2017", convictions=[FELONY]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
        "miami-dade-2017": [
            hold("every detainer is honored", _case("miami-dade-2017")),
            hold(
                "every notification is answered",
                _case("miami-dade-2017", convictions=[FELONY]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
        "new-york-city-2011": [
            hold("no record: decline", _case("new-york-city-2011"), "decline"),
            hold(
                "an old misdemeanor conviction",
                _case("new-york-city-2011", convictions=[_conv("misdemeanor", on=D(1990, 1, 1))]),
            ),
            hold(
                "a minor traffic conviction: decline",
                _case("new-york-city-2011", convictions=[_conv("minor_traffic")]),
                "decline",
            ),
            hold("a pending case", _case("new-york-city-2011", charges=[_charge("misdemeanor")])),
            hold("an outstanding warrant", _case("new-york-city-2011", outstanding_criminal_warrant=True)),
            hold("a gang member", _case("new-york-city-2011", gang_participation=True)),
            hold("a watch-list match", _case("new-york-city-2011", watchlist_match=True)),
            hold("a final order of removal", _case("new-york-city-2011", removal_order="final")),
            hold("removed before", _case("new-york-city-2011", prior_removals=1)),
            hold(
                "a notification is answered",
                _case("new-york-city-2011", convictions=[FELONY]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
        "new-york-city-2013": [
            hold("no record: decline", _case("new-york-city-2013"), "decline"),
            hold(
                "a misdemeanor 10 years to the day",
                _case("new-york-city-2013", convictions=[_conv("misdemeanor", on=D(2006, 3, 1))]),
            ),
            hold(
                "a misdemeanor 10 years and a day",
                _case("new-york-city-2013", convictions=[_conv("misdemeanor", on=D(2006, 2, 28))]),
                "decline",
            ),
            hold(
                "an old felony", _case("new-york-city-2013", convictions=[_conv("felony", on=D(1990, 1, 1))])
            ),
            hold("a pending case", _case("new-york-city-2013", charges=[_charge("misdemeanor")])),
            hold("an outstanding warrant", _case("new-york-city-2013", outstanding_criminal_warrant=True)),
            hold("a gang member", _case("new-york-city-2013", gang_participation=True)),
            hold("a watch-list match", _case("new-york-city-2013", watchlist_match=True)),
            hold("a final order of removal", _case("new-york-city-2013", removal_order="final")),
            hold("removed before", _case("new-york-city-2013", prior_removals=1)),
            hold(
                "a notification is answered",
                _case("new-york-city-2013", convictions=[FELONY]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
        "oregon-1987": [
            hold("a detainer is honored", _case("oregon-1987")),
            hold(
                "a notification is answered",
                _case("oregon-1987", convictions=[FELONY]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
        "san-francisco-2013": [
            hold("no criterion: decline", _case("san-francisco-2013", convictions=[FELONY]), "decline"),
            hold(
                "a violent felony 7 years to the day",
                _case("san-francisco-2013", convictions=[_sv("violent", D(2009, 3, 1))]),
            ),
            hold(
                "a violent felony 7 years and a day",
                _case("san-francisco-2013", convictions=[_sv("violent", D(2009, 2, 28))]),
                "decline",
            ),
            hold(
                "a violent misdemeanor: decline",
                _case("san-francisco-2013", convictions=[_sv("violent", D(2015, 1, 1), "misdemeanor")]),
                "decline",
            ),
            hold(
                "a violent felony charge with probable cause",
                _case(
                    "san-francisco-2013", charges=[_charge("felony", "violent", probable_cause_found=True)]
                ),
            ),
            hold(
                "a violent felony charge without probable cause",
                _case("san-francisco-2013", charges=[_charge("felony", "violent")]),
                "decline",
            ),
            hold(
                "a felony charge with probable cause, not violent",
                _case("san-francisco-2013", charges=[_charge("felony", probable_cause_found=True)]),
                "decline",
            ),
            hold(
                "a notification is answered",
                _case("san-francisco-2013", convictions=[FELONY]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
        "san-francisco-2014": [
            hold("no warrant: decline", _case("san-francisco-2014", convictions=[FELONY] * 2), "decline"),
            hold("a judicial warrant", _case("san-francisco-2014", ice=WARRANT)),
            hold(
                "a notification is answered",
                _case("san-francisco-2014", convictions=[FELONY]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
        "texas-sb4-2017": [
            hold("every detainer is honored", _case("texas-sb4-2017")),
            hold(
                "every notification is answered",
                _case("texas-sb4-2017", convictions=[FELONY]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
        "santa-clara-2019": [
            hold(
                "no judge's warrant: decline, whatever the record",
                _case("santa-clara-2019", convictions=[FELONY] * 3),
                "decline",
            ),
            hold("a judge's warrant", _case("santa-clara-2019", ice=WARRANT)),
            hold(
                "a notification is declined",
                _case("santa-clara-2019", convictions=[FELONY]),
                "decline",
                regime=PEP_MEMO,
            ),
        ],
        "travis-county-2017": [
            hold("no criterion: decline", _case("travis-county-2017", convictions=[FELONY] * 2), "decline"),
            hold("a court order", _case("travis-county-2017", ice=WARRANT)),
            hold(
                "a homicide conviction",
                _case("travis-county-2017", convictions=[_sv("homicide", D(1990, 1, 1))]),
            ),
            hold(
                "a sexual-abuse conviction",
                _case("travis-county-2017", convictions=[_sv("sexual_abuse", D(1990, 1, 1))]),
            ),
            hold("a homicide charge", _case("travis-county-2017", charges=[_charge("felony", "homicide")])),
            hold(
                "a sexual-abuse charge",
                _case("travis-county-2017", charges=[_charge("felony", "sexual_abuse")]),
            ),
            hold(
                "a notification is answered",
                _case("travis-county-2017", convictions=[FELONY]),
                "notify",
                regime=PEP_MEMO,
            ),
        ],
    }
)

# San Francisco's 2016 chapter 12I: notice of release only for a listed felony record AND a
# felony charge with probable cause at this booking.
PC = _charge("felony", probable_cause_found=True)
LOCAL["san-francisco-2016"] = [
    hold("no warrant: decline", _case("san-francisco-2016", convictions=[FELONY] * 2), "decline"),
    hold("a judicial warrant", _case("san-francisco-2016", ice=WARRANT)),
    *[
        hold(
            f"notification, {name}",
            _case("san-francisco-2016", convictions=convs, charges=charges),
            want,
            regime=PEP_MEMO,
        )
        for name, convs, charges, want in [
            (
                "a violent felony 7 years to the day and a charge",
                [_sv("violent", D(2009, 3, 1))],
                [PC],
                "notify",
            ),
            (
                "a violent felony 7 years and a day and a charge",
                [_sv("violent", D(2009, 2, 28))],
                [PC],
                "decline",
            ),
            (
                "a serious felony 5 years to the day and a charge",
                [_sv("serious", D(2011, 3, 1))],
                [PC],
                "notify",
            ),
            (
                "a serious felony 5 years and a day and a charge",
                [_sv("serious", D(2011, 2, 28))],
                [PC],
                "decline",
            ),
            (
                "three felonies in 5 years and a charge",
                [_conv("felony", on=D(2012, m, 1)) for m in (1, 2, 3)],
                [PC],
                "notify",
            ),
            (
                "two felonies in 5 years and a charge",
                [_conv("felony", on=D(2012, m, 1)) for m in (1, 2)],
                [PC],
                "decline",
            ),
            ("a recent violent felony, no charge", [_sv("violent", D(2015, 1, 1))], [], "decline"),
            (
                "a recent serious misdemeanor and a charge",
                [_conv("misdemeanor", "serious", "dui", on=D(2015, 1, 1))],
                [PC],
                "decline",
            ),
            (
                "three felonies, one 5 years and 3 months back, and a charge",
                [_conv("felony", on=d) for d in (D(2012, 1, 1), D(2012, 2, 1), D(2010, 12, 1))],
                [PC],
                "decline",
            ),
            (
                "a recent violent misdemeanor and a charge",
                [
                    _conv("misdemeanor", "violent", "domestic_violence", on=D(2015, 1, 1))
                ],  # 2(b): a PEP category
                [PC],
                "decline",
            ),
            (
                "a recent violent felony, a charge without probable cause",
                [_sv("violent", D(2015, 1, 1))],
                [_charge("felony")],
                "decline",
            ),
        ]
    ],
]


def test_every_local_policy_has_a_table() -> None:
    """Each local policy in rules/ has its table of exceptions (add one for a new place)."""
    assert set(LOCAL) == set(LIB.jurisdictions)


@pytest.mark.parametrize(
    "row", [r for rows in LOCAL.values() for r in rows], ids=lambda r: f"{r.case.jurisdiction.id}: {r.name}"
)
def test_local_exceptions_and_look_backs(row: Row) -> None:
    """Each local exception alone, each look-back and age limit on both sides, each notification answer."""
    _check(row)


# ---------------------------------------------------------------------------------------------
# Federal eras: ``--regime auto`` switches era on the first day of each; outside every era it
# refuses. The days come from REGIME_PERIODS (pinned above against the rule files).

ERA_ORDER = ["secure-communities", "interim-2015", "pep", "secure-communities-2017"]


def _era_edges() -> list[Any]:
    out = []
    for before, after in itertools.pairwise(ERA_ORDER):
        first = REGIME_PERIODS[after][0]
        assert first is not None
        out.append(pytest.param(first - DAY, before, id=f"{before} last day {first - DAY}"))
        out.append(pytest.param(first, after, id=f"{after} first day {first}"))
    return out


@pytest.mark.parametrize(("day", "era"), _era_edges())
def test_auto_switches_era_exactly_on_the_first_day(day: D, era: str) -> None:
    """On the last day of an era ``auto`` still picks it; on the next day the following era."""
    d = evaluate(_case(booking=day, charges=[_charge("felony")]), "auto", rules=LIB)
    assert d.regime == era
    assert not _outside(era, d.warnings), d.warnings


def test_the_eras_follow_one_another_without_gap_or_overlap() -> None:
    """Each era in the rule files begins the day after the one before ends (the table's order)."""
    periods = [_period_in_file(e) for e in ERA_ORDER]
    assert sorted(LIB.regimes) == sorted(ERA_ORDER)
    for (_, end), (start, _) in itertools.pairwise(periods):
        assert end is not None and start == end + DAY


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(REGIME_PERIODS["secure-communities"][0] - DAY, id="day before the first era 2008-10-26"),  # type: ignore[operator]
        pytest.param(
            REGIME_PERIODS["secure-communities-2017"][1] + DAY, id="day after the last era 2021-01-20"
        ),  # type: ignore[operator]
    ],
)
def test_auto_refuses_a_day_outside_every_era(day: D) -> None:
    """A day before the first era or after the last has no era: ``auto`` names the eras instead."""
    with pytest.raises(UnknownIdError, match=f"no federal regime was in force on {day.isoformat()}"):
        evaluate(_case(booking=day), "auto", rules=LIB)


# Dates inside a rule set, written in its expressions: each pinned here, read from the file, and
# the answer checked to change on exactly that day.


@dataclass(frozen=True)
class InnerDate:
    """A date written inside one rule or definition, and a case whose answer changes on it."""

    name: str
    ruleset: str
    item: str
    day: D
    regime: str
    case: dict[str, Any]
    field: str
    before: Any
    on: Any
    place: str = "full-cooperation"


INNER_DATES = [
    InnerDate(
        "NCIC Absconder records from January 1, 2002",
        "ncic",
        "ncic.absconder",
        D(2002, 1, 1),
        SC_ANY,
        {"removal_order": "final"},
        "ncic_record",
        "none",
        "absconder",
    ),
    InnerDate(
        "Secure Communities guidance of December 21, 2012 (as written): no condition, no detainer",
        "secure-communities",
        "sc_detainer_criteria",
        D(2012, 12, 21),
        "secure-communities:as-written",
        {},
        "request",
        "detainer",
        "none",
    ),
    InnerDate(
        "Secure Communities guidance of December 21, 2012 (the default reading)",
        "secure-communities",
        "sc_detainer_criteria",
        D(2012, 12, 21),
        "secure-communities",
        {},
        "request",
        "detainer",
        "none",
    ),
    InnerDate(
        "Secure Communities as practised: the guidance changes nothing",
        "secure-communities",
        "sc_detainer_criteria",
        D(2012, 12, 21),
        SC_ANY,
        {},
        "request",
        "detainer",
        "detainer",
    ),
    InnerDate(
        "priorities of January 5, 2015: a guidance condition (prior removal) stops drawing a detainer",
        "interim-2015",
        "interim.request.detainer-guidance",
        D(2015, 1, 5),
        "interim-2015",
        {"prior_removals": 1},
        "request",
        "detainer",
        "none",
    ),
    InnerDate(
        "priorities of January 5, 2015: a transfer category (gang, 1(c)) starts drawing one",
        "interim-2015",
        "interim.request.detainer",
        D(2015, 1, 5),
        "interim-2015",
        {"gang_participation": True},
        "request",
        "none",
        "detainer",
    ),
    InnerDate(
        "Form I-247A from April 2, 2017 (I-247D the day before)",
        "secure-communities-2017",
        "sc2017.form.i247a",
        D(2017, 4, 2),
        "secure-communities-2017",
        {"charges": [_charge("misdemeanor")]},
        "form",
        "I-247D",
        "I-247A",
    ),
    InnerDate(
        "Form I-247D until April 1, 2017",
        "secure-communities-2017",
        "sc2017.form.i247d",
        D(2017, 4, 2),
        "secure-communities-2017",
        {"charges": [_charge("misdemeanor")]},
        "form",
        "I-247D",
        "I-247A",
    ),
    InnerDate(
        "California as practised: every detainer declined from June 1, 2014",
        "california-trust-act-2014",
        "california-trust-act-2014.practice-decline-detainer",
        D(2014, 6, 1),
        SC_ANY,
        {"convictions": [FELONY]},
        "local_response",
        "hold",
        "decline",
        place="california-trust-act-2014",
    ),
    InnerDate(
        "California as written: a felon still held after June 1, 2014",
        "california-trust-act-2014",
        "california-trust-act-2014.practice-decline-detainer",
        D(2014, 6, 1),
        SC_ANY,
        {"convictions": [FELONY]},
        "local_response",
        "hold",
        "hold",
        place=CA_WRITTEN,
    ),
    InnerDate(
        "California as practised, through the place: every detainer declined from June 1, 2014",
        "california-trust-act-2014",
        "california-trust-act-2014.practice-decline-detainer",
        D(2014, 6, 1),
        SC_ANY,
        {"convictions": [FELONY]},
        "local_response",
        "hold",
        "decline",
        place="california",
    ),
]


@pytest.mark.parametrize(
    ("row", "side"),
    [
        pytest.param(
            r,
            side,
            id=f"{r.name}: " + (f"day before {r.day - DAY}" if side == "before" else f"first day {r.day}"),
        )
        for r in INNER_DATES
        for side in ("before", "on")
    ],
)
def test_a_date_inside_a_rule_set_changes_the_answer_on_that_day(row: InnerDate, side: str) -> None:
    """The pinned date is the one the rule file writes, and the answer changes on exactly that day."""
    assert row.day in _dates_in_file(row.ruleset, row.item)
    day = row.day - DAY if side == "before" else row.day
    d = evaluate(_case(row.place, booking=day, **row.case), row.regime, rules=LIB)
    assert d.get(row.field) == (row.before if side == "before" else row.on), d.fired


def test_the_inner_dates_table_names_every_date_in_the_federal_and_local_rules() -> None:
    """Each ``date("...")`` in a federal or local rule file has a row in INNER_DATES."""
    written = {
        (rs, item["id"], day)
        for rs, doc in _rule_docs().items()
        if doc.get("level") in ("federal", "local")
        for item in [*doc.get("rules", []), *doc.get("definitions", [])]
        for day in _dates_in_file(rs, item["id"])
    }
    assert written <= {(r.ruleset, r.item, r.day) for r in INNER_DATES}


# ---------------------------------------------------------------------------------------------
# Places: the version in force switches on the first day of each version (the last day of the
# one before), and the layered answer changes with it. Pinned by hand; each row is checked
# against rules/places.yaml and the versions' own dates.


@dataclass(frozen=True)
class Switch:
    """On ``day`` the place's own version becomes ``after`` (``before`` the day before; None: none)."""

    place: str
    day: D
    before: str | None
    after: str
    case: dict[str, Any]
    answers: tuple[str, str]  # the place's local_response the day before, and on the day
    regime: str = SC_ANY


FEL_2010 = {"convictions": [_sv("violent", D(2010, 1, 1))]}
SWITCHES = [
    Switch("california", D(2014, 1, 1), None, "california-trust-act-2014", {}, ("hold", "decline")),
    Switch(
        "california",
        D(2018, 1, 1),
        "california-trust-act-2014",
        "california-sb54-2018",
        {"ice": WARRANT},
        ("decline", "hold"),
    ),
    Switch("san-francisco", D(2013, 11, 1), None, "san-francisco-2013", {}, ("hold", "decline")),
    Switch(
        "san-francisco",
        D(2014, 5, 29),
        "san-francisco-2013",
        "san-francisco-2014",
        FEL_2010,
        ("hold", "decline"),
    ),
    Switch(
        "san-francisco",
        D(2015, 3, 13),
        "san-francisco-2014",
        "san-francisco-2015",
        {"convictions": [FELONY]},
        ("notify", "decline"),
        PEP_MEMO,
    ),
    Switch(
        "san-francisco",
        D(2016, 6, 1),
        "san-francisco-2015",
        "san-francisco-2016",
        {**FEL_2010, "charges": [PC]},
        ("decline", "notify"),
        PEP_MEMO,
    ),
    Switch("santa-clara", D(2011, 10, 18), None, "santa-clara-2011", {}, ("hold", "decline")),
    Switch(
        "santa-clara",
        D(2019, 6, 4),
        "santa-clara-2011",
        "santa-clara-2019",
        {"ice": WARRANT},
        ("decline", "hold"),
    ),
    Switch("illinois", D(2017, 8, 28), None, "illinois-trust-act-2017", {}, ("hold", "decline")),
    Switch("cook-county", D(2011, 9, 7), None, "cook-county-2011", {}, ("hold", "decline")),
    Switch("chicago", D(2012, 9, 12), None, "chicago-2012", {}, ("hold", "decline")),
    Switch(
        "chicago",
        D(2021, 1, 27),
        "chicago-2012",
        "chicago-2021",
        {"convictions": [FELONY]},
        ("notify", "decline"),
        PEP_MEMO,
    ),
    Switch("new-york-city", D(2012, 2, 20), None, "new-york-city-2011", {}, ("hold", "decline")),
    Switch(
        "new-york-city",
        D(2013, 3, 18),
        "new-york-city-2011",
        "new-york-city-2013",
        {"convictions": [_conv("misdemeanor", on=D(2000, 1, 1))]},
        ("hold", "decline"),
    ),
    Switch(
        "new-york-city",
        D(2014, 12, 14),
        "new-york-city-2013",
        "new-york-city-2014",
        {"convictions": [FELONY]},
        ("hold", "decline"),
    ),
    Switch("washington-dc", D(2012, 12, 11), None, "washington-dc-2012", {}, ("hold", "decline")),
    Switch("connecticut", D(2014, 1, 1), None, "connecticut-trust-act-2014", {}, ("hold", "decline")),
    Switch(
        "connecticut",
        D(2019, 10, 1),
        "connecticut-trust-act-2014",
        "connecticut-2019",
        {"convictions": [FELONY]},
        ("hold", "decline"),
    ),
    Switch("miami-dade", D(2014, 1, 1), None, "miami-dade-2013", {}, ("hold", "decline")),
    Switch("miami-dade", D(2017, 1, 26), "miami-dade-2013", "miami-dade-2017", {}, ("decline", "hold")),
    Switch("oregon", D(1987, 7, 1), None, "oregon-1987", {}, ("hold", "hold")),
    Switch("texas", D(2017, 9, 1), None, "texas-sb4-2017", {}, ("hold", "hold")),
    Switch("travis-county", D(2017, 2, 1), None, "travis-county-2017", {}, ("hold", "decline")),
    # Texas's SB 4 mandate replaces Travis County's answer from its first day.
    Switch(
        "travis-county", D(2017, 9, 1), "travis-county-2017", "travis-county-2017", {}, ("decline", "hold")
    ),
    Switch("massachusetts", D(2017, 7, 24), None, "massachusetts-lunn-2017", {}, ("hold", "decline")),
]


def _switch_id(s: Switch) -> str:
    return f"{s.place} {s.before or 'no policy'} -> {s.after} on {s.day}"


def test_the_switches_name_every_version_of_every_place() -> None:
    """Each version listed in rules/places.yaml starts in a row of SWITCHES (add one for a new version)."""
    listed = {(p, v) for p, decl in _places_in_file().items() for v in decl.get("versions") or []}
    assert {(s.place, s.after) for s in SWITCHES} == listed
    assert set(_places_in_file()) == set(LIB.places)


@pytest.mark.parametrize("s", SWITCHES, ids=_switch_id)
def test_the_switch_days_are_the_rule_files_days(s: Switch) -> None:
    """A version starts on the day its file gives; the one before it ends the day before."""
    chain = [
        s.place,
        *([_places_in_file()[s.place]["parent"]] if "parent" in _places_in_file()[s.place] else []),
    ]
    starts = {_period_in_file(v)[0] for p in chain for v in _places_in_file()[p].get("versions") or []}
    assert s.day in starts
    if s.before is not None and s.before != s.after:
        assert _period_in_file(s.after)[0] == s.day
        assert _period_in_file(s.before)[1] == s.day - DAY


@pytest.mark.parametrize(
    ("s", "side"),
    [
        pytest.param(s, side, id=f"{_switch_id(s)}: {'day before' if side == 0 else 'first day'}")
        for s in SWITCHES
        for side in (0, 1)
    ],
)
def test_the_version_in_force_and_the_answer_switch_on_the_right_day(s: Switch, side: int) -> None:
    """The day before the switch the old version (or none) decides; on the day the new one does."""
    day = s.day - DAY * (1 - side)
    want = s.before if side == 0 else s.after
    assert (rs.id if (rs := LIB.version_in_force(s.place, day)) else None) == want
    d = evaluate(_case(s.place, booking=day, **s.case), s.regime, rules=LIB)
    assert d.version == want
    assert d.local_response == s.answers[side], d.layer_lines
    if want is None:
        assert [a.fallback for a in d.layers] == [True]


def test_a_batch_under_auto_switches_era_on_the_same_days() -> None:
    """The population path's ``auto`` puts each booking on an era edge in the same era as ``evaluate``."""
    import tempfile

    from detainer_model.population import evaluate_population, read_batch
    from detainer_model.population.tables import tables_from_cases

    edges = [(p.values[0], p.values[1]) for p in _era_edges()]
    cases = [
        _case(booking=day, charges=[_charge("felony")]).model_copy(update={"id": f"e{i}"})
        for i, (day, _) in enumerate(edges)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, frame in tables_from_cases(cases).items():
            paths[name] = Path(tmp) / f"{name}.csv"
            frame.write_csv(paths[name])
        batch = read_batch(LIB, paths["people"], paths["convictions"], paths["charges"])
    rows = evaluate_population(batch, LIB, ["auto"], None).table.iter_rows(named=True)
    got = {r["person_id"]: r["regime"] for r in rows}
    assert got == {f"e{i}": era for i, (_, era) in enumerate(edges)}


# A place inside another answers with it: the parent's layer decides where it is more restrictive.
PARENTS = {
    "san-francisco": "california",
    "santa-clara": "california",
    "cook-county": "illinois",
    "chicago": "illinois",
    "miami-dade": "florida",
    "travis-county": "texas",
}
PARENT_DECIDES = [
    ("san-francisco", D(2014, 7, 1), {"ice": WARRANT}, "california"),  # TRUST Act as practised
    (
        "santa-clara",
        D(2018, 3, 1),
        {"params": R, "convictions": [_sv("violent", D(2015, 1, 1))]},
        "california",
    ),
    ("cook-county", D(2018, 3, 1), {"params": R}, "illinois"),
    ("chicago", D(2018, 3, 1), {"convictions": [FELONY]}, "illinois"),
    ("travis-county", D(2018, 3, 1), {}, "texas"),
]


def test_the_places_inside_others_are_the_rule_files_nesting() -> None:
    """Each place's parent is the one pinned here, in the rule file and in the loaded chain."""
    in_file = {p: d["parent"] for p, d in _places_in_file().items() if "parent" in d}
    assert in_file == PARENTS
    assert {p: LIB.place_chain(p)[0] for p in PARENTS} == PARENTS


@pytest.mark.parametrize(
    ("place", "day", "case", "decider"),
    [pytest.param(*row, id=f"{row[0]} in {row[3]} {row[1]}") for row in PARENT_DECIDES],
)
def test_the_parent_layer_decides_where_it_is_stricter_or_a_mandate(
    place: str, day: D, case: dict[str, Any], decider: str
) -> None:
    """The parent's answer stands where it is more restrictive (or a mandate), not the place's own."""
    d = evaluate(_case(place, booking=day, **case), SC_ANY, rules=LIB)
    assert [a.place for a in d.layers] == [decider, place]
    assert d.layers[d.deciding].place == decider  # type: ignore[index]
    assert d.local_response != d.layers[1].local_response
