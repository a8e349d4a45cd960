"""Loading ``rules/``: reading every rule file, checking it, and composing rule sets.

A *composition* is what one evaluation runs: the model's shared rule sets, one federal regime
and one local policy. Composing merges their definitions, outputs and rules, orders the rules
into strata (a rule that reads an answer runs after every rule that decides it) and works out
which rules are exceptions to which. Nothing here knows any law; it only reads the files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import InputError, Problem, RuleFileError, UnknownIdError, suggest
from ..safeio import limits
from ..safeio.validation import validate_document
from ..safeio.yamlsafe import LocatedDocument, format_path, load_yaml_file
from . import expressions as ex
from .enginelimits import EnginePart, check_fact_size, engine_parts, pieces
from .expressions import FactType, Node, Scope
from .rulefile import (
    Definition,
    Effective,
    GlossaryFile,
    GlossaryTerm,
    ModelFile,
    OutputDecl,
    Parameter,
    Rule,
    RuleSetFile,
    Source,
    SourcesFile,
    Verification,
    VocabularyFile,
    value_key,
)

ITEM_LISTS = ("convictions", "charges")
BOOKING_DATE = "case.booking_date"
RULE_FILE_SUFFIXES = (".yaml", ".yml")


def default_rules_dir() -> Path:
    """The rule files shipped with the package (or, in a source checkout, the top-level ``rules/``)."""
    packaged = resources.files("detainer_model") / "rules"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[3] / "rules"
    if checkout.is_dir():
        return checkout
    raise RuleFileError([Problem("rules/", None, "", "the rule files were not found in the package")])


# ---------------------------------------------------------------------------------------------
# Loaded pieces


@dataclass(frozen=True)
class LoadedRule:
    """A rule with its rule set, location, parsed condition and provenance."""

    rule: Rule
    ruleset: str
    file: str
    line: int | None
    condition: Node
    source: Source
    effective: Effective

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def summary(self) -> str:
        return self.rule.summary

    @property
    def verification(self) -> Verification:
        return self.rule.verification or self.source.verification

    @cached_property
    def reads(self) -> frozenset[str]:
        return frozenset(ex.refs(self.condition))

    @cached_property
    def predicate(self) -> Callable[[ex.Facts], bool]:
        return ex.python_predicate(self.condition)

    def cite(self) -> str:
        """``Title, pinpoint (verification)`` for explanation lines."""
        pin = f", {self.rule.pinpoint}" if self.rule.pinpoint else ""
        return f"{self.source.label}{pin} [{self.verification}]"


@dataclass(frozen=True)
class LoadedDefinition:
    """A derived fact with its parsed expression and type."""

    definition: Definition
    ruleset: str
    file: str
    line: int | None
    node: Node
    type: FactType
    source: Source

    @property
    def id(self) -> str:
        return self.definition.id

    @cached_property
    def reads(self) -> frozenset[str]:
        return frozenset(ex.refs(self.node))

    @cached_property
    def predicate(self) -> Callable[[ex.Facts], bool]:
        return ex.python_predicate(self.node)


@dataclass(frozen=True)
class RuleSet:
    """One rule file of kind ``ruleset``: a federal regime, a local policy, or a shared part."""

    meta: RuleSetFile
    file: str
    rules: tuple[LoadedRule, ...]
    definitions: tuple[LoadedDefinition, ...]

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def level(self) -> str:
        return self.meta.level

    @property
    def effective(self) -> Effective:
        return self.meta.effective

    @property
    def parameters(self) -> Mapping[str, Parameter]:
        return self.meta.parameters


@dataclass(frozen=True)
class Stratum:
    """Rules that can run together: each reads only answers decided in earlier strata."""

    index: int
    rules: tuple[LoadedRule, ...]
    fields: tuple[str, ...]  # answers that are settled once this stratum has run
    inputs: tuple[tuple[str, FactType], ...]  # names its rules read

    @cached_property
    def engine_conditions(self) -> dict[str, dict[str, Any]]:
        """``{rule id: durable_rules condition}``."""
        return {r.id: ex.engine_condition(r.condition) for r in self.rules}

    @cached_property
    def engine_name(self) -> str:
        """The engine ruleset's name (a stratum cut into several: a name for them all)."""
        parts = self.engine_parts
        if len(parts) == 1:
            return parts[0].name
        blob = json.dumps([p.name for p in parts] or self.engine_conditions, sort_keys=True)
        return "dm_" + hashlib.sha256(blob.encode()).hexdigest()[:20]

    @cached_property
    def engine_parts(self) -> tuple[EnginePart, ...]:
        """The stratum as engine rulesets, each within the engine's limits (usually just one)."""
        types = dict(self.inputs)
        return engine_parts(
            [
                (r.id, self.engine_conditions[r.id], tuple((n, types[n]) for n in sorted(r.reads)))
                for r in self.rules
            ]
        )


@dataclass
class Composition:
    """What one evaluation runs: shared rule sets, a federal regime and a local policy."""

    library: RuleLibrary
    regime: RuleSet
    local: RuleSet
    rulesets: tuple[RuleSet, ...]
    definitions: tuple[LoadedDefinition, ...]
    outputs: dict[str, OutputDecl]
    names: dict[str, FactType]
    strata: tuple[Stratum, ...]
    beats: dict[str, frozenset[str]]
    parameters: dict[str, tuple[RuleSet, Parameter]]
    requirements: dict[str, Node] = field(default_factory=dict)

    @cached_property
    def rules(self) -> dict[str, LoadedRule]:
        return {r.id: r for s in self.strata for r in s.rules}

    @cached_property
    def deciders(self) -> dict[str, tuple[LoadedRule, ...]]:
        """For each answer, the rules that can decide it."""
        out: dict[str, list[LoadedRule]] = {f: [] for f in self.outputs}
        for s in self.strata:
            for r in s.rules:
                for f in r.rule.then:
                    out[f].append(r)
        return {k: tuple(v) for k, v in out.items()}

    def param_values(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """Every parameter of the composition, with ``given`` values over the declared defaults."""
        values = {name: p.default for name, (_rs, p) in self.parameters.items()}
        for k, v in (given or {}).items():
            if k in values:
                values[k] = v
        return values


# ---------------------------------------------------------------------------------------------
# The library


@dataclass
class RuleLibrary:
    """Every rule file of one ``rules/`` folder, checked and ready to compose."""

    root: Path
    digest: str
    vocabulary: VocabularyFile
    sources: dict[str, Source]
    model: ModelFile
    rulesets: dict[str, RuleSet]
    _compositions: dict[tuple[str, str], Composition] = field(default_factory=dict, repr=False)
    glossary: dict[str, GlossaryTerm] = field(default_factory=dict)

    # catalogue ---------------------------------------------------------------------------------
    @property
    def regimes(self) -> list[str]:
        return sorted(k for k, v in self.rulesets.items() if v.level == "federal")

    @property
    def jurisdictions(self) -> list[str]:
        return sorted(k for k, v in self.rulesets.items() if v.level == "local")

    def ruleset(self, ruleset_id: str, level: str | None = None) -> RuleSet:
        """The rule set with this id (of this level, if given), or UnknownIdError."""
        pool = {k: v for k, v in self.rulesets.items() if level is None or v.level == level}
        if ruleset_id not in pool:
            what = {"federal": "regime", "local": "jurisdiction"}.get(level or "", "rule set")
            raise UnknownIdError(
                f"unknown {what} '{ruleset_id}'{suggest(ruleset_id, pool)}; known: {', '.join(sorted(pool))}"
            )
        return pool[ruleset_id]

    @cached_property
    def all_rules(self) -> dict[str, LoadedRule]:
        return {r.id: r for rs in self.rulesets.values() for r in rs.rules}

    def rule(self, rule_id: str) -> LoadedRule:
        if rule_id not in self.all_rules:
            raise UnknownIdError(f"unknown rule '{rule_id}'{suggest(rule_id, self.all_rules)}")
        return self.all_rules[rule_id]

    @cached_property
    def offense_kinds(self) -> tuple[str, ...]:
        return tuple(self.vocabulary.offense_kinds)

    def composition(self, regime: str, jurisdiction: str) -> Composition:
        """The compiled composition of the shared rule sets, ``regime`` and ``jurisdiction``."""
        key = (regime, jurisdiction)
        if key not in self._compositions:
            self._compositions[key] = _compose(
                self, self.ruleset(regime, "federal"), self.ruleset(jurisdiction, "local")
            )
        return self._compositions[key]

    # names an expression may read ------------------------------------------------------------
    @cached_property
    def base_names(self) -> dict[str, FactType]:
        v = self.vocabulary
        names: dict[str, FactType] = {}
        for prefix, decls in (("case", v.case_facts), ("person", v.person_facts), ("ice", v.ice_facts)):
            for name, decl in decls.items():
                names[f"{prefix}.{name}"] = self.fact_type(
                    decl.type, decl.values_from, decl.values, decl.nullable
                )
        return names

    def item_names(self, items: str) -> dict[str, FactType]:
        decls = self.vocabulary.conviction_facts if items == "convictions" else self.vocabulary.charge_facts
        return {n: self.fact_type(d.type, d.values_from, d.values, d.nullable) for n, d in decls.items()}

    def fact_type(
        self, kind: str, values_from: str | None, values: Iterable[Any] | None, nullable: bool
    ) -> FactType:
        vals: tuple[Any, ...] = tuple(values or ())
        if values_from:
            vals = tuple(getattr(self.vocabulary, values_from))
        return FactType(kind, vals, nullable)  # type: ignore[arg-type]

    @cached_property
    def model_output_names(self) -> dict[str, FactType]:
        return {k: output_type(v) for k, v in self.model.outputs.items()}


def plain_keys(decl: OutputDecl) -> list[str]:
    """The keys an answer's ``plain:`` map may (and, to be complete, should) have."""
    if decl.type == "bool":
        return ["true", "false"]
    keys = [value_key(v) for v in decl.values]
    if decl.nullable:
        keys.append("null")
    if decl.type == "set":
        keys.append("empty")
    return keys


def output_type(decl: OutputDecl) -> FactType:
    return FactType(decl.type, tuple(decl.values), decl.nullable)


def param_name(name: str) -> str:
    return f"param.{name}"


# ---------------------------------------------------------------------------------------------
# Loading

_cache: dict[tuple[str, str], RuleLibrary] = {}


def load_rules(path: str | Path | None = None, *, cache: bool = True) -> RuleLibrary:
    """Load and check every rule file under ``path`` (default: the rules shipped with the package).

    Raises RuleFileError with one located line per problem. A loaded library is kept for the next
    call with the same files unless ``cache`` is false (for one-off drafts, such as the web app's
    policy-lab edits, which would otherwise pile up).
    """
    root = Path(path) if path is not None else default_rules_dir()
    if not root.is_dir():
        raise RuleFileError([Problem(str(root), None, "", "is not a folder of rule files")])
    files = sorted(p for p in root.rglob("*") if p.suffix in RULE_FILE_SUFFIXES and p.is_file())
    digest = _digest(root, files)
    key = (str(root.resolve()), digest)
    if key in _cache:
        return _cache[key]
    lib = _Loader(root, files, digest).load()
    if cache:
        _cache[key] = lib
    return lib


def _digest(root: Path, files: list[Path]) -> str:
    # sizes come from stat before any file is read: a huge file is refused, never loaded
    most = limits.MAX_YAML_BYTES
    too_big = [
        Problem(_display(root, p), None, "", f"file is {size:,} bytes; the limit is {most:,}")
        for p in files
        if (size := p.stat().st_size) > most
    ]
    if too_big:
        raise RuleFileError(too_big)
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest()


def _display(root: Path, p: Path) -> str:
    try:
        return (Path(root.name) / p.relative_to(root)).as_posix()
    except ValueError:  # pragma: no cover
        return str(p)


class _Loader:
    def __init__(self, root: Path, files: list[Path], digest: str) -> None:
        self.root = root
        self.files = files
        self.digest = digest
        self.problems: list[Problem] = []

    def fail_if_problems(self) -> None:
        if self.problems:
            raise RuleFileError(self.problems)

    def problem(self, doc: LocatedDocument, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(doc.file, doc.line_of(path), format_path(path), message))

    def read(self) -> dict[str, list[tuple[LocatedDocument, Any]]]:
        models: dict[str, type[BaseModel]] = {
            "vocabulary": VocabularyFile,
            "sources": SourcesFile,
            "model": ModelFile,
            "ruleset": RuleSetFile,
            "glossary": GlossaryFile,
        }
        by_kind: dict[str, list[tuple[LocatedDocument, Any]]] = {}
        for p in self.files:
            try:
                doc = load_yaml_file(p, _display(self.root, p))
            except InputError as exc:
                self.problems.extend(exc.problems)
                continue
            kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
            if kind not in models:
                self.problem(
                    doc, ("kind",), f"'kind' must be one of {', '.join(models)}{suggest(str(kind), models)}"
                )
                continue
            value, problems = validate_document(models[kind], doc)
            self.problems.extend(problems)
            if value is not None:
                by_kind.setdefault(kind, []).append((doc, value))
        self.fail_if_problems()
        for kind in ("vocabulary", "sources", "model"):
            found = by_kind.get(kind, [])
            if len(found) != 1:
                where = ", ".join(d.file for d, _ in found) or str(self.root)
                self.problems.append(
                    Problem(
                        where, None, "kind", f"there must be exactly one '{kind}' file, found {len(found)}"
                    )
                )
        if len(by_kind.get("glossary", [])) > 1:
            where = ", ".join(d.file for d, _ in by_kind["glossary"])
            self.problems.append(Problem(where, None, "kind", "there may be at most one 'glossary' file"))
        self.fail_if_problems()
        return by_kind

    def load(self) -> RuleLibrary:
        by_kind = self.read()
        vocab_doc, vocab = by_kind["vocabulary"][0]
        sources: dict[str, Source] = dict(by_kind["sources"][0][1].sources)
        model_doc, model = by_kind["model"][0]
        lib = RuleLibrary(self.root, self.digest, vocab, sources, model, {})
        self.check_vocabulary(vocab_doc, vocab, sources)
        self.check_plain(model_doc, model.outputs, sources)
        for gdoc, gloss in by_kind.get("glossary", []):
            self.check_glossary(gdoc, gloss, sources)
            lib.glossary = dict(gloss.terms)
        docs: dict[str, tuple[LocatedDocument, RuleSetFile]] = {}
        for doc, rs in by_kind.get("ruleset", []):
            if rs.id in docs:
                self.problem(doc, ("id",), f"rule set id '{rs.id}' is also used in {docs[rs.id][0].file}")
            docs[rs.id] = (doc, rs)
        for i, sid in enumerate(model.shared):
            if sid not in docs:
                self.problem(model_doc, ("shared", i), f"unknown rule set '{sid}'{suggest(sid, docs)}")
            elif docs[sid][1].level != "shared":
                self.problem(model_doc, ("shared", i), f"'{sid}' is not a rule set of level 'shared'")
        for sid, (doc, rs) in docs.items():
            if rs.level == "shared" and sid not in model.shared:
                self.problem(
                    doc, ("level",), f"shared rule set '{sid}' is not listed in the model's 'shared'"
                )
        self.fail_if_problems()

        # Shared sets first, in the model's order: every later set may read what they define.
        shared_defs: dict[str, FactType] = {}
        shared_outputs: dict[str, OutputDecl] = dict(model.outputs)
        order = [*model.shared, *sorted(k for k in docs if k not in model.shared)]
        for sid in order:
            doc, rs = docs[sid]
            self.check_plain(doc, rs.outputs, lib.sources)
            base = {**lib.base_names, **{param_name(k): FactType(p.type) for k, p in rs.parameters.items()}}
            defs = self.definitions(lib, doc, rs, {**base, **shared_defs})
            if rs.level == "shared":
                shared_defs.update({d.id: d.type for d in defs})
                for k, o in rs.outputs.items():
                    self.check_output_name(doc, k, shared_outputs)
                    shared_outputs[k] = o
            else:
                for k in rs.outputs:
                    self.check_output_name(doc, k, shared_outputs)
            outputs = {**shared_outputs, **rs.outputs}
            names = {
                **base,
                **shared_defs,
                **{d.id: d.type for d in defs},
                **{k: output_type(o) for k, o in outputs.items()},
            }
            lib.rulesets[sid] = RuleSet(rs, doc.file, self.rules(lib, doc, rs, names, outputs), defs)
        self.fail_if_problems()
        self.check_rule_ids(lib, docs)
        self.fail_if_problems()
        # Compose every pairing once, so that cycles and clashes surface when the rules load.
        for regime in lib.regimes:
            for local in lib.jurisdictions:
                lib.composition(regime, local)
        return lib

    def check_plain(
        self, doc: LocatedDocument, outputs: Mapping[str, OutputDecl], sources: Mapping[str, Source]
    ) -> None:
        """Every key of an answer's ``plain:`` map must be one of its values (or ``empty`` for a set)."""
        for name, decl in outputs.items():
            for i, sid in enumerate(decl.sources):
                if sid not in sources:
                    self.problem(
                        doc, ("outputs", name, "sources", i), f"unknown source '{sid}'{suggest(sid, sources)}"
                    )
            known = plain_keys(decl)
            for key in decl.plain:
                if key not in known:
                    self.problem(
                        doc,
                        ("outputs", name, "plain", key),
                        f"'{key}' is not a value of '{name}'{suggest(key, known)}; "
                        f"known: {', '.join(known)}",
                    )

    def check_glossary(
        self, doc: LocatedDocument, gloss: GlossaryFile, sources: Mapping[str, Source]
    ) -> None:
        for tid, term in gloss.terms.items():
            if term.source not in sources:
                self.problem(
                    doc,
                    ("terms", tid, "source"),
                    f"unknown source '{term.source}'{suggest(term.source, sources)}",
                )
            for i, other in enumerate(term.see):
                if other not in gloss.terms:
                    self.problem(
                        doc, ("terms", tid, "see", i), f"unknown term '{other}'{suggest(other, gloss.terms)}"
                    )

    def check_output_name(self, doc: LocatedDocument, name: str, known: Mapping[str, OutputDecl]) -> None:
        if name in known:
            self.problem(doc, ("outputs", name), f"'{name}' is already an answer of the model")

    def check_vocabulary(
        self, doc: LocatedDocument, vocab: VocabularyFile, sources: Mapping[str, Source]
    ) -> None:
        for group in ("offense_kinds", "levels", "statuses", "removal_orders"):
            for name, term in getattr(vocab, group).items():
                if term.source not in sources:
                    self.problem(
                        doc,
                        (group, name, "source"),
                        f"unknown source '{term.source}'{suggest(term.source, sources)}",
                    )
        for group in ("case_facts", "person_facts", "conviction_facts", "charge_facts", "ice_facts"):
            for name, decl in getattr(vocab, group).items():
                if decl.source not in sources:
                    self.problem(
                        doc,
                        (group, name, "source"),
                        f"unknown source '{decl.source}'{suggest(decl.source, sources)}",
                    )
                if decl.type in ("enum", "set") and not (decl.values or decl.values_from):
                    self.problem(doc, (group, name), "an enum or set fact needs 'values' or 'values_from'")

    def source(self, lib: RuleLibrary, doc: LocatedDocument, path: tuple[Any, ...], sid: str) -> Source:
        if sid not in lib.sources:
            self.problem(doc, path, f"unknown source '{sid}'{suggest(sid, lib.sources)}")
            return Source(title=sid, reference="?", verification="unverified")
        return lib.sources[sid]

    def definitions(
        self, lib: RuleLibrary, doc: LocatedDocument, rs: RuleSetFile, outer: dict[str, FactType]
    ) -> tuple[LoadedDefinition, ...]:
        loaded: list[LoadedDefinition] = []
        names = dict(outer)
        for i, d in enumerate(rs.definitions):
            path: tuple[Any, ...] = ("definitions", i)
            src = self.source(lib, doc, (*path, "source"), d.source)
            if d.id in names or d.id in lib.model.outputs:
                self.problem(doc, (*path, "id"), f"'{d.id}' is already a name the rules can read")
                continue
            try:
                if d.expr is not None:
                    node = ex.parse(d.expr, Scope(names, allow_ifelse=True))
                    ftype = FactType("bool")
                else:
                    items = d.count or d.any or "convictions"
                    item_names = lib.item_names(items)
                    clash = sorted(set(item_names) & set(names))
                    if clash:
                        raise ex.ExpressionError(f"'{clash[0]}' is both a definition and an item field")
                    scope = Scope({**names, **item_names}, booking_ref=BOOKING_DATE)
                    node = ex.parse(d.where, scope) if d.where else _ALWAYS
                    if d.distinct is not None and d.distinct not in item_names:
                        raise ex.ExpressionError(
                            f"'distinct' names unknown field '{d.distinct}'{suggest(d.distinct, item_names)}"
                        )
                    ftype = FactType("int") if d.count else FactType("bool")
            except ex.ExpressionError as exc:
                self.problem(doc, (*path, "expr" if d.expr is not None else "where"), str(exc))
                continue
            loaded.append(LoadedDefinition(d, rs.id, doc.file, doc.line_of(path), node, ftype, src))
            names[d.id] = ftype
        return tuple(loaded)

    def rules(
        self,
        lib: RuleLibrary,
        doc: LocatedDocument,
        rs: RuleSetFile,
        names: dict[str, FactType],
        outputs: Mapping[str, OutputDecl],
    ) -> tuple[LoadedRule, ...]:
        for name, param in rs.parameters.items():
            self.source(lib, doc, ("parameters", name, "source"), param.source)
            if type(param.default) is not (bool if param.type == "bool" else int):
                self.problem(doc, ("parameters", name, "default"), f"default must be of type {param.type}")
        for i, sid in enumerate(rs.sources):
            self.source(lib, doc, ("sources", i), sid)
        loaded: list[LoadedRule] = []
        for i, r in enumerate(rs.rules):
            path: tuple[Any, ...] = ("rules", i)
            src = self.source(lib, doc, (*path, "source"), r.source)
            try:
                node = ex.parse(r.when, Scope(names))
                pieces(ex.engine_condition(node))
                check_fact_size((n, names[n]) for n in sorted(ex.refs(node)))
            except ex.ExpressionError as exc:
                self.problem(doc, (*path, "when"), str(exc))
                continue
            for fname, value in r.then.items():
                if fname not in outputs:
                    self.problem(
                        doc,
                        (*path, "then", fname),
                        f"'{fname}' is not an answer the rules decide{suggest(fname, outputs)}",
                    )
                    continue
                msg = _check_value(outputs[fname], value)
                if msg:
                    self.problem(doc, (*path, "then", fname), msg)
            loaded.append(
                LoadedRule(r, rs.id, doc.file, doc.line_of(path), node, src, r.effective or rs.effective)
            )
        return tuple(loaded)

    def check_rule_ids(
        self, lib: RuleLibrary, docs: Mapping[str, tuple[LocatedDocument, RuleSetFile]]
    ) -> None:
        seen: dict[str, str] = {}
        for rs in lib.rulesets.values():
            doc = docs[rs.id][0]
            for i, r in enumerate(rs.meta.rules):
                if r.id in seen:
                    self.problem(doc, ("rules", i, "id"), f"rule id '{r.id}' is also used in {seen[r.id]}")
                seen[r.id] = rs.file
        for rs in lib.rulesets.values():
            doc = docs[rs.id][0]
            for i, r in enumerate(rs.meta.rules):
                for target in r.exception_to:
                    if target not in seen:
                        self.problem(
                            doc,
                            ("rules", i, "exception_to"),
                            f"unknown rule '{target}'{suggest(target, seen)}",
                        )


_ALWAYS: Node = ex.Given(ex.Ref(BOOKING_DATE, FactType("date")))


def _check_value(decl: OutputDecl, value: Any) -> str | None:
    if decl.type == "bool":
        return None if type(value) is bool else f"must be true or false, not {value!r}"
    options = list(decl.values)
    values = value if decl.type == "set" and isinstance(value, list) else [value]
    for v in values:
        if v is None and decl.nullable:
            continue
        if v not in options or type(v) is bool:
            return f"{v!r} is not one of {', '.join(map(repr, options))}{suggest(str(v), map(str, options))}"
    return None


# ---------------------------------------------------------------------------------------------
# Composing


def _compose(lib: RuleLibrary, regime: RuleSet, local: RuleSet) -> Composition:
    rulesets = (*(lib.rulesets[s] for s in lib.model.shared), regime, local)
    problems: list[Problem] = []
    outputs: dict[str, OutputDecl] = dict(lib.model.outputs)
    names: dict[str, FactType] = dict(lib.base_names)
    params: dict[str, tuple[RuleSet, Parameter]] = {}
    defs: list[LoadedDefinition] = []
    owner: dict[str, str] = {}
    for rs in rulesets:
        for k, o in rs.meta.outputs.items():
            if k in outputs and k in owner:
                problems.append(
                    Problem(rs.file, None, f"outputs.{k}", f"'{k}' is also an answer declared by {owner[k]}")
                )
            outputs[k] = o
            owner[k] = rs.file
        for k, p in rs.parameters.items():
            if k in params:
                problems.append(
                    Problem(
                        rs.file,
                        None,
                        f"parameters.{k}",
                        f"parameter '{k}' is also declared by {params[k][0].file}",
                    )
                )
            params[k] = (rs, p)
            names[param_name(k)] = FactType(p.type)
        for d in rs.definitions:
            if d.id in owner:
                problems.append(
                    Problem(
                        rs.file, d.line, f"definitions.{d.id}", f"'{d.id}' is also defined by {owner[d.id]}"
                    )
                )
            owner[d.id] = rs.file
            defs.append(d)
            names[d.id] = d.type
    names.update({k: output_type(o) for k, o in outputs.items()})
    problems.extend(
        Problem(f"{regime.file} + {local.file}", None, "", msg) for msg in ex.check_engine_keys(names)
    )
    if problems:
        raise RuleFileError(problems)
    requirements: dict[str, Node] = {}
    for k, o in outputs.items():
        if o.required_when:
            try:
                requirements[k] = ex.parse(o.required_when, Scope(names))
            except ex.ExpressionError as exc:
                problems.append(Problem(owner.get(k, "model"), None, f"outputs.{k}.required_when", str(exc)))
    if problems:
        raise RuleFileError(problems)
    rules = [r for rs in rulesets for r in rs.rules]
    strata = _stratify(rules, outputs, names)
    beats = _precedence(rules)
    return Composition(
        lib,
        regime,
        local,
        rulesets,
        _order_definitions(defs),
        outputs,
        names,
        strata,
        beats,
        params,
        requirements,
    )


def _order_definitions(defs: list[LoadedDefinition]) -> tuple[LoadedDefinition, ...]:
    by_id = {d.id: d for d in defs}
    done: list[LoadedDefinition] = []
    state: dict[str, int] = {}

    def visit(d: LoadedDefinition, trail: list[str]) -> None:
        if state.get(d.id) == 2:
            return
        if state.get(d.id) == 1:
            cycle = " -> ".join([*trail[trail.index(d.id) :], d.id])
            raise RuleFileError(
                [
                    Problem(
                        d.file,
                        d.line,
                        f"definitions.{d.id}",
                        f"definitions depend on each other in a cycle: {cycle}",
                    )
                ]
            )
        state[d.id] = 1
        for name in sorted(d.reads):
            if name in by_id:
                visit(by_id[name], [*trail, d.id])
        state[d.id] = 2
        done.append(d)

    for d in defs:
        visit(d, [])
    return tuple(done)


def _stratify(
    rules: list[LoadedRule], outputs: Mapping[str, OutputDecl], names: Mapping[str, FactType]
) -> tuple[Stratum, ...]:
    """Order rules so that a rule runs only after every answer it reads is settled.

    Every rule that decides an answer runs in the one stratum where that answer is settled (so a
    rule that reads only case facts is never settled apart from the other rules deciding its
    answer, which would drop it). Rules that decide a common answer therefore share a stratum, and
    a rule runs in a later stratum than every rule deciding an answer it reads; when both cannot
    hold, the rules depend on each other in a cycle, which is refused naming them. The walk is
    iterative, so a long chain of answers cannot exhaust Python's recursion limit.
    """
    deciders: dict[str, list[int]] = {}
    for i, r in enumerate(rules):
        for f in r.rule.then:
            deciders.setdefault(f, []).append(i)
    # Edges: (target, strict). Strict: "runs after"; not strict: "runs in the same stratum as".
    edges: list[list[tuple[int, bool, str]]] = [[] for _ in rules]
    for i, r in enumerate(rules):
        for f in sorted(r.reads):
            if f in outputs:
                edges[i].extend((d, True, f) for d in deciders.get(f, ()))
        for f in r.rule.then:
            edges[i].extend((d, False, f) for d in deciders[f] if d != i)
    comp_of = _components(len(rules), edges)
    for i, r in enumerate(rules):
        for d, strict, f in edges[i]:
            if strict and comp_of[d] == comp_of[i]:
                why = _cycle(rules, edges, comp_of, i, d, f)
                raise RuleFileError([Problem(r.file, r.line, f"rules.{r.id}", why)])
    # Components come out of Tarjan's walk with every dependency before its dependants.
    n_comp = max(comp_of, default=-1) + 1
    members: list[list[int]] = [[] for _ in range(n_comp)]
    for i, c in enumerate(comp_of):
        members[c].append(i)
    comp_level = [0] * n_comp
    for c in range(n_comp):
        comp_level[c] = max(
            (comp_level[comp_of[d]] + 1 for i in members[c] for d, strict, _f in edges[i] if strict),
            default=0,
        )
    rule_level = {r.id: comp_level[comp_of[i]] for i, r in enumerate(rules)}
    field_level = {f: comp_level[comp_of[ds[0]]] for f, ds in deciders.items()}
    top = max(rule_level.values(), default=-1)
    strata: list[Stratum] = []
    for lvl in range(top + 1):
        in_level = tuple(r for r in rules if rule_level[r.id] == lvl)
        settled = tuple(f for f in outputs if field_level.get(f, -1) == lvl)
        reads = sorted({n for r in in_level for n in r.reads})
        strata.append(Stratum(lvl, in_level, settled, tuple((n, names[n]) for n in reads)))
    undecided = tuple(f for f in outputs if field_level.get(f, -1) == -1)
    if undecided and strata:
        first = strata[0]
        strata[0] = Stratum(first.index, first.rules, (*undecided, *first.fields), first.inputs)
    return tuple(strata)


def _components(n: int, edges: list[list[tuple[int, bool, str]]]) -> list[int]:
    """Strongly connected components (Tarjan, iteratively): a component number per node.

    Components are numbered so that every component a node's edges reach comes first.
    """
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    comp = [-1] * n
    counter = 0
    n_comp = 0
    for root in range(n):
        if index[root] != -1:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        while work:
            v, k = work.pop()
            if k == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack[v] = True
            else:
                w = edges[v][k - 1][0]
                low[v] = min(low[v], low[w])
            while k < len(edges[v]):
                w = edges[v][k][0]
                k += 1
                if index[w] == -1:
                    work.append((v, k))
                    work.append((w, 0))
                    break
                if on_stack[w]:
                    low[v] = min(low[v], index[w])
            else:
                if low[v] == index[v]:
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        comp[w] = n_comp
                        if w == v:
                            break
                    n_comp += 1
    return comp


def _cycle(
    rules: list[LoadedRule],
    edges: list[list[tuple[int, bool, str]]],
    comp_of: list[int],
    start: int,
    dep: int,
    field_read: str,
) -> str:
    """Words for a cycle through ``start``, which reads ``field_read`` that ``dep`` decides."""
    path: list[tuple[int, int, bool, str]] = [(start, dep, True, field_read)]
    if dep != start:
        back: dict[int, tuple[int, bool, str]] = {}
        queue = deque([dep])
        while queue and start not in back:
            v = queue.popleft()
            for w, strict, f in edges[v]:
                if comp_of[w] == comp_of[start] and w not in back and w != dep:
                    back[w] = (v, strict, f)
                    queue.append(w)
        tail: list[tuple[int, int, bool, str]] = []
        node = start
        while node != dep:
            prev, strict, f = back[node]
            tail.append((prev, node, strict, f))
            node = prev
        path.extend(reversed(tail))
    steps = [
        f"'{rules[a].id}' reads '{f}', which '{rules[b].id}' decides"
        if strict
        else f"'{rules[a].id}' decides '{f}', as '{rules[b].id}' does"
        for a, b, strict, f in path
    ]
    return (
        "rules depend on each other's answers in a cycle (a rule runs after the rules deciding what"
        " it reads, and with the other rules deciding its answers): " + "; ".join(steps)
    )


def _precedence(rules: list[LoadedRule]) -> dict[str, frozenset[str]]:
    """For each rule, every rule it beats: its exception_to targets, transitively."""
    direct = {r.id: set(r.rule.exception_to) for r in rules}
    beats: dict[str, frozenset[str]] = {}
    for rid in direct:
        seen: set[str] = set()
        stack = list(direct[rid])
        while stack:
            t = stack.pop()
            if t in seen:
                continue
            seen.add(t)
            stack.extend(direct.get(t, ()))
        if rid in seen:
            r = next(x for x in rules if x.id == rid)
            raise RuleFileError(
                [
                    Problem(
                        r.file,
                        r.line,
                        f"rules.{rid}.exception_to",
                        f"'{rid}' is, through exception_to, an exception to itself",
                    )
                ]
            )
        beats[rid] = frozenset(seen)
    return beats


def booking_outside(effective: Effective, day: dt.date) -> bool:
    return not effective.contains(day)
