"""Contrasts: why regimes (or places) differ, in the run's table, JSON and Markdown, built from the rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detainer_model import RuleLibrary, evaluate, load_scenarios
from detainer_model.cli import main
from detainer_model.teaching.contrast import contrast, contrasts

from builders import conviction, make_case

TEACHING = "scenarios/teaching-set.yaml"


@pytest.fixture(autouse=True)
def _in_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def test_pep_asks_for_nothing_names_the_categories_and_the_record(lib: RuleLibrary) -> None:
    """For one short misdemeanor, the contrast names the categories (from the rule) and the record."""
    case = make_case(convictions=[conviction("misdemeanor", custody_days=10, offense="Petty theft")])
    # Secure Communities as practised: a detainer for any identified, removable person
    decisions = [evaluate(case, r, rules=lib) for r in ("secure-communities:as-practised", "pep")]
    found = contrast(case, decisions, lib, ["secure-communities", "pep"])
    assert found is not None
    assert found.differ_on == ("request", "form", "local_response", "outcome")
    (field,) = found.fields
    assert field.field == "request"
    text = found.text()
    categories = lib.rule("pep.transfer-category").rule.when
    for category in ("1(a)", "1(c)", "1(d)", "1(e)", "2(a)", "2(b)"):
        assert category in categories and category in text
    assert "sc.request.detainer applies" in text and "pep.transfer-category does not apply" in text
    assert "only conviction is a misdemeanor (Petty theft" in text and "10 days of custody" in text
    pep_side = next(s for s in field.sides if s.labels == ("pep",))
    assert pep_side.by_default and "pep.transfer-category" in pep_side.rules


def test_places_are_contrasted_by_their_local_rules(lib: RuleLibrary) -> None:
    """Under one regime, two places that answer a detainer differently are told apart by their rules."""
    case = make_case(jurisdiction="san-francisco-2015")
    decisions = [
        evaluate(case, "secure-communities:as-practised", j, rules=lib)
        for j in ("san-francisco-2015", "full-cooperation")
    ]
    (found,) = contrasts(case, decisions, lib)
    assert [f.field for f in found.fields] == ["local_response"]
    assert "san-francisco-2015.decline-detainer applies" in found.text()
    assert (
        "its exception san-francisco-2015.warrant-hold does not apply: ice.judicial_warrant is false"
        in found.text()
    )
    assert "full-cooperation.hold applies" in found.text()


def test_agreeing_results_have_no_contrast(lib: RuleLibrary) -> None:
    """A citizen gets no request under either regime, so there is nothing to contrast."""
    case = make_case(status="us_citizen")
    decisions = [evaluate(case, r, rules=lib) for r in ("secure-communities", "pep")]
    assert contrasts(case, decisions, lib) == []


def test_run_json_keeps_the_contract_and_adds_contrast(capsys: pytest.CaptureFixture[str]) -> None:
    """Each case object in run's JSON keeps every contract field and gains a `contrast` list."""
    # the teaching set's contrasts were written for Secure Communities as practised (any removable person)
    regimes = ["--regime", "secure-communities:as-practised", "--regime", "pep"]
    status = main(["run", TEACHING, *regimes, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert status == 0
    by_id = {c["id"]: c for c in doc["cases"]}
    for case in doc["cases"]:
        assert {"file", "id", "results", "expect", "contrast"} <= set(case)
    assert by_id["us-citizen-with-felony"]["contrast"] == []
    (c,) = by_id["no-record"]["contrast"]
    assert c["differ_on"] == ["request", "form", "local_response", "outcome"]
    assert "pep.transfer-category" in c["rules"]
    assert c["text"].startswith("secure-communities:as-practised and pep differ on request")


def test_run_table_and_markdown_say_why_they_differ(capsys: pytest.CaptureFixture[str]) -> None:
    """The terminal table and the Markdown report each carry a "Why they differ" line."""
    main(["run", "scenarios/san-francisco-2015.yaml"])
    table = capsys.readouterr().out
    assert "Why they differ:" in table and "sc.form.i247" in table.replace("\n│ ", " ")
    main(["run", "scenarios/san-francisco-2015.yaml", "--format", "markdown"])
    assert "**Why they differ:** secure-communities and pep differ on form." in capsys.readouterr().out


def test_every_contrast_of_the_shipped_scenarios_names_rules_that_exist(root: Path, lib: RuleLibrary) -> None:
    """Every rule a contrast of a shipped case names is a rule of the library."""
    for scenario in load_scenarios(root / "scenarios", lib):
        for case in scenario.cases:
            decisions = [evaluate(case, r, rules=lib) for r in lib.regimes]
            for c in contrasts(case, decisions, lib):
                assert c.rules and set(c.rules) <= set(lib.all_rules), case.id
