"""Local-policy commands: ``run --all-jurisdictions``, ``--jurisdiction``, ``rules list/show``."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from detainer_model import load_rules

from builders import invoke

SF = "scenarios/san-francisco-2015.yaml"
LIB = load_rules()
PLACES = LIB.jurisdictions
RESULT_FIELDS = {
    "regime",
    "jurisdiction",
    "identified",
    "removable",
    "priorities",
    "sc_level",
    "request",
    "form",
    "local_response",
    "outcome",
    "fired",
    "explanation",
    "warnings",
}
AFTER_REVERSAL = """\
title: After the Miami-Dade reversal
cases:
  - id: after-the-reversal
    title: Booked March 1, 2017, after the Mayor's order of January 26, 2017
    booking_date: 2017-03-01
    jurisdiction: miami-dade-2013
    person: {status: unauthorized, age: 38, removal_order: final}
    convictions:
      - {offense: Aggravated battery, date: 2010-03-01, level: felony, kinds: [violent]}
"""
MIAMI_WARNING = "outside the period miami-dade-2013 was in force (2014-01-01 to 2017-01-25)"


def flat(text: str) -> str:
    """Terminal output with the frame characters and line breaks taken out (for wrapped text)."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


@pytest.fixture(autouse=True)
def _in_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


@pytest.fixture
def after_reversal(tmp_path: Path) -> str:
    path = tmp_path / "after.yaml"
    path.write_text(AFTER_REVERSAL)
    return str(path)


# --- run --all-jurisdictions --------------------------------------------------------------------


def test_all_jurisdictions_prints_the_matrix_for_the_san_francisco_case(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every local policy is a row, each regime a column, each cell request → response → outcome."""
    monkeypatch.setenv("COLUMNS", "200")  # wide enough that no cell wraps
    status, out, err = invoke(capsys, "run", SF, "--all-jurisdictions")
    assert status == 0, err
    first_case = out.split("╭─")[1]
    assert "released-in-2015 " in first_case.splitlines()[1]
    rows = {line.split("│")[1].strip(): line for line in first_case.splitlines() if line.count("│") >= 4}
    names = {name.split()[0] for name in rows if name}
    assert set(PLACES) <= names
    sf_row = next(line for name, line in rows.items() if name.startswith("san-francisco-2015"))
    assert "◀ own" in sf_row
    assert sf_row.count("detainer → decline → released_despite_request") == 2
    cook = next(line for name, line in rows.items() if name.startswith("cook-county-2011"))
    assert cook.count("detainer → decline → released_despite_request") == 2
    full = next(line for name, line in rows.items() if name.startswith("full-cooperation"))
    assert full.count("detainer → hold → transfer") == 2
    assert "secure-communities" in out and "pep" in out
    assert "expect (own jurisdiction): pass" in out


def test_all_jurisdictions_markdown_is_a_table_per_case(capsys: pytest.CaptureFixture[str]) -> None:
    """Markdown: one row per local policy, the own policy in bold, and the deciding rules listed."""
    status, out, _err = invoke(capsys, "run", SF, "--all-jurisdictions", "--format", "markdown")
    assert status == 0
    assert out.count("| local policy | secure-communities | pep |") == 2
    for place in PLACES:
        assert re.search(rf"^\| (\*\*)?{re.escape(place)}\b.*\|$", out, re.M), place
    assert (
        "| **san-francisco-2015 ◀ own** | detainer → decline → released_despite_request "
        "| detainer → decline → released_despite_request |"
    ) in out
    assert "- cook-county-2011: `decline-detainer`" in out


def test_all_jurisdictions_json_has_one_result_per_place_and_regime(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """JSON: for each case, one result per local policy per regime, each with the contract's fields."""
    status, out, _err = invoke(capsys, "run", SF, "--all-jurisdictions", "--format", "json")
    assert status == 0
    for case in json.loads(out)["cases"]:
        pairs = [(r["jurisdiction"], r["regime"]) for r in case["results"]]
        assert sorted(pairs) == sorted((j, r) for j in PLACES for r in ("secure-communities", "pep"))
        for result in case["results"]:
            assert set(result) >= RESULT_FIELDS
        assert case["expect"] == "pass"


def test_all_jurisdictions_csv_has_one_row_per_case_place_and_regime(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """CSV: a row per case, local policy and regime."""
    status, out, _err = invoke(capsys, "run", SF, "--all-jurisdictions", "--format", "csv")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2 * len(PLACES) * 2
    assert {r["jurisdiction"] for r in rows} == set(PLACES)


def test_all_jurisdictions_with_one_regime(capsys: pytest.CaptureFixture[str]) -> None:
    """--regime narrows the matrix to that regime's column."""
    status, out, _err = invoke(
        capsys, "run", SF, "--all-jurisdictions", "--regime", "pep", "--format", "markdown"
    )
    assert status == 0
    assert "| local policy | pep |" in out and "secure-communities |" not in out


def test_all_jurisdictions_and_jurisdiction_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """--all-jurisdictions with --jurisdiction is a usage error: exit 2, nothing on standard output."""
    status, out, err = invoke(capsys, "run", SF, "--all-jurisdictions", "--jurisdiction", "cook-county-2011")
    assert status == 2
    assert out == ""
    assert "--all-jurisdictions and --jurisdiction cannot be used together" in err


def test_all_jurisdictions_marks_a_policy_out_of_its_dates(
    capsys: pytest.CaptureFixture[str], after_reversal: str
) -> None:
    """A row whose policy was not in force on the booking date is marked ⚠ and its warning listed."""
    status, out, _err = invoke(capsys, "run", after_reversal, "--all-jurisdictions", "--format", "markdown")
    assert status == 0
    assert "| **miami-dade-2013 ◀ own ⚠** |" in out
    assert f"> ⚠ miami-dade-2013: booked 2017-03-01, {MIAMI_WARNING}" in out
    assert "| cook-county-2011 |" in out  # in force then: no mark
    status, out, _err = invoke(capsys, "run", after_reversal, "--all-jurisdictions")
    assert MIAMI_WARNING in flat(out)


# --- run --jurisdiction -------------------------------------------------------------------------


def test_jurisdiction_evaluates_under_another_policy(capsys: pytest.CaptureFixture[str]) -> None:
    """--jurisdiction evaluates every case under that policy; the own-place expect is not checked."""
    status, out, _err = invoke(
        capsys, "run", SF, "--jurisdiction", "california-trust-act-2014:as-written", "--format", "json"
    )
    assert status == 0
    case = json.loads(out)["cases"][0]
    assert {r["jurisdiction"] for r in case["results"]} == {"california-trust-act-2014"}
    assert {r["jurisdiction_reading"] for r in case["results"]} == {"as-written"}
    assert {r["local_response"] for r in case["results"]} == {"hold"}
    assert case["expect"] == "none"


def test_jurisdiction_repeated_compares_places(capsys: pytest.CaptureFixture[str]) -> None:
    """Two --jurisdiction options give both places side by side, and the own place's expect is checked."""
    status, out, _err = invoke(
        capsys,
        "run",
        SF,
        "--jurisdiction",
        "cook-county-2011",
        "--jurisdiction",
        "san-francisco-2015",
        "--format",
        "json",
    )
    assert status == 0
    case = json.loads(out)["cases"][0]
    assert len(case["results"]) == 4
    assert case["expect"] == "pass"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--jurisdiction", "cook-county-201"],
            "unknown jurisdiction 'cook-county-201' (did you mean 'cook-county-2011'?)",
        ),
        (["--all-jurisdictions", "--regime", "pepp"], "unknown regime 'pepp' (did you mean 'pep'?)"),
    ],
)
def test_unknown_ids_exit_2_with_a_suggestion(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """A misspelt policy or regime id exits 2 in one line with the closest id; nothing on stdout."""
    status, out, err = invoke(capsys, "run", SF, *args)
    assert status == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


# --- warnings in every format --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "csv"])
def test_out_of_date_warning_shows_in_every_format(
    capsys: pytest.CaptureFixture[str], after_reversal: str, fmt: str
) -> None:
    """A case booked after a policy ended is evaluated, and every output format carries the warning."""
    status, out, _err = invoke(capsys, "run", after_reversal, "--format", fmt)
    assert status == 0
    if fmt == "json":
        result = json.loads(out)["cases"][0]["results"][0]
        assert result["local_response"] == "decline"
        assert any(MIAMI_WARNING in w for w in result["warnings"])
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert all(MIAMI_WARNING in r["warnings"] for r in rows)
    else:
        assert MIAMI_WARNING in flat(out)


# --- rules list / rules show --------------------------------------------------------------------


def test_rules_list_shows_every_rule_set_with_its_dates(capsys: pytest.CaptureFixture[str]) -> None:
    """rules list: every rule set with its level and the dates it was in force."""
    status, out, _err = invoke(capsys, "rules", "list")
    assert status == 0
    lines = out.splitlines()
    for rs in LIB.rulesets.values():
        line = next(line for line in lines if line.split("│")[0].strip().split(" ")[0] == rs.id)
        assert rs.level in line and rs.effective.describe() in line
    at = next(i for i, line in enumerate(lines) if line.startswith("miami-dade-2013 "))
    miami = " ".join(lines[at : at + 2])  # on 80 columns, a rule set takes two lines or more
    assert "2014-01-01 to 2017-01-25" in miami and "reimbursement_agreement" in miami


def test_rules_list_markdown_and_level(capsys: pytest.CaptureFixture[str]) -> None:
    """rules list --format markdown --level local: a Markdown table of the local policies only."""
    status, out, _err = invoke(capsys, "rules", "list", "--level", "local", "--format", "markdown")
    assert status == 0
    assert "| id | level | in force | rules | parameters | title |" in out
    ids = re.findall(r"^\| `([^`]+)` \|", out, re.M)
    assert sorted(ids) == sorted(PLACES)
    assert "| `california-trust-act-2014` | local | 2014-01-01 to 2017-12-31 |" in out


def test_rules_show_gives_every_rule_with_source_verification_and_notes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """rules show ID: each rule's summary, source, pinpoint, verification and notes; parameters too."""
    status, out, _err = invoke(capsys, "rules", "show", "cook-county-2011", "--format", "markdown")
    assert status == 0
    rs = LIB.ruleset("cook-county-2011")
    for r in rs.rules:
        assert f"### `{r.id}`" in out
        assert f"- **Verification:** {r.verification}" in out
    assert "- **Verification:** unverified" in out
    assert "Cook County Code § 46-37 (2011)" in out and "[verified]" in out
    assert "## Parameters" in out and "`reimbursement_agreement` (bool, default `false`)" in out
    assert "A modelling choice" in out  # the notes of the unverified rule
    assert "shall decline ICE detainer requests unless" in out


def test_rules_show_lists_definitions(capsys: pytest.CaptureFixture[str]) -> None:
    """rules show prints how each definition is computed (look-backs included)."""
    status, out, _err = invoke(capsys, "rules", "show", "santa-clara-2011", "--format", "markdown")
    assert status == 0
    assert "## Definitions" in out
    assert "within_years(date, 10)" in out and "within_years(release_date, 5)" in out


def test_rules_show_in_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --format, rules show renders for the terminal with the same content."""
    status, out, _err = invoke(capsys, "rules", "show", "new-york-city-2014")
    assert status == 0
    text = flat(out)
    assert "new-york-city-2014.hold-warrant-and-conviction" in text
    assert "Verification: unverified" in text
    assert "nypd_custody" in text


def test_rules_show_one_rule(capsys: pytest.CaptureFixture[str]) -> None:
    """rules show RULE-ID prints that rule with its rule set and full source."""
    status, out, _err = invoke(
        capsys, "rules", "show", "miami-dade-2013.notify-if-reimbursed", "--format", "markdown"
    )
    assert status == 0
    assert out.startswith("# miami-dade-2013.notify-if-reimbursed")
    assert "- **Verification:** unverified" in out and "## Source" in out


def test_rules_show_unknown_id_exits_2_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt id exits 2 in one line naming the closest rule set; nothing on standard output."""
    status, out, err = invoke(capsys, "rules", "show", "santa-clra-2011")
    assert status == 2
    assert out == ""
    assert "unknown rule set or rule 'santa-clra-2011' (did you mean 'santa-clara-2011'?)" in err
    assert len(err.strip().splitlines()) == 1


def test_serving_a_sentence_already_served_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A conviction both serving_sentence and released is invalid: exit 2 naming file, line and field."""
    path = tmp_path / "bad.yaml"
    path.write_text(
        "title: t\ncases:\n  - id: a\n    title: t\n    booking_date: 2016-03-01\n"
        "    jurisdiction: santa-clara-2011\n    person: {status: unauthorized, age: 40}\n"
        "    convictions:\n      - {offense: Robbery, date: 2005-03-01, level: felony,\n"
        "         release_date: 2012-03-01, serving_sentence: true}\n"
    )
    status, out, err = invoke(capsys, "run", str(path))
    assert status == 2
    assert out == ""
    assert f"{path}:10: cases[0].convictions[0].serving_sentence:" in err
    assert "release_date says the sentence was served" in err
