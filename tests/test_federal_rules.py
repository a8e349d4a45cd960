"""Example tests for every shared and federal rule: each fires when it should and not otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from detainer_model import evaluate

from builders import conviction, make_case


def pep(case):  # type: ignore[no-untyped-def]
    return evaluate(case, "pep")


def sc(case):  # type: ignore[no-untyped-def]
    return evaluate(case, "secure-communities")


def test_identified_by_default_unless_citizen() -> None:
    """A noncitizen's prints match by default; a citizen's do not unless the case says so."""
    assert sc(make_case()).identified is True
    assert sc(make_case(status="us_citizen")).identified is False
    assert sc(make_case(status="us_citizen", in_ident=True)).identified is True
    assert sc(make_case(in_ident=False)).identified is False


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ({"status": "unauthorized"}, True),
        ({"status": "lpr"}, False),
        ({"status": "lpr", "removal_order": "final"}, True),
        ({"status": "nonimmigrant", "prior_removals": 1}, True),
        ({"status": "nonimmigrant", "removal_order": "pending"}, False),
        ({"status": "unauthorized", "removable": False}, False),
        ({"status": "lpr", "removable": True}, True),
        ({"status": "us_citizen", "removal_order": "final"}, False),
    ],
)
def test_removability_default(person: dict[str, object], expected: bool) -> None:
    """Removability follows the contract's default (3.2) unless the case states it."""
    assert sc(make_case(**person)).removable is expected


def test_secure_communities_detains_any_identified_removable_person_before_the_2012_guidance() -> None:
    """Until December 20, 2012, Secure Communities asks for a detainer on I-247 whatever the record."""
    d = sc(make_case(booking_date=dt.date(2012, 12, 20)))
    assert (d.request, d.form, d.local_response, d.outcome) == ("detainer", "I-247", "hold", "transfer")
    assert "sc.request.detainer" in d.fired


def test_secure_communities_needs_a_guidance_condition_from_december_21_2012() -> None:
    """From the 2012 guidance, no record means no detainer as written; as practised, still one."""
    case = make_case(booking_date=dt.date(2012, 12, 21))
    assert sc(case).request == "none"
    assert evaluate(case, "secure-communities:as-practised").request == "detainer"
    charged = make_case(booking_date=dt.date(2013, 3, 1), charges=[{"offense": "x", "level": "felony"}])
    assert sc(charged).request == "detainer"


@pytest.mark.parametrize("person", [{"in_ident": False}, {"status": "lpr"}, {"status": "us_citizen"}])
def test_secure_communities_asks_nothing_without_identification_and_removability(
    person: dict[str, object],
) -> None:
    """Nobody but an identified, removable person gets a request."""
    d = sc(make_case(**person))
    assert (d.request, d.form, d.local_response, d.outcome) == ("none", None, "none", "no_request")


@pytest.mark.parametrize(
    ("convictions", "level"),
    [
        ([], None),
        ([conviction("misdemeanor")], 3),
        ([conviction("misdemeanor"), conviction("misdemeanor")], 3),
        ([conviction("misdemeanor") for _ in range(3)], 2),
        ([conviction("felony")], 2),
        ([conviction("felony"), conviction("felony")], 1),
        ([conviction("misdemeanor", "aggravated_felony")], 1),
        ([conviction("minor_traffic") for _ in range(4)], None),
        ([conviction("minor_traffic", "aggravated_felony")], None),
        ([conviction("felony"), conviction("misdemeanor")], 2),
    ],
)
def test_sc_levels(convictions: list[dict[str, object]], level: int | None) -> None:
    """ICE's offense levels: aggravated felony or 2 felonies = 1; 1 felony or 3 misdemeanors = 2."""
    assert pep(make_case(convictions=convictions)).sc_level == level


@pytest.mark.parametrize(
    ("case_kwargs", "category", "present"),
    [
        ({"national_security_risk": True}, "1(a)", True),
        ({"apprehended_at_border": True}, "1(b)", True),
        ({"gang_participation": True, "age": 16}, "1(c)", True),
        ({"gang_participation": True, "age": 15}, "1(c)", False),
        ({"convictions": [conviction("misdemeanor", "gang_element")], "age": 15}, "1(c)", True),
        ({"convictions": [conviction("felony")]}, "1(d)", True),
        ({"convictions": [conviction("felony", "state_immigration_offense")]}, "1(d)", False),
        ({"convictions": [conviction("misdemeanor", "aggravated_felony")]}, "1(e)", True),
        (
            {"convictions": [conviction(incident="a"), conviction(incident="b"), conviction(incident="c")]},
            "2(a)",
            True,
        ),
        (
            {"convictions": [conviction(incident="a"), conviction(incident="a"), conviction(incident="b")]},
            "2(a)",
            False,
        ),
        (
            {
                "convictions": [
                    conviction(),
                    conviction(),
                    conviction("misdemeanor", "state_immigration_offense"),
                ]
            },
            "2(a)",
            False,
        ),
        ({"convictions": [conviction(), conviction(), conviction("minor_traffic")]}, "2(a)", False),
        ({"convictions": [conviction(custody_days=90)]}, "2(b)", True),
        ({"convictions": [conviction(custody_days=89)]}, "2(b)", False),
        ({"convictions": [conviction("misdemeanor", "dui")]}, "2(b)", True),
        ({"convictions": [conviction("minor_traffic", "dui")]}, "2(b)", False),
        ({"convictions": [conviction("felony", "dui")]}, "2(b)", False),
        ({"entry_date": dt.date(2014, 1, 2)}, "2(c)", True),
        ({"entry_date": dt.date(2014, 1, 1)}, "2(c)", False),
        ({"visa_abuse": True}, "2(d)", True),
        ({"removal_order": "final", "removal_order_date": dt.date(2014, 1, 1)}, "3", True),
        ({"removal_order": "final", "removal_order_date": dt.date(2013, 12, 31)}, "3", False),
        ({"removal_order": "final"}, "3", False),
        ({"removal_order": "pending", "removal_order_date": dt.date(2014, 6, 1)}, "3", False),
    ],
)
def test_priority_categories(case_kwargs: dict[str, object], category: str, present: bool) -> None:
    """Each category of the 2014 memo is met exactly on its side of the boundary."""
    assert (category in pep(make_case(**case_kwargs)).priorities) is present  # type: ignore[arg-type]


def test_priorities_are_reported_under_both_regimes_in_memo_order() -> None:
    """Priorities are reported under Secure Communities too, sorted as the memo numbers them."""
    case = make_case(visa_abuse=True, national_security_risk=True, convictions=[conviction("felony")])
    assert sc(case).priorities == pep(case).priorities == ("1(a)", "1(d)", "2(d)")


@pytest.mark.parametrize(
    ("case_kwargs", "wanted", "form"),
    [
        ({}, "none", None),
        ({"convictions": [conviction("felony")]}, "notification", "I-247N"),
        ({"convictions": [conviction("felony")], "removal_order": "final"}, "detainer", "I-247D"),
        ({"convictions": [conviction("felony")], "prior_removals": 2}, "detainer", "I-247D"),
        ({"convictions": [conviction("felony")], "removal_order": "pending"}, "notification", "I-247N"),
        ({"apprehended_at_border": True, "removal_order": "final"}, "none", None),
        ({"visa_abuse": True}, "none", None),
        ({"entry_date": dt.date(2015, 1, 1)}, "none", None),
        ({"removal_order": "final", "removal_order_date": dt.date(2015, 1, 1)}, "none", None),
        ({"national_security_risk": True}, "notification", "I-247N"),
        ({"convictions": [conviction("felony")], "in_ident": False}, "none", None),
        ({"convictions": [conviction("felony")], "status": "lpr"}, "none", None),
        (
            {"convictions": [conviction("felony")], "status": "lpr", "removable": True},
            "notification",
            "I-247N",
        ),
    ],
)
def test_pep_requests_as_written(case_kwargs: dict[str, object], wanted: str, form: str | None) -> None:
    """PEP as written asks only for transfer categories; a hold only with a final order; else notification."""
    d = evaluate(make_case(**case_kwargs), "pep:as-written")
    assert (d.request, d.form) == (wanted, form)
    assert d.reading == "as-written"


@pytest.mark.parametrize(
    ("case_kwargs", "wanted", "form"),
    [
        ({}, "none", None),
        ({"convictions": [conviction("felony")]}, "detainer", "I-247D"),
        ({"convictions": [conviction("felony")], "removal_order": "pending"}, "detainer", "I-247D"),
        ({"convictions": [conviction("felony")], "in_ident": False}, "none", None),
        ({"convictions": [conviction("felony", "aggravated_felony")], "status": "lpr"}, "detainer", "I-247D"),
        (
            {"convictions": [conviction("felony")], "status": "lpr", "removable": True},
            "notification",
            "I-247N",
        ),
        (
            {"convictions": [conviction("felony")], "status": "nonimmigrant", "removable": True},
            "notification",
            "I-247N",
        ),
    ],
)
def test_pep_requests_as_practised(case_kwargs: dict[str, object], wanted: str, form: str | None) -> None:
    """PEP as practised (the default) asks for a hold whenever the I-247D's Part B probable cause exists."""
    d = pep(make_case(**case_kwargs))
    assert (d.request, d.form) == (wanted, form)
    assert d.reading == "as-practised"


def test_pep_detainer_overrides_notification() -> None:
    """With a final order, the detainer rule is an exception that beats the notification rule."""
    d = pep(make_case(convictions=[conviction("felony")], removal_order="final"))
    assert "pep.request.detainer" in d.fired
    assert "pep.request.notification" not in d.fired
    # (the NCIC answer has its own default giving way, on another field)
    assert [(o.rule.id, o.by.id) for o in d.overridden if o.field == "request"] == [
        ("pep.request.notification", "pep.request.detainer")
    ]


def test_san_francisco_declines_without_a_warrant_and_honors_with_one() -> None:
    """San Francisco declines both kinds of request unless a judge signed a warrant."""
    felon = {"convictions": [conviction("felony")], "jurisdiction": "san-francisco-2015"}
    assert pep(make_case(**felon)).outcome == "released_despite_request"  # type: ignore[arg-type]
    written = evaluate(make_case(**felon, ice={"judicial_warrant": True}), "pep:as-written")  # type: ignore[arg-type]
    assert written.outcome == "notified_release"
    assert pep(make_case(**felon, ice={"judicial_warrant": True})).outcome == "transfer"  # type: ignore[arg-type]
    assert sc(make_case(**felon, ice={"judicial_warrant": True})).outcome == "transfer"  # type: ignore[arg-type]
    assert sc(make_case(**felon)).local_response == "decline"  # type: ignore[arg-type]


def test_warnings_for_bookings_outside_a_regime() -> None:
    """A booking outside a regime's years is evaluated as a hypothetical, with a warning."""
    d = pep(make_case(booking_date=dt.date(2012, 5, 1)))
    assert any("outside the period pep was in force" in w for w in d.warnings)
    assert not sc(make_case(booking_date=dt.date(2012, 5, 1))).warnings


def test_explanation_names_each_fired_rule_and_its_source() -> None:
    """Every explanation line starts with a fired rule's id and carries its source."""
    d = pep(make_case(convictions=[conviction("felony")]))
    assert len(d.explanation) == len(d.fired)
    for rule_id, line in zip(d.fired, d.explanation, strict=True):
        assert line.startswith(rule_id + " → ")
        assert "Source: " in line
