"""detainer-model: an illustrative rules-as-code teaching model of ICE detainers (not legal advice).

>>> from detainer_model import load_scenarios, compare
>>> case = load_scenarios("scenarios/san-francisco-2015.yaml")[0].cases[0]
>>> compare(case).differences
('form',)
"""

from ._version import __version__
from .core.evaluate import DISCLAIMER, Comparison, Decision, Finding, compare, evaluate
from .core.models import Case, Charge, Conviction, Person, ScenarioFile
from .core.runner import RunResult, run_paths, run_scenarios
from .core.scenarios import LoadedScenario, load_scenarios, parse_scenario_text
from .errors import (
    DetainerModelError,
    EngineError,
    EvaluationError,
    InputError,
    Problem,
    RuleConflictError,
    RuleFileError,
    RuleGapError,
    UnknownIdError,
)
from .rulebook.library import RuleLibrary, load_rules

__all__ = [
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
]
