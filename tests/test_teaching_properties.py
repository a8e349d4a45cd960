"""Properties of explanations and contrasts that hold for every valid case."""

from __future__ import annotations

import json

from hypothesis import given

from detainer_model import Case, evaluate
from detainer_model.teaching.contrast import contrasts
from detainer_model.teaching.explain import decision_values, explain

from strategies import LIB, cases, regimes


@given(cases(), regimes())
def test_every_explanation_cites_rules_that_exist_and_fired(case: Case, regime: str) -> None:
    """An explanation cites only rules of the library that fired, each with a condition shown true."""
    x = explain(case, regime, rules=LIB)
    values = decision_values(x.decision, LIB.composition(x.decision.regime, x.decision.jurisdiction))
    cited = x.cited_rules()
    assert cited <= set(LIB.all_rules)
    assert cited == set(x.decision.fired)
    for answer in x.answers:
        assert answer.value == x.decision.answers[answer.name]
        for node in answer.rules:
            assert node.because, node.rule.id
            assert node.rule.predicate(values)
        for missing in answer.not_applied:
            assert missing.rule.id not in x.decision.fired
            assert missing.failing and not missing.rule.predicate(values)
    doc = json.loads(json.dumps(x.to_dict()))
    d = x.decision
    assert (doc["case"], doc["regime"], doc["jurisdiction"]) == (case.id, d.regime, d.jurisdiction)
    assert "outcome" in [a["answer"] for a in doc["answers"]]
    for a in doc["answers"]:
        value = d.answers[a["answer"]]
        assert a["value"] == (list(value) if isinstance(value, tuple) else value), a["answer"]


@given(cases())
def test_every_contrast_names_rules_of_the_decisions(case: Case) -> None:
    """A contrast appears exactly when the regimes differ, and names rules of the evaluations compared."""
    decisions = [evaluate(case, r, rules=LIB) for r in LIB.regimes]
    found = contrasts(case, decisions, LIB)
    differ = any(
        len({repr(d.get(k)) for d in decisions}) > 1 for k in ("request", "form", "local_response", "outcome")
    )
    assert bool(found) == differ
    composed = {r for d in decisions for r in LIB.composition(d.regime, d.jurisdiction).rules}
    for c in found:
        assert set(c.rules) <= composed
        assert c.text().endswith(".")
