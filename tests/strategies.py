"""Hypothesis strategies for the project's tests, all in one place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from detainer_model import Case, RuleLibrary, load_rules

LIB: RuleLibrary = load_rules()

STATUSES = ("us_citizen", "lpr", "nonimmigrant", "unauthorized")
LEVELS = ("felony", "misdemeanor", "minor_traffic")
CUSTODY = (0, 1, 30, 89, 90, 91, 180, 365, 730)
AGES = st.one_of(st.sampled_from([14, 15, 16, 17, 18, 19, 21]), st.integers(0, 90))
FIRST_DAY = dt.date(2009, 1, 1)
LAST_DAY = dt.date(2017, 12, 31)


def days_before(day: dt.date, years: int = 30) -> st.SearchStrategy[dt.date]:
    """A date on or before ``day``, up to ``years`` years earlier, biased to the look-back edges."""
    earliest = day - dt.timedelta(days=365 * years)
    edges = [day - dt.timedelta(days=365 * y + d) for y in (1, 4, 5, 6, 10) for d in (-1, 0, 1)]
    return st.one_of(st.dates(earliest, day), st.sampled_from([e for e in edges if earliest <= e <= day]))


@st.composite
def conviction_dicts(draw: st.DrawFn, booking: dt.date) -> dict[str, Any]:
    date = draw(days_before(booking))
    out: dict[str, Any] = {
        "offense": draw(st.sampled_from(["Assault", "Theft", "Possession for sale", "DUI", "Burglary"])),
        "date": date,
        "level": draw(st.sampled_from(LEVELS)),
        "kinds": draw(st.lists(st.sampled_from(LIB.offense_kinds), max_size=3, unique=True)),
        "custody_days": draw(st.sampled_from(CUSTODY)),
    }
    if draw(st.booleans()):
        out["incident"] = draw(st.sampled_from(["a", "b", "c"]))
    if draw(st.integers(0, 3)) == 0:
        out["release_date"] = draw(st.dates(date, booking))
    return out


@st.composite
def charge_dicts(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "offense": "Pending charge",
        "level": draw(st.sampled_from(LEVELS)),
        "kinds": draw(st.lists(st.sampled_from(LIB.offense_kinds), max_size=2, unique=True)),
        "probable_cause_found": draw(st.booleans()),
    }


@st.composite
def person_dicts(draw: st.DrawFn, booking: dt.date) -> dict[str, Any]:
    status = draw(st.sampled_from(STATUSES))
    person: dict[str, Any] = {"status": status, "age": draw(AGES)}
    order = draw(st.sampled_from(["none", "pending", "final"]))
    if order != "none" or draw(st.booleans()):
        person["removal_order"] = order
    if order != "none" and draw(st.booleans()):
        person["removal_order_date"] = draw(
            st.one_of(
                st.sampled_from([dt.date(2013, 12, 31), dt.date(2014, 1, 1)]), days_before(booking, 8)
            ).filter(lambda d: d <= booking)
        )
    if draw(st.booleans()):
        person["entry_date"] = draw(
            st.one_of(
                st.sampled_from([dt.date(2014, 1, 1), dt.date(2014, 1, 2)]), days_before(booking, 20)
            ).filter(lambda d: d <= booking)
        )
    if draw(st.booleans()):
        person["in_ident"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        person["removable"] = False if status == "us_citizen" else draw(st.booleans())
    person["prior_removals"] = draw(st.sampled_from([0, 0, 0, 1, 2, 5]))
    for flag in (
        "gang_participation",
        "national_security_risk",
        "apprehended_at_border",
        "visa_abuse",
        "watchlist_match",
        "outstanding_criminal_warrant",
    ):
        if draw(st.integers(0, 4)) == 0:
            person[flag] = True
    return person


@st.composite
def jurisdictions(draw: st.DrawFn, lib: RuleLibrary = LIB) -> Any:
    jid = draw(st.sampled_from(lib.jurisdictions))
    declared = lib.ruleset(jid).parameters
    params = {}
    for name, p in declared.items():
        if draw(st.booleans()):
            params[name] = draw(st.booleans()) if p.type == "bool" else draw(st.integers(0, 30))
    return {"id": jid, "params": params} if params else jid


@st.composite
def case_dicts(draw: st.DrawFn, lib: RuleLibrary = LIB) -> dict[str, Any]:
    """A valid case as the plain data a scenario file holds."""
    booking = draw(st.dates(FIRST_DAY, LAST_DAY))
    return {
        "id": "generated",
        "title": "A generated case",
        "booking_date": booking,
        "jurisdiction": draw(jurisdictions(lib)),
        "person": draw(person_dicts(booking)),
        "convictions": draw(st.lists(conviction_dicts(booking), max_size=6)),
        "charges": draw(st.lists(charge_dicts(), max_size=3)),
        "ice": {"judicial_warrant": draw(st.booleans())},
    }


def cases(lib: RuleLibrary = LIB) -> st.SearchStrategy[Case]:
    """A valid :class:`Case`."""
    return case_dicts(lib).map(Case.model_validate)


# --- expressions: random conditions over a small typed scope, with random facts ----------------

EXPR_TYPES: dict[str, tuple[str, tuple[Any, ...], bool]] = {
    "a": ("int", (), False),
    "n": ("int", (), True),
    "b": ("bool", (), False),
    "m": ("bool", (), True),
    "e": ("enum", ("x", "y", "z"), False),
    "s": ("set", ("p", "q", "r"), False),
    "d": ("date", (), True),
}


def _atoms() -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(
            lambda op, v: f"a {op} {v}",
            st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
            st.integers(-2, 2),
        ),
        st.builds(lambda op, v: f"n {op} {v}", st.sampled_from(["==", "!=", "<", ">="]), st.integers(-1, 1)),
        st.sampled_from(["b", "not b", "m", "not m", "n is None", "n is not None", "d is None"]),
        st.builds(lambda op, v: f'e {op} "{v}"', st.sampled_from(["==", "!="]), st.sampled_from("xyz")),
        st.builds(lambda vs: f"e in {list(vs)}", st.lists(st.sampled_from("xyz"), min_size=1, max_size=2)),
        st.builds(lambda v: f'"{v}" in s', st.sampled_from("pqr")),
        st.builds(lambda v: f'"{v}" not in s', st.sampled_from("pqr")),
        st.builds(
            lambda vs: f"has_any(s, {list(vs)})", st.lists(st.sampled_from("pqr"), min_size=1, max_size=3)
        ),
        st.builds(
            lambda op, v: f'd {op} date("{v}")',
            st.sampled_from(["<", ">=", "=="]),
            st.sampled_from(["2014-01-01", "2015-06-30"]),
        ),
    )


def expression_texts() -> st.SearchStrategy[str]:
    """Condition texts in the rule language, nested with and / or / not."""
    return st.recursive(
        _atoms(),
        lambda inner: st.one_of(
            st.builds(lambda x, y: f"({x}) and ({y})", inner, inner),
            st.builds(lambda x, y: f"({x}) or ({y})", inner, inner),
            st.builds(lambda x: f"not ({x})", inner),
        ),
        max_leaves=8,
    )


@st.composite
def expression_facts(draw: st.DrawFn) -> dict[str, Any]:
    """Values for every name of the small scope (None where the name may be missing)."""
    return {
        "a": draw(st.integers(-3, 3)),
        "n": draw(st.one_of(st.none(), st.integers(-2, 2))),
        "b": draw(st.booleans()),
        "m": draw(st.one_of(st.none(), st.booleans())),
        "e": draw(st.sampled_from("xyz")),
        "s": frozenset(draw(st.lists(st.sampled_from("pqr"), max_size=3))),
        "d": draw(
            st.one_of(
                st.none(),
                st.sampled_from(
                    [dt.date(2013, 12, 31), dt.date(2014, 1, 1), dt.date(2015, 6, 30), dt.date(2016, 1, 1)]
                ),
            )
        ),
    }
