"""Example tests for every local rule: each fires where its criterion holds and not just across the line.

Each row names a rule, a case on the side of the boundary where the rule applies (and the answer it
then gives), and a case just on the other side, where it must not apply. A final test checks that
every rule of every local policy has a row here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from detainer_model import Case, evaluate, load_rules
from detainer_model.rulebook.expressions import years_before

from builders import BOOKING, make_case

LIB = load_rules()
# The readings that ask ICE's question of every identified, removable person (a detainer under
# Secure Communities, a notification under PEP as written), so each local rule can be reached.
SC, PEP = "secure-communities:as-practised", "pep:as-written"


def ago(years: int, days: int = 0) -> dt.date:
    """The booking date ``years`` calendar years earlier, then ``days`` days earlier still."""
    return years_before(BOOKING, years) - dt.timedelta(days=days)


def conv(level: str = "felony", *kinds: str, on: dt.date | None = None, **extra: Any) -> dict[str, Any]:
    """A conviction dated ``on`` (default: two years before booking)."""
    return {"offense": "An offense", "date": on or ago(2), "level": level, "kinds": list(kinds), **extra}


def charge(level: str = "felony", *kinds: str, **extra: Any) -> dict[str, Any]:
    return {"offense": "A pending charge", "level": level, "kinds": list(kinds), **extra}


FELONY = [conv("felony")]
VIOLENT = [conv("felony", "violent")]
DUI = [conv("misdemeanor", "dui")]
PC_FELONY = [charge("felony", "violent", probable_cause_found=True)]


def case(jid: str, params: dict[str, Any] | None = None, **kw: Any) -> Case:
    """A case in ``jid``: an unauthorized adult with no record unless ``kw`` says otherwise."""
    where: Any = {"id": jid, "params": params} if params else jid
    return make_case(jurisdiction=where, **kw)


PAID = {"reimbursement_agreement": True}
CA_WRITTEN = (
    "california-trust-act-2014:as-written"  # the TRUST Act as written (its default reading is as practised)
)
UNPAID = {"reimbursement_agreement": False}
WARRANT = {"judicial_warrant": True}

# (rule id, regime, case where it applies, the answer then, case just across the line)
EXAMPLES: list[tuple[str, str, Case, str, Case]] = [
    # full cooperation
    ("full-cooperation.hold", SC, case("full-cooperation"), "hold", case("full-cooperation", status="lpr")),
    (
        "full-cooperation.notify",
        PEP,
        case("full-cooperation", convictions=FELONY),
        "notify",
        case("full-cooperation"),
    ),
    # San Francisco 2015
    (
        "san-francisco-2015.decline-detainer",
        SC,
        case("san-francisco-2015"),
        "decline",
        case("san-francisco-2015", ice=WARRANT),
    ),
    (
        "san-francisco-2015.warrant-hold",
        SC,
        case("san-francisco-2015", ice=WARRANT),
        "hold",
        case("san-francisco-2015"),
    ),
    (
        "san-francisco-2015.decline-notification",
        PEP,
        case("san-francisco-2015", convictions=FELONY),
        "decline",
        case("san-francisco-2015", convictions=FELONY, ice=WARRANT),
    ),
    (
        "san-francisco-2015.warrant-notify",
        PEP,
        case("san-francisco-2015", convictions=FELONY, ice=WARRANT),
        "notify",
        case("san-francisco-2015", convictions=FELONY),
    ),
    # Cook County 2011
    (
        "cook-county-2011.decline-detainer",
        SC,
        case("cook-county-2011"),
        "decline",
        case("cook-county-2011", PAID),
    ),
    (
        "cook-county-2011.hold-if-reimbursed",
        SC,
        case("cook-county-2011", PAID),
        "hold",
        case("cook-county-2011", UNPAID),
    ),
    (
        "cook-county-2011.decline-notification",
        PEP,
        case("cook-county-2011", PAID, convictions=FELONY),
        "decline",
        case("cook-county-2011", convictions=FELONY, ice=WARRANT),
    ),
    (
        "cook-county-2011.notify-with-criminal-warrant",
        PEP,
        case("cook-county-2011", convictions=FELONY, ice=WARRANT),
        "notify",
        case("cook-county-2011", convictions=FELONY),
    ),
    # Santa Clara 2011 (agreement in place unless the row is about it)
    (
        "santa-clara-2011.decline-detainer",
        SC,
        case("santa-clara-2011", PAID, convictions=FELONY),
        "decline",
        case("santa-clara-2011", PAID, convictions=VIOLENT),
    ),
    (
        "santa-clara-2011.hold-serving-sentence",
        SC,
        case(
            "santa-clara-2011",
            PAID,
            convictions=[conv("felony", "serious", on=ago(12), serving_sentence=True)],
        ),
        "hold",
        case("santa-clara-2011", PAID, convictions=[conv("felony", "serious", on=ago(12))]),
    ),
    (
        "santa-clara-2011.hold-conviction-10-years",
        SC,
        case("santa-clara-2011", PAID, convictions=[conv("felony", "violent", on=ago(10))]),
        "hold",
        case("santa-clara-2011", PAID, convictions=[conv("felony", "violent", on=ago(10, 1))]),
    ),
    (
        "santa-clara-2011.hold-release-5-years",
        SC,
        case(
            "santa-clara-2011", PAID, convictions=[conv("felony", "violent", on=ago(12), release_date=ago(5))]
        ),
        "hold",
        case(
            "santa-clara-2011",
            PAID,
            convictions=[conv("felony", "violent", on=ago(12), release_date=ago(5, 1))],
        ),
    ),
    (
        "santa-clara-2011.hold-homicide",
        SC,
        case("santa-clara-2011", PAID, convictions=[conv("felony", "homicide", on=ago(40))]),
        "hold",
        case("santa-clara-2011", PAID, convictions=[conv("felony", "violent", on=ago(40))]),
    ),
    (
        "santa-clara-2011.no-reimbursement",
        SC,
        case("santa-clara-2011", UNPAID, convictions=VIOLENT),
        "decline",
        case("santa-clara-2011", PAID, convictions=VIOLENT),
    ),
    (
        "santa-clara-2011.no-juveniles",
        SC,
        case("santa-clara-2011", PAID, convictions=VIOLENT, age=17),
        "decline",
        case("santa-clara-2011", PAID, convictions=VIOLENT, age=18),
    ),
    (
        "santa-clara-2011.decline-notification",
        PEP,
        case("santa-clara-2011", PAID, convictions=VIOLENT),
        "decline",
        case("santa-clara-2011", PAID, convictions=VIOLENT, removal_order="final"),
    ),
    # Washington, DC 2012
    (
        "washington-dc-2012.decline-detainer",
        SC,
        case("washington-dc-2012", PAID),
        "decline",
        case("washington-dc-2012", PAID, convictions=VIOLENT),
    ),
    (
        "washington-dc-2012.hold-conviction-10-years",
        SC,
        case("washington-dc-2012", PAID, convictions=[conv("misdemeanor", "violent", on=ago(10))]),
        "hold",
        case("washington-dc-2012", PAID, convictions=[conv("misdemeanor", "violent", on=ago(10, 1))]),
    ),
    (
        "washington-dc-2012.hold-release-5-years",
        SC,
        case(
            "washington-dc-2012",
            PAID,
            convictions=[conv("felony", "violent", on=ago(15), release_date=ago(5))],
        ),
        "hold",
        case(
            "washington-dc-2012",
            PAID,
            convictions=[conv("felony", "violent", on=ago(15), release_date=ago(5, 1))],
        ),
    ),
    (
        "washington-dc-2012.hold-homicide",
        SC,
        case("washington-dc-2012", PAID, convictions=[conv("felony", "homicide", on=ago(30))]),
        "hold",
        case("washington-dc-2012", PAID, convictions=[conv("felony", "serious", on=ago(30))]),
    ),
    (
        "washington-dc-2012.no-reimbursement",
        SC,
        case("washington-dc-2012", convictions=VIOLENT),
        "decline",
        case("washington-dc-2012", PAID, convictions=VIOLENT),
    ),
    (
        "washington-dc-2012.under-18",
        SC,
        case("washington-dc-2012", PAID, convictions=VIOLENT, age=17),
        "decline",
        case("washington-dc-2012", PAID, convictions=VIOLENT, age=18),
    ),
    (
        "washington-dc-2012.notify",
        PEP,
        case("washington-dc-2012", convictions=FELONY),
        "notify",
        case("washington-dc-2012", convictions=FELONY, removal_order="final"),
    ),
    # Chicago 2012
    (
        "chicago-2012.decline-detainer",
        SC,
        case("chicago-2012", ice=WARRANT),
        "decline",
        case("chicago-2012", convictions=FELONY),
    ),
    (
        "chicago-2012.hold-criminal-warrant",
        SC,
        case("chicago-2012", outstanding_criminal_warrant=True),
        "hold",
        case("chicago-2012", federal_felony_warrant=True),
    ),
    (
        "chicago-2012.hold-felony-conviction",
        SC,
        case("chicago-2012", convictions=FELONY),
        "hold",
        case("chicago-2012", convictions=[conv("misdemeanor", "violent")]),
    ),
    (
        "chicago-2012.hold-pending-felony",
        SC,
        case("chicago-2012", charges=[charge("felony")]),
        "hold",
        case("chicago-2012", charges=[charge("misdemeanor", probable_cause_found=True)]),
    ),
    (
        "chicago-2012.hold-gang-member",
        SC,
        case("chicago-2012", gang_participation=True),
        "hold",
        case("chicago-2012"),
    ),
    (
        "chicago-2012.decline-notification",
        PEP,
        case("chicago-2012", convictions=DUI),
        "decline",
        case("chicago-2012", convictions=FELONY),
    ),
    # California TRUST Act
    (
        "california-trust-act-2014.decline-detainer",
        SC,
        case(CA_WRITTEN, convictions=[conv("misdemeanor")]),
        "decline",
        case(CA_WRITTEN, convictions=FELONY),
    ),
    (
        # the default reading (as practised): from June 1, 2014 no detainer is honoured
        "california-trust-act-2014.practice-decline-detainer",
        SC,
        case("california-trust-act-2014", convictions=FELONY, booking_date=dt.date(2014, 6, 1)),
        "decline",
        case("california-trust-act-2014", convictions=FELONY, booking_date=dt.date(2014, 5, 31)),
    ),
    (
        "california-trust-act-2014.hold-felony-conviction",
        SC,
        case(CA_WRITTEN, convictions=[conv("felony", on=ago(30))]),
        "hold",
        case(CA_WRITTEN, convictions=[conv("misdemeanor", on=ago(1))]),
    ),
    (
        "california-trust-act-2014.hold-wobbler-5-years",
        SC,
        case(CA_WRITTEN, convictions=[conv("misdemeanor", "serious", on=ago(5))]),
        "hold",
        case(CA_WRITTEN, convictions=[conv("misdemeanor", "serious", on=ago(5, 1))]),
    ),
    (
        "california-trust-act-2014.hold-probable-cause",
        SC,
        case(CA_WRITTEN, charges=[charge("felony", probable_cause_found=True)]),
        "hold",
        case(CA_WRITTEN, charges=[charge("felony", probable_cause_found=False)]),
    ),
    (
        "california-trust-act-2014.hold-registrant",
        SC,
        case(CA_WRITTEN, sex_arson_registrant=True),
        "hold",
        case(CA_WRITTEN),
    ),
    (
        "california-trust-act-2014.hold-aggravated-felony",
        SC,
        case(CA_WRITTEN, convictions=[conv("misdemeanor", "aggravated_felony", on=ago(20))]),
        "hold",
        case(CA_WRITTEN, convictions=[conv("misdemeanor", "drug_trafficking", on=ago(20))]),
    ),
    (
        "california-trust-act-2014.hold-federal-felony-warrant",
        SC,
        case(CA_WRITTEN, federal_felony_warrant=True),
        "hold",
        case(CA_WRITTEN, outstanding_criminal_warrant=True),
    ),
    (
        "california-trust-act-2014.practice-decline-detainer",
        SC,
        case("california-trust-act-2014", convictions=FELONY),
        "decline",
        case("california-trust-act-2014", convictions=FELONY, booking_date=dt.date(2014, 5, 31)),
    ),
    (
        "california-trust-act-2014.notify",
        PEP,
        case(CA_WRITTEN, convictions=FELONY),
        "notify",
        case(CA_WRITTEN, convictions=FELONY, removal_order="final"),
    ),
    # Connecticut TRUST Act
    (
        "connecticut-trust-act-2014.decline-detainer",
        SC,
        case("connecticut-trust-act-2014", charges=[charge("misdemeanor", bond_posted=True)]),
        "decline",
        case("connecticut-trust-act-2014", charges=[charge("misdemeanor", bond_posted=False)]),
    ),
    (
        "connecticut-trust-act-2014.hold-felony-conviction",
        SC,
        case("connecticut-trust-act-2014", convictions=FELONY),
        "hold",
        case("connecticut-trust-act-2014", convictions=[conv("misdemeanor", "violent")]),
    ),
    (
        "connecticut-trust-act-2014.hold-pending-charge",
        SC,
        case("connecticut-trust-act-2014", charges=[charge("misdemeanor", bond_posted=False)]),
        "hold",
        case("connecticut-trust-act-2014", charges=[charge("felony", bond_posted=True)]),
    ),
    (
        "connecticut-trust-act-2014.hold-arrest-warrant",
        SC,
        case("connecticut-trust-act-2014", outstanding_criminal_warrant=True),
        "hold",
        case("connecticut-trust-act-2014"),
    ),
    (
        "connecticut-trust-act-2014.hold-gang-member",
        SC,
        case("connecticut-trust-act-2014", gang_participation=True),
        "hold",
        case("connecticut-trust-act-2014"),
    ),
    (
        "connecticut-trust-act-2014.hold-watchlist",
        SC,
        case("connecticut-trust-act-2014", watchlist_match=True),
        "hold",
        case("connecticut-trust-act-2014"),
    ),
    (
        "connecticut-trust-act-2014.hold-final-order",
        SC,
        case("connecticut-trust-act-2014", removal_order="final"),
        "hold",
        case("connecticut-trust-act-2014", removal_order="pending"),
    ),
    (
        "connecticut-trust-act-2014.hold-public-safety-risk",
        SC,
        case("connecticut-trust-act-2014", public_safety_risk=True),
        "hold",
        case("connecticut-trust-act-2014"),
    ),
    (
        "connecticut-trust-act-2014.notify",
        PEP,
        case("connecticut-trust-act-2014", convictions=FELONY),
        "notify",
        case("connecticut-trust-act-2014", convictions=FELONY, removal_order="final"),
    ),
    # New York City 2014
    (
        "new-york-city-2014.decline-detainer",
        SC,
        case("new-york-city-2014", convictions=VIOLENT),
        "decline",
        case("new-york-city-2014", convictions=VIOLENT, ice=WARRANT),
    ),
    (
        "new-york-city-2014.hold-warrant-and-conviction",
        SC,
        case("new-york-city-2014", convictions=[conv("felony", "serious", on=ago(5))], ice=WARRANT),
        "hold",
        case("new-york-city-2014", convictions=[conv("felony", "serious", on=ago(5, 1))], ice=WARRANT),
    ),
    (
        "new-york-city-2014.hold-warrant-and-watchlist",
        SC,
        case("new-york-city-2014", watchlist_match=True, ice=WARRANT),
        "hold",
        case("new-york-city-2014", watchlist_match=True),
    ),
    (
        "new-york-city-2014.nypd-hold-for-warrant",
        SC,
        case(
            "new-york-city-2014",
            {"nypd_custody": True},
            convictions=[conv("felony", "violent", on=ago(20))],
            prior_removals=1,
        ),
        "hold",
        case("new-york-city-2014", convictions=[conv("felony", "violent", on=ago(20))], prior_removals=1),
    ),
    (
        "new-york-city-2014.decline-notification",
        PEP,
        case("new-york-city-2014", convictions=VIOLENT),
        "decline",
        case("new-york-city-2014", convictions=VIOLENT, ice=WARRANT),
    ),
    (
        "new-york-city-2014.notify-honorable",
        PEP,
        case("new-york-city-2014", convictions=VIOLENT, ice=WARRANT),
        "notify",
        case("new-york-city-2014", convictions=FELONY, ice=WARRANT),
    ),
    # Miami-Dade 2013
    (
        "miami-dade-2013.decline-detainer",
        SC,
        case("miami-dade-2013", PAID),
        "decline",
        case("miami-dade-2013", PAID, convictions=FELONY),
    ),
    (
        "miami-dade-2013.hold-convicted-felon",
        SC,
        case("miami-dade-2013", PAID, convictions=FELONY),
        "hold",
        case("miami-dade-2013", PAID, convictions=[conv("misdemeanor", "violent")]),
    ),
    (
        "miami-dade-2013.hold-non-bondable-charge",
        SC,
        case("miami-dade-2013", PAID, charges=[charge("felony", non_bondable=True)]),
        "hold",
        case("miami-dade-2013", PAID, charges=[charge("felony", non_bondable=False)]),
    ),
    (
        "miami-dade-2013.no-reimbursement",
        SC,
        case("miami-dade-2013", convictions=FELONY),
        "decline",
        case("miami-dade-2013", PAID, convictions=FELONY),
    ),
    (
        "miami-dade-2013.decline-notification",
        PEP,
        case("miami-dade-2013", convictions=FELONY),
        "decline",
        case("miami-dade-2013", PAID, convictions=FELONY),
    ),
    (
        "miami-dade-2013.notify-if-reimbursed",
        PEP,
        case("miami-dade-2013", PAID, convictions=FELONY),
        "notify",
        case("miami-dade-2013", UNPAID, convictions=FELONY),
    ),
    # Judicial warrant only
    (
        "judicial-warrant-only.decline-detainer",
        SC,
        case("judicial-warrant-only"),
        "decline",
        case("judicial-warrant-only", ice=WARRANT),
    ),
    (
        "judicial-warrant-only.hold-with-warrant",
        SC,
        case("judicial-warrant-only", ice=WARRANT),
        "hold",
        case("judicial-warrant-only"),
    ),
    (
        "judicial-warrant-only.notify",
        PEP,
        case("judicial-warrant-only", convictions=FELONY),
        "notify",
        case("judicial-warrant-only", convictions=FELONY, removal_order="final"),
    ),
    # 287(g) jail
    ("jail-287g.hold", SC, case("jail-287g"), "hold", case("jail-287g", status="lpr")),
    ("jail-287g.notify", PEP, case("jail-287g", convictions=FELONY), "notify", case("jail-287g")),
]


# Versions and state laws of places with a history (issue 11), each pinned by its own id.
EXAMPLES += [
    (
        "san-francisco-2013.decline-detainer",
        SC,
        case("san-francisco-2013"),
        "decline",
        case("san-francisco-2013", convictions=VIOLENT),
    ),
    (
        "san-francisco-2013.hold-violent-felony-conviction",
        SC,
        case("san-francisco-2013", convictions=VIOLENT),
        "hold",
        case("san-francisco-2013", convictions=[conv("felony", "violent", on=ago(8))]),
    ),
    (
        "san-francisco-2013.hold-violent-felony-charge",
        SC,
        case("san-francisco-2013", charges=PC_FELONY),
        "hold",
        case("san-francisco-2013", charges=[charge("felony", "violent")]),
    ),
    (
        "san-francisco-2013.notify",
        PEP,
        case("san-francisco-2013", convictions=FELONY),
        "notify",
        case("san-francisco-2013"),
    ),
    (
        "san-francisco-2014.decline-detainer",
        SC,
        case("san-francisco-2014"),
        "decline",
        case("san-francisco-2014", ice=WARRANT),
    ),
    (
        "san-francisco-2014.warrant-hold",
        SC,
        case("san-francisco-2014", ice=WARRANT),
        "hold",
        case("san-francisco-2014"),
    ),
    (
        "san-francisco-2014.notify",
        PEP,
        case("san-francisco-2014", convictions=FELONY),
        "notify",
        case("san-francisco-2014"),
    ),
    (
        "san-francisco-2016.decline-detainer",
        SC,
        case("san-francisco-2016"),
        "decline",
        case("san-francisco-2016", ice=WARRANT),
    ),
    (
        "san-francisco-2016.warrant-hold",
        SC,
        case("san-francisco-2016", ice=WARRANT),
        "hold",
        case("san-francisco-2016"),
    ),
    (
        "san-francisco-2016.decline-notification",
        PEP,
        case("san-francisco-2016", convictions=VIOLENT),
        "decline",
        case("san-francisco-2016", convictions=VIOLENT, charges=PC_FELONY),
    ),
    (
        "san-francisco-2016.notify-listed-felon",
        PEP,
        case("san-francisco-2016", convictions=VIOLENT, charges=PC_FELONY),
        "notify",
        case("san-francisco-2016", convictions=VIOLENT),
    ),
    (
        "california-sb54-2018.decline-detainer",
        SC,
        case("california-sb54-2018"),
        "decline",
        case("california-sb54-2018", ice=WARRANT),
    ),
    (
        "california-sb54-2018.warrant-hold",
        SC,
        case("california-sb54-2018", ice=WARRANT),
        "hold",
        case("california-sb54-2018"),
    ),
    (
        "california-sb54-2018.decline-notification",
        PEP,
        case("california-sb54-2018", convictions=FELONY),
        "decline",
        case("california-sb54-2018", convictions=VIOLENT),
    ),
    (
        "california-sb54-2018.notify-criteria",
        PEP,
        case("california-sb54-2018", convictions=VIOLENT),
        "notify",
        case("california-sb54-2018", convictions=FELONY),
    ),
    (
        "chicago-2012.notify-carve-out",
        PEP,
        case("chicago-2012", convictions=FELONY),
        "notify",
        case("chicago-2012", convictions=DUI),
    ),
    (
        "chicago-2021.decline-detainer",
        SC,
        case("chicago-2021", convictions=FELONY),
        "decline",
        case("chicago-2021", ice=WARRANT),
    ),
    ("chicago-2021.warrant-hold", SC, case("chicago-2021", ice=WARRANT), "hold", case("chicago-2021")),
    (
        "chicago-2021.decline-notification",
        PEP,
        case("chicago-2021", convictions=FELONY),
        "decline",
        case("chicago-2021"),
    ),
    (
        "illinois-trust-act-2017.decline-detainer",
        SC,
        case("illinois-trust-act-2017"),
        "decline",
        case("illinois-trust-act-2017", ice=WARRANT),
    ),
    (
        "illinois-trust-act-2017.warrant-hold",
        SC,
        case("illinois-trust-act-2017", ice=WARRANT),
        "hold",
        case("illinois-trust-act-2017"),
    ),
    (
        "illinois-trust-act-2017.notify",
        PEP,
        case("illinois-trust-act-2017", convictions=FELONY),
        "notify",
        case("illinois-trust-act-2017"),
    ),
    (
        "new-york-city-2011.decline-detainer",
        SC,
        case("new-york-city-2011"),
        "decline",
        case("new-york-city-2011", convictions=[conv("misdemeanor", on=ago(20))]),
    ),
    (
        "new-york-city-2011.hold-covered",
        SC,
        case("new-york-city-2011", convictions=[conv("misdemeanor", on=ago(20))]),
        "hold",
        case("new-york-city-2011"),
    ),
    (
        "new-york-city-2011.notify",
        PEP,
        case("new-york-city-2011", convictions=FELONY),
        "notify",
        case("new-york-city-2011"),
    ),
    (
        "new-york-city-2013.decline-detainer",
        SC,
        case("new-york-city-2013", convictions=[conv("misdemeanor", on=ago(11))]),
        "decline",
        case("new-york-city-2013", convictions=[conv("misdemeanor")]),
    ),
    (
        "new-york-city-2013.hold-covered",
        SC,
        case("new-york-city-2013", convictions=[conv("misdemeanor")]),
        "hold",
        case("new-york-city-2013", convictions=[conv("misdemeanor", on=ago(11))]),
    ),
    (
        "new-york-city-2013.notify",
        PEP,
        case("new-york-city-2013", convictions=FELONY),
        "notify",
        case("new-york-city-2013"),
    ),
    (
        "connecticut-2019.decline-detainer",
        SC,
        case("connecticut-2019", convictions=FELONY),
        "decline",
        case("connecticut-2019", convictions=VIOLENT),
    ),
    (
        "connecticut-2019.hold-class-a-b-felony",
        SC,
        case("connecticut-2019", convictions=VIOLENT),
        "hold",
        case("connecticut-2019", convictions=FELONY),
    ),
    (
        "connecticut-2019.hold-watchlist",
        SC,
        case("connecticut-2019", watchlist_match=True),
        "hold",
        case("connecticut-2019"),
    ),
    (
        "connecticut-2019.hold-judicial-warrant",
        SC,
        case("connecticut-2019", ice=WARRANT),
        "hold",
        case("connecticut-2019"),
    ),
    (
        "connecticut-2019.notify",
        PEP,
        case("connecticut-2019", convictions=FELONY),
        "notify",
        case("connecticut-2019"),
    ),
    ("miami-dade-2017.hold", SC, case("miami-dade-2017"), "hold", case("miami-dade-2017", status="lpr")),
    (
        "miami-dade-2017.notify",
        PEP,
        case("miami-dade-2017", convictions=FELONY),
        "notify",
        case("miami-dade-2017"),
    ),
    ("oregon-1987.hold", SC, case("oregon-1987"), "hold", case("oregon-1987", status="lpr")),
    ("oregon-1987.notify", PEP, case("oregon-1987", convictions=FELONY), "notify", case("oregon-1987")),
    ("texas-sb4-2017.hold", SC, case("texas-sb4-2017"), "hold", case("texas-sb4-2017", status="lpr")),
    (
        "texas-sb4-2017.notify",
        PEP,
        case("texas-sb4-2017", convictions=FELONY),
        "notify",
        case("texas-sb4-2017"),
    ),
    (
        "travis-county-2017.decline-detainer",
        SC,
        case("travis-county-2017", convictions=FELONY),
        "decline",
        case("travis-county-2017", ice=WARRANT),
    ),
    (
        "travis-county-2017.hold-court-order",
        SC,
        case("travis-county-2017", ice=WARRANT),
        "hold",
        case("travis-county-2017"),
    ),
    (
        "travis-county-2017.hold-listed-offense",
        SC,
        case("travis-county-2017", convictions=[conv("felony", "homicide")]),
        "hold",
        case("travis-county-2017", convictions=FELONY),
    ),
    (
        "travis-county-2017.notify",
        PEP,
        case("travis-county-2017", convictions=FELONY),
        "notify",
        case("travis-county-2017"),
    ),
    (
        "massachusetts-lunn-2017.decline-detainer",
        SC,
        case("massachusetts-lunn-2017"),
        "decline",
        case("massachusetts-lunn-2017", ice=WARRANT),
    ),
    (
        "massachusetts-lunn-2017.warrant-hold",
        SC,
        case("massachusetts-lunn-2017", ice=WARRANT),
        "hold",
        case("massachusetts-lunn-2017"),
    ),
    (
        "massachusetts-lunn-2017.notify",
        PEP,
        case("massachusetts-lunn-2017", convictions=FELONY),
        "notify",
        case("massachusetts-lunn-2017"),
    ),
    (
        "washington-dc-2012.hold-in-custody-for-violent-crime",
        SC,
        case("washington-dc-2012", PAID, charges=[charge("felony", "violent")]),
        "hold",
        case("washington-dc-2012", PAID, charges=[charge("felony")]),
    ),
]

# Santa Clara 2019 and the NCIC answers (an NCIC rule decides ncic_answer; the row checks that it
# fires for a person with an NCIC record and not for the same person without one).
ABSCONDER: dict[str, Any] = {"removal_order": "final", "removal_order_date": dt.date(2012, 2, 1)}
DEPORTED = {"prior_removals": 1}
EXAMPLES += [
    (
        "santa-clara-2019.decline-detainer",
        SC,
        case("santa-clara-2019", convictions=VIOLENT),
        "decline",
        case("santa-clara-2019", convictions=VIOLENT, ice=WARRANT),
    ),
    (
        "santa-clara-2019.warrant-hold",
        SC,
        case("santa-clara-2019", ice=WARRANT),
        "hold",
        case("santa-clara-2019"),
    ),
    (
        "santa-clara-2019.decline-notification",
        PEP,
        case("santa-clara-2019", convictions=[conv("felony", "ca_serious_felony")]),
        "decline",
        case("santa-clara-2019", status="us_citizen"),
    ),
    (
        "santa-clara-2019.ncic-decline",
        SC,
        case("santa-clara-2019", **ABSCONDER),
        "decline",
        case("santa-clara-2019"),
    ),
    ("chicago-2012.ncic-decline", SC, case("chicago-2012", **ABSCONDER), "decline", case("chicago-2012")),
    (
        "chicago-2012.ncic-carve-out",
        SC,
        case("chicago-2012", convictions=FELONY, **DEPORTED),
        "hold",
        case("chicago-2012", convictions=FELONY),
    ),
    ("chicago-2021.ncic-decline", SC, case("chicago-2021", **ABSCONDER), "decline", case("chicago-2021")),
    (
        "illinois-trust-act-2017.ncic-decline",
        SC,
        case("illinois-trust-act-2017", **ABSCONDER),
        "decline",
        case("illinois-trust-act-2017"),
    ),
    (
        "california-sb54-2018.ncic-decline",
        SC,
        case("california-sb54-2018", **ABSCONDER),
        "decline",
        case("california-sb54-2018"),
    ),
    (
        "full-cooperation.ncic-hold-deported-felon",
        SC,
        case("full-cooperation", convictions=FELONY, **DEPORTED),
        "hold",
        case("full-cooperation", **ABSCONDER),
    ),
    (
        "full-cooperation.ncic-hold-absconder",
        SC,
        case("full-cooperation", **ABSCONDER),
        "hold",
        case("full-cooperation", convictions=FELONY, **DEPORTED),
    ),
    ("jail-287g.ncic-hold", SC, case("jail-287g", **ABSCONDER), "hold", case("jail-287g")),
]


@pytest.mark.parametrize(
    ("rule_id", "regime", "applies", "answer", "across"), EXAMPLES, ids=[e[0] for e in EXAMPLES]
)
def test_local_rule_decides_on_its_side_of_the_line(
    rule_id: str, regime: str, applies: Case, answer: str, across: Case
) -> None:
    """The rule decides the local response where its criterion holds, and not just across the line."""
    d = evaluate(applies, regime, rules=LIB)
    assert rule_id in d.fired, d.fired
    assert d.local_response == answer
    assert rule_id not in evaluate(across, regime, rules=LIB).fired


def test_287g_screening_identifies_a_removable_person_without_a_dhs_record() -> None:
    """jail-287g.screening: no IDENT record, yet a removable person is identified; not a non-removable one."""
    d = evaluate(case("jail-287g", in_ident=False), SC, rules=LIB)
    assert (d.identified, d.request, d.local_response) == (True, "detainer", "hold")
    assert "jail-287g.screening" in d.fired
    elsewhere = evaluate(case("full-cooperation", in_ident=False), SC, rules=LIB)
    assert (elsewhere.identified, elsewhere.request) == (False, "none")
    lpr = evaluate(case("jail-287g", in_ident=False, status="lpr"), SC, rules=LIB)
    assert "jail-287g.screening" not in lpr.fired and lpr.identified is False


def test_every_local_rule_has_an_example() -> None:
    """Each rule of each local policy is exercised by a row above (or the 287(g) screening test)."""
    covered = {e[0] for e in EXAMPLES} | {"jail-287g.screening"}
    local = {r.id for j in LIB.jurisdictions for r in LIB.rulesets[j].rules}
    assert local - covered == set()


ISSUE_11_VERSIONS = {
    "san-francisco-2013",
    "san-francisco-2014",
    "san-francisco-2016",
    "california-sb54-2018",
    "chicago-2021",
    "illinois-trust-act-2017",
    "new-york-city-2011",
    "new-york-city-2013",
    "connecticut-2019",
    "miami-dade-2017",
    "oregon-1987",
    "texas-sb4-2017",
    "travis-county-2017",
    "massachusetts-lunn-2017",
    "santa-clara-2019",
}


def test_every_listed_policy_is_in_the_library() -> None:
    """Issue 3's twelve local policies and issue 11's versions and state laws exist with these ids."""
    assert set(LIB.jurisdictions) == {
        *ISSUE_11_VERSIONS,
        "full-cooperation",
        "san-francisco-2015",
        "california-trust-act-2014",
        "connecticut-trust-act-2014",
        "cook-county-2011",
        "santa-clara-2011",
        "miami-dade-2013",
        "washington-dc-2012",
        "new-york-city-2014",
        "chicago-2012",
        "judicial-warrant-only",
        "jail-287g",
    }


@pytest.mark.parametrize("jid", sorted(LIB.jurisdictions))
def test_every_local_rule_cites_and_explains_itself(jid: str) -> None:
    """Every local rule has a summary and a known source; an uncertain one says why in its notes."""
    for r in LIB.rulesets[jid].rules:
        assert r.summary.strip() and r.rule.source in LIB.sources
        if r.verification in ("secondary", "unverified"):
            assert r.rule.notes, f"{r.id} is {r.verification} but has no notes"
    for name, p in LIB.rulesets[jid].parameters.items():
        assert p.summary.strip() and p.source in LIB.sources, name


@pytest.mark.parametrize(
    ("jid", "start", "end"),
    [
        ("cook-county-2011", "2011-09-07", None),
        ("santa-clara-2011", "2011-10-18", "2019-06-03"),
        ("santa-clara-2019", "2019-06-04", None),
        ("washington-dc-2012", "2012-12-11", None),
        ("california-trust-act-2014", "2014-01-01", "2017-12-31"),
        ("connecticut-trust-act-2014", "2014-01-01", "2019-09-30"),
        ("new-york-city-2014", "2014-12-14", None),
        ("miami-dade-2013", "2014-01-01", "2017-01-25"),
        ("chicago-2012", "2012-09-12", "2021-01-26"),
        ("san-francisco-2015", "2015-03-13", "2016-05-31"),
        ("judicial-warrant-only", "2014-04-11", None),
    ],
)
def test_policy_dates(jid: str, start: str, end: str | None) -> None:
    """Each policy declares its sources' dates (Miami-Dade's ends the day before the 2017 order)."""
    eff = LIB.ruleset(jid).effective
    assert eff.from_ == dt.date.fromisoformat(start)
    assert eff.to == (dt.date.fromisoformat(end) if end else None)
    assert eff.note


def test_miami_dade_after_the_reversal_is_evaluated_with_a_warning() -> None:
    """Pinned, the resolution answers after January 25, 2017, and the decision says it is hypothetical."""
    felon = case("miami-dade-2013", convictions=FELONY, booking_date=dt.date(2017, 3, 1))
    d = evaluate(felon, SC, rules=LIB)
    assert d.local_response == "decline"
    assert any("miami-dade-2013 was in force (2014-01-01 to 2017-01-25)" in w for w in d.warnings)
    inside = evaluate(case("miami-dade-2013", booking_date=dt.date(2017, 1, 25)), SC, rules=LIB)
    assert not any("miami-dade-2013" in w for w in inside.warnings)
