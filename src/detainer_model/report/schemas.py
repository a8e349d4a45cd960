"""JSON Schemas of the project's files, generated from its pydantic models and its rules.

Four schemas, one per kind of file: ``scenario`` (scenario files), ``answers`` (a student's
answers file), ``rules`` (any file in ``rules/``) and ``results`` (the output of ``run --format
json``). Each starts as pydantic's schema of the model that reads the file, and is then given what
only the rules know: the definitions in ``rules/vocabulary.yaml`` as descriptions, the offense
kinds and local policy ids as allowed values, and the answers of ``rules/model.yaml`` (``request``,
``outcome`` ...) with their values, in ``expect`` blocks, answers files and results.

Copies made from the shipped rules are shipped in ``detainer_model/schemas/`` for editors (see
``docs/scenario-format.md``); ``detainer-model docs generate`` rewrites them and a test holds
them to a fresh generation.
"""

from __future__ import annotations

import ast
import copy
import inspect
import itertools
import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

from pydantic import BaseModel, Field, TypeAdapter

from ..core import models as scenario_models
from ..core.models import ScenarioFile
from ..rulebook import rulefile
from ..rulebook.library import RuleLibrary
from ..rulebook.rulefile import OutputDecl
from ..safeio.fieldtypes import one_or_many
from ..teaching.answersfile import AnswersFile
from .resultdoc import ResultsDocument

# Draft 7: the newest draft that the YAML language server (VS Code's YAML extension and others)
# fully supports; pydantic's 2020-12 output uses nothing newer, once its definitions are renamed.
JSON_SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
DEFS = "definitions"
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "schemas"
JsonSchema = dict[str, Any]

# Which vocabulary section describes the facts of each scenario model.
_FACT_SECTIONS = {
    "Case": "case_facts",
    "Person": "person_facts",
    "Conviction": "conviction_facts",
    "Charge": "charge_facts",
    "IceRequest": "ice_facts",
}


def shipped_path(name: str) -> Path:
    """Where the shipped copy of schema ``name`` lives in the package."""
    return SHIPPED_DIR / f"{name}.schema.json"


def render(schema: JsonSchema) -> str:
    """A schema as the JSON text that is printed and shipped."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _jurisdiction_ids(lib: RuleLibrary) -> list[str]:
    """What a case may name: a pinned local version, a place, either with a reading it declares."""
    ids = set(lib.refs("local"))
    for place in lib.place_ids:
        ids.add(place)
        chain = lib.place_chain(place)
        readings = {r for p in chain for v in lib.place(p).versions for r in lib.rulesets[v].readings}
        ids.update(f"{place}:{r}" for r in readings)
    return sorted(ids)


def scenario_schema(lib: RuleLibrary) -> JsonSchema:
    """Scenario files: the scenario models, with the vocabulary's words and the rules' ids."""
    schema = ScenarioFile.model_json_schema()
    defs = schema["$defs"]
    for model, holder in [(ScenarioFile.__name__, schema), *defs.items()]:
        _describe_fields(holder, getattr(scenario_models, model, None))
    vocab = lib.vocabulary
    for model, section in _FACT_SECTIONS.items():
        facts = getattr(vocab, section)
        for name, prop in defs[model]["properties"].items():
            if name in facts:
                prop["description"] = _text(facts[name].definition)
    kinds = {"enum": list(lib.offense_kinds)}
    for model in ("Conviction", "Charge"):
        defs[model]["properties"]["kinds"]["items"] = kinds
    places = {"type": "string", "enum": _jurisdiction_ids(lib)}
    case = defs["Case"]["properties"]
    case["jurisdiction"]["anyOf"] = [places, {"$ref": "#/$defs/JurisdictionRef"}]
    defs["JurisdictionRef"]["properties"]["id"] = {
        **places,
        "description": defs["JurisdictionRef"]["properties"]["id"].get("description", ""),
    }
    case["expect"] = {
        "anyOf": [
            {
                "type": "object",
                "additionalProperties": {"$ref": "#/$defs/Expected"},
                "description": case["expect"].get("description", ""),
            },
            {"type": "null"},
        ],
        "default": None,
        "description": case["expect"].get("description", ""),
    }
    defs["Expected"] = _expected(lib)
    return _header(schema, "scenario", "A detainer-model scenario file: a titled set of cases.")


def answers_schema(lib: RuleLibrary) -> JsonSchema:
    """Answers files: for each case and regime, a prediction for each result the rules decide."""
    schema = AnswersFile.model_json_schema()
    answers = schema["properties"]["answers"]
    prediction: JsonSchema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: _answer(decl) for name, decl in _reported(lib).items()},
    }
    answers["additionalProperties"] = {
        "anyOf": [
            {"type": "object", "additionalProperties": {"anyOf": [prediction, {"type": "null"}]}},
            {"type": "null"},
        ]
    }
    return _header(schema, "answers", "A student's answers file for `detainer-model exercise grade`.")


def rules_schema(lib: RuleLibrary) -> JsonSchema:
    """Rule files: one of the file kinds in :mod:`detainer_model.rulebook.rulefile`, by ``kind``."""
    union: Any = Annotated[_union(_rule_file_models()), Field(discriminator="kind")]
    schema = TypeAdapter[Any](union).json_schema()
    _accept_one_for_many(schema, rulefile)
    return _header(schema, "rules", "A detainer-model rule file (ruleset, vocabulary, sources, model ...).")


def results_schema(lib: RuleLibrary) -> JsonSchema:
    """``run --format json``: the results document, each result with the answers of the model."""
    schema = ResultsDocument.model_json_schema(by_alias=True)
    result = schema["$defs"]["Result"]
    outputs = _output_values(lib)
    props = result["properties"]
    first = dict(list(props.items())[:2])  # regime and jurisdiction lead, as in the output
    result["properties"] = {**first, **outputs, **{k: v for k, v in props.items() if k not in first}}
    result["required"] = [*first, *outputs, *(k for k in result["required"] if k not in first)]
    return _header(schema, "results", "The results of `detainer-model run --format json`.")


SCHEMAS: dict[str, Callable[[RuleLibrary], JsonSchema]] = {
    "scenario": scenario_schema,
    "answers": answers_schema,
    "rules": rules_schema,
    "results": results_schema,
}


def all_schemas(lib: RuleLibrary) -> dict[str, JsonSchema]:
    """Every schema, by name."""
    return {name: make(lib) for name, make in SCHEMAS.items()}


def shipped(name: str) -> JsonSchema:
    """The shipped copy of schema ``name``."""
    data: JsonSchema = json.loads(shipped_path(name).read_text(encoding="utf-8"))
    return data


# ---------------------------------------------------------------------------------------------


def _header(schema: JsonSchema, name: str, title: str) -> JsonSchema:
    body = copy.deepcopy(schema)
    _fill_descriptions(body)
    body.pop("title", None)
    body = dict(_as_draft_7(body))
    head = {"$schema": JSON_SCHEMA_DIALECT, "title": title}
    if "description" not in body:
        head["description"] = f"Generated by `detainer-model schema {name}` from the models and the rules."
    return head | body


def _as_draft_7(node: Any) -> Any:
    """``$defs`` as ``definitions`` (refs too); pydantic's OpenAPI ``discriminator`` dropped."""
    if isinstance(node, list):
        return [_as_draft_7(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: JsonSchema = {}
    for key, value in node.items():
        if key == "discriminator" and isinstance(value, dict) and "propertyName" in value:
            continue
        if key == "$ref" and isinstance(value, str):
            out[key] = value.replace("#/$defs/", f"#/{DEFS}/")
        elif key == "$defs":
            out[DEFS] = {k: _as_draft_7(v) for k, v in value.items()}
        else:
            out[key] = _as_draft_7(value)
    return out


def _text(words: str) -> str:
    return " ".join(words.split()).replace("``", "`")


def _fill_descriptions(schema: JsonSchema) -> None:
    """Give every property a description: its own, else that of the definition it refers to."""
    defs = schema.get("$defs", {})
    for holder in [schema, *defs.values()]:
        if "description" in holder:
            holder["description"] = _text(holder["description"])
        for prop in holder.get("properties", {}).values():
            prop.pop("title", None)
            if "description" not in prop and "$ref" in prop:
                target = defs.get(prop["$ref"].rsplit("/", 1)[-1], {})
                if "description" in target:
                    prop["description"] = target["description"]
            if "description" in prop:
                prop["description"] = _text(prop["description"])


def _describe_fields(holder: JsonSchema, model: Any) -> None:
    """Each property of ``model``'s schema without a description gets the docstring written under
    its field, placed as pydantic places keys (sorted), as ``use_attribute_docstrings`` would."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return
    props = holder.get("properties", {})
    for name, doc in field_docstrings(model).items():
        field = model.model_fields.get(name)
        key = (field.alias if field is not None else None) or name
        if key in props and "description" not in props[key]:
            props[key] = dict(sorted({**props[key], "description": doc}.items()))


def field_docstrings(cls: type) -> dict[str, str]:
    """The docstring written under each field of ``cls`` (a string right after ``name: type``),
    cleaned as ``inspect.cleandoc`` does; pydantic's ``use_attribute_docstrings`` reads the same."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):  # pragma: no cover - no source to read
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    out: dict[str, str] = {}
    for before, node in itertools.pairwise(body):
        if (
            isinstance(before, ast.AnnAssign)
            and isinstance(before.target, ast.Name)
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            out[before.target.id] = inspect.cleandoc(node.value.value)
    return out


def _reported(lib: RuleLibrary) -> dict[str, OutputDecl]:
    return {k: v for k, v in lib.model.outputs.items() if v.report}


def _value(decl: OutputDecl) -> JsonSchema:
    """The JSON Schema of one answer's value in a result or an ``expect`` block."""
    if decl.type == "bool":
        return {"type": "boolean"}
    if decl.type == "set":
        return {"type": "array", "items": {"enum": list(decl.values)}, "uniqueItems": True}
    values: list[Any] = list(decl.values)
    return {"enum": [*values, None] if decl.nullable else values}


def _output_values(lib: RuleLibrary) -> dict[str, JsonSchema]:
    return {name: _value(d) | {"description": _text(d.summary)} for name, d in _reported(lib).items()}


def _expected(lib: RuleLibrary) -> JsonSchema:
    props = _output_values(lib)
    props["fired"] = {
        "type": "array",
        "items": {"type": "string"},
        "description": "Rule ids that must be among the rules that fired.",
    }
    return {
        "type": "object",
        "description": "The results one regime should give: any of the model's answers, and `fired`.",
        "properties": props,
        "additionalProperties": False,
    }


def _answer(decl: OutputDecl) -> JsonSchema:
    """A student's prediction: a value as written in a worksheet, ``none`` where allowed, or blank."""
    shown = [_shown(v) for v in decl.values]
    words = [*shown, *(["none"] if decl.nullable else [])]
    if decl.type == "bool":
        one: JsonSchema = {"type": "boolean"}
    elif decl.type == "set":
        one = {
            "anyOf": [
                {"type": "array", "items": {"enum": [*decl.values, *shown]}},
                {"enum": ["none", *decl.values, *shown]},
            ]
        }
    else:
        one = {"enum": list(dict.fromkeys([*decl.values, *words]))}
    return {"anyOf": [one, {"type": "null"}], "description": _text(decl.summary)}


def _shown(value: Any) -> Any:
    return value if isinstance(value, int | bool) else str(value)


def _rule_file_models() -> list[type[BaseModel]]:
    """Every model of a file in ``rules/``: those with a ``kind`` field, in source order."""
    found = [
        cls
        for _, cls in inspect.getmembers(rulefile, inspect.isclass)
        if issubclass(cls, BaseModel) and cls.__module__ == rulefile.__name__ and "kind" in cls.model_fields
    ]
    return sorted(found, key=lambda cls: inspect.getsourcelines(cls)[1])


def _accept_one_for_many(schema: JsonSchema, module: ModuleType) -> None:
    """A ``OneOrMany`` field takes one item or a list: say so, which pydantic cannot."""
    defs = schema.get("$defs", {})
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if not (issubclass(cls, BaseModel) and cls.__name__ in defs):
            continue
        for name, info in cls.model_fields.items():
            if any(getattr(m, "func", None) is one_or_many for m in info.metadata):
                props = defs[cls.__name__]["properties"]
                key = info.alias or name
                many = props[key]
                default = many.pop("default", None)
                props[key] = {"anyOf": [many.get("items", {}), many], "default": default}


def _union(models: list[type[BaseModel]]) -> Any:
    out: Any = models[0]
    for m in models[1:]:
        out = out | m
    return out
