"""``--plain`` beyond the terminal: a ``plain`` field in JSON outputs and the web API, and worksheets
and answer keys in plain English; without ``--plain`` every output is what it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from detainer_model import RuleLibrary
from detainer_model.teaching.plain import plain_label, plain_value

from builders import invoke

SF = "scenarios/san-francisco-2015.yaml"
TEACHING = "scenarios/teaching-set.yaml"


@pytest.fixture(autouse=True)
def _in_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def _without_plain(doc: Any) -> Any:
    """``doc`` with every ``plain`` key taken out."""
    if isinstance(doc, dict):
        return {k: _without_plain(v) for k, v in doc.items() if k != "plain"}
    if isinstance(doc, list):
        return [_without_plain(v) for v in doc]
    return doc


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[Any, Any]:
    """The command's JSON without and with --plain."""
    status, out, _err = invoke(capsys, *args, "--format", "json")
    assert status in (0, 1)
    status, plain_out, _err = invoke(capsys, *args, "--format", "json", "--plain")
    assert status in (0, 1)
    assert '"plain"' not in out
    return json.loads(out), json.loads(plain_out)


def test_run_json_plain_adds_words_beside_the_codes(
    capsys: pytest.CaptureFixture[str], lib: RuleLibrary
) -> None:
    """`run --format json --plain`: each result carries its answers and reasons in plain English,
    and nothing else changes."""
    codes, words = _json(capsys, "run", SF)
    assert _without_plain(words) == codes
    for case in words["cases"]:
        for r in case["results"]:
            answers = r["plain"]["answers"]
            assert answers["outcome"] == {
                "label": plain_label("outcome", lib),
                "value": plain_value("outcome", r["outcome"], lib),
            }
            assert answers["request"]["value"] == plain_value("request", r["request"], lib)
            assert [x["rule"] for x in r["plain"]["reasons"]] == r["fired"]
            assert all("_" not in x["value"] for x in answers.values() if x["value"])
    released = next(c for c in words["cases"] if c["id"] == "released-in-2015")
    assert {r["plain"]["answers"]["outcome"]["value"] for r in released["results"]} >= {
        "released despite ICE's request"
    }


def test_explain_json_plain(capsys: pytest.CaptureFixture[str], lib: RuleLibrary) -> None:
    """`explain --format json --plain`: each explanation carries the plain answers and reasons."""
    codes, words = _json(capsys, "explain", SF, "--case", "released-in-2015")
    assert _without_plain(words) == codes
    for x in words["explanations"]:
        outcome = next(a for a in x["answers"] if a["answer"] == "outcome")
        assert x["plain"]["answers"]["outcome"]["value"] == plain_value("outcome", outcome["value"], lib)
        assert all(r["text"].endswith(".") for r in x["plain"]["reasons"])


def test_whatif_json_plain(capsys: pytest.CaptureFixture[str], lib: RuleLibrary) -> None:
    """`whatif --format json --plain`: the current answer and each option's, in plain English."""
    codes, words = _json(capsys, "whatif", SF, "--case", "released-in-2015")
    assert _without_plain(words) == _without_plain(codes) == codes
    assert words["plain"]["label"] == plain_label("outcome", lib)
    for r in words["results"]:
        assert r["plain"]["current"] == plain_value("outcome", r["current"], lib)
        for o in r["options"]:
            assert o["plain"]["value"] == plain_value("outcome", o["outcome"], lib)


@pytest.fixture
def plain_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """The same exercise made without and with --plain."""
    args = ["exercise", "make", TEACHING, SF, "--case", "no-record", "--case", "released-in-2015"]
    status, _out, _err = invoke(capsys, *args, "--out", str(tmp_path / "codes"))
    assert status == 0
    status, _out, _err = invoke(capsys, *args, "--plain", "--out", str(tmp_path / "words"))
    assert status == 0
    return tmp_path / "codes", tmp_path / "words"


def test_exercise_make_plain_says_each_value_and_reason_in_words(
    plain_set: tuple[Path, Path], lib: RuleLibrary
) -> None:
    """`exercise make --plain`: the worksheet explains every value a student may write, the key
    says each answer and its reason in words with the ids beside them; key.json is unchanged and
    the answers file reads the same."""
    codes, words = plain_set
    assert (codes / "key.json").read_text() == (words / "key.json").read_text()
    assert yaml.safe_load((codes / "answers-template.yaml").read_text()) == yaml.safe_load(
        (words / "answers-template.yaml").read_text()
    )
    sheet = (words / "worksheet.md").read_text()
    assert "released_despite_request`: released despite ICE's request" in sheet
    assert f"| {plain_label('outcome', lib)} (outcome) |" in sheet
    assert "released despite ICE's request" not in (codes / "worksheet.md").read_text()
    template = (words / "answers-template.yaml").read_text()
    assert f"#     detainer: {plain_value('request', 'detainer', lib)}" in template
    key = (words / "answer-key.md").read_text()
    summary = " ".join(lib.rule("outcome.no-request").summary.split())
    assert f"(`outcome` = `no_request`): {summary}" in key and "[outcome.no-request]" in key
    assert (
        "No rule applies here, so the model's default holds. In the rules' terms: no rule decides it" in key
    )
    html = (words / "answer-key.html").read_text()
    assert "released despite ICE&#39;s request (<code>released_despite_request</code>)" in html


def _one_wrong_outcome(made: Path, path: Path) -> Path:
    """An answers file for the set in ``made``: only case 1's PEP outcome, and that one wrong."""
    doc = yaml.safe_load((made / "answers-template.yaml").read_text())
    doc["answers"]["case-1"]["pep"]["outcome"] = "transfer"
    path.write_text(yaml.safe_dump({**doc, "student": path.stem}))
    return path


def test_exercise_grade_json_plain(
    plain_set: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], lib: RuleLibrary
) -> None:
    """`exercise grade --format json --plain`: each mark says the expected and given answers in words."""
    codes, _words = plain_set
    answers = _one_wrong_outcome(codes, tmp_path / "ada.yaml")
    status, out, _err = invoke(
        capsys, "exercise", "grade", str(codes / "key.json"), str(answers), "--format", "json"
    )
    assert status == 1 and '"plain"' not in out
    status, out, _err = invoke(
        capsys, "exercise", "grade", str(codes / "key.json"), str(answers), "--format", "json", "--plain"
    )
    marks = json.loads(out)["marks"]
    wrong = next(m for m in marks if m["status"] == "wrong")
    assert wrong["plain"] == {
        "label": plain_label("outcome", lib),
        "expected": plain_value("outcome", wrong["expected"], lib),
        "given": plain_value("outcome", "transfer", lib),
    }
    assert all(m["plain"]["given"] is None for m in marks if m["status"] == "unanswered")


def test_web_api_results_carry_plain_words(lib: RuleLibrary, root: Path) -> None:
    """/api/evaluate, /api/compare, /api/explain and /api/whatif answer with `plain` beside the codes."""
    pytest.importorskip("fastapi", reason="the web app needs the [web] extra")
    from fastapi.testclient import TestClient

    from detainer_model import load_scenarios
    from detainer_model.web import WebConfig, create_app
    from detainer_model.web.casecodec import case_data

    case = case_data(load_scenarios(root / SF, rules=lib)[0].cases[0])
    with TestClient(create_app(WebConfig(scenarios_dir=None))) as client:
        one = client.post("/api/evaluate", json={"case": case, "regime": "pep"}).json()["result"]
        assert one["plain"]["answers"]["outcome"]["value"] == plain_value("outcome", one["outcome"], lib)
        results = client.post("/api/compare", json={"case": case}).json()["results"]
        assert all(
            r["plain"]["answers"]["form"]["value"] == plain_value("form", r["form"], lib) for r in results
        )
        x = client.post("/api/explain", json={"case": case, "regime": "pep"}).json()["explanation"]
        assert [r["rule"] for r in x["plain"]["reasons"]] == one["fired"]
        w = client.post("/api/whatif", json={"case": case}).json()
        assert w["plain"]["label"] == plain_label("outcome", lib)
        assert all(o["plain"]["value"] for r in w["results"] for o in r["options"])


def test_markdown_plain_says_answers_in_words_with_their_codes(
    capsys: pytest.CaptureFixture[str], lib: RuleLibrary
) -> None:
    """`run`, `explain` and `whatif --format markdown --plain` write the answers in words with the
    ids beside them; without --plain the Markdown has no such words."""
    released = plain_value("outcome", "released_despite_request", lib)
    for args in (
        ("run", SF),
        ("explain", SF, "--case", "released-in-2015"),
        ("whatif", SF, "--case", "released-in-2015"),
    ):
        status, codes, _err = invoke(capsys, *args, "--format", "markdown")
        assert status == 0 and released not in codes, args
        status, words, _err = invoke(capsys, *args, "--format", "markdown", "--plain")
        assert status == 0 and released in words, args
        # the ids stay: the answers' codes (run: the field ids and the rule ids)
        assert ("released_despite_request" if args[0] != "run" else "(`outcome`)") in words, args
    _status, run_md, _err = invoke(capsys, "run", SF, "--format", "markdown", "--plain")
    assert f"| {plain_label('outcome', lib)} (`outcome`) |" in run_md
    assert "[`outcome.released-despite-request`]" in run_md


def test_plain_is_refused_where_it_has_nothing_to_say(capsys: pytest.CaptureFixture[str]) -> None:
    """`run --format csv --plain` is a usage error (exit 2), not a silently ignored flag."""
    status, _out, err = invoke(capsys, "run", SF, "--format", "csv", "--plain")
    assert status == 2 and "--plain goes with the table, markdown and json formats" in err


def test_exercise_grade_markdown_plain(
    plain_set: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], lib: RuleLibrary
) -> None:
    """`exercise grade --format markdown --plain` says the wrong answer and the model's in words."""
    codes, _words = plain_set
    answers = _one_wrong_outcome(codes, tmp_path / "ben.yaml")
    args = ("exercise", "grade", str(codes / "key.json"), str(answers), "--format", "markdown")
    _status, plain_md, _err = invoke(capsys, *args, "--plain")
    assert (
        f"you answered {plain_value('outcome', 'transfer', lib)} (`transfer`), "
        f"the model says {plain_value('outcome', 'no_request', lib)} (`no_request`)" in plain_md
    )
    _status, codes_md, _err = invoke(capsys, *args)
    assert "you answered transfer, the model says no_request" in codes_md
