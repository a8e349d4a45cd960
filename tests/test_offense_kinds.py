"""Offense kinds with one legal standard each, gang and warrant facts split, and the old tags' reading.

Each policy's rule file says which kinds meet its own list. The tables below are written by hand
from the statutes the kinds name (rules/vocabulary.yaml) and the policies' texts; a change to a
list in rules/ fails here. The old tags ``violent`` and ``serious`` are read by each policy as
meeting its own list, so an old file answers as if it carried every list's kind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detainer_model import Case, evaluate
from detainer_model.core.scenarios import offense_conflicts

from strategies import LIB, cases_with_old_tags

D = dt.date

# How each old tag is read: the union of the lists' kinds (docs/scenario-format.md).
READ_AS: dict[str, frozenset[str]] = {
    "violent": frozenset(
        {
            "ca_violent_felony",
            "ca_trust_listed_offense",
            "nyc_listed_felony",
            "dc_dangerous_or_violent_crime",
            "ct_class_a_b_felony",
            "violence_threat_assault",
        }
    ),
    "serious": frozenset(
        {"ca_serious_felony", "ca_trust_listed_offense", "nyc_listed_felony", "dc_dangerous_or_violent_crime"}
    ),
}
NEW_KINDS = sorted(set().union(*READ_AS.values()))


def _case(
    jurisdiction: Any,
    booking: D,
    *,
    convictions: list[dict[str, Any]] | None = None,
    charges: list[dict[str, Any]] | None = None,
    ice: dict[str, Any] | None = None,
    **person: Any,
) -> Case:
    return Case.model_validate(
        {
            "id": "k",
            "title": "an offense-kind case",
            "booking_date": booking,
            "jurisdiction": jurisdiction,
            "person": {"status": "unauthorized", "age": 30, **person},
            "convictions": convictions or [],
            "charges": charges or [],
            "ice": ice or {},
        }
    )


def _felony(kind: str, on: D, **extra: Any) -> dict[str, Any]:
    return {"offense": "An offense", "date": on, "level": "felony", "kinds": [kind], **extra}


DC = {"id": "washington-dc-2012", "params": {"reimbursement_agreement": True}}
SANTA_CLARA = {"id": "santa-clara-2011", "params": {"reimbursement_agreement": True}}

# (policy, booking, regime, extra case fields) and, per kind of a felony conviction, the answer.
LISTS: dict[str, tuple[Any, D, str, dict[str, Any], dict[str, str]]] = {
    "DC dangerous or violent crime (10 years)": (
        DC, D(2013, 6, 1), "secure-communities", {},
        {"dc_dangerous_or_violent_crime": "hold", "ca_violent_felony": "decline",
         "nyc_listed_felony": "decline", "ct_class_a_b_felony": "decline", "violent": "hold",
         "serious": "hold"},
    ),
    "NYC 2014 enumerated felony (with a judge's warrant)": (
        "new-york-city-2014", D(2016, 3, 1), "pep",
        {"ice": {"judicial_warrant": True}, "removal_order": "final"},
        {"nyc_listed_felony": "hold", "ca_violent_felony": "decline", "ca_serious_felony": "decline",
         "dc_dangerous_or_violent_crime": "decline", "violent": "hold", "serious": "hold"},
    ),
    "SB 54 notice for a serious or violent felony": (
        "california-sb54-2018", D(2018, 3, 1), "pep:as-written", {},
        {"ca_serious_felony": "notify", "ca_violent_felony": "notify", "nyc_listed_felony": "decline",
         "dc_dangerous_or_violent_crime": "decline", "ct_class_a_b_felony": "decline", "violent": "notify",
         "serious": "notify"},
    ),
    "Connecticut 2019 class A or B felony": (
        "connecticut-2019", D(2020, 3, 1), "secure-communities-2017", {},
        {"ct_class_a_b_felony": "hold", "ca_violent_felony": "decline", "nyc_listed_felony": "decline",
         "violent": "hold", "serious": "decline", "homicide": "hold"},
    ),
    "Santa Clara 2011 serious or violent felony (10 years, reimbursed)": (
        SANTA_CLARA, D(2016, 3, 1), "secure-communities", {},
        {"ca_serious_felony": "hold", "ca_violent_felony": "hold", "nyc_listed_felony": "decline",
         "dc_dangerous_or_violent_crime": "decline", "violent": "hold", "serious": "hold"},
    ),
    "San Francisco 2013 violent felony (7 years)": (
        "san-francisco-2013", D(2014, 3, 1), "secure-communities", {},
        {"ca_violent_felony": "hold", "ca_serious_felony": "decline",
         "dc_dangerous_or_violent_crime": "decline", "violent": "hold", "serious": "decline"},
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("policy", "kind", "want"),
    [(name, kind, want) for name, (*_, answers) in LISTS.items() for kind, want in answers.items()],
    ids=str,
)
def test_each_policy_counts_only_its_own_lists_kinds(policy: str, kind: str, want: str) -> None:
    """A felony counts for a policy only if its kind is on that policy's list (old tags: every list)."""
    place, booking, regime, extra, _ = LISTS[policy]
    fields = dict(extra)
    ice = fields.pop("ice", None)
    case = _case(
        place, booking, convictions=[_felony(kind, booking.replace(year=booking.year - 3))], ice=ice, **fields
    )
    assert evaluate(case, regime, rules=LIB).local_response == want


@pytest.mark.parametrize(
    ("kind", "want"),
    [("ca_trust_listed_offense", "hold"), ("serious", "hold"), ("violent", "hold"),
     ("nyc_listed_felony", "decline"), ("violence_threat_assault", "decline")],
)  # fmt: skip
def test_the_trust_acts_listed_misdemeanor(kind: str, want: str) -> None:
    """A misdemeanor within 5 years counts under the TRUST Act only if it is on § 7282.5(a)(3)'s list."""
    conv = {"offense": "A misdemeanor", "date": D(2012, 1, 1), "level": "misdemeanor", "kinds": [kind]}
    case = _case("california-trust-act-2014", D(2014, 3, 1), convictions=[conv])
    assert evaluate(case, "secure-communities:as-practised", rules=LIB).local_response == want


@pytest.mark.parametrize(
    ("kind", "want"),
    [("violence_threat_assault", "detainer"), ("violent", "detainer"), ("ca_trust_listed_offense", "none")],
)
def test_the_2012_guidance_reads_violence_threats_or_assault(kind: str, want: str) -> None:
    """Condition 3 of the 2012 guidance: a pending misdemeanor involving violence, threats or assault."""
    charge = {"offense": "A charge", "level": "misdemeanor", "kinds": [kind]}
    case = _case("full-cooperation", D(2013, 6, 1), charges=[charge])
    assert evaluate(case, "secure-communities", rules=LIB).request == want


@pytest.mark.parametrize(
    "kind", ["ca_violent_felony", "ca_serious_felony", "nyc_listed_felony", "ct_class_a_b_felony"]
)
def test_a_felony_list_kind_is_refused_at_the_misdemeanor_level(kind: str) -> None:
    """A kind that names a list of felonies cannot describe a misdemeanor or a minor traffic offense."""
    assert offense_conflicts(LIB, "misdemeanor", [kind])
    assert offense_conflicts(LIB, "minor_traffic", [kind])
    assert not offense_conflicts(LIB, "felony", [kind])


def test_the_vocabulary_declares_every_kind_the_tables_use() -> None:
    """Every kind an old tag is read as exists in the vocabulary, with a source of its own."""
    for kind in NEW_KINDS:
        term = LIB.vocabulary.offense_kinds[kind]
        assert term.source in LIB.sources, kind


def _read_as_new(case: Case) -> Case:
    data = case.model_dump()
    for group in ("convictions", "charges"):
        for item in data[group]:
            kinds = set(item["kinds"])
            for old, new in READ_AS.items():
                if old in kinds:
                    kinds = (kinds - {old}) | new
            item["kinds"] = sorted(kinds)
    return Case.model_validate(data, strict=False)


REGIMES = ["secure-communities", "secure-communities:as-practised", "interim-2015", "pep", "pep:as-written",
           "secure-communities-2017"]  # fmt: skip


@given(case=cases_with_old_tags(), regime=st.sampled_from(REGIMES))
def test_an_old_tag_answers_as_every_list_it_is_read_as(case: Case, regime: str) -> None:
    """An old file's violent/serious answers exactly as the same offense tagged with every list's kind."""
    old = evaluate(case, regime, rules=LIB)
    new = evaluate(_read_as_new(case), regime, rules=LIB)
    assert (old.request, old.form, old.local_response, old.outcome) == (
        new.request,
        new.form,
        new.local_response,
        new.outcome,
    )


# --- gang and warrant facts ----------------------------------------------------------------------

GANG = [
    # (gang_participation, gang_database_listed, Chicago 2012, Connecticut 2014, priority 1(c))
    (True, None, "hold", "hold", True),  # an old file: participation read as the listing
    (True, False, "decline", "decline", True),
    (False, True, "hold", "hold", False),
    (False, None, "decline", "decline", False),
]


@pytest.mark.parametrize(("took_part", "listed", "chicago", "connecticut", "one_c"), GANG, ids=str)
def test_gang_participation_and_database_listing_are_separate(
    took_part: bool, listed: bool | None, chicago: str, connecticut: str, one_c: bool
) -> None:
    """Chicago and Connecticut ask about a database listing; priority 1(c) about participation."""
    person: dict[str, Any] = {"gang_participation": took_part}
    if listed is not None:
        person["gang_database_listed"] = listed
    booked = D(2016, 3, 1)
    sc = "secure-communities:as-practised"
    assert evaluate(_case("chicago-2012", booked, **person), sc, rules=LIB).local_response == chicago
    assert (
        evaluate(_case("connecticut-trust-act-2014", booked, **person), sc, rules=LIB).local_response
        == connecticut
    )
    assert (
        "1(c)" in evaluate(_case("full-cooperation", booked, **person), "pep", rules=LIB).priorities
    ) is one_c


@pytest.mark.parametrize(
    ("in_state", "connecticut", "chicago"),
    [(None, "hold", "hold"), (True, "hold", "hold"), (False, "decline", "hold")],
)
def test_a_warrant_from_another_state_counts_in_chicago_not_connecticut(
    in_state: bool | None, connecticut: str, chicago: str
) -> None:
    """Connecticut's criterion 3 is a Connecticut arrest warrant; Chicago's carve-out any criminal warrant."""
    person: dict[str, Any] = {"outstanding_criminal_warrant": True}
    if in_state is not None:
        person["warrant_in_state"] = in_state
    booked, sc = D(2016, 3, 1), "secure-communities:as-practised"
    assert (
        evaluate(_case("connecticut-trust-act-2014", booked, **person), sc, rules=LIB).local_response
        == connecticut
    )
    assert evaluate(_case("chicago-2012", booked, **person), sc, rules=LIB).local_response == chicago
