"""The generated parts of the documentation: field tables from the schemas and the vocabulary.

A page in ``docs/`` marks each generated table with a pair of comments::

    <!-- generated: person (detainer-model docs generate) -->
    ...
    <!-- end generated: person -->

:func:`regenerate` replaces what lies between them with a fresh table made from the code and the
rules (see :data:`BLOCKS` for the names), so a field added to a model, to
``rules/vocabulary.yaml`` or to ``rules/model.yaml`` reaches the docs by running one command:
``detainer-model docs generate``. ``--check`` only reports what would change; a test runs it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..rulebook.library import RuleLibrary
from ..rulebook.rulefile import Term
from ..safeio import limits
from ..safeio.paths import input_file_problem
from .schemas import DEFS, JsonSchema, all_schemas

START = "<!-- generated: {name} (detainer-model docs generate) -->"
END = "<!-- end generated: {name} -->"
_BLOCK = re.compile(
    r"(?P<start><!-- generated: (?P<name>[a-z0-9-]+) \(detainer-model docs generate\) -->\n)"
    r"(?P<body>.*?)"
    r"(?P<end><!-- end generated: (?P=name) -->)",
    re.S,
)
_ANY_MARK = re.compile(r"^<!-- (?:end )?generated: (\S+?)(?: \(detainer-model docs generate\))? -->$")

# Human names of the schema definitions, for "mapping (see ...)" in the type column.
_NAMES = {
    "Case": "case",
    "Person": "person",
    "Conviction": "conviction",
    "Charge": "charge",
    "IceRequest": "ice",
    "JurisdictionRef": "jurisdiction",
    "Expected": "expect",
    "ModelInfo": "model",
    "CaseResults": "case results",
    "Result": "result",
    "Overridden": "overridden",
    "LayerResult": "layer",
    "Contrast": "contrast",
    "FieldContrast": "contrast field",
    "Side": "side",
    "Mismatch": "mismatch",
    "Summary": "summary",
    "ExpectCounts": "expect counts",
}


@dataclass(frozen=True)
class _Context:
    lib: RuleLibrary
    schemas: dict[str, JsonSchema]

    def definition(self, schema: str, name: str | None) -> JsonSchema:
        whole = self.schemas[schema]
        return whole if name is None else dict(whole[DEFS][name])


def _fields(schema: str, name: str | None) -> Callable[[_Context], str]:
    return lambda ctx: field_table(ctx, ctx.definition(schema, name))


def _terms(section: str) -> Callable[[_Context], str]:
    return lambda ctx: term_table(getattr(ctx.lib.vocabulary, section))


BLOCKS: dict[str, Callable[[_Context], str]] = {
    "scenario-file": _fields("scenario", None),
    "case": _fields("scenario", "Case"),
    "person": _fields("scenario", "Person"),
    "conviction": _fields("scenario", "Conviction"),
    "charge": _fields("scenario", "Charge"),
    "ice": _fields("scenario", "IceRequest"),
    "jurisdiction": _fields("scenario", "JurisdictionRef"),
    "expect": _fields("scenario", "Expected"),
    "offense-kinds": _terms("offense_kinds"),
    "levels": _terms("levels"),
    "statuses": _terms("statuses"),
    "removal-orders": _terms("removal_orders"),
    "results-document": _fields("results", None),
    "results-model": _fields("results", "ModelInfo"),
    "results-case": _fields("results", "CaseResults"),
    "result": _fields("results", "Result"),
    "overridden": _fields("results", "Overridden"),
    "layer": _fields("results", "LayerResult"),
    "mismatch": _fields("results", "Mismatch"),
    "contrast": _fields("results", "Contrast"),
    "contrast-field": _fields("results", "FieldContrast"),
    "contrast-side": _fields("results", "Side"),
    "summary": _fields("results", "Summary"),
    "expect-counts": _fields("results", "ExpectCounts"),
    "local-policies": lambda ctx: policy_table(ctx.lib),
}


def field_table(ctx: _Context, definition: JsonSchema) -> str:
    """A Markdown table of a schema object's properties: name, type, required or default, meaning."""
    required = set(definition.get("required", ()))
    rows = ["| field | type | required / default | meaning |", "|---|---|---|---|"]
    for name, prop in definition.get("properties", {}).items():
        if name in required:
            need = "required"
        elif "default" in prop:
            need = f"default `{json.dumps(prop['default'], ensure_ascii=False)}`"
        else:
            need = "optional"
        rows.append(
            f"| `{name}` | {_cell(type_text(ctx, prop))} | {need} | {_cell(prop.get('description', ''))} |"
        )
    return "\n".join(rows) + "\n"


def term_table(terms: dict[str, Term]) -> str:
    """A Markdown table of vocabulary words: the word, its label, definition and source."""
    rows = ["| value | label | definition | source |", "|---|---|---|---|"]
    for word, term in terms.items():
        definition = " ".join(term.definition.split())
        rows.append(f"| `{word}` | {_cell(term.label)} | {_cell(definition)} | `{term.source}` |")
    return "\n".join(rows) + "\n"


def policy_table(lib: RuleLibrary) -> str:
    """A Markdown table of the local policies: id, title, in force, parameters."""
    rows = ["| id | title | in force | parameters |", "|---|---|---|---|"]
    for rs in sorted((r for r in lib.rulesets.values() if r.level == "local"), key=lambda r: r.id):
        params = ", ".join(f"`{p}`" for p in rs.parameters) or "none"
        rows.append(f"| `{rs.id}` | {_cell(rs.title)} | {rs.effective.describe()} | {params} |")
    return "\n".join(rows) + "\n"


def type_text(ctx: _Context, prop: JsonSchema) -> str:
    """A JSON Schema type in words: ``date (YYYY-MM-DD)``, ``list of conviction`` ..."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"mapping: {_NAMES.get(name, name)}"
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        text = " or ".join(dict.fromkeys(type_text(ctx, o) for o in options)) or "null"
        return text + (" or null" if len(options) < len(prop["anyOf"]) else "")
    if "enum" in prop:
        return _enum_text(ctx, list(prop["enum"]))
    kind = prop.get("type")
    if kind == "string":
        if prop.get("format") == "date":
            return "date (YYYY-MM-DD)"
        if "pattern" in prop:
            return f"text matching `{prop['pattern']}`"
        return "text"
    if kind == "integer":
        low, high = prop.get("minimum"), prop.get("maximum")
        if low is not None and high is not None:
            return f"whole number {low} to {high}"
        return "whole number" + (f" ≥ {low}" if low is not None else "")
    if kind == "boolean":
        return "true or false"
    if kind == "array":
        unique = " (no repeats)" if prop.get("uniqueItems") else ""
        return f"list of {type_text(ctx, prop.get('items', {}))}{unique}"
    if kind == "object":
        inner = prop.get("additionalProperties")
        if isinstance(inner, dict) and inner:
            return f"mapping of names to {type_text(ctx, inner)}"
        return "mapping"
    if isinstance(kind, list):
        return " or ".join(type_text(ctx, {"type": k}) for k in kind)
    return "any value"


def _enum_text(ctx: _Context, values: Sequence[Any]) -> str:
    real = [v for v in values if v is not None]
    suffix = " or null" if len(real) < len(values) else ""
    if sorted(map(str, real)) == sorted(ctx.lib.offense_kinds):
        return "offense kind (see the table)" + suffix
    if sorted(map(str, real)) == sorted(ctx.lib.jurisdictions):
        return "local policy id (see the table)" + suffix
    shown = (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in real)
    return ", ".join(f"`{v}`" for v in shown) + suffix


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------------------------------------


def generated_blocks(lib: RuleLibrary) -> dict[str, str]:
    """Every generated block, by name, made from the code and ``lib``."""
    ctx = _Context(lib, all_schemas(lib))
    return {name: make(ctx) for name, make in BLOCKS.items()}


def regenerate(text: str, blocks: dict[str, str], file: str = "<text>") -> str:
    """``text`` with the body of every marked block replaced; unknown or unclosed marks refused."""
    problems: list[Problem] = []
    closed = {m.group("name") for m in _BLOCK.finditer(text)}
    for number, line in enumerate(text.splitlines(), 1):
        for name in _ANY_MARK.findall(line.strip()):
            if name not in blocks:
                problems.append(Problem(file, number, name, f"unknown generated block '{name}'"))
            elif name not in closed:
                problems.append(Problem(file, number, name, f"block '{name}' has no matching start and end"))
    if problems:
        raise InputError(problems)
    return _BLOCK.sub(lambda m: m.group("start") + blocks[m.group("name")] + m.group("end"), text)


def stale_files(docs: Path, lib: RuleLibrary) -> dict[Path, str]:
    """The Markdown files under ``docs`` whose generated blocks differ from a fresh generation,
    each with its regenerated text."""
    blocks = generated_blocks(lib)
    out: dict[Path, str] = {}
    for path in sorted(docs.rglob("*.md")):
        problem = input_file_problem(path, limits.MAX_YAML_BYTES)
        if problem is not None:
            raise InputError([Problem(str(path), None, "", problem)])
        text = path.read_text(encoding="utf-8")
        if "generated:" not in text:
            continue
        fresh = regenerate(text, blocks, str(path))
        if fresh != text:
            out[path] = fresh
    return out
