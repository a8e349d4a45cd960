"""Stratification: a rule is settled with every other rule deciding its answer, never dropped."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from detainer_model import RuleLibrary, evaluate, load_rules
from detainer_model.cli import main
from detainer_model.errors import RuleConflictError, RuleFileError

from builders import make_case

MINOR_RULE = """
  - id: full-cooperation.minors
    summary: A test rule deciding the local response from a case fact alone.
    source: contract-v1
    when: person.age < 18
    then: {{local_response: decline}}
{extra}"""


def _copy(tmp_path: Path, root: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(root / "rules", target)
    return target


def _add_local_rule(rules: Path, text: str) -> None:
    path = rules / "local" / "full-cooperation.yaml"
    path.write_text(path.read_text() + text)


def test_a_case_fact_rule_with_an_exception_decides(tmp_path: Path, root: Path) -> None:
    """A rule reading only person.age, declared an exception to the hold rule, decides local_response."""
    rules = _copy(tmp_path, root)
    _add_local_rule(rules, MINOR_RULE.format(extra="    exception_to: full-cooperation.hold\n"))
    lib = load_rules(rules)
    case = make_case(
        age=16,
        removal_order="final",
        convictions=[{"offense": "x", "date": "2012-01-01", "level": "felony", "kinds": []}],
    )
    d = evaluate(case, "pep", rules=lib)
    assert d.request == "detainer"
    assert d.local_response == "decline"
    assert d.outcome == "released_despite_request"
    assert "full-cooperation.minors" in d.fired
    assert ("full-cooperation.hold", "full-cooperation.minors") in [
        (o.rule.id, o.by.id) for o in d.overridden
    ]
    adult = evaluate(
        make_case(
            age=30,
            removal_order="final",
            convictions=[{"offense": "x", "date": "2012-01-01", "level": "felony", "kinds": []}],
        ),
        "pep",
        rules=lib,
    )
    assert adult.local_response == "hold"
    assert evaluate(case, "pep", rules=lib, backend="reference").local_response == "decline"


def test_a_case_fact_rule_without_an_exception_is_a_conflict_naming_both(
    tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without exception_to, the two applicable rules conflict: an error naming both, on each backend."""
    rules = _copy(tmp_path, root)
    _add_local_rule(rules, MINOR_RULE.format(extra=""))
    lib = load_rules(rules)
    case = make_case(
        age=16,
        removal_order="final",
        convictions=[{"offense": "x", "date": "2012-01-01", "level": "felony", "kinds": []}],
    )
    for backend in ("engine", "reference"):
        with pytest.raises(RuleConflictError, match=r"full-cooperation\.hold.*full-cooperation\.minors"):
            evaluate(case, "pep", rules=lib, backend=backend)  # type: ignore[arg-type]


def _answer_value(lib: RuleLibrary, name: str) -> Any:
    decl = lib.model.outputs[name]
    if decl.type == "bool":
        return True
    if decl.type == "set":
        return [decl.values[-1]]
    return decl.values[-1]


@pytest.mark.parametrize(
    "name",
    ["identified", "removable", "priorities", "sc_level", "request", "form", "local_response", "outcome"],
)
def test_every_answer_can_be_decided_from_case_facts_alone(tmp_path: Path, root: Path, name: str) -> None:
    """For every answer, a rule reading only a case fact (an exception to its other deciders) decides it."""
    lib0 = load_rules()
    comp0 = lib0.composition("pep", "full-cooperation")
    others = [r.id for r in comp0.deciders[name]]
    value = _answer_value(lib0, name)
    rules = _copy(tmp_path, root)
    exc = f"    exception_to: [{', '.join(others)}]\n" if others else ""
    shown = (
        "[" + ", ".join(f'"{v}"' for v in value) + "]"
        if isinstance(value, list)
        else ("true" if value is True else f'"{value}"' if isinstance(value, str) else str(value))
    )
    _add_local_rule(
        rules,
        f"""
  - id: full-cooperation.test-{name.replace("_", "-")}
    summary: A test rule deciding {name} from a case fact alone.
    source: contract-v1
    when: person.age == 41
    then: {{{name}: {shown}}}
{exc}""",
    )
    lib = load_rules(rules)
    comp = lib.composition("pep", "full-cooperation")
    rule = comp.rules[f"full-cooperation.test-{name.replace('_', '-')}"]
    settled_in = next(s for s in comp.strata if name in s.fields)
    assert rule in settled_in.rules
    case = make_case(
        age=41,
        removal_order="final",
        convictions=[{"offense": "x", "date": "2012-01-01", "level": "felony", "kinds": []}],
    )
    for backend in ("engine", "reference"):
        got = evaluate(case, "pep", rules=lib, backend=backend).get(name)  # type: ignore[arg-type]
        want = tuple(value) if isinstance(value, list) else value
        if isinstance(value, list):
            assert set(want) <= set(got)
        else:
            assert got == want


def test_every_rule_runs_where_its_answers_are_settled(lib: RuleLibrary) -> None:
    """In every shipped composition, every rule deciding an answer runs in the stratum that settles it."""
    for regime in lib.regimes:
        for place in lib.jurisdictions:
            comp = lib.composition(regime, place)
            where = {f: s.index for s in comp.strata for f in s.fields}
            for s in comp.strata:
                for r in s.rules:
                    assert all(where[f] == s.index for f in r.rule.then), r.id
                    assert all(where[f] < s.index for f in r.reads if f in comp.outputs), r.id


def test_the_grouped_walk_gives_the_strata_of_the_walk_over_components(lib: RuleLibrary) -> None:
    """In every shipped composition, grouping the rules deciding an answer gives each rule the
    stratum the strongly connected components give, and several strata are in play."""
    from detainer_model.rulebook.library import _levels, _levels_by_components

    deepest = 0
    for regime in lib.regimes:
        for place in lib.jurisdictions:
            comp = lib.composition(regime, place)
            rules = [r for s in comp.strata for r in s.rules]
            deciders: dict[str, list[int]] = {}
            for i, r in enumerate(rules):
                for f in r.rule.then:
                    deciders.setdefault(f, []).append(i)
            grouped = _levels(rules, comp.outputs, deciders)
            assert grouped == _levels_by_components(rules, comp.outputs, deciders)
            assert grouped == [s.index for s in comp.strata for _r in s.rules]
            deepest = max(deepest, *grouped)
    assert deepest >= 2


def test_a_long_chain_of_answers_loads_without_recursion(tmp_path: Path, root: Path) -> None:
    """600 answers each read by the next rule stratify without a RecursionError (one stratum each)."""
    rules = _copy(tmp_path, root)
    outputs = "".join(
        f"  a{i}: {{type: bool, default: false, summary: chain link {i}.}}\n" for i in range(600)
    )
    chain = "".join(
        f"  - {{id: full-cooperation.c{i}, summary: link, source: contract-v1, "
        f"when: {'person.age > 1' if i == 0 else f'a{i - 1}'}, then: {{a{i}: true}}}}\n"
        for i in range(600)
    )
    path = rules / "local" / "full-cooperation.yaml"
    text = path.read_text().replace("\nrules:\n", f"\noutputs:\n{outputs}\nrules:\n{chain}", 1)
    path.write_text(text)
    lib = load_rules(rules)
    comp = lib.composition("pep", "full-cooperation")
    assert len(comp.strata) >= 600
    d = evaluate(make_case(age=30), "pep", rules=lib)
    assert d.answers["a599"] is True


def test_a_rule_deciding_two_answers_that_other_rules_chain_is_a_cycle(tmp_path: Path, root: Path) -> None:
    """Rules that must run both with and after each other are refused as a cycle naming them."""
    rules = _copy(tmp_path, root)
    _add_local_rule(
        rules,
        """
  - id: full-cooperation.both
    summary: decides two answers
    source: contract-v1
    when: person.age == 3
    then: {local_response: none, form: I-247N}
  - id: full-cooperation.reads-form
    summary: reads form
    source: contract-v1
    when: form == "I-247N"
    then: {local_response: notify}
""",
    )
    with pytest.raises(RuleFileError, match=r"cycle.*full-cooperation\.(both|reads-form)"):
        load_rules(rules)
    assert main(["rules", "list", "--rules", str(rules)]) == 2
