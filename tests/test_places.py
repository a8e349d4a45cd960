"""Places with a history: dated versions, layers (state over county over city) and how they combine."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from detainer_model import Case, evaluate, load_rules
from detainer_model.core.layers import deciding_layer, layers_for
from detainer_model.errors import RuleFileError

from builders import batch_rows, expected_row, invoke
from strategies import (
    LAYER_ANSWERS,
    LAYER_ORDER,
    LIB,
    PLACE_IDS,
    place_booking_dates,
    place_case_batches,
    place_cases,
)

DONE = "scenarios/places/done-when.yaml"
# Secure Communities as practised: a detainer for anyone identified, so the local answer shows.
SC_ANY_DETAINER = "secure-communities:as-practised"


@pytest.fixture(autouse=True)
def _in_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def _results(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, object]]:
    status, out, err = invoke(capsys, "run", *args, "--format", "json")
    assert status == 0, err
    return {c["id"]: r for c in json.loads(out)["cases"] for r in c["results"]}


def _case(**fields: object) -> Case:
    base: dict[str, object] = {
        "id": "c",
        "title": "t",
        "person": {"status": "unauthorized", "age": 30},
    }
    return Case.model_validate({**base, **fields})


# --- the done-when cases -----------------------------------------------------------------


def test_sf_2018_applies_sb54_and_chapter_12i(capsys: pytest.CaptureFixture[str]) -> None:
    """A 2018 San Francisco booking is decided by SB 54 and the 2016 chapter 12I, both declining."""
    r = _results(capsys, DONE, "--regime", "secure-communities")["sf-2018-sb54-and-12i"]
    assert r["place"] == "san-francisco" and r["version"] == "san-francisco-2016"
    layers = r["layers"]
    assert isinstance(layers, list)
    assert [(x["place"], x["version"], x["local_response"]) for x in layers] == [
        ("california", "california-sb54-2018", "decline"),
        ("san-francisco", "san-francisco-2016", "decline"),
    ]
    assert r["local_response"] == "decline"


def test_chicago_2016_pep_notification_for_a_prior_felon_is_answered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Chicago's carve-outs cover notification: a 2016 PEP notice (as the memo reads) for a felon is given."""
    r = _results(capsys, DONE, "--regime", "pep:as-written")["chicago-2016-pep-prior-felon"]
    assert (r["request"], r["local_response"], r["outcome"]) == ("notification", "notify", "notified_release")
    assert r["decided_by"]["rules"] == ["chicago-2012.notify-carve-out"]  # type: ignore[index]


def test_cook_county_2018_hold_is_declined_under_illinois_trust(capsys: pytest.CaptureFixture[str]) -> None:
    """Even had ICE reimbursed Cook County, the Illinois TRUST Act layer declines a 2018 hold."""
    r = _results(capsys, DONE, "--regime", "secure-communities")["cook-county-2018-illinois-trust"]
    layers = {x["place"]: x["local_response"] for x in r["layers"]}  # type: ignore[union-attr]
    assert layers == {"illinois": "decline", "cook-county": "hold"}
    assert r["local_response"] == "decline"
    assert r["decided_by"]["place"] == "illinois"  # type: ignore[index]
    assert any("decided by the illinois layer" in line for line in r["explanation"])  # type: ignore[union-attr]


def test_nyc_2012_covered_conviction_is_held(capsys: pytest.CaptureFixture[str]) -> None:
    """In 2012 New York City held a person with a conviction under Local Law 62 of 2011."""
    res = _results(capsys, DONE, "--regime", "secure-communities")
    assert res["nyc-2012-covered-conviction"]["version"] == "new-york-city-2011"
    assert res["nyc-2012-covered-conviction"]["local_response"] == "hold"
    assert res["nyc-2012-no-record"]["local_response"] == "decline"


def test_the_place_scenarios_pass_their_expectations(capsys: pytest.CaptureFixture[str]) -> None:
    """Every boundary and layer-conflict scenario under scenarios/places passes."""
    status, _out, err = invoke(capsys, "run", "scenarios/places/")
    assert status == 0, err


# --- versions -----------------------------------------------------------------------------------


@settings(max_examples=200)
@given(st.sampled_from(PLACE_IDS), place_booking_dates())
def test_a_version_applies_only_inside_its_dates(place: str, day: dt.date) -> None:
    """The version in force is one whose period contains the day, and no other version's does."""
    found = LIB.version_in_force(place, day)
    containing = [v for v in LIB.place(place).versions if LIB.rulesets[v].effective.contains(day)]
    assert containing == ([found.id] if found else [])


def test_before_the_first_version_the_place_cooperates_fully() -> None:
    """A Chicago booking the day before the ordinance gets the model's fallback (full cooperation)."""
    d = evaluate(_case(booking_date=dt.date(2012, 9, 11), jurisdiction="chicago"), "secure-communities")
    assert [a.version for a in d.layers] == ["full-cooperation"] and d.layers[0].fallback
    assert d.local_response == "hold" and d.version is None


@settings(max_examples=60)
@given(place_cases(), st.sampled_from(("secure-communities", "pep")))
def test_old_ids_give_their_pinned_versions_answers(case: Case, regime: str) -> None:
    """A version's own id answers as that version's layer does inside its place."""
    d = evaluate(case, regime, rules=LIB)
    assume(not d.layers[0].fallback)  # the fallback has no pinned version to compare with
    for layer in d.layers:
        pinned = evaluate(case, regime, layer.version, rules=LIB, params=_own_params(case, layer.version))
        assert pinned.local_response == layer.local_response
        assert pinned.jurisdiction == layer.version


def _own_params(case: Case, version: str) -> dict[str, object]:
    declared = LIB.rulesets[version].parameters
    return {k: v for k, v in case.jurisdiction.params.items() if k in declared}


# --- layers -------------------------------------------------------------------------------------


@settings(max_examples=300)
@given(st.lists(LAYER_ANSWERS, min_size=1, max_size=4), LAYER_ANSWERS)
def test_adding_a_more_restrictive_layer_never_loosens_the_answer(answers: list[str], extra: str) -> None:
    """With no mandate, adding a layer never makes the answer less restrictive (never decline to hold)."""
    rank = {v: i for i, v in enumerate(LAYER_ORDER)}
    before = answers[deciding_layer(answers, [False] * len(answers), LAYER_ORDER)]
    for at in range(len(answers) + 1):
        more = [*answers[:at], extra, *answers[at:]]
        after = more[deciding_layer(more, [False] * len(more), LAYER_ORDER)]
        assert rank[after] <= rank[before]
        if before == "decline":
            assert after == "decline"


@settings(max_examples=150)
@given(st.lists(LAYER_ANSWERS, min_size=2, max_size=4), st.data())
def test_a_mandate_binds_only_the_places_inside_it(answers: list[str], data: st.DataObject) -> None:
    """A mandate layer's answer replaces those inside it; layers outside still combine with it."""
    k = data.draw(st.integers(0, len(answers) - 1))
    mandates = [i == k for i in range(len(answers))]
    win = deciding_layer(answers, mandates, LAYER_ORDER)
    assert win <= k
    rank = {v: i for i, v in enumerate(LAYER_ORDER)}
    assert rank[answers[win]] == min(rank[a] for a in answers[: k + 1])


@settings(max_examples=80)
@given(place_cases(), st.sampled_from(("secure-communities", "pep")))
def test_the_answer_is_the_most_restrictive_layers(case: Case, regime: str) -> None:
    """A place's answer is its most restrictive layer's, unless a mandate binds the layers inside it."""
    d = evaluate(case, regime, rules=LIB)
    rank = {v: i for i, v in enumerate(LAYER_ORDER)}
    scope = next((i + 1 for i, a in enumerate(d.layers) if a.mandate), len(d.layers))
    assert rank[d.local_response] == min(rank[a.local_response] for a in d.layers[:scope])
    assert d.layers[d.deciding].local_response == d.local_response  # type: ignore[index]


@settings(max_examples=80)
@given(place_cases(), st.sampled_from(("secure-communities", "pep")))
def test_engine_and_reference_agree_on_every_place_and_layer(case: Case, regime: str) -> None:
    """durable_rules and the plain-Python reference give the same decision, layers included."""
    a = evaluate(case, regime, rules=LIB)
    b = evaluate(case, regime, rules=LIB, backend="reference")
    assert a.to_dict() == b.to_dict()


def test_texas_sb4_overrides_a_county_decline() -> None:
    """From September 1, 2017 Texas SB 4 (a mandate) replaces Travis County's decline with a hold."""
    charged = [{"offense": "Shoplifting", "level": "misdemeanor"}]  # an EO 13768 priority: a detainer
    before = evaluate(
        _case(booking_date=dt.date(2017, 8, 31), jurisdiction="travis-county", charges=charged), "auto"
    )
    after = evaluate(
        _case(booking_date=dt.date(2017, 9, 1), jurisdiction="travis-county", charges=charged), "auto"
    )
    assert before.regime == after.regime == "secure-communities-2017"
    assert before.local_response == "decline" and after.local_response == "hold"
    assert after.layers[after.deciding].mandate  # type: ignore[index]
    assert "a mandate that binds the places inside it" in after.explanation[-1]


def test_layers_are_outermost_first() -> None:
    """San Francisco's layers in 2016 are California's TRUST Act, then the city's 2016 version."""
    found = layers_for(LIB, "san-francisco", dt.date(2016, 9, 1))
    assert [(x.place, x.version.id) for x in found] == [
        ("california", "california-trust-act-2014"),
        ("san-francisco", "san-francisco-2016"),
    ]


# --- the places file is checked -------------------------------------------------------------------


def _rules_copy(root: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "rules"
    shutil.copytree(root / "rules", dest)
    return dest


def test_overlapping_versions_are_a_located_error(root: Path, tmp_path: Path) -> None:
    """Two versions of one place whose periods overlap are rejected, naming the file and version."""
    rules = _rules_copy(root, tmp_path)
    path = rules / "places.yaml"
    path.write_text(
        path.read_text().replace("[chicago-2012, chicago-2021]", "[chicago-2012, miami-dade-2017]")
    )
    with pytest.raises(RuleFileError) as err:
        load_rules(rules)
    text = str(err.value)
    assert "places.yaml" in text and "'miami-dade-2017'" in text


def test_an_unknown_parent_is_a_located_error_with_a_suggestion(root: Path, tmp_path: Path) -> None:
    """A misspelt parent place is rejected with the closest known place suggested."""
    rules = _rules_copy(root, tmp_path)
    path = rules / "places.yaml"
    path.write_text(path.read_text().replace("parent: texas", "parent: texsa"))
    with pytest.raises(RuleFileError) as err:
        load_rules(rules)
    assert "unknown place 'texsa'" in str(err.value) and "texas" in str(err.value)


def test_a_scenario_may_name_a_place_and_set_a_layers_parameter() -> None:
    """A place id is a valid jurisdiction, and a parameter of any of its layers may be set."""
    d = evaluate(
        _case(
            booking_date=dt.date(2013, 6, 1),
            jurisdiction={"id": "cook-county", "params": {"reimbursement_agreement": True}},
        ),
        SC_ANY_DETAINER,
    )
    assert d.local_response == "hold" and d.params["reimbursement_agreement"] is True


# --- populations --------------------------------------------------------------------------------


def _expected(case: Case, regime: str, place: str) -> dict[str, Any]:
    return expected_row(case, regime, place, LIB)


def _batch_rows(cases: list[Case], fmt: str, places: list[str] | None) -> list[dict[str, Any]]:
    return batch_rows(cases, fmt, places, LIB.regimes, LIB)


def _check(cases: list[Case], rows: list[dict[str, Any]], places: list[str] | None) -> None:
    by_id = {c.id: c for c in cases}
    assert len(rows) == len(cases) * len(LIB.regimes) * (len(places) if places else 1)
    for row in rows:
        case = by_id[row["person_id"]]
        want = _expected(case, row["regime"], row["jurisdiction"])
        assert {k: row[k] for k in want} == want, (case.model_dump(), row["regime"], row["jurisdiction"])


@settings(max_examples=25)
@given(place_case_batches(max_size=6))
def test_a_batch_of_place_bookings_gives_each_person_the_single_case_answer(cases: list[Case]) -> None:
    """Booked in places (layers chosen by each booking date), batch rows equal evaluate(), rule for rule."""
    _check(cases, _batch_rows(cases, "csv", None), None)


@settings(max_examples=10)
@given(place_case_batches(max_size=4))
def test_a_batch_under_every_place_gives_the_single_case_answer(cases: list[Case]) -> None:
    """Everyone evaluated under every place (the batch form of --all-jurisdictions) matches evaluate()."""
    places = list(PLACE_IDS)
    _check(cases, _batch_rows(cases, "parquet", places), places)


def test_an_unstated_bond_never_creates_a_connecticut_hold() -> None:
    """Connecticut holds for a pending charge only when bond is stated as not posted, not by default."""
    unstated = _case(
        booking_date=dt.date(2015, 3, 1),
        jurisdiction="connecticut",
        charges=[{"offense": "Larceny", "level": "misdemeanor"}],
    )
    stated = _case(
        booking_date=dt.date(2015, 3, 1),
        jurisdiction="connecticut",
        charges=[{"offense": "Larceny", "level": "misdemeanor", "bond_posted": False}],
    )
    assert evaluate(unstated, SC_ANY_DETAINER).local_response == "decline"
    assert evaluate(stated, SC_ANY_DETAINER).local_response == "hold"


def test_run_all_places_evaluates_every_place(capsys: pytest.CaptureFixture[str]) -> None:
    """run --all-places gives one result per place and regime, each with its layers."""
    status, out, err = invoke(capsys, "run", DONE, "--all-places", "--regime", "pep", "--format", "json")
    assert status == 0, err
    case = json.loads(out)["cases"][0]
    results = case["results"]
    assert [r["jurisdiction"] for r in results] == list(PLACE_IDS)
    day = dt.date.fromisoformat(case["booking_date"])
    for r in results:
        chain = LIB.place_chain(r["jurisdiction"])
        in_force = [v.id for p in chain if (v := LIB.version_in_force(p, day)) is not None]
        assert [x["version"] for x in r["layers"]] == (in_force or ["full-cooperation"]), r["jurisdiction"]


def test_california_mid_2014_declines_by_default_and_holds_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Mid-2014 California: declined under the default reading (as practised), held as written."""
    res = _results(capsys, DONE, "--regime", "secure-communities")
    default = res["california-mid-2014-default-reading"]
    written = res["california-mid-2014-as-written"]
    assert default["local_response"] == "decline" and written["local_response"] == "hold"
    assert default["layers"][0]["reading"] == "as-practised"  # type: ignore[index]
    assert written["layers"][0]["reading"] == "as-written"  # type: ignore[index]


def test_a_reading_no_layer_declares_is_refused() -> None:
    """A place named with a reading none of its layers declares is an unknown-id error with the known ones."""
    from detainer_model.errors import UnknownIdError

    with pytest.raises(UnknownIdError, match="california:as-written"):
        evaluate(
            _case(booking_date=dt.date(2014, 7, 1), jurisdiction="chicago"), "pep", "california:as-writen"
        )


# --- the places command: history, chart, cohort report -------------------------------------------


def test_places_lists_every_place_with_its_versions(capsys: pytest.CaptureFixture[str]) -> None:
    """`places` prints each place, its parent and each version's dates, the mandate marked."""
    status, out, err = invoke(capsys, "places")
    assert status == 0, err
    assert "san-francisco (in california)" in out
    assert "2015-03-13 to 2016-05-31  san-francisco-2015" in out
    assert "texas-sb4-2017 [mandate]" in out


def test_places_chart_is_written_as_png_or_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--chart writes a PNG or an SVG by suffix, and refuses any other suffix with exit 2."""
    png, svg = tmp_path / "t.png", tmp_path / "t.svg"
    assert invoke(capsys, "places", "--chart", str(png))[0] == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert invoke(capsys, "places", "--chart", str(svg))[0] == 0
    assert b"<svg" in svg.read_bytes()[:400]
    status, _out, err = invoke(capsys, "places", "--chart", str(tmp_path / "t.gif"))
    assert status == 2 and "t.gif" in err and not (tmp_path / "t.gif").exists()


def test_share_honored_counts_requests_only() -> None:
    """The cohort report's share is honored requests over requests, per regime, place and year."""
    import polars as pl

    from detainer_model.population.place_history import honored_by_place_and_year

    table = pl.DataFrame(
        {
            "regime": ["pep"] * 4,
            "jurisdiction": ["chicago"] * 4,
            "booking_date": [dt.date(2016, 1, 1)] * 3 + [dt.date(2017, 1, 1)],
            "request": ["notification", "notification", "none", "none"],
            "local_response": ["notify", "decline", "none", "none"],
        }
    )
    rows = honored_by_place_and_year(table).to_dicts()
    assert rows[0] == {
        "regime": "pep",
        "jurisdiction": "chicago",
        "year": 2016,
        "bookings": 3,
        "requests": 2,
        "honored": 1,
        "share_honored": 0.5,
    }
    assert rows[1]["share_honored"] is None
