"""The shipped teaching set: its size, its coverage of every shared and federal rule, and its answer keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from detainer_model import RuleLibrary
from detainer_model.cli import main
from detainer_model.core.evaluate import DEFAULT_REGIMES
from detainer_model.core.runner import RunResult, run_scenarios
from detainer_model.core.scenarios import LoadedScenario, load_scenarios

TEACHING_SET = "scenarios/teaching-set.yaml"


@pytest.fixture(scope="module")
def teaching(lib: RuleLibrary, root: Path) -> LoadedScenario:
    """The teaching set, loaded and checked against the shipped rules."""
    (scenario,) = load_scenarios(root / TEACHING_SET, lib)
    return scenario


@pytest.fixture(scope="module")
def teaching_run(lib: RuleLibrary, teaching: LoadedScenario) -> RunResult:
    """Every teaching case evaluated under both federal regimes and its own jurisdiction."""
    return run_scenarios([teaching], rules=lib)


def _evaluations(run: RunResult, ruleset_id: str, level: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(case id, rules fired) for each evaluation in which the rule set took part."""
    for case_run in run.cases:
        for decision in case_run.decisions:
            if level == "federal" and decision.regime != ruleset_id:
                continue
            yield case_run.case.id, decision.fired


def test_teaching_set_is_large_enough_and_fully_keyed(teaching: LoadedScenario) -> None:
    """The teaching set has at least 20 cases, each with an answer key for both regimes and a note."""
    assert len(teaching.cases) >= 20
    for case in teaching.cases:
        assert case.expect is not None, case.id
        assert set(DEFAULT_REGIMES) <= set(case.expect), case.id
        assert case.notes, case.id


def test_every_shared_and_federal_rule_fires_and_stays_silent(
    lib: RuleLibrary, teaching: LoadedScenario
) -> None:
    """Every shared rule, and every rule of the two regimes the set compares, fires in some
    teaching case and does not fire in another (the other eras: scenarios/federal/, and
    `rules coverage`)."""
    # both readings of PEP: the memo's notification rules fire only as written
    run = run_scenarios([teaching], regimes=["secure-communities", "pep", "pep:as-written"], rules=lib)
    compared = {lib.resolve(r, "federal")[0].id for r in run.regimes}
    assert compared == {"secure-communities", "pep"}
    rulesets = [
        rs
        for rs in lib.rulesets.values()
        if rs.level == "shared" or (rs.level == "federal" and rs.id in compared)
    ]
    assert {rs.level for rs in rulesets} == {"shared", "federal"}
    never_fired: list[str] = []
    always_fired: list[str] = []
    for rs in rulesets:
        evaluations = list(_evaluations(run, rs.id, rs.level))
        assert evaluations, rs.id
        for rule in rs.rules:
            fired_in = [cid for cid, fired in evaluations if rule.id in fired]
            if not fired_in:
                never_fired.append(rule.id)
            if len(fired_in) == len(evaluations):
                always_fired.append(rule.id)
    assert never_fired == [], f"rules that fire in no teaching case: {never_fired}"
    assert always_fired == [], f"rules that fire in every teaching case: {always_fired}"


def test_teaching_set_keys_hold_under_the_reference_evaluator(
    lib: RuleLibrary, teaching: LoadedScenario
) -> None:
    """The plain-Python reference evaluator gives every answer the teaching set's keys expect."""
    run = run_scenarios([teaching], rules=lib, backend="reference")
    assert run.counts == {"pass": len(teaching.cases), "fail": 0, "none": 0}, [
        (c.case.id, [str(m) for m in c.mismatches]) for c in run.failed
    ]


def test_every_shipped_scenario_passes_through_the_cli(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`detainer-model run scenarios/ --format json` exits 0 and every case's expect passes."""
    status = main(["run", str(root / "scenarios"), "--format", "json"])
    out = capsys.readouterr().out
    document = json.loads(out)
    verdicts = {(c["file"], c["id"]): c["expect"] for c in document["cases"]}
    failing = {key: v for key, v in verdicts.items() if v != "pass"}
    assert failing == {}
    assert status == 0
    assert any(file.endswith("teaching-set.yaml") for file, _ in verdicts)
    assert document["disclaimer"] == "An illustrative teaching model, not legal advice."
