"""The public Python API: its names, its six-line session, and readable results."""

from __future__ import annotations

from pathlib import Path

import detainer_model
from detainer_model import compare, evaluate, load_scenarios


def test_public_names_are_pinned() -> None:
    """The curated namespace exports exactly these names."""
    assert set(detainer_model.__all__) == {
        "DISCLAIMER",
        "Case",
        "Charge",
        "Comparison",
        "Conviction",
        "Decision",
        "DetainerModelError",
        "EngineError",
        "EvaluationError",
        "Finding",
        "InputError",
        "LoadedScenario",
        "Person",
        "Problem",
        "RuleConflictError",
        "RuleFileError",
        "RuleGapError",
        "RuleLibrary",
        "RunResult",
        "ScenarioFile",
        "UnknownIdError",
        "__version__",
        "compare",
        "evaluate",
        "load_rules",
        "load_scenarios",
        "parse_scenario_text",
        "run_paths",
        "run_scenarios",
    }
    for name in detainer_model.__all__:
        assert hasattr(detainer_model, name)


def test_readme_session(root: Path) -> None:
    """The README's Python session runs and says what the README says."""
    case = load_scenarios(root / "scenarios/san-francisco-2015.yaml")[0].cases[0]
    result = compare(case)
    assert result.differences == ("form",)
    decision = evaluate(case, "pep")
    assert (decision.request, decision.form, decision.outcome) == (
        "detainer",
        "I-247D",
        "released_despite_request",
    )
    assert "pep.request.detainer" in decision.fired
    assert repr(decision).startswith(
        "<Decision released-in-2015 | pep @ san-francisco-2015: request=detainer"
    )
    assert "<table>" in decision._repr_html_() and "<table>" in result._repr_html_()


def test_parse_scenario_text_checks_like_a_file() -> None:
    """Scenario text from a notebook is checked like a file, with the same located errors."""
    import pytest

    from detainer_model import InputError, parse_scenario_text

    text = (
        "title: t\ncases:\n  - id: a\n    title: t\n    booking_date: 2016-01-04\n"
        "    jurisdiction: full-cooperation\n    person: {status: lpr, age: 40}\n"
    )
    assert parse_scenario_text(text).cases[0].person.status == "lpr"
    with pytest.raises(InputError) as info:
        parse_scenario_text(text.replace("age: 40", "age: -1"), "notebook")
    assert str(info.value) == "notebook:7: cases[0].person.age: must be at least 0, got -1"
