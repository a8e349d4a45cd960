"""Named readings of a rule set (``ID:READING``): loading, selection, results and the batch path."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from detainer_model import RuleFileError, UnknownIdError, compare, evaluate, load_rules
from detainer_model.population import evaluate_population, read_batch
from detainer_model.population.tables import tables_from_cases
from detainer_model.rulebook.library import join_ref, split_ref

from builders import invoke, make_case

# A local policy given two readings: "strict" (the text: hold only for a felony record) and
# "lenient" (the default: the practice, every detainer honoured). The rule files are a copy.
READINGS = {
    "default": "lenient",
    "options": {
        "strict": {"summary": "The policy as written.", "sources": ["contract-v1"]},
        "lenient": {"summary": "The policy as practised.", "sources": ["cfr-287-7"]},
    },
}


def _with_readings(root: Path, tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(root / "rules", target)
    path = target / "local" / "full-cooperation.yaml"
    data = yaml.safe_load(path.read_text())
    data["readings"] = READINGS
    data["definitions"] = [
        {
            "id": "felony_record",
            "summary": "At least one felony conviction.",
            "source": "contract-v1",
            "readings": ["strict"],
            "count": "convictions",
            "where": 'level == "felony"',
        }
    ]
    hold = next(r for r in data["rules"] if r["id"] == "full-cooperation.hold")
    hold["readings"] = ["lenient"]
    data["rules"].append(
        {
            "id": "full-cooperation.hold-felons",
            "summary": "As written: the jail holds only a person with a felony conviction.",
            "source": "contract-v1",
            "readings": ["strict"],
            "when": 'request == "detainer" and felony_record >= 1',
            "then": {"local_response": "hold"},
        }
    )
    data["rules"].append(
        {
            "id": "full-cooperation.decline-others",
            "summary": "As written: the jail declines a detainer for anyone else.",
            "source": "contract-v1",
            "readings": ["strict"],
            "when": 'request == "detainer" and felony_record == 0',
            "then": {"local_response": "decline"},
        }
    )
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return target


@pytest.fixture(scope="module")
def read_lib(tmp_path_factory: pytest.TempPathFactory, root: Path):  # type: ignore[no-untyped-def]
    """The shipped rules with readings added to full-cooperation."""
    return load_rules(_with_readings(root, tmp_path_factory.mktemp("readings")))


def test_split_and_join_refs() -> None:
    """``ID:READING`` splits into its parts and joins back; a bare id has no reading."""
    assert split_ref("pep:as-written") == ("pep", "as-written")
    assert split_ref("pep") == ("pep", None)
    assert join_ref("pep", None) == "pep"
    assert join_ref(*split_ref("a:b")) == "a:b"


def test_default_reading_is_used_without_suffix(read_lib) -> None:  # type: ignore[no-untyped-def]
    """Without a suffix the rule set's default reading applies, and the result names it."""
    d = evaluate(make_case(), "secure-communities:as-practised", rules=read_lib)
    assert d.jurisdiction_reading == "lenient"
    assert d.local_response == "hold"
    assert "full-cooperation.hold" in d.fired
    assert d.to_dict()["jurisdiction_reading"] == "lenient"


def test_named_reading_changes_the_rules(read_lib) -> None:  # type: ignore[no-untyped-def]
    """``full-cooperation:strict`` runs only the strict reading's rules and definitions."""
    d = evaluate(make_case(), "secure-communities:as-practised", "full-cooperation:strict", rules=read_lib)
    assert d.jurisdiction_reading == "strict"
    assert d.local_response == "decline"
    assert "full-cooperation.decline-others" in d.fired
    assert (
        "full-cooperation.hold"
        not in read_lib.composition("secure-communities", "full-cooperation:strict").rules
    )
    felon = make_case(convictions=[{"offense": "x", "date": "2014-01-01", "level": "felony"}])
    assert (
        evaluate(
            felon, "secure-communities:as-practised", "full-cooperation:strict", rules=read_lib
        ).local_response
        == "hold"
    )


def test_compare_sets_readings_side_by_side(read_lib) -> None:  # type: ignore[no-untyped-def]
    """compare() under two readings of one place gives two decisions labelled by reading."""
    c = compare(
        make_case(),
        ["secure-communities:as-practised"],
        ["full-cooperation:strict", "full-cooperation:lenient"],
        rules=read_lib,
    )
    assert [d.jurisdiction_ref for d in c.decisions] == [
        "full-cooperation:strict",
        "full-cooperation:lenient",
    ]
    assert "local_response" in c.differences


def test_unknown_reading_is_refused_with_a_suggestion(read_lib) -> None:  # type: ignore[no-untyped-def]
    """A misspelt reading names the rule set's readings and suggests the nearest."""
    with pytest.raises(UnknownIdError, match=r"unknown reading 'strct'.*strict"):
        evaluate(make_case(), "pep", "full-cooperation:strct", rules=read_lib)
    with pytest.raises(UnknownIdError, match="has no readings"):
        evaluate(make_case(), "pep", "judicial-warrant-only:strict", rules=read_lib)


def test_rule_naming_an_unknown_reading_is_a_located_error(root: Path, tmp_path: Path) -> None:
    """A rule whose ``readings`` names a reading its rule set lacks fails to load, file and line named."""
    rules = _with_readings(root, tmp_path)
    path = rules / "local" / "full-cooperation.yaml"
    path.write_text(path.read_text().replace("- strict", "- stricct", 1))
    with pytest.raises(RuleFileError) as info:
        load_rules(rules)
    text = str(info.value)
    assert "full-cooperation.yaml:" in text and "unknown reading 'stricct'" in text and "strict" in text


def test_readings_without_declaration_are_refused(root: Path, tmp_path: Path) -> None:
    """A rule with ``readings`` in a rule set that declares none is a located error."""
    target = tmp_path / "rules"
    shutil.copytree(root / "rules", target)
    path = target / "local" / "full-cooperation.yaml"
    data = yaml.safe_load(path.read_text())
    data["rules"][0]["readings"] = ["strict"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(RuleFileError, match="declares no readings"):
        load_rules(target)


def test_cli_run_accepts_a_reading(read_lib, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``run --jurisdiction ID:READING --format json`` names the reading in each result."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "title: t\ncases:\n  - id: c1\n    title: A case\n    booking_date: 2013-05-01\n"
        "    jurisdiction: full-cooperation\n    person: {status: unauthorized, age: 30}\n"
    )
    status, out, _ = invoke(
        capsys,
        "run",
        str(scenario),
        "--rules",
        str(read_lib.root),
        "--regime",
        "secure-communities:as-practised",
        "--jurisdiction",
        "full-cooperation:strict",
        "--format",
        "json",
    )
    assert status == 0
    result = json.loads(out)["cases"][0]["results"][0]
    assert (result["jurisdiction"], result["jurisdiction_reading"]) == ("full-cooperation", "strict")
    assert result["local_response"] == "decline"
    status, _, err = invoke(
        capsys,
        "run",
        str(scenario),
        "--rules",
        str(read_lib.root),
        "--jurisdiction",
        "full-cooperation:strikt",
    )
    assert status == 2 and "strict" in err and "Traceback" not in err


def test_expect_block_may_name_a_reading() -> None:
    """``expect: {ID:READING: ...}`` checks the decision under that reading; a bare id, the default only."""
    from detainer_model.core.expectations import check_case

    # booked after the December 21, 2012 guidance with no record: as written (the default) ICE asks
    # nothing; as practised it lodges a detainer
    case = make_case(booking_date=dt.date(2013, 5, 1))
    written = evaluate(case, "secure-communities:as-written")
    practised = evaluate(case, "secure-communities:as-practised")
    assert (written.request, practised.request) == ("none", "detainer")

    def check(expect: dict[str, dict[str, object]], decisions: list[object]) -> tuple[str, list[str]]:
        status, mismatches = check_case(case.model_copy(update={"expect": expect}), decisions)  # type: ignore[arg-type]
        return status, [m.regime for m in mismatches]

    right = {
        "secure-communities:as-written": {"request": "none"},
        "secure-communities:as-practised": {"request": "detainer"},
        "secure-communities": {"request": "none"},
    }
    assert check(right, [written, practised]) == ("pass", [])
    swapped = {
        "secure-communities:as-written": {"request": "detainer"},
        "secure-communities:as-practised": {"request": "none"},
    }
    assert check(swapped, [written, practised]) == (
        "fail",
        ["secure-communities:as-written", "secure-communities:as-practised"],
    )
    # a bare id means the default reading: a decision under another reading does not answer it
    assert check({"secure-communities": {"request": "detainer"}}, [practised]) == ("none", [])
    assert check({"secure-communities": {"request": "detainer"}}, [written]) == (
        "fail",
        ["secure-communities"],
    )


def test_batch_honours_readings(read_lib, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The population path gives, under a named reading, the same answers as evaluate()."""
    felon = make_case(convictions=[{"offense": "x", "date": "2014-01-01", "level": "felony"}])
    cases = [make_case().model_copy(update={"id": "a"}), felon.model_copy(update={"id": "b"})]
    paths = {}
    for name, frame in tables_from_cases(cases).items():
        paths[name] = tmp_path / f"{name}.csv"
        frame.write_csv(paths[name])
    batch = read_batch(read_lib, paths["people"], paths["convictions"], paths["charges"])
    refs = ["full-cooperation:strict", "full-cooperation"]
    result = evaluate_population(batch, read_lib, ["secure-communities:as-practised"], refs)
    got = {
        (r["person_id"], r["jurisdiction"]): r["local_response"] for r in result.table.iter_rows(named=True)
    }
    assert got == {
        (c.id, ref): evaluate(c, "secure-communities:as-practised", ref, rules=read_lib).local_response
        for c in cases
        for ref in refs
    }
    assert got[("a", "full-cooperation:strict")] == "decline"
    assert got[("b", "full-cooperation:strict")] == "hold"
    assert got[("a", "full-cooperation")] == "hold"
