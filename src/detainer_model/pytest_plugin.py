"""Scenario files as pytest tests: each case with an ``expect`` block becomes one test item.

The plugin is registered by the package's ``pytest11`` entry point, so it is present wherever
detainer-model is installed, and it does nothing until it is switched on, by the option
``--detainer-scenarios`` or by ``detainer_scenarios = true`` in the pytest configuration. Then
every ``.yaml``/``.yml`` file that pytest is asked to collect and that holds ``cases`` is read as a
scenario file (a file that does not parse is reported, never skipped), and each case with an
``expect`` block is evaluated under the regimes it names and its own local policy. A failing case
reports the answers expected and given, and the derivation under each regime that failed (one
line per rule that fired, with its source), instead of a traceback.

``--detainer-rules DIR`` (or ``detainer_rules = DIR``, relative to the configuration file) checks
the cases against your own rule files instead of the shipped ones.

Layer: a front end, beside the CLI: it may import every layer below, and nothing imports it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from .core.evaluate import Decision, evaluate
from .core.expectations import Mismatch, check_case
from .core.models import Case
from .core.scenarios import SCENARIO_SUFFIXES, LoadedScenario, load_scenarios
from .errors import DetainerModelError, InputError
from .rulebook.library import RuleLibrary, load_rules
from .safeio.yamlsafe import load_yaml_file

_RULES_KEY = pytest.StashKey[RuleLibrary]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's options and ini settings."""
    group = parser.getgroup("detainer-model", "scenario files as tests (detainer-model)")
    group.addoption(
        "--detainer-scenarios",
        action="store_true",
        default=False,
        help="Collect the cases of detainer-model scenario files (.yaml) that have an expect block.",
    )
    group.addoption(
        "--detainer-rules",
        metavar="DIR",
        default=None,
        help="Check scenario cases against the rule files in DIR instead of the shipped rules.",
    )
    parser.addini(
        "detainer_scenarios",
        type="bool",
        default=False,
        help="Collect detainer-model scenario files as tests (same as --detainer-scenarios).",
    )
    parser.addini(
        "detainer_rules",
        default="",
        help="A folder of rule files, relative to the configuration file (same as --detainer-rules).",
    )


def enabled(config: pytest.Config) -> bool:
    """True when the option or the ini setting switches the plugin on."""
    return bool(config.getoption("detainer_scenarios") or config.getini("detainer_scenarios"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A scenario file becomes a collector of its cases; every other file is left to pytest."""
    if file_path.suffix in SCENARIO_SUFFIXES and enabled(parent.config) and _is_scenario_file(file_path):
        collector: pytest.Collector = ScenarioFileCollector.from_parent(parent, path=file_path)
        return collector
    return None


def _is_scenario_file(path: Path) -> bool:
    """A mapping with ``cases``; a file that does not even parse counts, so that it is reported."""
    try:
        data = load_yaml_file(path, str(path)).data
    except InputError:
        return True
    return isinstance(data, dict) and "cases" in data and "kind" not in data


def rules_for(config: pytest.Config) -> RuleLibrary:
    """The rule library the cases are checked against, loaded once per session."""
    if _RULES_KEY not in config.stash:
        given = config.getoption("detainer_rules")
        if given:
            where: Path | None = Path(given)
        elif config.getini("detainer_rules"):
            base = config.inipath.parent if config.inipath else config.rootpath
            where = base / str(config.getini("detainer_rules"))
        else:
            where = None
        config.stash[_RULES_KEY] = load_rules(where)
    return config.stash[_RULES_KEY]


class ScenarioProblem(Exception):
    """A scenario file or rule file that cannot be used, as located lines."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


class ExpectationFailed(Exception):
    """A case whose ``expect`` block did not hold."""

    def __init__(self, mismatches: Sequence[Mismatch], decisions: Sequence[Decision]) -> None:
        super().__init__(f"{len(mismatches)} expected answer(s) did not hold")
        self.mismatches = list(mismatches)
        self.decisions = list(decisions)


class ScenarioFileCollector(pytest.File):
    """One scenario file: yields a :class:`ScenarioCaseItem` per case with an ``expect`` block."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            lib = rules_for(self.config)
            loaded = load_scenarios(_shown(self.path, self.config), lib)
        except DetainerModelError as exc:
            raise ScenarioProblem(exc.lines()) from None
        for scenario in loaded:
            for index, case in enumerate(scenario.cases):
                if case.expect:
                    yield ScenarioCaseItem.from_parent(self, name=case.id, scenario=scenario, index=index)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioProblem):
            return "\n".join(f"error: {line}" for line in excinfo.value.lines)
        return super().repr_failure(excinfo)


class ScenarioCaseItem(pytest.Item):
    """One case: evaluated under each regime its ``expect`` block names, at its own local policy."""

    def __init__(self, *, scenario: LoadedScenario, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.index = index
        self.case: Case = scenario.cases[index]

    def runtest(self) -> None:
        lib = rules_for(self.config)
        case = self.case
        try:
            decisions = [
                evaluate(case, regime, case.jurisdiction.id, rules=lib) for regime in (case.expect or {})
            ]
        except DetainerModelError as exc:
            raise ScenarioProblem(exc.lines()) from None
        status, mismatches = check_case(case, decisions)
        if status == "fail":
            raise ExpectationFailed(mismatches, decisions)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        error = excinfo.value
        if isinstance(error, ExpectationFailed):
            return failure_report(self.location_text(), self.case, error.mismatches, error.decisions)
        if isinstance(error, ScenarioProblem):
            return "\n".join(f"error: {line}" for line in error.lines)
        return super().repr_failure(excinfo)

    def location_text(self) -> str:
        line = self.scenario.line_of(self.index)
        return f"{self.scenario.file}:{line}" if line else self.scenario.file

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.scenario.line_of(self.index)
        return self.path, (line - 1 if line else None), f"case {self.case.id}"


def failure_report(
    where: str, case: Case, mismatches: Sequence[Mismatch], decisions: Sequence[Decision]
) -> str:
    """Expected and actual answers side by side, then the derivation under each failing regime."""
    rows = [("regime", "field", "expected", "actual")]
    rows += [(m.regime, m.field, _show(m.expected), _show(m.actual)) for m in mismatches]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [
        f"{where}: case '{case.id}' ({case.title}) at {case.jurisdiction.id}: "
        f"{len(mismatches)} expected answer(s) did not hold",
        "",
        *("  " + "".join(c.ljust(w + 2) for c, w in zip(r[:3], widths, strict=True)) + r[3] for r in rows),
    ]
    failing = list(dict.fromkeys(m.regime for m in mismatches))
    for d in decisions:
        if d.regime not in failing:
            continue
        lines += ["", f"derivation under {d.regime} at {d.jurisdiction}:"]
        lines += [f"  {line}" for line in d.explanation] or ["  (no rule fired)"]
        lines += [f"  warning: {w}" for w in d.warnings]
    return "\n".join(lines)


def _shown(path: Path, config: pytest.Config) -> Path:
    """``path`` relative to where pytest was started, as the user typed it, where possible."""
    try:
        return path.relative_to(config.invocation_params.dir)
    except ValueError:
        return path


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)
