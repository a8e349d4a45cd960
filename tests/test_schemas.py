"""The JSON Schemas: shipped copies are current, and every shipped file validates against them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from detainer_model import RuleLibrary, run_paths
from detainer_model.report.jsondoc import document
from detainer_model.report.schemas import DEFS, SCHEMAS, all_schemas, render, shipped, shipped_path
from detainer_model.rulebook.library import split_ref
from detainer_model.safeio.yamlsafe import load_yaml_file

from builders import invoke

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((ROOT / "scenarios").rglob("*.yaml"))
RULE_FILES = sorted((ROOT / "rules").rglob("*.yaml"))
ANSWER_FILES = sorted((ROOT / "exercises").rglob("answers*.yaml"))


def as_json(value: Any) -> Any:
    """YAML data as an editor's YAML language server sees it: dates as text."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, dt.date) else v))


def errors(schema: dict[str, Any], data: Any) -> list[str]:
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def yaml_data(path: Path) -> Any:
    return as_json(load_yaml_file(path, str(path)).data)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_shipped_schema_equals_a_fresh_one(name: str, lib: RuleLibrary) -> None:
    """The schema shipped in the package is the one the models and shipped rules give today."""
    fresh = render(SCHEMAS[name](lib))
    assert shipped_path(name).read_text(encoding="utf-8") == fresh, (
        f"{shipped_path(name).name} is out of date: run `detainer-model docs generate`"
    )


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_every_schema_is_valid_json_schema(name: str) -> None:
    """Each shipped schema declares draft 7 and is a valid draft-7 JSON Schema, with no newer keywords."""
    schema = shipped(name)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    text = json.dumps(schema)
    assert "$defs" not in text and "prefixItems" not in text and "discriminator" not in text


def test_there_are_files_to_validate() -> None:
    """The globs below find the shipped scenarios, rule files and answers template."""
    assert len(SCENARIO_FILES) >= 10 and len(RULE_FILES) >= 10 and ANSWER_FILES


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_scenario_validates(path: Path) -> None:
    """Each scenario file in scenarios/ is valid under the shipped scenario schema."""
    assert errors(shipped("scenario"), yaml_data(path)) == []


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_rule_file_validates(path: Path) -> None:
    """Each file in rules/ is valid under the shipped rules schema."""
    assert errors(shipped("rules"), yaml_data(path)) == []


@pytest.mark.parametrize("path", ANSWER_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_answers_template_validates(path: Path) -> None:
    """The shipped blank answers file is valid under the answers schema, and so is a filled-in one."""
    schema = shipped("answers")
    blank = yaml_data(path)
    assert errors(schema, blank) == []
    case = next(iter(blank["answers"]))
    filled = {
        "student": "A. Student",
        "answers": {case: {"pep": {"request": "notification", "form": "none", "priorities": ["1(d)"]}}},
    }
    assert errors(schema, filled) == []


def test_a_misspelt_scenario_field_is_named() -> None:
    """A scenario with `booking_dat` fails validation, and the error names that field."""
    data = yaml_data(ROOT / "scenarios" / "san-francisco-2015.yaml")
    case = data["cases"][0]
    case["booking_dat"] = case.pop("booking_date")
    found = errors(shipped("scenario"), data)
    assert any("booking_dat'" in e for e in found), found
    assert any("'booking_date' is a required property" in e for e in found), found


@pytest.mark.parametrize(
    ("where", "value", "named"),
    [
        (("person", "status"), "unauthorised", "unauthorised"),
        (("convictions", 0, "kinds"), ["drug_trafficing"], "drug_trafficing"),
        (("jurisdiction",), "san-francisco-2051", "san-francisco-2051"),
        (("expect", "pep", "request"), "hold", "hold"),
        (("booking_date",), "2015-02-30", "2015-02-30"),
        (("person", "age"), "45", "45"),
    ],
)
def test_wrong_values_fail_scenario_validation(where: tuple[Any, ...], value: Any, named: str) -> None:
    """A wrong status, offense kind, policy id, expected answer, date or type is refused, and named."""
    data = yaml_data(ROOT / "scenarios" / "san-francisco-2015.yaml")
    holder = data["cases"][0]
    for key in where[:-1]:
        holder = holder[key]
    holder[where[-1]] = value
    found = errors(shipped("scenario"), data)
    assert found and any(named in e for e in found), found


def test_a_misspelt_rule_field_fails_rules_validation() -> None:
    """A rule with `summery` instead of `summary` fails the rules schema, naming the field."""
    data = yaml_data(ROOT / "rules" / "federal" / "pep.yaml")
    rule = data["rules"][0]
    rule["summery"] = rule.pop("summary")
    found = errors(shipped("rules"), data)
    assert any("summery" in e for e in found), found


def test_run_json_output_validates_against_the_results_schema(lib: RuleLibrary) -> None:
    """`run --format json` on every shipped scenario gives a document the results schema accepts;
    a field added to the output must be described in report/resultdoc.py (then `docs generate`)."""
    result = run_paths([ROOT / "scenarios"], rules=lib)
    data = as_json(document(result))
    found = errors(shipped("results"), data)
    assert not found, (
        "the JSON output no longer matches the results schema; describe new fields in "
        "src/detainer_model/report/resultdoc.py, then run `detainer-model docs generate`: "
        + "; ".join(found[:5])
    )
    data["cases"][0]["results"][0]["request"] = "arrest"
    assert errors(shipped("results"), data)


def test_schemas_from_own_rules_know_their_ids(lib: RuleLibrary) -> None:
    """The scenario schema's policy ids and offense kinds are those of the rules it was made from."""
    schema = all_schemas(lib)["scenario"]
    ref = schema[DEFS]["JurisdictionRef"]["properties"]["id"]
    # every pinned version and place, and each with a reading it declares
    assert set(lib.jurisdictions) | set(lib.place_ids) | set(lib.refs("local")) <= set(ref["enum"])
    assert "california:as-written" in ref["enum"] and "san-francisco:as-practised" in ref["enum"]
    assert all(split_ref(i)[0] in {*lib.jurisdictions, *lib.place_ids} for i in ref["enum"])
    assert schema[DEFS]["Conviction"]["properties"]["kinds"]["items"]["enum"] == list(lib.offense_kinds)


def test_schema_command_prints_the_shipped_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """`detainer-model schema scenario` prints exactly the shipped scenario schema."""
    status, out, err = invoke(capsys, "schema", "scenario")
    assert status == 0 and err == ""
    assert json.loads(out) == shipped("scenario")


def test_schema_command_refuses_an_unknown_name(capsys: pytest.CaptureFixture[str]) -> None:
    """`detainer-model schema scenarios` exits 2 and lists the names it knows."""
    status, out, err = invoke(capsys, "schema", "scenarios")
    assert status == 2 and out == ""
    assert "scenario" in err and "answers" in err and "Traceback" not in err
