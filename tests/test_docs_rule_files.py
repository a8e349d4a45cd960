"""The rule-file guide's example policy loads and behaves as the guide says."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from detainer_model import evaluate, load_rules, parse_scenario_text

CASE = """\
title: t
cases:
  - id: a
    title: t
    booking_date: 2015-09-01
    jurisdiction: {jurisdiction}
    person: {{status: unauthorized, age: 30, removal_order: final}}
    convictions: [{{offense: Burglary, date: 2012-01-01, level: felony}}]
    ice: {{judicial_warrant: {warrant}}}
"""


def test_guide_example_policy_works(root: Path, tmp_path: Path) -> None:
    """The example rule set in docs/rule-files.md loads, holds only with a warrant, and uses its parameter."""
    guide = (root / "docs" / "rule-files.md").read_text()
    example = re.search(r"```yaml\n(kind: ruleset.*?)```", guide, re.S)
    assert example
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    (rules / "local" / "judicial-warrant-county.yaml").write_text(example.group(1))
    lib = load_rules(rules)

    def decide(regime: str, warrant: bool, jurisdiction: str = "judicial-warrant-county") -> str:
        text = CASE.format(jurisdiction=jurisdiction, warrant=str(warrant).lower())
        return evaluate(parse_scenario_text(text, rules=lib).cases[0], regime, rules=lib).outcome

    assert decide("secure-communities", False) == "released_despite_request"
    assert decide("secure-communities", True) == "transfer"
    assert decide("pep", True) == "transfer"  # a final order: PEP asks for a hold
    with_param = "{id: judicial-warrant-county, params: {notify_without_warrant: true}}"
    text = CASE.format(jurisdiction=with_param, warrant="false").replace("removal_order: final", "age: 30")
    text = text.replace("age: 30, age: 30", "age: 30")
    case = parse_scenario_text(text, rules=lib).cases[0]
    assert evaluate(case, "pep:as-written", rules=lib).outcome == "notified_release"
    assert evaluate(case, "pep:as-written", rules=lib, params={"notify_without_warrant": False}).outcome == (
        "released_despite_request"
    )
