"""``detainer-model run``: formats, the JSON contract, expectations and exit statuses."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from builders import invoke

SF = "scenarios/san-francisco-2015.yaml"
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
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return invoke(capsys, "run", *args)


@pytest.fixture(autouse=True)
def _in_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def test_json_document_has_every_field_of_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    """--format json prints exactly one document with the contract's fields and values."""
    status, out, err = run(capsys, SF, "--format", "json")
    assert status == 0, err
    doc = json.loads(out)
    assert doc["disclaimer"] == "An illustrative teaching model, not legal advice."
    assert doc["model"]["version"] and doc["model"]["rules"].startswith("sha256:")
    case = doc["cases"][0]
    assert (case["file"], case["id"], case["expect"]) == (SF, "released-in-2015", "pass")
    assert [r["regime"] for r in case["results"]] == ["secure-communities", "pep"]
    for result in case["results"]:
        assert set(result) >= RESULT_FIELDS
        assert len(result["explanation"]) == len(result["fired"])
    sc, pep = case["results"]
    assert (sc["request"], sc["form"], sc["local_response"], sc["outcome"]) == (
        "detainer",
        "I-247",
        "decline",
        "released_despite_request",
    )
    assert (pep["request"], pep["form"], pep["outcome"], pep["priorities"], pep["sc_level"]) == (
        "detainer",
        "I-247D",
        "released_despite_request",
        ["1(d)"],
        1,
    )


def test_table_marks_where_the_regimes_differ(capsys: pytest.CaptureFixture[str]) -> None:
    """The terminal table shows both regimes side by side and marks differing rows with ≠."""
    status, out, _err = run(capsys, SF)
    assert status == 0
    assert "An illustrative teaching model, not legal advice." in out
    form_row = next(line for line in out.splitlines() if " form " in line)
    assert "≠" in form_row and "I-247D" in form_row
    request_row = next(line for line in out.splitlines() if " request " in line)
    assert "≠" not in request_row
    assert "sc.request.detainer" in out and "Johnson" in out


def test_csv_has_one_row_per_case_and_regime(capsys: pytest.CaptureFixture[str]) -> None:
    """--format csv gives a header and one row per case and regime."""
    status, out, _err = run(capsys, SF, "--format", "csv")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 4
    assert {r["regime"] for r in rows} == {"secure-communities", "pep"}
    assert rows[1]["priorities"] == "1(d)" and rows[1]["form"] == "I-247D"


def test_markdown_has_a_table_per_case(capsys: pytest.CaptureFixture[str]) -> None:
    """--format markdown gives a heading and a table per case, with the disclaimer."""
    status, out, _err = run(capsys, SF, "--format", "markdown")
    assert status == 0
    assert out.count("## released-in-2015") == 2  # both cases of the file start with this id
    assert "| ≠ | form | I-247 | I-247D |" in out
    assert "not legal advice" in out


def test_regime_option_limits_the_evaluation(capsys: pytest.CaptureFixture[str]) -> None:
    """--regime pep evaluates only PEP and checks only PEP's expectations."""
    status, out, _err = run(capsys, SF, "--regime", "pep", "--format", "json")
    assert status == 0
    assert {r["regime"] for c in json.loads(out)["cases"] for r in c["results"]} == {"pep"}


def test_failed_expectation_exits_1_with_a_readable_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    """A wrong expect block exits 1 and names the case, the field, the expected and actual values."""
    text = (
        (root / SF)
        .read_text()
        .replace("request: detainer\n        form: I-247D", "request: notification\n        form: I-247D", 1)
    )
    path = tmp_path / "wrong.yaml"
    path.write_text(text)
    status, out, _err = run(capsys, str(path))
    assert status == 1
    assert "pep: request expected notification, got detainer" in out
    assert f"✗ {path}:" in out and "case 'released-in-2015'" in out
    status, out, _err = run(capsys, str(path), "--format", "json")
    assert status == 1
    case = json.loads(out)["cases"][0]
    assert case["expect"] == "fail"
    assert case["mismatches"] == [
        {"regime": "pep", "field": "request", "expected": "notification", "actual": "detainer"}
    ]


def test_cases_without_expect_report_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A case with no expect block reports expect 'none' and exits 0."""
    path = tmp_path / "plain.yaml"
    path.write_text(
        "title: t\ncases:\n  - id: a\n    title: t\n    booking_date: 2016-01-04\n"
        "    jurisdiction: full-cooperation\n    person: {status: lpr, age: 40}\n"
    )
    status, out, _err = run(capsys, str(path), "--format", "json")
    assert status == 0
    assert json.loads(out)["cases"][0]["expect"] == "none"


def test_shipped_scenarios_run_clean(capsys: pytest.CaptureFixture[str]) -> None:
    """The Quickstart's `detainer-model run scenarios/` exits 0: every shipped expect holds."""
    status, out, _err = run(capsys, "scenarios/", "--format", "json")
    doc = json.loads(out)
    failed = [(c["file"], c["id"], c["mismatches"]) for c in doc["cases"] if c["expect"] == "fail"]
    assert status == 0, failed
    assert len(doc["cases"]) >= 20


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown format is a usage error: exit 2, nothing on stdout."""
    status, out, err = run(capsys, SF, "--format", "xml")
    assert status == 2
    assert out == ""
    assert "xml" in err
