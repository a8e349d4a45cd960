"""scenarios/local/: a scenario file per local policy, every case with an answer key that holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from detainer_model import load_rules, load_scenarios, run_scenarios

LIB = load_rules()


@pytest.mark.parametrize("jid", LIB.jurisdictions)
def test_each_policy_has_its_scenarios_and_they_hold(root: Path, jid: str) -> None:
    """scenarios/local/<id>.yaml exists, mostly uses that policy, every case has expect, and all pass."""
    path = root / "scenarios" / "local" / f"{jid}.yaml"
    assert path.is_file()
    scenarios = load_scenarios(path, LIB)
    cases = scenarios[0].cases
    assert len(cases) >= 4
    assert all(c.expect for c in cases)
    assert sum(c.jurisdiction.id.split(":")[0] == jid for c in cases) >= len(cases) - 1
    result = run_scenarios(scenarios, rules=LIB)
    assert [(c.case.id, [str(m) for m in c.mismatches]) for c in result.failed] == []
    assert result.counts["pass"] == len(cases)


@pytest.mark.parametrize("jid", LIB.jurisdictions)
def test_each_rule_of_a_policy_fires_in_its_scenarios(root: Path, jid: str) -> None:
    """Every rule of the policy fires in at least one case of its scenario file."""
    scenarios = load_scenarios(root / "scenarios" / "local" / f"{jid}.yaml", LIB)
    result = run_scenarios(scenarios, regimes=LIB.refs("federal"), rules=LIB)
    fired = {rid for run in result.cases for d in run.decisions for rid in d.fired}
    assert {r.id for r in LIB.rulesets[jid].rules} - fired == set()
