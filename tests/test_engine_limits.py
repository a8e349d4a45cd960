"""The rule engine's limits: what exceeds them is cut to fit or refused at load, never a crash or hang.

durable_rules corrupts its heap past 63 rules firing in one ruleset or 510 rules or ``or``
branches, and hangs or fails on other sizes (``benchmarks/engine_limits.py`` measures them).
Evaluations that would have crashed run in a subprocess under a timeout, so a regression shows
as a failed test rather than a dead test run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from detainer_model import load_rules
from detainer_model.errors import RuleFileError
from detainer_model.rulebook.enginelimits import (
    ENGINE_LIMITS,
    MAX_TERMS_PER_RULE,
    MEASURED_FAILURES,
    RULESET_BUDGET,
)

TIMEOUT = 300

EVALUATE = r"""
import json, sys
from detainer_model import evaluate, load_rules, Case
lib = load_rules(sys.argv[1])
out = {}
for age in json.loads(sys.argv[2]):
    age, removals = age if isinstance(age, list) else (age, 0)
    person = {"status": "unauthorized", "age": age, "prior_removals": removals}
    case = Case.model_validate({"id": "x", "title": "t", "booking_date": "2015-09-01",
        "jurisdiction": "full-cooperation", "person": person})
    got = [evaluate(case, "pep", rules=lib, backend=b).answers[sys.argv[3]] for b in ("engine", "reference")]
    out[f"{age}/{removals}"] = [sorted(v) if isinstance(v, tuple) else v for v in got]
comp = lib.composition("pep", "full-cooperation")
out["parts"] = [len(s.engine_parts) for s in comp.strata]
out["largest"] = [max(len(p.conditions) for s in comp.strata for p in s.engine_parts)]
print(json.dumps(out))
"""


def _rules(tmp_path: Path, root: Path, outputs: str, rules: str, definitions: str = "") -> Path:
    target = tmp_path / "rules"
    shutil.copytree(root / "rules", target)
    path = target / "local" / "full-cooperation.yaml"
    defs = f"\ndefinitions:\n{definitions}" if definitions else ""
    text = path.read_text().replace("\nrules:\n", f"\noutputs:\n{outputs}{defs}\nrules:\n{rules}", 1)
    path.write_text(text)
    return target


def _isolated(rules: Path, ages: list[int] | list[list[int]], answer: str) -> dict[str, list[object]]:
    """Evaluate in a fresh process under a timeout: a crash or hang fails the test, not the run."""
    done = subprocess.run(
        [sys.executable, "-c", EVALUATE, str(rules), json.dumps(ages), answer],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, list[object]] = json.loads(done.stdout)
    return result


def _rule(i: int, when: str, then: str) -> str:
    return (
        f"  - {{id: full-cooperation.t{i}, summary: a test rule, source: contract-v1, "
        f"when: '{when}', then: {{{then}}}}}\n"
    )


def test_each_limit_is_set_inside_what_was_measured() -> None:
    """Every recorded limit is below the size at which the engine was measured to fail."""
    for name, failing in MEASURED_FAILURES.items():
        assert ENGINE_LIMITS[name] < failing, name


@pytest.mark.parametrize("n", [40, 600])
def test_many_rules_firing_in_one_stratum_give_every_answer(tmp_path: Path, root: Path, n: int) -> None:
    """n distinct rules all firing on one fact (64+ crashed the engine) all count, on engine and reference."""
    values = ", ".join(f"v{i}" for i in range(n))
    outputs = f"  many: {{type: set, values: [{values}], summary: test answer.}}\n"
    rules = "".join(
        _rule(i, f"person.age >= {i // 10} and person.prior_removals >= {i % 10}", f"many: [v{i}]")
        for i in range(n)
    )
    lib_dir = _rules(tmp_path, root, outputs, rules)
    got = _isolated(lib_dir, [[100, 9], [3, 1]], "many")
    everything = sorted(f"v{i}" for i in range(n))
    assert got["100/9"] == [everything, everything]
    some = sorted(f"v{i}" for i in range(n) if i // 10 <= 3 and i % 10 <= 1)
    assert got["3/1"] == [some, some]
    assert max(got["parts"]) >= -(-n // RULESET_BUDGET)  # type: ignore[type-var]
    assert got["largest"][0] <= RULESET_BUDGET  # type: ignore[operator]


@pytest.mark.parametrize("n", [ENGINE_LIMITS["or_branches"], 600])
def test_a_long_in_list_is_cut_into_runs(tmp_path: Path, root: Path, n: int) -> None:
    """`x in [0 .. n-1]` (511+ values crashed the engine) holds for the last value, not the next."""
    outputs = "  inlist: {type: bool, default: false, summary: test answer.}\n"
    listed = ", ".join(str(i) for i in range(n))
    rules = _rule(0, f"person.prior_removals in [{listed}]", "inlist: true")
    got = _isolated(_rules(tmp_path, root, outputs, rules), [[30, 0], [30, n - 1], [30, n]], "inlist")
    assert got["30/0"] == [True, True]
    assert got[f"30/{n - 1}"] == [True, True]
    assert got[f"30/{n}"] == [False, False]


@pytest.mark.parametrize(("n", "refused"), [(600, False), (ENGINE_LIMITS["and_terms"] + 1, True)])
def test_a_long_not_in_list_is_refused_at_load_past_the_limit(
    tmp_path: Path, root: Path, n: int, refused: bool
) -> None:
    """`x not in [...]` is one `and`: at the limit it loads, past it the file and line are named."""
    outputs = "  notin: {type: bool, default: false, summary: test answer.}\n"
    listed = ", ".join(str(i) for i in range(n))
    rules_dir = _rules(
        tmp_path, root, outputs, _rule(0, f"person.prior_removals not in [{listed}]", "notin: true")
    )
    if refused:
        with pytest.raises(
            RuleFileError, match=r"full-cooperation\.yaml:\d+: rules\[0\]\.when: .*at most 4096"
        ):
            load_rules(rules_dir)
    else:
        got = _isolated(rules_dir, [[30, n - 1], [30, n]], "notin")
        assert got[f"30/{n - 1}"] == [False, False]
        assert got[f"30/{n}"] == [True, True]


@pytest.mark.parametrize("depth", [ENGINE_LIMITS["nesting_depth"], 190])
def test_deep_nesting_is_written_out_and_evaluated(tmp_path: Path, root: Path, depth: int) -> None:
    """and/or nested 190 deep (which failed every evaluation) is evaluated, as the reference reads it."""
    when = "person.age > 3"
    for i in range(depth - 1):
        when = f"({when}) {'and' if i % 2 else 'or'} person.prior_removals == {1000 + i}"
    outputs = "  deep: {type: bool, default: false, summary: test answer.}\n"
    rules_dir = _rules(tmp_path, root, outputs, _rule(0, when, "deep: true"))
    outermost = 1000 + depth - 2  # the last `or` branch: true on its own
    got = _isolated(rules_dir, [[2, 0], [5, 0], [2, 1000], [2, 1001], [2, outermost]], "deep")
    for key in ("2/0", "5/0", "2/1000", "2/1001", f"2/{outermost}"):
        assert got[key][0] == got[key][1], key
    assert got[f"2/{outermost}"] == [True, True]
    assert got["2/0"] == [False, False]


@pytest.mark.parametrize("n", [ENGINE_LIMITS["or_of_ands"], 20])
def test_an_or_of_many_ands_is_cut_into_runs(tmp_path: Path, root: Path, n: int) -> None:
    """`(a and b) or ...` 20 times (15+ were refused by the engine, error 113) is evaluated."""
    when = " or ".join(f"(person.age == {i} and person.prior_removals == {i})" for i in range(n))
    outputs = "  ors: {type: bool, default: false, summary: test answer.}\n"
    got = _isolated(
        _rules(tmp_path, root, outputs, _rule(0, when, "ors: true")), [[n - 1, n - 1], [1, 0]], "ors"
    )
    assert got[f"{n - 1}/{n - 1}"] == [True, True]
    assert got["1/0"] == [False, False]


@pytest.mark.parametrize(("pairs", "refused"), [(12, False), (13, True)])
def test_a_condition_of_too_many_alternatives_is_refused_at_load(
    tmp_path: Path, root: Path, pairs: int, refused: bool
) -> None:
    """An `and` of 12 two-way `or`s (4,096 alternatives) is cut to fit; of 13 it is refused, located."""
    assert MAX_TERMS_PER_RULE == 2**12
    when = " and ".join(f"(person.age != {i} or person.prior_removals != {i})" for i in range(pairs))
    outputs = "  wide: {type: bool, default: false, summary: test answer.}\n"
    rules_dir = _rules(tmp_path, root, outputs, _rule(0, when, "wide: true"))
    if refused:
        with pytest.raises(RuleFileError, match=r"rules\[0\]\.when: the condition has more than 4,096"):
            load_rules(rules_dir)
    else:
        got = _isolated(rules_dir, [[0, 30], [0, 0]], "wide")
        assert got["0/30"] == [True, True]
        assert got["0/0"] == [False, False]


@pytest.mark.parametrize(("n", "refused"), [(150, False), (260, True)])
def test_a_rule_reading_more_facts_than_a_fact_holds_is_refused(
    tmp_path: Path, root: Path, n: int, refused: bool
) -> None:
    """A rule reading n definitions: within one engine fact it works, past it (error 302) it is refused."""
    definitions = "".join(
        f"  - {{id: d{i}, summary: test, source: contract-v1, expr: person.prior_removals == {i}}}\n"
        for i in range(n)
    )
    when = " or ".join(f"d{i}" for i in range(n))
    outputs = "  wide: {type: bool, default: false, summary: test answer.}\n"
    rules_dir = _rules(tmp_path, root, outputs, _rule(0, when, "wide: true"), definitions)
    if refused:
        with pytest.raises(RuleFileError, match=r"rules\[0\]\.when: the condition reads \d+ engine fields"):
            load_rules(rules_dir)
    else:
        got = _isolated(rules_dir, [[30, n - 1], [30, n]], "wide")
        assert got[f"30/{n - 1}"] == [True, True]
        assert got[f"30/{n}"] == [False, False]


def test_expressions_too_deep_or_long_to_read_are_refused(tmp_path: Path, root: Path) -> None:
    """`not` 5,000 times, a 5,000-part name and a 20,000-digit literal are located refusals."""
    outputs = "  odd: {type: bool, default: false, summary: test answer.}\n"
    for when, words in (
        ("not " * 5000 + "person.age > 1", "nested too deeply"),
        (".".join(["a"] * 5000), "nested too deeply"),
        ("person.age > " + "9" * 20000, "limit"),
    ):
        rules_dir = _rules(tmp_path / str(len(when)), root, outputs, _rule(0, when, "odd: true"))
        with pytest.raises(RuleFileError, match=words):
            load_rules(rules_dir)
