"""``detainer-model explain``: derivation trees, why-not, and their error paths, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detainer_model import RuleLibrary, load_scenarios
from detainer_model.teaching.explain import explain

from builders import invoke

TEACHING = "scenarios/teaching-set.yaml"
SF = "scenarios/san-francisco-2015.yaml"


@pytest.fixture(autouse=True)
def _in_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def explained(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    status, out, err = invoke(capsys, "explain", *args, "--format", "json")
    assert status == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_tree_shows_rules_sources_and_counted_convictions(capsys: pytest.CaptureFixture[str]) -> None:
    """The terminal tree names each deciding rule, its source, and the convictions a count counted."""
    status, out, err = invoke(capsys, "explain", SF, "--case", "released-in-2015")
    assert status == 0, err
    assert "pep.request.detainer" in out and "Form I-247D" in out
    assert "priority_felony_convictions = 5" in out
    assert "counted conviction 1: Possession of heroin for sale" in out
    assert "Why they differ:" in out and "I-247D" in out
    assert "An illustrative teaching model, not legal advice." in out


def test_json_answers_name_the_rules_that_fired(capsys: pytest.CaptureFixture[str]) -> None:
    """Each answer's rules in the JSON are exactly the rules the decision says decided it."""
    doc = explained(capsys, SF, "--case", "released-in-2015", "--regime", "pep")
    (x,) = doc["explanations"]
    answers = {a["answer"]: a for a in x["answers"]}
    assert [r["rule"] for r in answers["request"]["rules"]] == ["pep.request.detainer"]
    assert answers["request"]["rules"][0]["overrode"] == ["pep.request.notification"]
    local = answers["local_response"]["rules"][0]
    assert local["exceptions_not_applied"][0]["rule"] == "san-francisco-2015.warrant-hold"
    assert local["exceptions_not_applied"][0]["failed"] == ["ice.judicial_warrant is false"]
    assert answers["transfer_category"]["reported"] is False


def test_definitions_expand_down_to_the_facts(capsys: pytest.CaptureFixture[str]) -> None:
    """A definition that reads another definition is expanded, down to the case's own facts."""
    doc = explained(capsys, TEACHING, "--case", "no-record", "--regime", "secure-communities")
    answers = {a["answer"]: a for a in doc["explanations"][0]["answers"]}
    (rule,) = answers["removable"]["rules"]
    (is_removable,) = rule["facts"]
    assert is_removable["name"] == "is_removable" and is_removable["kind"] == "definition"
    nested = {f["name"]: f for f in is_removable["facts"]}
    assert nested["removable_by_default"]["value"] is True
    assert {f["name"] for f in nested["removable_by_default"]["facts"]} == {"person.status"}


def test_default_answers_say_which_rules_did_not_apply(capsys: pytest.CaptureFixture[str]) -> None:
    """An answer left at its default lists the rules that could have decided it and why they failed."""
    doc = explained(capsys, TEACHING, "--case", "no-record", "--regime", "pep")
    request = next(a for a in doc["explanations"][0]["answers"] if a["answer"] == "request")
    assert request["default"] is True and request["value"] == "none"
    failed = {n["rule"]: n["failed"] for n in request["not_applied"]}
    assert failed["pep.request.notification"] == ["transfer_category is false"]


def test_why_not_reports_the_failing_comparisons(capsys: pytest.CaptureFixture[str]) -> None:
    """--why-not names each failed comparison with the case's value, and what kept each conviction out."""
    doc = explained(
        capsys, TEACHING, "--case", "custody-89-days", "--regime", "pep", "--why-not", "priority.2b"
    )
    wn = doc["explanations"][0]["why_not"]
    assert wn["status"] == "failed"
    assert wn["failed"] == ["significant_misdemeanor_convictions is 0, not ≥ 1"]
    (count,) = wn["facts"]
    (rejected,) = count["not_counted"]
    assert "custody_days is 89, not ≥ 90" in rejected["failed"]


def test_why_not_on_a_rule_that_fired_or_gave_way(capsys: pytest.CaptureFixture[str]) -> None:
    """--why-not says so when the rule fired, and names the exception when it gave way."""
    fired = explained(
        capsys, SF, "--case", "released-in-2015", "--regime", "pep", "--why-not", "pep.request.detainer"
    )
    assert fired["explanations"][0]["why_not"]["status"] == "fired"
    beaten = explained(
        capsys, SF, "--case", "released-in-2015", "--regime", "pep", "--why-not", "pep.request.notification"
    )
    wn = beaten["explanations"][0]["why_not"]
    assert (wn["status"], wn["overridden_by"]) == ("overridden", "pep.request.detainer")


def test_why_not_a_rule_of_another_place_adds_that_place(
    capsys: pytest.CaptureFixture[str], lib: RuleLibrary
) -> None:
    """A rule of another local policy is explained under that policy, next to the case's own."""
    other = next(j for j in lib.jurisdictions if j not in ("san-francisco-2015",) and lib.ruleset(j).rules)
    rule = lib.ruleset(other).rules[0].id
    doc = explained(capsys, SF, "--case", "released-in-2015", "--why-not", rule)
    places = {x["jurisdiction"] for x in doc["explanations"]}
    assert places == {"san-francisco-2015", other}
    assert all(x["why_not"]["rule"] == rule for x in doc["explanations"] if x["jurisdiction"] == other)


def test_unknown_rule_is_refused_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt --why-not rule exits 2 with one line and a suggestion, and prints nothing."""
    status, out, err = invoke(
        capsys, "explain", SF, "--case", "released-in-2015", "--why-not", "pep.request.detainr"
    )
    assert status == 2 and out == ""
    assert err.strip().splitlines() == [
        "error: unknown rule 'pep.request.detainr' (did you mean 'pep.request.detainer'?)"
    ]


def test_unknown_case_and_regime_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown case id or regime exits 2 with a suggestion."""
    status, out, err = invoke(capsys, "explain", SF, "--case", "released-in-2016")
    assert status == 2 and out == "" and "did you mean 'released-in-2015'?" in err
    status, _out, err = invoke(capsys, "explain", SF, "--case", "released-in-2015", "--regime", "pepp")
    assert status == 2 and "unknown regime 'pepp' (did you mean 'pep'?)" in err


def test_rule_outside_the_chosen_places_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """--why-not a local rule while --jurisdiction names other places exits 2 and says what to add."""
    status, out, err = invoke(
        capsys,
        "explain",
        SF,
        "--case",
        "released-in-2015",
        "--jurisdiction",
        "full-cooperation",
        "--why-not",
        "san-francisco-2015.warrant-hold",
    )
    assert status == 2 and out == ""
    assert "add --jurisdiction san-francisco-2015" in err


def test_markdown_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    """--format markdown gives headings per decision and the contrast."""
    status, out, _err = invoke(
        capsys,
        "explain",
        TEACHING,
        "--case",
        "custody-89-days",
        "--regime",
        "secure-communities:as-practised",
        "--regime",
        "pep",
        "--format",
        "markdown",
    )
    assert status == 0
    assert "### custody-89-days: pep @ full-cooperation" in out
    assert "### custody-89-days: secure-communities:as-practised @ full-cooperation" in out
    assert "**Why they differ:**" in out


def test_library_explanation_renders_html(root: Path, lib: RuleLibrary) -> None:
    """An Explanation renders as HTML in a notebook, and its plain-text tree names its rules."""
    case = load_scenarios(root / SF, lib)[0].cases[0]
    x = explain(case, "pep", rules=lib)
    html = x._repr_html_()
    assert html.startswith("<div>") and "pep.form.i247d" in html
    assert x.cited_rules() == set(x.decision.fired)
    assert repr(x).startswith("<Explanation released-in-2015: pep @ san-francisco-2015")
