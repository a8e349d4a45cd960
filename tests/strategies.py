"""Hypothesis strategies for the project's tests, all in one place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from detainer_model import Case, RuleLibrary, load_rules
from detainer_model.rulebook.expressions import years_before

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
    # the same calendar day whole years earlier, where within_years changes its answer
    edges += [years_before(day, y) + dt.timedelta(days=d) for y in (1, 4, 5, 6, 10) for d in (-1, 0, 1)]
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
    elif draw(st.integers(0, 5)) == 0:
        out["serving_sentence"] = True
    return out


@st.composite
def charge_dicts(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "offense": "Pending charge",
        "level": draw(st.sampled_from(LEVELS)),
        "kinds": draw(st.lists(st.sampled_from(LIB.offense_kinds), max_size=2, unique=True)),
        "probable_cause_found": draw(st.booleans()),
        "bond_posted": draw(st.booleans()),
        "non_bondable": draw(st.integers(0, 4)) == 0,
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
        "sex_arson_registrant",
        "federal_felony_warrant",
        "public_safety_risk",
    ):
        if draw(st.integers(0, 4)) == 0:
            person[flag] = True
    # Facts separated from the old tags (issue 11 item 6): often unstated, so the old reading runs.
    for fact in ("gang_database_listed", "warrant_in_state"):
        if draw(st.integers(0, 3)) == 0:
            person[fact] = draw(st.booleans())
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


# --- local policies (issue 3) ------------------------------------------------------------------

LOCAL_POLICIES: tuple[str, ...] = tuple(LIB.jurisdictions)


def cases_in(jurisdiction: str, params: dict[str, Any] | None = None, lib: RuleLibrary = LIB) -> Any:
    """A valid :class:`Case` booked in ``jurisdiction``, with ``params`` set (none by default)."""
    place = {"id": jurisdiction, "params": dict(params or {})}
    return case_dicts(lib).map(lambda d: Case.model_validate({**d, "jurisdiction": place}))


def policies_with_parameter(name: str, lib: RuleLibrary = LIB) -> tuple[str, ...]:
    """The local policies that declare the parameter ``name``."""
    return tuple(j for j in lib.jurisdictions if name in lib.ruleset(j).parameters)


# --- populations (issue 5) ---------------------------------------------------------------------


@st.composite
def case_batches(draw: st.DrawFn, lib: RuleLibrary = LIB, max_size: int = 12) -> list[Case]:
    """Several valid cases with distinct ids (``p0``, ``p1`` ...): the people of one batch."""
    dicts = draw(st.lists(case_dicts(lib), min_size=1, max_size=max_size))
    return [Case.model_validate({**d, "id": f"p{i}"}) for i, d in enumerate(dicts)]


def fact_values(ftype: Any, points: Any) -> st.SearchStrategy[Any]:
    """A value of a fact of type ``ftype`` (a FactType), biased to ``points`` and their neighbours."""
    near = sorted(points, key=str)
    if ftype.kind == "int":
        edges = [p + d for p in near for d in (-2, -1, 0, 1, 2)]
        base: st.SearchStrategy[Any] = st.one_of(st.integers(-5, 400), st.sampled_from(edges or [0]))
    elif ftype.kind == "date":
        edges = [p + dt.timedelta(days=d) for p in near for d in (-2, -1, 0, 1, 2)]
        anywhere = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))
        base = st.one_of(anywhere, st.sampled_from(edges or [FIRST_DAY]))
    elif ftype.kind == "bool":
        base = st.booleans()
    elif ftype.kind == "enum":
        base = st.sampled_from(list(ftype.values))
    elif ftype.kind == "set":
        base = st.frozensets(st.sampled_from(list(ftype.values)), max_size=4)
    else:
        base = st.one_of(st.sampled_from(near or ["x"]), st.text(max_size=3))
    return st.one_of(st.none(), base) if ftype.nullable else base


# --- teaching tools (issue 4) ------------------------------------------------------------------


def regimes(lib: RuleLibrary = LIB) -> st.SearchStrategy[str]:
    """A federal regime the rules define."""
    return st.sampled_from(lib.regimes)


@st.composite
def flawed_case_batches(draw: st.DrawFn, lib: RuleLibrary = LIB, max_size: int = 8) -> list[Case]:
    """Cases with distinct ids, some broken across fields (a conviction after the booking, a
    release before the conviction ...): built without the cross-field checks, which ``problems()``
    still reports."""
    out = []
    for i, d in enumerate(draw(st.lists(case_dicts(lib), min_size=1, max_size=max_size))):
        booking = d["booking_date"]
        later = booking + dt.timedelta(days=draw(st.integers(1, 400)))
        flaws = ["none", "conviction", "release", "order", "entry", "citizen", "serving"]
        flaw = draw(st.sampled_from(flaws))
        convictions = d["convictions"]
        if flaw == "conviction" and convictions:
            convictions[0]["date"] = later
        elif flaw == "release" and convictions:
            convictions[0]["release_date"] = convictions[0]["date"] - dt.timedelta(days=1)
            convictions[0].pop("serving_sentence", None)
        elif flaw == "order":
            d["person"]["removal_order"] = "none"
            d["person"]["removal_order_date"] = booking
        elif flaw == "entry":
            d["person"]["entry_date"] = later
        elif flaw == "citizen":
            d["person"]["status"] = "us_citizen"
            d["person"]["removable"] = True
        elif flaw == "serving" and convictions:
            convictions[0]["release_date"] = convictions[0]["date"]
            convictions[0]["serving_sentence"] = True
        out.append(Case.model_validate({**d, "id": f"p{i}"}, context={"defer_cross_checks": True}))
    return out


@st.composite
def people_in_file_order(draw: st.DrawFn, lib: RuleLibrary = LIB) -> list[Case]:
    """The cases of a batch with ids that sort as they are numbered (``p000``, ``p001`` ...), in
    that order (their ids ascend through the file) or shuffled."""
    cases = [c.model_copy(update={"id": f"p{i:03d}"}) for i, c in enumerate(draw(case_batches(lib)))]
    return draw(st.permutations(cases)) if draw(st.booleans()) else cases


def chunk_sizes() -> st.SearchStrategy[int]:
    """How many people a part of a chunked batch holds: from one person to more than a batch."""
    return st.integers(min_value=1, max_value=14)


# --- federal eras, readings and removability (issue 10) ------------------------------------------

ERA_FIRST_DAY = dt.date(2008, 10, 27)
ERA_LAST_DAY = dt.date(2021, 1, 19)


def era_booking_dates(lib: RuleLibrary = LIB) -> st.SearchStrategy[dt.date]:
    """A booking date inside some federal era, biased to the first and last days of each era."""
    edges: list[dt.date] = []
    for rid in lib.regimes:
        eff = lib.rulesets[rid].effective
        edges += [d for d in (eff.from_, eff.to) if d is not None]
    edges += [dt.date(2012, 12, 20), dt.date(2012, 12, 21), dt.date(2015, 1, 4), dt.date(2015, 1, 5)]
    edges += [dt.date(2017, 4, 1), dt.date(2017, 4, 2)]
    return st.one_of(st.dates(ERA_FIRST_DAY, ERA_LAST_DAY), st.sampled_from(sorted(set(edges))))


@st.composite
def cases_across_eras(draw: st.DrawFn, lib: RuleLibrary = LIB) -> Case:
    """A valid case booked on a day inside one of the federal eras (2008-2021)."""
    booking = draw(era_booking_dates(lib))
    return Case.model_validate(
        {
            "id": "generated",
            "title": "A generated case",
            "booking_date": booking,
            "jurisdiction": draw(jurisdictions(lib)),
            "person": draw(person_dicts(booking)),
            "convictions": draw(st.lists(conviction_dicts(booking), max_size=5)),
            "charges": draw(st.lists(charge_dicts(), max_size=3)),
            "ice": {"judicial_warrant": draw(st.booleans())},
        }
    )


DEPORTABLE_KINDS = (
    "aggravated_felony",
    "drug_trafficking",
    "drug_possession",
    "firearm",
    "domestic_violence",
)


@st.composite
def deportable_convictions(draw: st.DrawFn, booking: dt.date) -> dict[str, Any]:
    """A conviction of a kind that is a ground of deportability under INA § 237(a)(2)."""
    return {
        "offense": "A deportable offense",
        "date": draw(days_before(booking)),
        "level": draw(st.sampled_from(("felony", "misdemeanor"))),
        "kinds": [draw(st.sampled_from(DEPORTABLE_KINDS))],
    }


def regime_refs(lib: RuleLibrary = LIB) -> st.SearchStrategy[str]:
    """Every federal era under every one of its readings (and its default)."""
    return st.sampled_from(lib.refs("federal"))


# --- places with a history (issue 11) ----------------------------------------------------------

PLACE_IDS: tuple[str, ...] = tuple(LIB.place_ids)


def _version_edges(lib: RuleLibrary = LIB) -> list[dt.date]:
    """The first and last days of every version of every place, and the days either side."""
    edges: set[dt.date] = set()
    for place in lib.places.values():
        for vid in place.versions:
            eff = lib.rulesets[vid].effective
            for day in (eff.from_, eff.to):
                if day is not None:
                    edges.update(day + dt.timedelta(days=d) for d in (-1, 0, 1))
    return sorted(edges)


def place_booking_dates(lib: RuleLibrary = LIB) -> st.SearchStrategy[dt.date]:
    """A booking date from 2008 to 2022, biased to the days versions begin and end."""
    return st.one_of(
        st.dates(dt.date(2008, 1, 1), dt.date(2022, 12, 31)), st.sampled_from(_version_edges(lib))
    )


@st.composite
def place_case_dicts(draw: st.DrawFn, lib: RuleLibrary = LIB) -> dict[str, Any]:
    """A valid case booked in a place (not a pinned version), on a date near a version boundary."""
    booking = draw(place_booking_dates(lib))
    place = draw(st.sampled_from(tuple(lib.place_ids)))
    params = {}
    for name, p in lib.parameters_of(place).items():
        if draw(st.booleans()):
            params[name] = draw(st.booleans()) if p.type == "bool" else draw(st.integers(0, 30))
    return {
        "id": "generated",
        "title": "A generated case in a place",
        "booking_date": booking,
        "jurisdiction": {"id": place, "params": params} if params else place,
        "person": draw(person_dicts(booking)),
        "convictions": draw(st.lists(conviction_dicts(booking), max_size=5)),
        "charges": draw(st.lists(charge_dicts(), max_size=3)),
        "ice": {"judicial_warrant": draw(st.booleans())},
    }


def place_cases(lib: RuleLibrary = LIB) -> st.SearchStrategy[Case]:
    """A valid :class:`Case` booked in a place with a history."""
    return place_case_dicts(lib).map(Case.model_validate)


@st.composite
def place_case_batches(draw: st.DrawFn, lib: RuleLibrary = LIB, max_size: int = 10) -> list[Case]:
    """Several cases booked in places, with distinct ids (``q0``, ``q1`` ...)."""
    dicts = draw(st.lists(place_case_dicts(lib), min_size=1, max_size=max_size))
    return [Case.model_validate({**d, "id": f"q{i}"}) for i, d in enumerate(dicts)]


LAYER_ORDER: tuple[str, ...] = LIB.model.layering.most_restrictive_first if LIB.model.layering else ()
LAYER_ANSWERS = st.sampled_from(LAYER_ORDER)


# --- offense kinds with one meaning each (issue 11 item 6) --------------------------------------


OLD_TAGS = ("violent", "serious")


@st.composite
def cases_with_old_tags(draw: st.DrawFn, lib: RuleLibrary = LIB) -> Case:
    """A valid case whose convictions and charges carry the old tags ``violent`` or ``serious``."""
    d = draw(case_dicts(lib))
    for group in ("convictions", "charges"):
        for item in d.get(group, []):
            tags = draw(st.lists(st.sampled_from(OLD_TAGS), min_size=1, max_size=2, unique=True))
            item["kinds"] = sorted({*item["kinds"], *tags})
    return Case.model_validate(d)


@st.composite
def parquet_tails(draw: st.DrawFn) -> bytes:
    """The end of a would-be Parquet file: arbitrary footer bytes, a footer length (often the true
    one, sometimes any), and the magic, so the compact-protocol reader meets damaged footers."""
    body = draw(st.binary(max_size=400))
    length = draw(st.one_of(st.just(len(body)), st.integers(0, 2**32 - 1)))
    return b"PAR1" + body + length.to_bytes(4, "little") + b"PAR1"


# --- streamed batches (issue 12) -----------------------------------------------------------------


def table_formats() -> st.SearchStrategy[str]:
    """The file format of a batch's tables and results: CSV or Parquet."""
    return st.sampled_from(["csv", "parquet"])


# --- linking items to people (issue 12) ----------------------------------------------------------


@st.composite
def people_and_item_ids(draw: st.DrawFn) -> tuple[list[str | None], list[str | None]]:
    """People's ids (often in ascending order, sometimes shuffled, repeated or missing) and the
    ids named by items (mostly people's, some of nobody, some missing)."""
    names = st.text(alphabet="ab01", min_size=1, max_size=4)
    people: list[str | None] = draw(st.lists(names, max_size=30))
    order = draw(st.sampled_from(["ascending", "as drawn", "with repeats", "with a missing id"]))
    if order == "ascending":
        people = sorted(set(people))  # type: ignore[type-var]
    elif order == "with repeats" and people:
        people = sorted([*people, draw(st.sampled_from(people))])  # type: ignore[type-var]
    elif order == "with a missing id":
        people = [*sorted(set(people)), None]  # type: ignore[type-var]
    items = draw(
        st.lists(st.one_of(st.sampled_from(people), names, st.none()) if people else names, max_size=40)
    )
    return people, items


# --- the decision memo (issue 12): cases that differ from one another in one part -----------------


@st.composite
def neighbouring_cases(draw: st.DrawFn, lib: RuleLibrary = LIB, max_size: int = 6) -> list[Case]:
    """A case and variants of it, each differing in one part drawn afresh (one person or ICE field,
    the booking date, the convictions or the charges): inputs a remembered decision must tell apart."""
    base = draw(case_dicts(lib))
    made = [base]
    for _ in range(draw(st.integers(1, max_size))):
        other = draw(case_dicts(lib))
        variant = {**base, "person": dict(base["person"]), "ice": dict(base["ice"])}
        part = draw(st.sampled_from(["person", "ice", "booking_date", "convictions", "charges"]))
        if part in ("person", "ice"):
            name = draw(st.sampled_from(sorted(set(base[part]) | set(other[part]))))
            if name in other[part]:
                variant[part][name] = other[part][name]
            else:
                variant[part].pop(name, None)
        else:
            variant[part] = other[part]
        made.append(variant)
    cases_made = []
    for i, d in enumerate(made):
        try:
            cases_made.append(Case.model_validate({**d, "id": f"n{i}"}))
        except ValueError:  # a mix the scenario format refuses (a date after the booking)
            continue
    return cases_made


@st.composite
def coded_columns(draw: st.DrawFn) -> tuple[int, list[tuple[list[int], int]]]:
    """How many combinations, and columns of codes over them, each with how many codes it has:
    few codes (values that repeat) or up to 2**40 of them, with codes far apart (so that two
    such columns combined pass 64 bits, where the batch must renumber them on the way)."""
    rows = draw(st.integers(0, 40))
    columns = []
    for _ in range(draw(st.integers(0, 5))):
        radix = draw(st.sampled_from([1, 2, 3, 7, 2**40]))
        values = sorted({0, 1, radix // 2, radix - 1}) if radix > 7 else range(radix)
        codes = draw(st.lists(st.sampled_from(list(values)), min_size=rows, max_size=rows))
        columns.append((codes, radix))
    return rows, columns
