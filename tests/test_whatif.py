"""``detainer-model whatif``: the smallest changes that change an outcome, checked on the rule engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from detainer_model import Case, RuleLibrary, evaluate, load_scenarios
from detainer_model.cli import main
from detainer_model.teaching.whatif import apply, what_if

from builders import make_case
from strategies import LIB, cases, place_cases, regimes

TEACHING = "scenarios/teaching-set.yaml"
SF = "scenarios/san-francisco-2015.yaml"


@pytest.fixture(autouse=True)
def _in_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def whatif_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    status = main(["whatif", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_judge_warrant_is_the_one_change_in_san_francisco(capsys: pytest.CaptureFixture[str]) -> None:
    """In San Francisco, a judge's warrant alone turns a declined detainer into a transfer."""
    doc = whatif_json(capsys, SF, "--case", "released-in-2015", "--regime", "pep")
    (result,) = doc["results"]
    assert result["current"] == "released_despite_request"
    to_transfer = [o for o in result["options"] if o["outcome"] == "transfer"]
    assert to_transfer[0]["text"] == "ice.judicial_warrant: false → true"
    assert all(len(o["changes"]) == 1 for o in result["options"] if o["outcome"] == "no_request")


def test_threshold_is_found_from_the_rules(capsys: pytest.CaptureFixture[str], lib: RuleLibrary) -> None:
    """89 days of custody moves to 90, the threshold the 2(b) definition compares with."""
    doc = whatif_json(capsys, TEACHING, "--case", "custody-89-days", "--regime", "pep", "--max-changes", "1")
    texts = [o["text"] for o in doc["results"][0]["options"]]
    assert "conviction 1 (Receiving stolen property): custody_days: 89 → 90" in texts
    assert "90" in next(
        d.definition.where
        for d in lib.ruleset("priorities-2014").definitions
        if d.id == "significant_misdemeanor_convictions"
    )


def test_pairs_only_where_no_single_change_reaches(capsys: pytest.CaptureFixture[str]) -> None:
    """A pair is listed for an outcome only when neither of its changes reaches that outcome alone."""
    doc = whatif_json(capsys, TEACHING, "--case", "custody-89-days", "--regime", "pep:as-written")
    options = doc["results"][0]["options"]
    singles = {(o["changes"][0]["text"], o["outcome"]) for o in options if len(o["changes"]) == 1}
    pairs = [o for o in options if len(o["changes"]) == 2]
    assert pairs, "a transfer needs a final order and a transfer category"
    for o in pairs:
        for c in o["changes"]:
            assert (c["text"], o["outcome"]) not in singles
    counts = [len(o["changes"]) for o in options]
    assert counts == sorted(counts), "fewest changes first"


def test_max_changes_one_lists_no_pairs(capsys: pytest.CaptureFixture[str]) -> None:
    """--max-changes 1 looks at single changes only."""
    doc = whatif_json(capsys, TEACHING, "--case", "custody-89-days", "--max-changes", "1")
    assert all(len(o["changes"]) == 1 for r in doc["results"] for o in r["options"])


def test_the_san_francisco_options_are_the_ones_the_law_allows(capsys: pytest.CaptureFixture[str]) -> None:
    """Only a judge's warrant brings a transfer; not being an identified, removable noncitizen ends it."""
    first = main(["whatif", SF, "--case", "released-in-2015", "--format", "json"])
    a = capsys.readouterr().out
    second = main(["whatif", SF, "--case", "released-in-2015", "--format", "json"])
    b = capsys.readouterr().out
    assert first == second == 0 and a == b
    want = {
        ("no_request", "person.removable: not given → false"),
        ("no_request", "person.in_ident: true → false"),
        ("transfer", "ice.judicial_warrant: false → true"),
    }
    for result in json.loads(a)["results"]:
        assert result["current"] == "released_despite_request"
        got = {(o["outcome"], o["text"]) for o in result["options"]}
        assert want <= got, result["regime"]
        assert {t for outcome, t in got if outcome == "transfer"} == {"ice.judicial_warrant: false → true"}


def test_field_option_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    """--field request asks what changes the request; the table lists it per regime."""
    status = main(["whatif", TEACHING, "--case", "no-record", "--field", "request", "--limit", "2"])
    out = capsys.readouterr().out
    assert status == 0
    assert "What would change the request?" in out
    assert "pep:as-practised @ full-cooperation: request is none" in out
    assert "more (--limit, or --format json)" in out


def test_errors_exit_2_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown result field, case or --max-changes value exits 2 without a traceback."""
    assert main(["whatif", SF, "--case", "released-in-2015", "--field", "outcom"]) == 2
    assert "unknown result field 'outcom' (did you mean 'outcome'?)" in capsys.readouterr().err
    assert main(["whatif", SF, "--case", "nope"]) == 2
    assert "no case 'nope'" in capsys.readouterr().err
    assert main(["whatif", SF, "--case", "released-in-2015", "--max-changes", "3"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_every_option_of_a_shipped_case_changes_the_outcome_on_the_engine(
    root: Path, lib: RuleLibrary
) -> None:
    """Applied to the case, every listed change gives, on the rule engine, the outcome it claims."""
    case = load_scenarios(root / SF, lib)[0].cases[0]
    found = what_if(case, rules=lib)
    for r in found.results:
        assert r.options
        for o in r.options:
            changed, params = apply(case, o.changes)
            d = evaluate(changed, r.regime, r.jurisdiction, params=params, rules=lib)
            assert d.outcome == o.value != r.current


@settings(max_examples=25, deadline=None)
@given(cases(), regimes())
def test_property_every_change_really_changes_the_outcome(case: Case, regime: str) -> None:
    """For any case, every single change what-if reports changes the outcome when applied on the engine."""
    found = what_if(case, [regime], rules=LIB, max_changes=1)
    (r,) = found.results
    assert r.current == evaluate(case, regime, rules=LIB).outcome
    for o in r.options:
        changed, params = apply(case, o.changes)
        assert evaluate(changed, regime, case.jurisdiction.id, params=params, rules=LIB).outcome == o.value
        assert o.value != r.current
    if r.current != "no_request" and case.jurisdiction.id != "jail-287g":
        # no DHS record means no identification and so no request (a 287(g) jail screens anyway)
        assert "no_request" in {o.value for o in r.options}


def test_a_parameter_is_a_change_too(lib: RuleLibrary) -> None:
    """Switching a local policy's parameter (say, a reimbursement agreement) is one of the changes tried."""
    places = [j for j in lib.jurisdictions if lib.ruleset(j).parameters]
    if not places:
        pytest.skip("no local policy declares a parameter")
    found = []
    for place in places:
        case = make_case(jurisdiction=place)
        result = what_if(case, ["secure-communities:as-practised"], rules=lib, max_changes=1).results[0]
        for o in result.options:
            found += [(place, c.name) for c in o.changes if c.target == "param"]
    assert found
    assert all(name in lib.ruleset(place).parameters for place, name in found)


def test_a_threshold_change_comes_first(capsys: pytest.CaptureFixture[str]) -> None:
    """89 → 90 days of custody, the teaching point, is the first change listed for PEP."""
    doc = whatif_json(capsys, TEACHING, "--case", "custody-89-days", "--regime", "pep:as-written")
    first = doc["results"][0]["options"][0]
    assert first["text"] == "conviction 1 (Receiving stolen property): custody_days: 89 → 90"
    assert first["outcome"] == "notified_release"


def test_no_option_describes_an_impossible_person(lib: RuleLibrary, root: Path) -> None:
    """No kind is bolted onto a named conviction, a minor traffic offense never gets a kind, and a
    citizen never gets a removal order."""
    allowed = lib.vocabulary.levels["minor_traffic"].kinds
    assert allowed == ()
    case = load_scenarios(root / TEACHING)[0].scenario.cases
    for c in case:
        found = what_if(c, ["pep"], rules=lib, max_changes=1)
        for o in found.results[0].options:
            for ch in o.changes:
                assert ch.op != "add_kind", ch.text()
                if ch.op == "add" and ch.new["level"] == "minor_traffic":
                    assert not ch.new["kinds"], ch.text()
            variant, _ = apply(c, o.changes)
            p = variant.person
            assert not (p.status == "us_citizen" and (p.removal_order != "none" or p.prior_removals))


def test_the_search_is_bounded_and_says_so(lib: RuleLibrary) -> None:
    """A search that may try only a few variants stops, reports what it found and says it stopped."""
    record = "\n".join(
        f"      - {{offense: Theft {i}, date: 20{10 + i % 5}-01-0{1 + i % 9}, level: misdemeanor}}"
        for i in range(40)
    )
    text = (
        "title: t\ncases:\n  - id: many\n    title: forty misdemeanors\n    booking_date: 2015-09-01\n"
        "    jurisdiction: full-cooperation\n    person: {status: unauthorized, age: 30}\n"
        f"    convictions:\n{record}\n"
    )
    from detainer_model import parse_scenario_text

    case = parse_scenario_text(text).scenario.cases[0]
    seen: list[int] = []
    bounded = what_if(case, ["pep"], rules=lib, max_variants=30, progress=lambda n, _w: seen.append(n))
    (r,) = bounded.results
    assert not r.complete and r.tried <= 30
    assert seen and max(seen) < 30
    full = what_if(case, ["pep"], rules=lib, max_changes=1)
    assert full.results[0].complete
    unbounded = what_if(case, ["pep"], rules=lib).results[0]
    assert {o.text() for o in r.options} <= {o.text() for o in unbounded.options}


PLACES = "scenarios/places/boundaries.yaml"


def test_a_case_in_a_place_is_searched_through_its_layers(root: Path, lib: RuleLibrary) -> None:
    """A case in a place (its policies layered by booking date: city, county, state) is searched as
    ``evaluate`` decides it, every layer in force answering and the combined answer standing; each
    change listed gives that outcome for the place on the rule engine."""
    cases = [c for c in load_scenarios(root / PLACES, lib)[0].cases if ":" not in c.jurisdiction.id][:6]
    assert {c.jurisdiction.id for c in cases} <= set(lib.places)
    listed = 0
    for case in cases:
        for r in what_if(case, rules=lib, max_changes=1).results:
            assert r.jurisdiction == case.jurisdiction.id
            assert r.current == evaluate(case, r.regime, rules=lib).outcome
            for o in r.options:
                changed, params = apply(case, o.changes, dict(case.jurisdiction.params))
                d = evaluate(changed, r.regime, case.jurisdiction.id, params=params, rules=lib)
                assert d.outcome == o.value != r.current
                listed += 1
    assert listed


def test_a_place_parameter_is_changed_from_the_value_the_case_gives(root: Path, lib: RuleLibrary) -> None:
    """Cook County in August 2017, before the Illinois TRUST Act: its 2011 ordinance honours a
    detainer only where ICE has agreed to reimburse the county, and the case says it has; ending
    that agreement is the one change of the county's own that releases the person despite the
    request."""
    case = next(
        c for c in load_scenarios(root / PLACES, lib)[0].cases if c.id == "cook-county-before-illinois-trust"
    )
    (r,) = what_if(case, ["secure-communities:as-practised"], rules=lib, max_changes=1).results
    assert r.current == "transfer"
    params = [c for o in r.options for c in o.changes if c.target == "param"]
    assert [(c.name, c.old, c.new) for c in params] == [("reimbursement_agreement", True, False)]
    assert {o.value for o in r.options if params[0] in o.changes} == {"released_despite_request"}


@settings(max_examples=15, deadline=None)
@given(place_cases(), regimes())
def test_property_in_a_place_every_change_really_changes_the_outcome(case: Case, regime: str) -> None:
    """For any case in a place, on any date near a version's first or last day, what-if starts
    from the outcome ``evaluate`` gives the place, and every single change it reports gives, on
    the engine, the outcome it claims."""
    (r,) = what_if(case, [regime], rules=LIB, max_changes=1).results
    assert r.current == evaluate(case, regime, rules=LIB).outcome
    for o in r.options:
        changed, params = apply(case, o.changes, dict(case.jurisdiction.params))
        d = evaluate(changed, regime, case.jurisdiction.id, params=params, rules=LIB)
        assert d.outcome == o.value != r.current
