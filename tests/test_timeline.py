"""Federal eras: the regime in force (``auto``), readings, removability grounds, the timeline."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detainer_model import Case, UnknownIdError, evaluate
from detainer_model.teaching.timeline import eras, shift, timeline

from builders import batch_rows, expected_row, invoke, make_case
from strategies import LIB, cases_across_eras, deportable_convictions, regime_refs


@given(cases_across_eras())
def test_auto_picks_the_era_in_force(case: Case) -> None:
    """``auto`` evaluates under the one federal regime whose dates contain the booking date."""
    d = evaluate(case, "auto", rules=LIB)
    assert LIB.rulesets[d.regime].effective.contains(case.booking_date)
    assert [r for r in LIB.regimes if LIB.rulesets[r].effective.contains(case.booking_date)] == [d.regime]
    assert not any("outside the period" in w and d.regime in w for w in d.warnings)


@given(cases_across_eras(), regime_refs())
def test_engine_and_reference_agree_on_every_era_and_reading(case: Case, ref: str) -> None:
    """durable_rules and the reference evaluator agree under every era and reading, at era edges too."""
    engine = evaluate(case, ref, rules=LIB)
    reference = evaluate(case, ref, rules=LIB, backend="reference")
    assert engine.fired == reference.fired
    assert engine.answers == reference.answers
    assert engine.reading == reference.reading == LIB.resolve(ref, "federal")[1]


@given(cases_across_eras(), st.data())
def test_a_deportable_conviction_never_makes_anyone_less_removable(case: Case, data: st.DataObject) -> None:
    """Removability grounds are monotone: adding a deportable conviction never turns removable off."""
    before = evaluate(case, "auto", rules=LIB)
    extra = data.draw(deportable_convictions(case.booking_date))
    after_case = Case.model_validate(
        {**case.model_dump(), "convictions": [*case.model_dump()["convictions"], extra]}
    )
    after = evaluate(after_case, "auto", rules=LIB)
    assert not (before.removable and not after.removable)
    if case.person.removable is None and case.person.status != "us_citizen":
        assert after.removable


@given(cases_across_eras(), st.sampled_from(["as-written", "as-practised"]))
def test_auto_with_a_reading_applies_it_where_the_era_offers_it(case: Case, reading: str) -> None:
    """``auto:READING`` is the era in force under that reading, or as it is when it has no readings."""
    d = evaluate(case, f"auto:{reading}", rules=LIB)
    era = LIB.era(case.booking_date)
    assert d.regime == era.id
    assert d.reading == (reading if reading in era.readings else None)
    named = f"{era.id}:{reading}" if reading in era.readings else era.id
    other = evaluate(case, named, rules=LIB)
    assert (d.request, d.form, d.fired) == (other.request, other.form, other.fired)


@settings(max_examples=20)  # each example is a batch
@given(st.lists(cases_across_eras(), min_size=1, max_size=6, unique_by=lambda c: c.id))
def test_a_batch_under_auto_with_a_reading_answers_as_evaluate(cases: list[Case]) -> None:
    """The population path's ``auto:as-written`` gives each person what ``evaluate`` gives."""
    rows = batch_rows(cases, "parquet", None, ["auto:as-written"], LIB)
    by_id = {c.id: c for c in cases}
    assert len(rows) == len(cases)
    for row in rows:
        case = by_id[row["person_id"]]
        want = expected_row(case, "auto:as-written", case.jurisdiction.id, LIB)
        assert {k: row[k] for k in want} == want, row["person_id"]


def test_auto_with_a_reading_no_era_offers_is_refused(capsys: pytest.CaptureFixture[str], root: Path) -> None:
    """A misspelt reading after ``auto`` exits 2 with a suggestion, not an evaluation without it."""
    status, _, err = invoke(
        capsys, "run", str(root / "scenarios" / "san-francisco-2015.yaml"), "--regime", "auto:as-writen"
    )
    assert status == 2 and "no era has a reading 'as-writen' (did you mean 'as-written'?)" in err


def test_a_date_outside_every_era_is_a_clear_error() -> None:
    """A booking before Secure Communities has no era: auto refuses, naming the eras."""
    with pytest.raises(
        UnknownIdError, match=r"no federal regime was in force on 2005-03-01.*secure-communities"
    ):
        evaluate(make_case(booking_date=dt.date(2005, 3, 1)), "auto")


def test_cli_auto_names_the_era_and_exits_2_outside(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``run --regime auto --format json`` puts the era in ``regime``; an early date exits 2."""
    f = tmp_path / "s.yaml"
    f.write_text(
        "title: t\ncases:\n  - id: a\n    title: A\n    booking_date: 2018-03-01\n"
        "    jurisdiction: full-cooperation\n    person: {status: unauthorized, age: 30}\n"
        "    charges: [{offense: Shoplifting, level: misdemeanor}]\n"
    )
    status, out, _ = invoke(capsys, "run", str(f), "--regime", "auto", "--format", "json")
    result = json.loads(out)["cases"][0]["results"][0]
    assert status == 0
    assert (result["regime"], result["form"], result["outcome"]) == (
        "secure-communities-2017",
        "I-247A",
        "transfer",
    )
    f.write_text(f.read_text().replace("2018-03-01", "2006-03-01"))
    status, _, err = invoke(capsys, "run", str(f), "--regime", "auto")
    assert status == 2 and "no federal regime was in force on 2006-03-01" in err and "Traceback" not in err


def test_the_san_francisco_case_falls_in_the_interim_era(root: Path) -> None:
    """Booked March 26, 2015: the interim era, an I-247 detainer, declined, released."""
    from detainer_model import load_scenarios

    case = load_scenarios(root / "scenarios" / "san-francisco-2015.yaml")[0].cases[0]
    d = evaluate(case, "auto")
    assert (d.regime, d.request, d.form, d.local_response, d.outcome) == (
        "interim-2015",
        "detainer",
        "I-247",
        "decline",
        "released_despite_request",
    )


def test_shift_moves_every_date_by_the_same_days() -> None:
    """A case moved to another booking date keeps its record's shape."""
    case = make_case(
        entry_date=dt.date(2010, 1, 1),
        convictions=[{"offense": "x", "date": "2013-01-01", "level": "felony"}],
    )
    moved = shift(case, case.booking_date + dt.timedelta(days=100))
    assert moved.person.entry_date == dt.date(2010, 4, 11)
    assert moved.convictions[0].date == dt.date(2013, 4, 11)


def test_timeline_evaluates_each_era_and_names_the_first_difference() -> None:
    """One result per era, in date order, each booked inside its era; differences name rules."""
    case = make_case(convictions=[{"offense": "x", "date": "2013-01-01", "level": "felony"}])
    t = timeline(case)
    assert [r.era.id for r in t.results] == [e.id for e in eras(LIB)]
    assert all(r.era.effective.contains(r.booking_date) for r in t.results)
    pep_to_2017 = t.changes[-1]
    assert pep_to_2017.field == "form" and "pep.form.i247d" in pep_to_2017.rules_before
    assert "sc2017.form.i247a" in pep_to_2017.rules_after
    written = timeline(case, readings={"pep": "as-written"})
    assert written.results[2].decision.request == "notification"


def test_timeline_command_writes_table_and_both_charts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, root: Path
) -> None:
    """``timeline FILE --case ID --chart STEM`` prints the eras and writes STEM.png and STEM.svg."""
    status, out, _ = invoke(
        capsys,
        "timeline",
        str(root / "scenarios" / "san-francisco-2015.yaml"),
        "--case",
        "released-in-2015",
        "--format",
        "markdown",
        "--chart",
        str(tmp_path / "tl"),
    )
    assert status == 0
    assert "| interim-2015 |" in out and "I-247A" in out
    assert (tmp_path / "tl.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (tmp_path / "tl.svg").read_bytes()[:400]
    status, out, _ = invoke(
        capsys, "rules", "timeline", "--format", "markdown", "--chart", str(tmp_path / "eras")
    )
    assert status == 0 and "| pep | federal | 2015-07-02 to 2017-01-24 |" in out
    assert (tmp_path / "eras.png").exists()


def test_impossible_offense_facts_are_refused_with_a_location(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A minor traffic offense that is an aggravated felony is refused: exit 2, file and line named."""
    f = tmp_path / "s.yaml"
    f.write_text(
        "title: t\ncases:\n  - id: a\n    title: A\n    booking_date: 2016-03-01\n"
        "    jurisdiction: full-cooperation\n    person: {status: lpr, age: 30}\n"
        "    convictions:\n      - {offense: x, date: 2015-01-01, level: minor_traffic,\n"
        "         kinds: [aggravated_felony]}\n"
    )
    status, _, err = invoke(capsys, "run", str(f))
    assert status == 2 and "s.yaml:" in err and "cannot be of kind 'aggravated_felony'" in err
