"""Reading scenario files: every check of the contract, each refusal located to file and line.

Nothing is evaluated until every file has passed: :func:`load_scenarios` either returns all the
scenario files or raises one :class:`~detainer_model.errors.InputError` that lists every problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem, UnknownIdError, suggest
from ..rulebook.library import RuleLibrary, load_rules, split_ref
from ..safeio.paths import missing_reason
from ..safeio.validation import validate_document
from ..safeio.yamlsafe import LocatedDocument, format_path, load_yaml_file
from .models import Case, ScenarioFile

SCENARIO_SUFFIXES = (".yaml", ".yml")
EXPECT_EXTRA = ("fired",)
_TYPE_WORDS = {"bool": "true or false", "int": "a whole number"}


@dataclass(frozen=True)
class LoadedScenario:
    """A checked scenario file and where it came from."""

    file: str
    scenario: ScenarioFile
    document: LocatedDocument

    @property
    def cases(self) -> tuple[Case, ...]:
        return self.scenario.cases

    def line_of(self, case_index: int) -> int | None:
        return self.document.line_of(("cases", case_index))


def scenario_paths(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """Expand files and folders into scenario files, in a stable order, with display names."""
    out: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.suffix in SCENARIO_SUFFIXES and q.is_file())
            if not found:
                problems.append(Problem(str(raw), None, "", "folder holds no .yaml scenario files"))
            out.extend((q, str(Path(raw) / q.relative_to(p))) for q in found)
        elif p.is_file():
            out.append((p, str(raw)))
        else:
            problems.append(Problem(str(raw), None, "", missing_reason(p)))
    if problems:
        raise InputError(problems)
    seen: set[Path] = set()
    unique = []
    for p, shown in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((p, shown))
    return unique


def load_scenarios(
    paths: str | Path | Sequence[str | Path], rules: RuleLibrary | None = None
) -> list[LoadedScenario]:
    """Load and check scenario files (a file, a folder, or several); raise InputError on any fault."""
    lib = rules or load_rules()
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    loaded: list[LoadedScenario] = []
    problems: list[Problem] = []
    for path, shown in scenario_paths(items):
        try:
            doc = load_yaml_file(path, shown)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        found = check_document(doc, lib)
        if isinstance(found, LoadedScenario):
            loaded.append(found)
        else:
            problems.extend(found)
    if problems:
        raise InputError(problems)
    return loaded


def parse_scenario_text(text: str, name: str = "<text>", rules: RuleLibrary | None = None) -> LoadedScenario:
    """Check a scenario given as YAML text (for notebooks and tests)."""
    from ..safeio.yamlsafe import load_yaml_text

    found = check_document(load_yaml_text(text, name), rules or load_rules())
    if isinstance(found, LoadedScenario):
        return found
    raise InputError(found)


def check_document(doc: LocatedDocument, lib: RuleLibrary) -> LoadedScenario | list[Problem]:
    """Validate one parsed document; return the scenario or its problems."""
    if not isinstance(doc.data, dict):
        return [
            Problem(
                doc.file, doc.line_of(()), "", "a scenario file must be a mapping with 'title' and 'cases'"
            )
        ]
    value, problems = validate_document(ScenarioFile, doc, context={"defer_cross_checks": True})
    if value is None:
        return problems
    problems = []

    def add(path: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(doc.file, doc.line_of(path), format_path(path), message))

    seen: dict[str, int] = {}
    for i, case in enumerate(value.cases):
        at: tuple[Any, ...] = ("cases", i)
        if case.id in seen:
            add((*at, "id"), f"duplicate case id '{case.id}' (also case {seen[case.id] + 1} of this file)")
        seen.setdefault(case.id, i)
        for path, message in case.problems():
            add((*at, *path), message)
        _check_against_rules(case, lib, at, add)
    return problems or LoadedScenario(doc.file, value, doc)


def _check_against_rules(case: Case, lib: RuleLibrary, at: tuple[Any, ...], add: Any) -> None:
    kinds = lib.offense_kinds
    for group in ("convictions", "charges"):
        for j, item in enumerate(getattr(case, group)):
            for k, kind in enumerate(item.kinds):
                if kind not in kinds:
                    add((*at, group, j, "kinds", k), f"unknown offense kind '{kind}'{suggest(kind, kinds)}")
            for message in offense_conflicts(lib, item.level, item.kinds):
                add((*at, group, j, "kinds"), message)
    jid = case.jurisdiction.id
    base, reading = split_ref(jid)
    if base in lib.places:
        try:
            lib.check_place_reading(base, reading)
        except UnknownIdError as exc:
            add((*at, "jurisdiction"), str(exc))
        declared = lib.parameters_of(base)
    else:
        try:
            declared = dict(lib.ruleset(jid, "local").parameters)
        except UnknownIdError as exc:
            if base in lib.jurisdictions:
                add((*at, "jurisdiction"), str(exc).split("; known:")[0])
            else:
                add((*at, "jurisdiction"), f"unknown jurisdiction '{base}'{suggest(base, lib.local_ids)}")
            declared = None
    if declared is not None:
        for name, value in case.jurisdiction.params.items():
            path = (*at, "jurisdiction", "params", name)
            if name not in declared:
                known = ", ".join(declared) or "none"
                add(path, f"'{jid}' has no parameter '{name}'{suggest(name, declared)} (it has: {known})")
            elif type(value) is not (bool if declared[name].type == "bool" else int):
                add(
                    path,
                    f"parameter '{name}' must be {_TYPE_WORDS[declared[name].type]}",
                )
    for regime, expected in (case.expect or {}).items():
        path = (*at, "expect", regime)
        try:
            lib.ruleset(regime, "federal")
        except UnknownIdError as exc:
            add(path, str(exc).split("; known:")[0])
            continue
        for name, want in expected.items():
            for message in check_expectation(lib, name, want):
                add((*path, name), message)


def offense_conflicts(lib: RuleLibrary, level: str, kinds: Sequence[str]) -> list[str]:
    """Why an offense of ``level`` and ``kinds`` cannot exist (the vocabulary's constraints), if it cannot."""
    out = []
    for c in lib.vocabulary.offense_constraints:
        if c.offense not in kinds:
            continue
        if level in c.not_at_levels:
            out.append(f"a {level} offense cannot be of kind '{c.offense}': {c.why}")
        out.extend(
            f"kinds '{c.offense}' and '{o}' cannot go together: {c.why}" for o in c.not_with if o in kinds
        )
    return out


def check_expectation(lib: RuleLibrary, name: str, want: Any) -> list[str]:
    """Problems with one expected answer (``request: detainer``) in an ``expect`` block."""
    outputs = lib.reported_outputs
    if name == "fired":
        if not isinstance(want, list) or not all(isinstance(r, str) for r in want):
            return ["'fired' must be a list of rule ids"]
        return [f"unknown rule '{r}'{suggest(r, lib.all_rules)}" for r in want if r not in lib.all_rules]
    if name not in outputs:
        return [f"unknown result field '{name}'{suggest(name, [*outputs, *EXPECT_EXTRA])}"]
    decl = outputs[name]
    if decl.type == "bool":
        return [] if type(want) is bool else [f"expected true or false, got {want!r}"]
    if decl.type == "set":
        if not isinstance(want, list):
            return [f"'{name}' must be a list"]
        return [
            f"{v!r} is not one of {', '.join(map(repr, decl.values))}{suggest(str(v), map(str, decl.values))}"
            for v in want
            if v not in decl.values
        ]
    if want is None and decl.nullable:
        return []
    if want not in decl.values or type(want) is bool:
        options = ", ".join(map(repr, decl.values)) + (", null" if decl.nullable else "")
        return [f"{want!r} is not one of {options}{suggest(str(want), map(str, decl.values))}"]
    return []


def iter_cases(scenarios: Iterable[LoadedScenario]) -> Iterable[tuple[LoadedScenario, Case]]:
    for s in scenarios:
        for c in s.cases:
            yield s, c
