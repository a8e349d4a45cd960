"""detainer-model: an illustrative rules-as-code teaching model of ICE detainers (not legal advice).

>>> from detainer_model import load_scenarios, compare
>>> case = load_scenarios("scenarios/san-francisco-2015.yaml")[0].cases[0]
>>> compare(case).differences
('form',)
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
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

if TYPE_CHECKING:
    from .core.evaluate import DISCLAIMER, Comparison, Decision, Finding, compare, evaluate
    from .core.models import Case, Charge, Conviction, Person, ScenarioFile
    from .core.runner import RunResult, run_paths, run_scenarios
    from .core.scenarios import LoadedScenario, load_scenarios, parse_scenario_text
    from .rulebook.library import RuleLibrary, load_rules

# The rest of the public API is imported on first use, so that importing the package (as the
# command line does for `--help`) does not build every pydantic model and load the rule engine.
_LAZY = {
    "core.evaluate": ("DISCLAIMER", "Comparison", "Decision", "Finding", "compare", "evaluate"),
    "core.models": ("Case", "Charge", "Conviction", "Person", "ScenarioFile"),
    "core.runner": ("RunResult", "run_paths", "run_scenarios"),
    "core.scenarios": ("LoadedScenario", "load_scenarios", "parse_scenario_text"),
    "rulebook.library": ("RuleLibrary", "load_rules"),
}
_HOME = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'detainer_model' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})


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
