"""Rule files: the shipped ones load; edited copies with faults are refused with located lines."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from detainer_model import RuleLibrary, evaluate, load_rules, load_scenarios
from detainer_model.cli import main
from detainer_model.errors import RuleConflictError, RuleFileError, RuleGapError

SCENARIO = """\
title: One case
cases:
  - id: felon
    title: A felony conviction, a final order
    booking_date: 2015-09-01
    jurisdiction: {jid}
    person: {{status: unauthorized, age: 30, removal_order: final}}
    convictions:
      - {{offense: Burglary, date: 2012-01-01, level: felony}}
"""


@pytest.fixture
def rules_copy(tmp_path: Path, root: Path) -> Path:
    """An editable copy of the shipped rules."""
    target = tmp_path / "rules"
    shutil.copytree(root / "rules", target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def run(
    capsys: pytest.CaptureFixture[str],
    rules: Path,
    tmp_path: Path,
    jid: str = "full-cooperation",
    *extra: str,
) -> tuple[int, str, str]:
    scenario = tmp_path / "case.yaml"
    scenario.write_text(SCENARIO.format(jid=jid))
    status = main(["run", str(scenario), "--rules", str(rules), *extra])
    out, err = capsys.readouterr()
    return status, out, err


def test_shipped_rules_load_with_every_rule_sourced_and_dated(lib: RuleLibrary) -> None:
    """Every shipped rule has an id, a summary, a known source and effective dates (own or its set's)."""
    assert {"secure-communities", "pep"} <= set(lib.regimes)
    assert {"full-cooperation", "san-francisco-2015"} <= set(lib.jurisdictions)
    for rule in lib.all_rules.values():
        assert rule.summary.strip()
        assert rule.rule.source in lib.sources
        assert rule.effective is not None
        assert rule.verification in ("verified", "secondary", "unverified", "model")


def test_every_vocabulary_fact_matches_the_scenario_schema(lib: RuleLibrary) -> None:
    """The facts the rule files may read are exactly the fields of the scenario models."""
    from detainer_model.core.models import Charge, Conviction, IceRequest, Person

    v = lib.vocabulary
    assert set(v.person_facts) == set(Person.model_fields)
    assert set(v.conviction_facts) == set(Conviction.model_fields)
    assert set(v.charge_facts) == set(Charge.model_fields)
    assert set(v.ice_facts) == set(IceRequest.model_fields)


def _code_strings(path: Path) -> list[str]:
    """Every string literal in a module's code, docstrings left out."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


def test_no_legal_constant_hides_in_the_engine_modules(root: Path) -> None:
    """The evaluation code names no offense kind, priority category, form, status or legal date."""
    words = re.compile(
        r"aggravated_felony|drug_trafficking|felony|misdemeanor|^1\(|I-247|^20\d\d-|"
        r"reimbursement|unauthorized|us_citizen|\bdetainer\b|\bnotification\b"
    )
    package = root / "src" / "detainer_model"
    modules = [*sorted((package / "rulebook").glob("*.py"))] + [
        package / "core" / f"{name}.py" for name in ("engine", "facts", "resolve", "evaluate")
    ]
    for module in modules:
        for text in _code_strings(module):
            assert not words.search(text), f"{module.name}: {text!r}"


def test_rules_option_evaluates_an_edited_copy(
    rules_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--rules DIR evaluates against the edited copy, not the shipped rules."""
    edit(
        rules_copy / "local" / "full-cooperation.yaml",
        "then: {local_response: hold}",
        "then: {local_response: decline}",
    )
    status, out, _err = run(capsys, rules_copy, tmp_path, "full-cooperation", "--format", "csv")
    assert status == 0
    assert "released_despite_request" in out
    assert load_rules(rules_copy).digest != load_rules().digest


@pytest.mark.parametrize(
    ("file", "old", "new", "pattern"),
    [
        (
            "federal/pep.yaml",
            "when: identified and removable and transfer_category\n",
            "when: identified and removabel and transfer_category\n",
            r"rules/federal/pep\.yaml:\d+: rules\[1\]\.when: "
            r"unknown name 'removabel' \(did you mean 'removable'\?\)",
        ),
        (
            "federal/pep.yaml",
            "then: {form: I-247D}",
            "then: {form: I-247DD}",
            r"rules\[3\]\.then\.form: 'I-247DD' is not one of .*\(did you mean 'I-247D'\?\)",
        ),
        (
            "federal/pep.yaml",
            "source: i247n-form\n    when",
            "source: i247n-from\n    when",
            r"rules\[4\]\.source: unknown source 'i247n-from' \(did you mean 'i247n-form'\?\)",
        ),
        (
            "common/priorities-2014.yaml",
            "where: '\"aggravated_felony\" in kinds'",
            "where: '\"aggravated_felon\" in kinds'",
            r"definitions\[2\]\.where: 'kinds' is a set of .*'aggravated_felon' is not allowed",
        ),
        (
            "common/priorities-2014.yaml",
            "when: person.visa_abuse",
            "when: person.visa_abuse + 1",
            r"rules\[8\]\.when: arithmetic is not allowed in a rule expression",
        ),
        (
            "common/priorities-2014.yaml",
            "when: person.visa_abuse",
            "when: __import__('os').system('x')",
            r"rules\[8\]\.when: .*(not a name|only has_any)",
        ),
        (
            "federal/pep.yaml",
            "exception_to: pep.request.notification",
            "exception_to: pep.request.notify",
            r"rules\[2\]\.exception_to: unknown rule 'pep.request.notify' "
            r"\(did you mean 'pep.request.notification'\?\)",
        ),
        (
            "federal/pep.yaml",
            "level: federal",
            "levle: federal",
            r"levle: unknown key 'levle' \(did you mean 'level'\?\)",
        ),
        (
            "local/full-cooperation.yaml",
            "kind: ruleset",
            "kind: rulset",
            r"kind: 'kind' must be one of .*\(did you mean 'ruleset'\?\)",
        ),
    ],
)
def test_faulty_rule_file_is_refused_with_a_located_line(
    rules_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    file: str,
    old: str,
    new: str,
    pattern: str,
) -> None:
    """A fault in a rule file exits 2 with file, line, field and a suggestion, and evaluates nothing."""
    edit(rules_copy / file, old, new)
    status, out, err = run(capsys, rules_copy, tmp_path)
    assert status == 2
    assert out == ""
    assert "Traceback" not in err
    assert re.search(pattern, err), err


def test_two_rules_that_disagree_without_precedence_are_a_conflict(
    rules_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two applicable rules with different conclusions and no exception_to: an error naming both."""
    edit(rules_copy / "federal" / "pep.yaml", "    exception_to: pep.request.notification\n", "")
    status, out, err = run(capsys, rules_copy, tmp_path)
    assert status == 2
    assert out == ""
    assert "'pep.request.notification'" in err
    assert "'pep.request.detainer'" in err
    assert "disagree on request" in err
    lib = load_rules(rules_copy)
    case = load_scenarios(tmp_path / "case.yaml", lib)[0].cases[0]
    with pytest.raises(RuleConflictError):
        evaluate(case, "pep", rules=lib)


def test_file_order_never_decides_precedence(rules_copy: Path, tmp_path: Path) -> None:
    """Moving the exception above its base rule changes nothing."""
    pep = rules_copy / "federal" / "pep.yaml"
    text = pep.read_text()
    start = text.index("  - id: pep.request.notification")
    middle = text.index("  - id: pep.request.detainer")
    end = text.index("  - id: pep.form.i247d")
    pep.write_text(text[:start] + text[middle:end] + text[start:middle] + text[end:])
    (tmp_path / "case.yaml").write_text(SCENARIO.format(jid="full-cooperation"))
    lib = load_rules(rules_copy)
    case = load_scenarios(tmp_path / "case.yaml", lib)[0].cases[0]
    assert evaluate(case, "pep", rules=lib).request == "detainer"


def test_a_local_policy_that_does_not_answer_a_request_is_a_gap(
    rules_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A policy with no rule for a request ICE made is refused, naming the missing answer."""
    text = (rules_copy / "local" / "full-cooperation.yaml").read_text()
    cut = text.index("  - id: full-cooperation.hold")
    end = text.index("  - id: full-cooperation.notify")
    (rules_copy / "local" / "full-cooperation.yaml").write_text(text[:cut] + text[end:])
    status, out, err = run(capsys, rules_copy, tmp_path)
    assert status == 2
    assert out == ""
    assert "decides 'local_response'" in err
    lib = load_rules(rules_copy)
    case = load_scenarios(tmp_path / "case.yaml", lib)[0].cases[0]
    with pytest.raises(RuleGapError):
        evaluate(case, "pep", rules=lib)


def test_exception_cycles_are_refused(rules_copy: Path) -> None:
    """A rule that is, through exception_to, an exception to itself is a rule-file error."""
    edit(
        rules_copy / "common" / "sc-levels.yaml",
        "    then: {sc_level: 3}\n",
        "    then: {sc_level: 3}\n    exception_to: sc-level.1\n",
    )
    with pytest.raises(RuleFileError, match="exception to itself"):
        load_rules(rules_copy)


def test_rules_that_depend_on_each_other_in_a_cycle_are_refused(rules_copy: Path) -> None:
    """A rule reading the answer it decides (through another rule) is refused as a cycle."""
    edit(
        rules_copy / "federal" / "pep.yaml",
        'when: request == "detainer"\n    then: {form: I-247D}',
        'when: request == "detainer" and form == "I-247N"\n    then: {request: notification}',
    )
    with pytest.raises(RuleFileError, match="cycle"):
        load_rules(rules_copy)
