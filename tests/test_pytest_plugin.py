"""The pytest plugin: scenario files' cases as test items, off unless switched on."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from detainer_model import load_scenarios

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]

CASES = """\
title: Two checked cases and one without an answer key
cases:
  - id: no-record-sc
    title: Unauthorized, no record, under Secure Communities
    booking_date: 2012-06-12
    jurisdiction: {place}
    person: {{status: unauthorized, age: 29}}
    expect:
      secure-communities: {{request: detainer, form: {form}, outcome: transfer}}
  - id: citizen
    title: A U.S. citizen is never asked about
    booking_date: 2016-02-01
    jurisdiction: full-cooperation
    person: {{status: us_citizen, age: 40}}
    expect:
      pep: {{request: none, outcome: no_request}}
  - id: unchecked
    title: No expect block, so no test
    booking_date: 2016-02-01
    jurisdiction: full-cooperation
    person: {{status: lpr, age: 40}}
"""


def write_cases(pytester: pytest.Pytester, *, form: str = "I-247", place: str = "full-cooperation") -> Path:
    return pytester.makefile(".yaml", my_cases=CASES.format(form=form, place=place))


def test_plugin_is_off_by_default(pytester: pytest.Pytester) -> None:
    """Without the option or the ini setting, a scenario file collects nothing."""
    write_cases(pytester)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "my_cases.yaml" not in result.stdout.str()


def test_option_collects_one_item_per_case_with_expect(pytester: pytest.Pytester) -> None:
    """--detainer-scenarios makes one passing test per case that has an expect block."""
    write_cases(pytester)
    result = pytester.runpytest("--detainer-scenarios", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*my_cases.yaml::no-record-sc PASSED*", "*my_cases.yaml::citizen PASSED*"])
    assert "unchecked" not in result.stdout.str()


def test_ini_setting_switches_it_on(pytester: pytest.Pytester) -> None:
    """detainer_scenarios = true in the pytest configuration does what the option does."""
    write_cases(pytester)
    pytester.makeini("[pytest]\ndetainer_scenarios = true\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)


def test_wrong_expect_fails_with_a_readable_report(pytester: pytest.Pytester) -> None:
    """An edited expect fails, showing expected against actual and the derivation, not a traceback."""
    write_cases(pytester, form="I-247D")
    result = pytester.runpytest("--detainer-scenarios")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "my_cases.yaml:3: case 'no-record-sc' (*) at full-cooperation: 1 expected answer(s) did not hold",
            "*regime*field*expected*actual",
            "*secure-communities*form*I-247D*I-247",
            "derivation under secure-communities at full-cooperation:",
            "*sc.form.i247 → form = I-247: * Source: *",
        ]
    )
    assert "Traceback" not in out and "def runtest" not in out and "raise ExpectationFailed" not in out


def test_invalid_scenario_file_is_a_located_collection_error(pytester: pytest.Pytester) -> None:
    """A misspelt field is reported as a collection error naming file, line and field."""
    pytester.makefile(".yaml", broken="title: t\ncases:\n  - id: a\n    titel: x\n")
    result = pytester.runpytest("--detainer-scenarios")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["error: broken.yaml:4: cases[0].titel: unknown key 'titel' (did you mean 'title'?)"]
    )
    assert "Traceback" not in result.stdout.str()


def test_other_yaml_files_are_left_alone(pytester: pytest.Pytester) -> None:
    """A YAML file that is not a scenario file (no cases, or a rule file) is not collected."""
    pytester.makefile(".yaml", config="name: x\nsteps: [a, b]\n", rule="kind: ruleset\ncases: []\n")
    result = pytester.runpytest("--detainer-scenarios")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_own_rules_with_detainer_rules(pytester: pytest.Pytester) -> None:
    """--detainer-rules DIR checks cases against the user's rules: a policy only they define works."""
    rules = pytester.path / "my-rules"
    shutil.copytree(ROOT / "rules", rules)
    policy = (rules / "local" / "full-cooperation.yaml").read_text(encoding="utf-8")
    (rules / "local" / "my-county.yaml").write_text(
        policy.replace("full-cooperation", "my-county"), encoding="utf-8"
    )
    write_cases(pytester, place="my-county")
    shipped = pytester.runpytest("--detainer-scenarios")
    shipped.stdout.fnmatch_lines(["*jurisdiction: unknown jurisdiction 'my-county'*"])
    own = pytester.runpytest("--detainer-scenarios", "--detainer-rules", str(rules))
    own.assert_outcomes(passed=2)


def test_pytest_scenarios_in_the_project_collects_every_checked_case() -> None:
    """`pytest scenarios/` in this repository collects one item per shipped case with expect."""
    expected = sum(1 for s in load_scenarios([ROOT / "scenarios"]) for c in s.cases if c.expect)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "scenarios/", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    items = [line for line in done.stdout.splitlines() if ".yaml::" in line]
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(items) == expected > 100


def test_plain_pytest_still_runs_tests_only() -> None:
    """The project's configuration keeps testpaths at tests/, which holds no YAML for the plugin."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    config = project["tool"]["pytest"]["ini_options"]
    assert config["testpaths"] == ["tests"] and config["detainer_scenarios"] is True
    assert not list((ROOT / "tests").rglob("*.y*ml"))
