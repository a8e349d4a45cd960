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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import InputError, Problem, RuleFileError, UnknownIdError, suggest
from ..safeio import limits, parsecache
from ..safeio.validation import validate_document
from ..safeio.yamlsafe import LocatedDocument, format_path, load_yaml_file
from . import expressions as ex
from .enginelimits import EnginePart, check_fact_size, engine_parts, weighted_pieces
from .expressions import FactType, Node, Scope
from .rulefile import (
    Definition,
    Effective,
    GlossaryFile,
    GlossaryTerm,
    ModelFile,
    OutputDecl,
    Parameter,
    PlaceDecl,
    PlacesFile,
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
READING_SEPARATOR = ":"
AUTO = "auto"  # the regime in force on the booking date


def split_ref(ref: str) -> tuple[str, str | None]:
    """``"pep:as-written"`` -> ``("pep", "as-written")``; ``"pep"`` -> ``("pep", None)``."""
    rid, sep, reading = ref.partition(READING_SEPARATOR)
    return rid, (reading if sep else None)


def join_ref(ruleset_id: str, reading: str | None) -> str:
    """``("pep", "as-written")`` -> ``"pep:as-written"``; without a reading, the id alone."""
    return f"{ruleset_id}{READING_SEPARATOR}{reading}" if reading else ruleset_id


def default_rules_dir() -> Path:
    """The rule files shipped with the package (or, in a source checkout, the top-level ``rules/``)."""
    # The package's own folder, found from this file: importlib.resources would say the same for
    # a package installed as files, and costs the start of every command its imports.
    here = Path(__file__).resolve().parents[1]
    packaged = here / "rules"
    if packaged.is_dir():
        return packaged
    checkout = here.parents[1] / "rules"
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

    @cached_property
    def id(self) -> str:
        return self.rule.id

    @property
    def summary(self) -> str:
        return self.rule.summary

    @property
    def verification(self) -> Verification:
        return self.rule.verification or self.source.verification

    @property
    def readings(self) -> tuple[str, ...]:
        """The readings under which this rule exists (empty: every reading)."""
        return tuple(self.rule.readings)

    def in_reading(self, reading: str | None) -> bool:
        return not self.rule.readings or reading in self.rule.readings

    @cached_property
    def reads(self) -> frozenset[str]:
        return frozenset(ex.refs(self.condition))

    @cached_property
    def predicate(self) -> Callable[[ex.Facts], bool]:
        return ex.python_predicate(self.condition)

    @cached_property
    def engine_condition(self) -> dict[str, Any]:
        """The condition as durable_rules takes it (worked out once, for every stratum holding the rule)."""
        return ex.engine_condition(self.condition)

    @cached_property
    def engine_pieces(self) -> list[tuple[dict[str, Any], int]]:
        """The engine conditions the condition is cut into, each with its number of alternatives."""
        return weighted_pieces(self.engine_condition)

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

    @cached_property
    def id(self) -> str:
        return self.definition.id

    @property
    def readings(self) -> tuple[str, ...]:
        """The readings under which this definition exists (empty: every reading)."""
        return tuple(self.definition.readings)

    def in_reading(self, reading: str | None) -> bool:
        return not self.definition.readings or reading in self.definition.readings

    @cached_property
    def reads(self) -> frozenset[str]:
        return frozenset(ex.refs(self.node))

    @cached_property
    def read_order(self) -> tuple[str, ...]:
        """The names it reads, sorted (item fields included)."""
        return tuple(sorted(self.reads))

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

    @property
    def readings(self) -> tuple[str, ...]:
        """The names of this rule set's readings (empty when it has none)."""
        return tuple(self.meta.readings.options) if self.meta.readings else ()

    @property
    def default_reading(self) -> str | None:
        return self.meta.readings.default if self.meta.readings else None

    def reading(self, name: str | None) -> str | None:
        """The reading ``name`` (checked), or the default when ``name`` is None."""
        if name is None:
            return self.default_reading
        if name not in self.readings:
            if not self.readings:
                raise UnknownIdError(f"'{self.id}' has no readings, so '{self.id}:{name}' names nothing")
            raise UnknownIdError(
                f"unknown reading '{name}' of '{self.id}'{suggest(name, self.readings)}; "
                f"known: {', '.join(join_ref(self.id, r) for r in self.readings)}"
            )
        return name

    @property
    def refs(self) -> tuple[str, ...]:
        """Every ``ID:READING`` of this rule set (just ``ID`` when it has no readings)."""
        return tuple(join_ref(self.id, r) for r in self.readings) or (self.id,)


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
        return {r.id: r.engine_condition for r in self.rules}

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
            [(r.id, r.engine_pieces, tuple((n, types[n]) for n in sorted(r.reads))) for r in self.rules]
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
    regime_reading: str | None = None
    local_reading: str | None = None
    # What the evaluator precomputes once per composition (read orders, sharing keys, warnings
    # that do not depend on the case); it lives and dies with the composition.
    plans: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def regime_ref(self) -> str:
        """``pep:as-practised``: the regime and the reading used (the id alone if it has none)."""
        return join_ref(self.regime.id, self.regime_reading)

    @property
    def local_ref(self) -> str:
        return join_ref(self.local.id, self.local_reading)

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
    places: dict[str, PlaceDecl] = field(default_factory=dict)
    _compositions: dict[tuple[str, str | None, str, str | None], Composition] = field(
        default_factory=dict, repr=False
    )
    glossary: dict[str, GlossaryTerm] = field(default_factory=dict)
    _strata: dict[tuple[Any, ...], Stratum] = field(default_factory=dict, repr=False)
    _by_ref: dict[tuple[str, str], Composition] = field(default_factory=dict, repr=False)
    _derived: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)
    # These very files were composed whole before, by this very code (the mark in the cache):
    # every composition passed the checks that depend on nothing but the files, which are
    # then not made again.
    composed_whole: bool = field(default=False, repr=False)

    def derived(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """``make()``, worked out once per ``key`` for this library (what composing works out
        from a set of rules or names alone); an exception is raised each time, never kept."""
        try:
            return self._derived[key]
        except KeyError:
            made = self._derived[key] = make()
            return made

    def derived_id(self, value: tuple[Any, ...]) -> int:
        """A small number standing for ``value`` in keys of :meth:`derived` (hashed once, here)."""
        return self._derived.setdefault(("id", value), len(self._derived))  # type: ignore[no-any-return]

    # catalogue ---------------------------------------------------------------------------------
    @property
    def regimes(self) -> list[str]:
        return sorted(k for k, v in self.rulesets.items() if v.level == "federal")

    @property
    def jurisdictions(self) -> list[str]:
        return sorted(k for k, v in self.rulesets.items() if v.level == "local")

    @property
    def place_ids(self) -> list[str]:
        """Every place with a history (rules/places.yaml), sorted."""
        return sorted(self.places)

    @property
    def local_ids(self) -> list[str]:
        """Everything a case may name as its jurisdiction: a place, or one pinned version."""
        return sorted({*self.places, *self.jurisdictions})

    @property
    def local_refs(self) -> list[str]:
        """Every local id a batch row may name: places and versions, and each with a reading it has."""
        out = set(self.local_ids)
        out.update(join_ref(p, r) for p in self.places for r in self.place_readings(p))
        out.update(ref for j in self.jurisdictions for ref in self.rulesets[j].refs)
        return sorted(out)

    def place(self, place_id: str) -> PlaceDecl:
        if place_id not in self.places:
            raise UnknownIdError(
                f"unknown place '{place_id}'{suggest(place_id, self.places)}; "
                f"known: {', '.join(self.place_ids)}"
            )
        return self.places[place_id]

    def place_chain(self, place_id: str) -> tuple[str, ...]:
        """The place and every place containing it, outermost (the state) first."""
        chain = [place_id]
        while (parent := self.place(chain[-1]).parent) is not None:
            chain.append(parent)
        return tuple(reversed(chain))

    def version_in_force(self, place_id: str, day: dt.date) -> RuleSet | None:
        """The version of the place's policy in force on ``day``, or None (no policy of its own)."""
        for vid in self.place(place_id).versions:
            rs = self.rulesets[vid]
            if rs.effective.contains(day):
                return rs
        return None

    def check_local(self, ref: str) -> None:
        """Raise UnknownIdError unless ``ref`` is a place or a local rule set (a pinned version),
        with a reading they declare if it names one (``california:as-written``)."""
        local_id, reading = split_ref(ref)
        if local_id in self.places:
            self.check_place_reading(local_id, reading)
            return
        if local_id not in self.jurisdictions:
            raise UnknownIdError(
                f"unknown jurisdiction '{local_id}'{suggest(local_id, self.local_ids)}; "
                f"known places: {', '.join(self.place_ids)}; known versions: {', '.join(self.jurisdictions)}"
            )
        self.ruleset(ref, "local")

    def place_readings(self, place_id: str) -> tuple[str, ...]:
        """Every reading declared by a version of the place or of a place containing it."""
        out: dict[str, None] = {}
        for p in self.place_chain(place_id):
            for v in self.place(p).versions:
                out.update(dict.fromkeys(self.rulesets[v].readings))
        return tuple(out)

    def check_place_reading(self, place_id: str, reading: str | None) -> None:
        """A reading named with a place must be declared by one of its layers' versions."""
        known = self.place_readings(place_id)
        if reading is not None and reading not in known:
            listed = ", ".join(join_ref(place_id, r) for r in known) or "none (no layer declares readings)"
            raise UnknownIdError(
                f"unknown reading '{reading}' of place '{place_id}'{suggest(reading, known)}; known: {listed}"
            )

    def local_title(self, ref: str) -> str:
        """A local policy's title (``ID`` or ``ID:READING``); for a place, its name and that its
        policies are the ones in force on the booking date, with the reading where one is named."""
        base, reading = split_ref(ref)
        if base in self.places:
            read = f" (read {reading})" if reading else ""
            return f"{self.place(base).name}: the policies in force on the booking date{read}"
        return self.ruleset(ref, "local").title

    def parameters_of(self, local_id: str) -> dict[str, Parameter]:
        """The parameters a case may set for a pinned version, or for a place (any of its layers);
        ``ID:READING`` as well as ``ID``."""
        base, _reading = split_ref(local_id)
        if base not in self.places:
            return dict(self.ruleset(local_id, "local").parameters)
        out: dict[str, Parameter] = {}
        for p in self.place_chain(base):
            for v in self.places[p].versions:
                out.update(self.rulesets[v].parameters)
        return out

    @cached_property
    def place_of_version(self) -> dict[str, str]:
        """For each rule set that is a version of a place, that place."""
        return {v: pid for pid, p in self.places.items() for v in p.versions}

    def ruleset(self, ruleset_id: str, level: str | None = None) -> RuleSet:
        """The rule set with this id (of this level, if given), or UnknownIdError.

        ``ID:READING`` is accepted too: the reading is checked, and the rule set returned.
        """
        return self.resolve(ruleset_id, level)[0]

    def resolve(self, ref: str, level: str | None = None) -> tuple[RuleSet, str | None]:
        """The rule set and reading that ``ID`` or ``ID:READING`` names (the default reading for ``ID``)."""
        ruleset_id, reading = split_ref(ref)
        rs = self._ruleset(ruleset_id, level)
        return rs, rs.reading(reading)

    def era(self, day: dt.date) -> RuleSet:
        """The federal regime in force on ``day``; UnknownIdError (naming the eras) when none is."""
        found = [self.rulesets[r] for r in self.regimes if self.rulesets[r].effective.contains(day)]
        if len(found) == 1:
            return found[0]
        eras = "; ".join(f"{r}: {self.rulesets[r].effective.describe()}" for r in self.regimes)
        if not found:
            raise UnknownIdError(
                f"--regime auto: no federal regime was in force on {day.isoformat()} (the eras are {eras}); "
                "name a regime to evaluate the case as a hypothetical"
            )
        both = " and ".join(rs.id for rs in found)
        raise UnknownIdError(f"--regime auto: {both} were both in force on {day.isoformat()}")

    def resolve_regime(self, ref: str, day: dt.date) -> str:
        """``ref`` itself; for ``auto`` (``auto:READING``), the era in force on ``day`` (that reading)."""
        rid, reading = split_ref(ref)
        if rid != AUTO:
            return ref
        return self.era_ref(self.era(day), reading)

    def era_ref(self, era: RuleSet, reading: str | None) -> str:
        """An era under ``auto:READING``: that reading where the era offers it. An era without it
        (the 2014-15 interim has no readings) has one set of rules, which apply as they are."""
        return join_ref(era.id, reading if reading in era.readings else None)

    def check_regime(self, ref: str) -> str:
        """``ref`` checked as a regime (``auto`` accepted), written as results label it."""
        rid, reading = split_ref(ref)
        if rid == AUTO:
            offered = sorted({x for r in self.regimes for x in self.rulesets[r].readings})
            if reading is not None and reading not in offered:
                raise UnknownIdError(
                    f"no era has a reading '{reading}'{suggest(reading, offered)} "
                    f"(readings: {', '.join(offered)})"
                )
            return ref
        return self.label(ref, "federal")

    def label(self, ref: str, level: str | None = None) -> str:
        """``ref`` checked and written as results label it: ``pep`` for the default reading,
        ``pep:as-written`` for another."""
        rs, reading = self.resolve(ref, level)
        return rs.id if reading == rs.default_reading else join_ref(rs.id, reading)

    def refs(self, level: str) -> list[str]:
        """Every rule set id of ``level`` and every ``ID:READING`` of those that have readings."""
        out: list[str] = []
        for rid in sorted(k for k, v in self.rulesets.items() if v.level == level):
            rs = self.rulesets[rid]
            out.extend([rid, *rs.refs] if rs.readings else [rid])
        return out

    def _ruleset(self, ruleset_id: str, level: str | None = None) -> RuleSet:
        found = self.rulesets.get(ruleset_id)
        if found is not None and (level is None or found.level == level):
            return found
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
        """The compiled composition of the shared rule sets, ``regime`` and ``jurisdiction``.

        Either may be ``ID:READING``; without a reading, a rule set's default reading is used.
        """
        found = self._by_ref.get((regime, jurisdiction))
        if found is not None:
            return found
        fed, fed_reading = self.resolve(regime, "federal")
        loc, loc_reading = self.resolve(jurisdiction, "local")
        key = (fed.id, fed_reading, loc.id, loc_reading)
        if key not in self._compositions:
            self._compositions[key] = _compose(self, fed, loc, fed_reading, loc_reading)
        self._by_ref[(regime, jurisdiction)] = self._compositions[key]
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
        return dict(self._item_names["convictions" if items == "convictions" else "charges"])

    @cached_property
    def _item_names(self) -> dict[str, dict[str, FactType]]:
        v = self.vocabulary
        return {
            items: {n: self.fact_type(d.type, d.values_from, d.values, d.nullable) for n, d in decls.items()}
            for items, decls in (("convictions", v.conviction_facts), ("charges", v.charge_facts))
        }

    def fact_type(
        self, kind: str, values_from: str | None, values: Iterable[Any] | None, nullable: bool
    ) -> FactType:
        vals: tuple[Any, ...] = tuple(values or ())
        if values_from:
            vals = tuple(getattr(self.vocabulary, values_from))
        return FactType(kind, vals, nullable)  # type: ignore[arg-type]

    @cached_property
    def reported_outputs(self) -> dict[str, OutputDecl]:
        """The model's answers that results report (those an ``expect`` block may name)."""
        return {k: v for k, v in self.model.outputs.items() if v.report}

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


CHECKED_MARK = "rules-composed"


def _checked_mark(digest: str) -> str:
    """The mark of a library whose every composition was made: the digest of its files and of
    the code that reads, checks and composes them (this package's rulebook and safeio modules)."""
    h = hashlib.sha256(digest.encode())
    for folder in (Path(__file__).parent, Path(parsecache.__file__).parent):
        for source in sorted(folder.glob("*.py")):
            h.update(source.name.encode() + b"\0" + source.read_bytes())
    return h.hexdigest()


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
            "places": PlacesFile,
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
        self.check_places(lib, by_kind.get("places", []))
        self.check_readings(lib, docs)
        self.fail_if_problems()
        # Compose every pairing once, so that cycles and clashes surface when the rules load; a
        # library composed whole before (the same files, the same code) is marked as such in the
        # cache, and then composes each pairing when it is first used (a fifth of a second saved).
        mark = _checked_mark(self.digest)
        lib.composed_whole = parsecache.has_mark(CHECKED_MARK, mark)
        if not lib.composed_whole:
            for regime in lib.regimes:
                for local in lib.jurisdictions:
                    for fed_ref in lib.rulesets[regime].refs:
                        for loc_ref in lib.rulesets[local].refs:
                            lib.composition(fed_ref, loc_ref)
            parsecache.set_mark(CHECKED_MARK, mark)
        return lib

    def check_places(self, lib: RuleLibrary, found: list[tuple[LocatedDocument, Any]]) -> None:
        """Places: at most one file; known parents without cycles; versions dated and in order."""
        if len(found) > 1:
            where = ", ".join(d.file for d, _ in found)
            self.problems.append(Problem(where, None, "kind", "there must be at most one 'places' file"))
            return
        layering = lib.model.layering
        if layering is not None:
            fb = layering.fallback
            if fb not in lib.rulesets or lib.rulesets[fb].level != "local":
                self.problems.append(
                    Problem("model", None, "layering.fallback", f"'{fb}' is not a local rule set")
                )
        if not found:
            return
        doc, pf = found[0]
        for pid, place in pf.places.items():
            at: tuple[Any, ...] = ("places", pid)
            if pid in lib.rulesets:
                self.problem(doc, at, f"place id '{pid}' is also a rule set id; a place needs its own name")
            if place.parent is not None and place.parent not in pf.places:
                self.problem(
                    doc, (*at, "parent"), f"unknown place '{place.parent}'{suggest(place.parent, pf.places)}"
                )
            seen, cur = {pid}, place.parent
            while cur is not None and cur in pf.places:
                if cur in seen:
                    self.problem(doc, (*at, "parent"), f"'{pid}' is, through its parents, inside itself")
                    break
                seen.add(cur)
                cur = pf.places[cur].parent
            previous: RuleSet | None = None
            for i, vid in enumerate(place.versions):
                vat = (*at, "versions", i)
                if vid not in lib.rulesets or lib.rulesets[vid].level != "local":
                    self.problem(doc, vat, f"unknown local rule set '{vid}'{suggest(vid, lib.jurisdictions)}")
                    continue
                rs = lib.rulesets[vid]
                if rs.effective.from_ is None:
                    self.problem(doc, vat, f"version '{vid}' needs an 'effective: from' date")
                    continue
                if previous is not None:
                    end = previous.effective.to
                    if end is None or end >= rs.effective.from_:
                        self.problem(
                            doc,
                            vat,
                            f"version '{vid}' starts {rs.effective.from_.isoformat()}, before "
                            f"'{previous.id}' ends ({previous.effective.describe()})",
                        )
                previous = rs
        owners: dict[str, str] = {}
        for pid, place in pf.places.items():
            for i, vid in enumerate(place.versions):
                if vid in owners:
                    self.problem(
                        doc,
                        ("places", pid, "versions", i),
                        f"'{vid}' is already a version of '{owners[vid]}'",
                    )
                owners[vid] = pid
        lib.places.update(pf.places)

    def check_readings(
        self, lib: RuleLibrary, docs: Mapping[str, tuple[LocatedDocument, RuleSetFile]]
    ) -> None:
        """Readings named by rules and definitions must be the rule set's own; their sources known."""
        for sid, (doc, rs) in docs.items():
            known = tuple(rs.readings.options) if rs.readings else ()
            if rs.readings:
                if rs.level == "shared":
                    self.problem(doc, ("readings",), "a shared rule set cannot have readings")
                for name, reading in rs.readings.options.items():
                    for i, src in enumerate(reading.sources):
                        self.source(lib, doc, ("readings", "options", name, "sources", i), src)
            for group in ("rules", "definitions"):
                for i, item in enumerate(getattr(rs, group)):
                    for j, name in enumerate(item.readings):
                        if not known:
                            self.problem(
                                doc,
                                (group, i, "readings", j),
                                f"'{sid}' declares no readings, so '{name}' names nothing; "
                                "declare 'readings:' at the top of the file",
                            )
                        elif name not in known:
                            self.problem(
                                doc,
                                (group, i, "readings", j),
                                f"unknown reading '{name}'{suggest(name, known)}; known: {', '.join(known)}",
                            )

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
                        f"'{key}' is not a value of '{name}'{suggest(key, known)}; known: {', '.join(known)}",
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
        for i, c in enumerate(vocab.offense_constraints):
            for path, name, pool in (
                (("offense",), c.offense, vocab.offense_kinds),
                *((("not_with", j), k, vocab.offense_kinds) for j, k in enumerate(c.not_with)),
                *((("not_at_levels", j), k, vocab.levels) for j, k in enumerate(c.not_at_levels)),
                (("source",), c.source, sources),
            ):
                if name not in pool:
                    self.problem(
                        doc, ("offense_constraints", i, *path), f"unknown '{name}'{suggest(name, pool)}"
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
            return Source(title=sid, verification="unverified")
        return lib.sources[sid]

    def definitions(
        self, lib: RuleLibrary, doc: LocatedDocument, rs: RuleSetFile, outer: dict[str, FactType]
    ) -> tuple[LoadedDefinition, ...]:
        loaded: list[LoadedDefinition] = []
        names = dict(outer)
        for i, d in enumerate(rs.definitions):
            path: tuple[Any, ...] = ("definitions", i)
            src = self.source(lib, doc, (*path, "source"), d.source)
            twin = next((x for x in loaded if x.id == d.id), None)
            if twin is not None and _disjoint(twin.readings, d.readings):
                pass  # one definition per reading: never both in one composition
            elif d.id in names or d.id in lib.model.outputs:
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
                effective = r.effective or rs.effective
                rule = LoadedRule(r, rs.id, doc.file, doc.line_of(path), node, src, effective)
                # cut to the engine's limits now (kept for the strata): a rule too big is refused here
                _ = rule.engine_pieces
                check_fact_size((n, names[n]) for n in sorted(rule.reads))
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
            loaded.append(rule)
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


def _disjoint(a: Iterable[str], b: Iterable[str]) -> bool:
    """Two non-empty sets of readings with no reading in common."""
    sa, sb = set(a), set(b)
    return bool(sa) and bool(sb) and not sa & sb


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


def _compose(
    lib: RuleLibrary,
    regime: RuleSet,
    local: RuleSet,
    regime_reading: str | None = None,
    local_reading: str | None = None,
) -> Composition:
    rulesets = (*(lib.rulesets[s] for s in lib.model.shared), regime, local)
    reading_of = {regime.id: regime_reading, local.id: local_reading}
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
        for d in _in_reading(lib, rs, reading_of.get(rs.id), definitions=True):
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
    # Many compositions share their names (every local policy without definitions of its own)
    # or their rules (the readings of a policy that no rule depends on): what follows depends on
    # nothing else, so each is worked out once per library for each set of names or rules.
    names_key = lib.derived_id(tuple(names.items()))
    if not lib.composed_whole:
        engine_problems = lib.derived(("engine keys", names_key), lambda: ex.check_engine_keys(names))
        problems.extend(Problem(f"{regime.file} + {local.file}", None, "", msg) for msg in engine_problems)
    if problems:
        raise RuleFileError(problems)
    requirements: dict[str, Node] = {}
    for k, o in outputs.items():
        if o.required_when:
            found = lib.derived(("required", o.required_when, names_key), _parser(o.required_when, names))
            if isinstance(found, str):
                problems.append(Problem(owner.get(k, "model"), None, f"outputs.{k}.required_when", found))
            else:
                requirements[k] = found
    if problems:
        raise RuleFileError(problems)
    rules = [r for rs in rulesets for r in _in_reading(lib, rs, reading_of.get(rs.id), definitions=False)]
    items: list[LoadedRule | LoadedDefinition] = [*rules, *defs]
    unknown = (
        ()
        if lib.composed_whole
        else lib.derived(
            ("reads", tuple(map(id, items)), names_key), lambda: _unknown_reads(lib, items, names)
        )
    )
    for item, name in unknown:
        problems.append(
            Problem(
                item.file,
                item.line,
                f"{'rules' if isinstance(item, LoadedRule) else 'definitions'}.{item.id}",
                f"reads '{name}', which does not exist under the reading "
                f"{join_ref(regime.id, regime_reading)} @ {join_ref(local.id, local_reading)}",
            )
        )
    if problems:
        raise RuleFileError(problems)
    rules_key = tuple(map(id, rules))
    outputs_key = tuple(outputs)
    # Compositions that differ only elsewhere (another era, reading or place) share their equal
    # strata, so each stratum's engine conditions and rulesets are worked out once per library;
    # the order of the rules depends on the rules and answers alone, the strata's inputs on the
    # names' types too.
    strata = lib.derived(
        ("strata", rules_key, outputs_key, names_key),
        lambda: tuple(
            lib._strata.setdefault(
                (s.index, tuple((r.ruleset, r.id) for r in s.rules), s.fields, s.inputs), s
            )
            for s in _typed(
                lib.derived(("strata shapes", rules_key, outputs_key), lambda: _shapes(rules, outputs)),
                names,
            )
        ),
    )
    beats = lib.derived(("beats", rules_key), lambda: _precedence(rules))
    ordered = lib.derived(("definitions", tuple(map(id, defs))), lambda: _order_definitions(defs))
    return Composition(
        lib,
        regime,
        local,
        rulesets,
        ordered,
        outputs,
        names,
        strata,
        beats,
        params,
        requirements,
        regime_reading,
        local_reading,
    )


def _in_reading(lib: RuleLibrary, rs: RuleSet, reading: str | None, *, definitions: bool) -> tuple[Any, ...]:
    """The rule set's rules (or definitions) that exist under ``reading``, in order (once per library)."""
    items: tuple[LoadedRule, ...] | tuple[LoadedDefinition, ...] = rs.definitions if definitions else rs.rules
    if not rs.readings:  # none of them names a reading (checked when the files load)
        return items
    found: tuple[Any, ...] = lib.derived(
        ("in reading", rs.id, reading, definitions),
        lambda: tuple(x for x in items if x.in_reading(reading)),
    )
    return found


def _parser(text: str, names: Mapping[str, FactType]) -> Callable[[], Node | str]:
    """A function parsing ``text`` against ``names``: the expression, or why it cannot be read."""

    def parse() -> Node | str:
        try:
            return ex.parse(text, Scope(dict(names)))
        except ex.ExpressionError as exc:
            return str(exc)

    return parse


def _unknown_reads(
    lib: RuleLibrary, items: Sequence[LoadedRule | LoadedDefinition], names: Mapping[str, FactType]
) -> list[tuple[LoadedRule | LoadedDefinition, str]]:
    """Each item that reads a name that is neither in ``names`` nor one of its items' fields, with
    the first such name."""
    out = []
    for item in items:
        own: Mapping[str, FactType] = {}
        if isinstance(item, LoadedDefinition) and item.definition.expr is None:
            spec = item.definition
            own = lib.item_names(spec.count or spec.any or "convictions")
        missing = sorted(n for n in item.reads if n not in names and n not in own)
        if missing:
            out.append((item, missing[0]))
    return out


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
        for name in d.read_order:
            if name in by_id:
                visit(by_id[name], [*trail, d.id])
        state[d.id] = 2
        done.append(d)

    for d in defs:
        visit(d, [])
    return tuple(done)


_Shape = tuple[int, tuple[LoadedRule, ...], tuple[str, ...], tuple[str, ...]]


def _stratify(
    rules: list[LoadedRule], outputs: Mapping[str, OutputDecl], names: Mapping[str, FactType]
) -> tuple[Stratum, ...]:
    """:func:`_shapes`, each stratum with the types of the names its rules read."""
    return _typed(_shapes(rules, outputs), names)


def _typed(shapes: Sequence[_Shape], names: Mapping[str, FactType]) -> tuple[Stratum, ...]:
    """The strata of ``shapes``, with the types ``names`` gives the names their rules read."""
    return tuple(
        Stratum(i, rules, fields, tuple((n, names[n]) for n in reads)) for i, rules, fields, reads in shapes
    )


def _shapes(rules: list[LoadedRule], outputs: Mapping[str, OutputDecl]) -> tuple[_Shape, ...]:
    """Order rules so that a rule runs only after every answer it reads is settled: the strata,
    each as its index, rules, the answers settled once it has run and the names its rules read.

    Every rule that decides an answer runs in the one stratum where that answer is settled (so a
    rule that reads only case facts is never settled apart from the other rules deciding its
    answer, which would drop it). Rules that decide a common answer therefore share a stratum, and
    a rule runs in a later stratum than every rule deciding an answer it reads; when both cannot
    hold, the rules depend on each other in a cycle, which is refused naming them. The walks are
    iterative, so a long chain of answers cannot exhaust Python's recursion limit.
    """
    deciders: dict[str, list[int]] = {}
    for i, r in enumerate(rules):
        for f in r.rule.then:
            deciders.setdefault(f, []).append(i)
    levels = _levels(rules, outputs, deciders)
    if levels is None:  # a cycle: the whole graph of rules, to find it and name it
        levels = _levels_by_components(rules, outputs, deciders)
    field_level = {f: levels[ds[0]] for f, ds in deciders.items()}
    top = max(levels, default=-1)
    by_level: list[list[LoadedRule]] = [[] for _ in range(top + 1)]
    for r, at in zip(rules, levels, strict=True):
        by_level[at].append(r)
    settled_at: list[list[str]] = [[] for _ in range(top + 2)]  # the last: undecided
    for f in outputs:
        settled_at[field_level.get(f, -1)].append(f)
    strata: list[_Shape] = []
    for lvl, in_level in enumerate(by_level):
        reads = tuple(sorted(frozenset().union(*(r.reads for r in in_level))))
        strata.append((lvl, tuple(in_level), tuple(settled_at[lvl]), reads))
    undecided = tuple(settled_at[-1])
    if undecided and strata:
        index, first, fields, reads = strata[0]
        strata[0] = (index, first, (*undecided, *fields), reads)
    return tuple(strata)


def _levels(
    rules: list[LoadedRule], outputs: Mapping[str, OutputDecl], deciders: Mapping[str, list[int]]
) -> list[int] | None:
    """Each rule's stratum, or None when the rules may depend on each other in a cycle.

    The rules deciding a common answer form one group (they run together); a group runs one
    stratum after the latest group deciding an answer one of its rules reads. A rule reading an
    answer of its own group, or groups that wait on each other, is a cycle, which
    :func:`_levels_by_components` finds and names. Without one, these are the same strata as
    that function's (its components are then exactly these groups), worked out without building
    an edge between every two rules deciding the same answer.
    """
    group = list(range(len(rules)))

    def find(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for ds in deciders.values():
        root = find(ds[0])
        for d in ds[1:]:
            group[find(d)] = root
    after: dict[int, set[int]] = {}
    for i, r in enumerate(rules):
        g = find(i)
        waits = after.setdefault(g, set())
        for f in r.reads:
            if f in outputs:
                for d in deciders.get(f, ()):
                    h = find(d)
                    if h == g:
                        return None
                    waits.add(h)
    level: dict[int, int] = {}
    for start in after:
        if start in level:
            continue
        path = {start}
        work: list[tuple[int, list[int]]] = [(start, sorted(after[start]))]
        while work:
            g, todo = work[-1]
            while todo and todo[-1] in level:
                todo.pop()
            if todo:
                h = todo.pop()
                if h in path:
                    return None
                path.add(h)
                work.append((h, sorted(after.get(h, ()))))
                continue
            work.pop()
            path.discard(g)
            level[g] = max((level[h] + 1 for h in after.get(g, ())), default=0)
    return [level[find(i)] for i in range(len(rules))]


def _levels_by_components(
    rules: list[LoadedRule], outputs: Mapping[str, OutputDecl], deciders: Mapping[str, list[int]]
) -> list[int]:
    """Each rule's stratum from the strongly connected components of the graph of rules; a rule
    in one component with a rule deciding an answer it reads is refused, naming the cycle."""
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
    return [comp_level[comp_of[i]] for i in range(len(rules))]


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
