"""Rule sets as documents: a rule set's decision table, and what two rule sets decide differently.

A rule set reads some names (facts of the case, definitions, parameters, answers other rule sets
decide) and decides some answers. Each name it reads falls into a few *classes* that its
conditions cannot tell apart: the two truth values; for a number or a date, the intervals between
the thresholds it is compared with (``≤ 2``, ``≥ 3``); for an enumerated answer, each value it
names and "any other"; for a set, whether it includes one of each group of values a condition
tests (``has_any``). The decision table runs the rule set's own rules, with its exceptions, over
one representative of every combination of classes and then merges rows that differ in one input
only and agree on everything else, so each row reads "when ... then ..." with the rules behind it.

Rules that do not interact (they decide different answers, or add to a set) are tabled
separately, which keeps tables small: a table of more than :data:`MAX_ROWS` combinations is not
enumerated; its rules are listed one per row instead.

A *diff* of two rule sets runs both over the classes of everything either reads and keeps the
rows where an answer both decide comes out differently.

Either may name a reading (``pep:as-written``): the rules and definitions of that reading are
used, and a definition that differs between readings (PEP's ``pep_probable_cause``) is not left as
a free input but computed from what it reads, so the rows show which reading reaches which
answer. ``rules diff pep:as-written pep:as-practised`` sets the two readings side by side.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.resolve import settle
from ..errors import UnknownIdError
from ..rulebook import expressions as ex
from ..rulebook.expressions import Cmp, FactType, Has, Node
from ..rulebook.library import Composition, LoadedDefinition, LoadedRule, RuleLibrary, RuleSet, join_ref
from .reasons import group_values, is_group, show_value

MAX_ROWS = 4096
ANY = "any"


@dataclass(frozen=True)
class Class:
    """One class of values of an input: a label and a representative value."""

    label: str
    value: Any


@dataclass(frozen=True)
class Input:
    """A name the rules read, with the classes its conditions distinguish."""

    name: str
    classes: tuple[Class, ...]
    meaning: str


@dataclass(frozen=True)
class Row:
    """When each input is in one of the given classes, the answers and the rules that decide them."""

    cells: tuple[frozenset[int], ...]
    answers: tuple[tuple[Any, ...], ...]  # per rule set compared: one value per answer
    rules: tuple[tuple[str, ...], ...]  # per rule set: the rules that decided

    def when(self, inputs: Sequence[Input]) -> list[str]:
        """The conditions of the row in words (inputs that may be anything are left out)."""
        out = []
        for inp, cell in zip(inputs, self.cells, strict=True):
            if len(cell) == len(inp.classes):
                continue
            labels = [inp.classes[i].label for i in sorted(cell)]
            out.append(f"{inp.name} {' or '.join(labels)}")
        return out


@dataclass(frozen=True)
class Table:
    """A decision table (one rule set) or a diff (two), over one group of interacting rules."""

    rulesets: tuple[str, ...]
    inputs: tuple[Input, ...]
    answers: tuple[str, ...]
    rows: tuple[Row, ...]
    listed: tuple[LoadedRule, ...] = ()  # when the combinations were too many to enumerate

    def to_dict(self) -> dict[str, Any]:
        return {
            "rulesets": list(self.rulesets),
            "inputs": [
                {"name": i.name, "meaning": i.meaning, "classes": [c.label for c in i.classes]}
                for i in self.inputs
            ],
            "answers": list(self.answers),
            "rows": [
                {
                    "when": r.when(self.inputs),
                    "then": {
                        rs: {a: _jsonable(v) for a, v in zip(self.answers, vals, strict=True)}
                        for rs, vals in zip(self.rulesets, r.answers, strict=True)
                    },
                    "rules": {rs: list(ids) for rs, ids in zip(self.rulesets, r.rules, strict=True)},
                }
                for r in self.rows
            ],
            "listed": [
                {"rule": r.id, "when": ex.render(r.condition), "then": dict(r.rule.then)} for r in self.listed
            ],
        }


@dataclass(frozen=True)
class Document:
    """The tables of a rule set (or of a diff), the rules they cite and their sources."""

    title: str
    rulesets: tuple[RuleSet, ...]
    tables: tuple[Table, ...]
    cited: tuple[LoadedRule, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    refs: tuple[str, ...] = ()  # each side as named, with its reading (``pep:as-written``)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "rulesets": [rs.id for rs in self.rulesets],
            "readings": list(self.refs),
            "tables": [t.to_dict() for t in self.tables],
            "sources": {r.id: r.cite() for r in self.cited},
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Side:
    """One side of a table or diff: a rule set under one reading, in a composition."""

    ref: str
    ruleset: RuleSet
    reading: str | None
    comp: Composition
    rules: tuple[LoadedRule, ...]


def _side(lib: RuleLibrary, ref: str, *, name_reading: bool = False) -> _Side:
    """The side ``ref`` names, labelled as named (with its reading when asked to name it)."""
    rs, reading = lib.resolve(ref)
    named = join_ref(rs.id, reading)
    regime = named if rs.level == "federal" else lib.regimes[0]
    local = named if rs.level == "local" else lib.jurisdictions[0]
    rules = tuple(r for r in rs.rules if r.in_reading(reading))
    label = named if name_reading else ref
    return _Side(label, rs, reading, lib.composition(regime, local), rules)


def decision_table(lib: RuleLibrary, ruleset_id: str) -> Document:
    """The decision table of one rule set (under one reading, if named) over the names it reads."""
    side = _side(lib, ruleset_id)
    tables = tuple(_table([side], group, diff=False) for group in _groups(side.rules, side.comp))
    cited = _cited(tables, side.rules)
    title = f"{side.ref}: {side.ruleset.title}"
    notes = (*_notes([side]), *_expansion_notes([side]))
    return Document(title, (side.ruleset,), tables, cited, notes, (side.ref,))


def rules_diff(lib: RuleLibrary, a_id: str, b_id: str) -> Document:
    """What rule sets ``a_id`` and ``b_id`` (or two readings of one) decide differently, over
    everything either reads."""
    same = lib.ruleset(a_id).id == lib.ruleset(b_id).id
    a, b = _side(lib, a_id, name_reading=same), _side(lib, b_id, name_reading=same)
    if a.ref == b.ref:
        raise UnknownIdError(f"compare two different rule sets or readings, not '{a.ref}' with itself")
    common = _decided(a.rules) & _decided(b.rules)
    reported = {k for k, v in lib.model.outputs.items() if v.report}
    order = list(lib.model.outputs)
    common_reported = sorted(common & reported, key=_position(order)) or sorted(common, key=_position(order))
    if not common_reported:
        raise UnknownIdError(
            f"'{a.ref}' decides {', '.join(sorted(_decided(a.rules)))} and '{b.ref}' decides "
            f"{', '.join(sorted(_decided(b.rules)))}: they answer different questions; compare two "
            "rule sets of the same level (two regimes, or two local policies)"
        )
    every = list({r.id: r for r in (*a.rules, *b.rules)}.values())
    tables = []
    for group in _groups(every, a.comp):
        decided = _decided(group) & set(common_reported)
        if not decided:
            continue
        # two readings of one rule set differ only in their own definitions: compute those;
        # two rule sets are compared on the names they read, whose meanings the notes give
        t = _table([a, b], group, diff=True, answers=sorted(decided, key=_position(order)), expand=same)
        if t.rows or t.listed:
            tables.append(t)
    cited = _cited(tables, every)
    title = f"{a.ref} versus {b.ref}: what each decides differently"
    notes = [*_notes([a, b]), *_expansion_notes([a, b])]
    if not tables:
        notes.append(f"{a.ref} and {b.ref} decide {', '.join(common_reported)} alike in every case.")
    return Document(title, (a.ruleset, b.ruleset), tuple(tables), cited, tuple(notes), (a.ref, b.ref))


def _position(order: list[str]) -> Any:
    return lambda name: (order.index(name) if name in order else len(order), name)


def _decided(rules: Iterable[LoadedRule]) -> set[str]:
    return {k for r in rules for k in r.rule.then}


def _groups(rules: Sequence[LoadedRule], comp: Composition) -> list[list[LoadedRule]]:
    """Rules that interact: they decide one answer (other than by adding to a set), one reads
    what another decides, or one is an exception to another."""
    parent = {r.id: r.id for r in rules}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r1, r2 in itertools.combinations(rules, 2):
        shared = set(r1.rule.then) & set(r2.rule.then)
        # a set-valued answer gathers every value concluded: rules that add to it do not compete
        competing = any(comp.outputs[k].type != "set" for k in shared if k in comp.outputs)
        reads = (set(r1.reads) & set(r2.rule.then)) or (set(r2.reads) & set(r1.rule.then))
        exception = r2.id in r1.rule.exception_to or r1.id in r2.rule.exception_to
        if competing or reads or exception:
            parent[find(r1.id)] = find(r2.id)
    groups: dict[str, list[LoadedRule]] = {}
    for r in rules:
        groups.setdefault(find(r.id), []).append(r)
    return list(groups.values())


def _table(
    sides: Sequence[_Side],
    rules: Sequence[LoadedRule],
    *,
    diff: bool,
    answers: Sequence[str] | None = None,
    expand: bool = True,
) -> Table:
    comp = sides[0].comp
    outputs = _decided(rules)
    shown = list(answers) if answers is not None else [a for a in comp.outputs if a in outputs]
    expanded = _expanded(rules, sides) if expand else {}
    read: list[str] = []
    for n in dict.fromkeys(n for r in rules for n in _ordered_refs(r.condition)):
        if n in expanded:
            read.extend(m for d in expanded[n] for m in _ordered_refs(d.node))
        else:
            read.append(n)
    names = [n for n in dict.fromkeys(read) if n not in outputs and n not in expanded]
    nodes = [r.condition for r in rules] + [d.node for ds in expanded.values() for d in ds]
    inputs = tuple(_input(n, _type_of(n, sides), nodes, sides) for n in names)
    total = 1
    for i in inputs:
        total *= len(i.classes)
    ids = tuple(s.ref for s in sides)
    if total > MAX_ROWS:
        return Table(ids, inputs, tuple(shown), (), tuple(rules))
    per_side = [[r for r in rules if r.id in {o.id for o in s.rules}] for s in sides]
    rows: list[Row] = []
    for combo in itertools.product(*(range(len(i.classes)) for i in inputs)):
        values = {i.name: i.classes[c].value for i, c in zip(inputs, combo, strict=True)}
        results = [_run(own, s.comp, values, shown, expanded) for own, s in zip(per_side, sides, strict=True)]
        answers_ = tuple(res[0] for res in results)
        if diff and len({repr(a) for a in answers_}) == 1:
            continue
        rows.append(Row(tuple(frozenset([c]) for c in combo), answers_, tuple(res[1] for res in results)))
    return Table(ids, inputs, tuple(shown), tuple(_merge(rows)), ())


def _expanded(rules: Sequence[LoadedRule], sides: Sequence[_Side]) -> dict[str, tuple[LoadedDefinition, ...]]:
    """Definitions the rules read that a reading defines its own way, computed rather than tabled.

    A definition is expanded when every side that defines it does so by an expression and at
    least one side's definition belongs to a reading; one level deep, so the table stays small."""
    out: dict[str, tuple[LoadedDefinition, ...]] = {}
    for n in dict.fromkeys(n for r in rules for n in _ordered_refs(r.condition)):
        found = tuple(dict.fromkeys(d for s in sides for d in s.comp.definitions if d.id == n))
        if found and any(d.readings for d in found) and all(d.definition.expr is not None for d in found):
            out[n] = found
    return out


def _expansion_notes(sides: Sequence[_Side]) -> tuple[str, ...]:
    """What each reading's own definitions say, for those its rules read (and the tables compute)."""
    out = []
    for s in sides:
        read = {n for r in s.rules for n in r.reads}
        for d in s.comp.definitions:
            if d.readings and d.definition.expr is not None and d.id in read:
                summary = " ".join(d.definition.summary.split())
                where = join_ref(s.ruleset.id, s.reading)
                out.append(f"Under {where}, {d.id} is computed as {ex.render(d.node)}: {summary}")
    return tuple(out)


def _run(
    rules: Sequence[LoadedRule],
    comp: Composition,
    inputs: Mapping[str, Any],
    shown: Sequence[str],
    expand: Mapping[str, Sequence[LoadedDefinition]],
) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    """Run ``rules`` (in the composition's strata, with its precedence) over ``inputs``."""
    values = dict(inputs)
    for d in comp.definitions:  # in dependency order
        if d.id in expand:
            values[d.id] = d.predicate(values)
    mine = {r.id for r in rules}
    decided_here = _decided(rules)
    winners: list[str] = []
    for stratum in comp.strata:
        own = [r for r in stratum.rules if r.id in mine]
        fields = [f for f in stratum.fields if f in decided_here]
        if not own and not fields:
            continue
        fired = [r for r in own if r.predicate(values)]
        settled = settle(fields, fired, comp)
        values.update(settled.values)
        for f in fields:
            winners.extend(r.id for r in settled.decided_by.get(f, ()) if r.id not in winners)
    out = []
    for k in shown:
        mine_decided = any(k in comp.rules[w].rule.then for w in winners)
        is_set = comp.outputs[k].type == "set"
        if k not in decided_here or (not mine_decided and not is_set and _others_decide(comp, k, mine)):
            out.append(NOT_HERE)  # left to another rule set of the composition
        else:
            v = values.get(k)
            out.append(tuple(sorted(map(str, v))) if isinstance(v, frozenset | set) else v)
    return tuple(out), tuple(winners)


class _NotHere:
    def __repr__(self) -> str:
        return "NOT_HERE"


NOT_HERE: Any = _NotHere()


def _others_decide(comp: Composition, answer: str, mine: set[str]) -> bool:
    return any(r.id not in mine for r in comp.deciders.get(answer, ()))


def _merge(rows: list[Row]) -> list[Row]:
    """Merge rows that agree on the answers and on every input but one, until none can be merged.

    A merged row cites the rules that decided in every combination it covers (the rules that
    make its answer), or, when no one rule does, all of them."""
    current = list(rows)
    changed = True
    while changed and current:
        changed = False
        for col in range(len(current[0].cells)):
            buckets: dict[tuple[Any, ...], list[Row]] = {}
            for r in current:
                key = (tuple(c for j, c in enumerate(r.cells) if j != col), repr(r.answers))
                buckets.setdefault(key, []).append(r)
            merged: list[Row] = []
            for bucket in buckets.values():
                for group in _clusters(bucket):
                    if len(group) == 1:
                        merged.append(group[0])
                        continue
                    changed = True
                    cell = frozenset().union(*(r.cells[col] for r in group))
                    first = group[0]
                    cells = tuple(cell if j == col else c for j, c in enumerate(first.cells))
                    merged.append(Row(cells, first.answers, _common_rules(group)))
            current = merged
    return current


def _clusters(rows: list[Row]) -> list[list[Row]]:
    """Rows that share a deciding rule (or that no rule decides) go together."""
    out: list[tuple[list[Row], list[set[str]]]] = []
    for r in rows:
        for members, common in out:
            joint = [c & set(ids) for c, ids in zip(common, r.rules, strict=True)]
            if all(j or (not c and not ids) for j, c, ids in zip(joint, common, r.rules, strict=True)):
                members.append(r)
                common[:] = joint
                break
        else:
            out.append(([r], [set(ids) for ids in r.rules]))
    return [members for members, _ in out]


def _common_rules(rows: Sequence[Row]) -> tuple[tuple[str, ...], ...]:
    return tuple(
        tuple(rid for rid in rows[0].rules[k] if all(rid in r.rules[k] for r in rows))
        for k in range(len(rows[0].rules))
    )


# ---------------------------------------------------------------------------------------------
# Inputs and their classes


def _type_of(name: str, sides: Sequence[_Side]) -> FactType:
    for s in sides:
        if name in s.comp.names:
            return s.comp.names[name]
    raise UnknownIdError(f"'{name}' is not a name the rules can read")  # pragma: no cover


def _input(name: str, ftype: FactType, nodes: Sequence[Node], sides: Sequence[_Side]) -> Input:
    tests = [n for node in nodes for n in _tests_on(node, name)]
    meaning = next((m for s in sides if (m := _meaning(name, s.comp))), "")
    return Input(name, tuple(_classes(ftype, tests)), meaning)


def _tests_on(node: Node, name: str) -> list[Node]:
    """The comparisons (and has_any groups) on ``name`` inside ``node``."""
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        group = is_group(n) and isinstance(n, ex.Or) and _name(n.parts[0]) == name
        if group or (isinstance(n, Cmp | Has | ex.Given) and n.ref.name == name):
            out.append(n)
        elif isinstance(n, ex.And | ex.Or):
            stack.extend(n.parts)
        elif isinstance(n, ex.Not):
            stack.append(n.part)
        elif isinstance(n, ex.IfElse):
            stack.extend((n.cond, n.then, n.orelse))
    return out


def _ordered_refs(node: Node) -> list[str]:
    """The names a condition reads, in reading order."""
    if isinstance(node, Cmp | Has | ex.Given):
        return [node.ref.name]
    if isinstance(node, ex.Within):
        return [node.ref.name, node.anchor.name]
    if isinstance(node, ex.And | ex.Or):
        return [n for p in node.parts for n in _ordered_refs(p)]
    if isinstance(node, ex.Not):
        return _ordered_refs(node.part)
    assert isinstance(node, ex.IfElse)
    return [*_ordered_refs(node.cond), *_ordered_refs(node.then), *_ordered_refs(node.orelse)]


def _name(n: Node) -> str | None:
    return n.ref.name if isinstance(n, Cmp | Has | ex.Given) else None


def _classes(ftype: FactType, tests: Sequence[Node]) -> list[Class]:
    kind = ftype.kind
    out: list[Class] = []
    if kind == "bool":
        out = [Class("true", True), Class("false", False)]
    elif kind in ("enum", "text"):
        named: list[Any] = []
        for t in tests:
            vals = group_values(t) if isinstance(t, ex.Or) else ((t.value,) if isinstance(t, Cmp) else ())
            named.extend(v for v in vals if v not in named)
        ordered = [v for v in ftype.values if v in named] + [v for v in named if v not in ftype.values]
        out = [Class(show_value(v), v) for v in ordered]
        others = [v for v in ftype.values if v not in named]
        if others or kind == "text":
            rep = others[0] if others else "\x00other"
            label = (
                "any other value" if kind == "text" else "other (" + ", ".join(map(show_value, others)) + ")"
            )
            out.append(Class(label, rep))
    elif kind in ("int", "date"):
        out = _intervals(ftype, [t for t in tests if isinstance(t, Cmp)])
    elif kind == "set":
        out = _set_classes(ftype, tests)
    if ftype.nullable and kind != "set":
        out.append(Class("not given", None))
    return out


def _intervals(ftype: FactType, tests: Sequence[Cmp]) -> list[Class]:
    lits = sorted({t.value for t in tests})
    if not lits:
        rep: Any = 0 if ftype.kind == "int" else dt.date(2015, 1, 1)
        return [Class("any", rep)]
    step: Any = 1 if ftype.kind == "int" else dt.timedelta(days=1)
    points = sorted({p for lit in lits for p in (lit - step, lit, lit + step)})
    if ftype.kind == "int" and all(x >= 0 for x in lits):
        points = [p for p in points if p >= 0]
    preds = [ex.python_predicate(t) for t in tests]

    def vector(v: Any) -> tuple[bool, ...]:
        facts = {t.ref.name: v for t in tests}
        return tuple(p(facts) for p in preds)

    runs: list[list[Any]] = []
    for p in points:
        if runs and vector(runs[-1][-1]) == vector(p):
            runs[-1].append(p)
        else:
            runs.append([p])
    out = []
    for k, run in enumerate(runs):
        lo, hi = run[0], run[-1]
        if len(runs) == 1:
            label = "any"
        elif k == 0 and lo == 0 and ftype.kind == "int":
            label = "0" if hi == 0 else f"0 to {hi}"
        elif k == 0:
            label = f"≤ {show_value(hi)}"
        elif k == len(runs) - 1:
            label = f"≥ {show_value(lo)}"
        else:
            label = show_value(lo) if lo == hi else f"{show_value(lo)} to {show_value(hi)}"
        out.append(Class(label, lo if k else hi))
    return out


def _set_classes(ftype: FactType, tests: Sequence[Node]) -> list[Class]:
    atoms: list[tuple[Any, ...]] = []
    for t in tests:
        vals = group_values(t) if isinstance(t, ex.Or) else ((t.value,) if isinstance(t, Has) else ())
        if vals and vals not in atoms:
            atoms.append(vals)
    if not atoms:
        return [Class("any", frozenset())]
    out = []
    for truth in itertools.product((True, False), repeat=len(atoms)):
        banned = {v for atom, on in zip(atoms, truth, strict=True) if not on for v in atom}
        members: set[Any] = set()
        ok = True
        for atom, on in zip(atoms, truth, strict=True):
            if on:
                pick = next((v for v in atom if v not in banned), None)
                if pick is None:
                    ok = False
                    break
                members.add(pick)
        if not ok:
            continue
        parts = []
        for atom, on in zip(atoms, truth, strict=True):
            listed = ", ".join(show_value(v) for v in atom)
            what = listed if len(atom) == 1 else f"one of {listed}"
            if on:
                parts.append(f"includes {what}")
            else:
                parts.append(f"includes none of {listed}" if len(atom) > 1 else f"does not include {listed}")
        out.append(Class("; ".join(parts), frozenset(members)))
    return out


def _meaning(name: str, comp: Composition) -> str:
    lib = comp.library
    if name in comp.outputs:
        return " ".join(comp.outputs[name].summary.split()) + " (an answer)"
    for d in comp.definitions:
        if d.id == name:
            return " ".join(d.definition.summary.split()) + f" (defined in {d.ruleset})"
    if name.startswith("param."):
        entry = comp.parameters.get(name.removeprefix("param."))
        return (" ".join(entry[1].summary.split()) + " (a parameter)") if entry else ""
    prefix, _, fname = name.partition(".")
    v = lib.vocabulary
    decls = {"person": v.person_facts, "case": v.case_facts, "ice": v.ice_facts}.get(prefix, {})
    return " ".join(decls[fname].definition.split()) if fname in decls else ""


def _cited(tables: Iterable[Table], rules: Sequence[LoadedRule]) -> tuple[LoadedRule, ...]:
    ids = {rid for t in tables for r in t.rows for per in r.rules for rid in per}
    ids |= {r.id for t in tables for r in t.listed}
    return tuple(r for r in rules if r.id in ids)


def _notes(sides: Sequence[_Side]) -> tuple[str, ...]:
    out = []
    for s in sides:
        rs = s.ruleset
        out.append(
            f"{rs.id} ({rs.level}), in force {rs.effective.describe()}: {' '.join(rs.meta.summary.split())}"
        )
        if s.reading is not None and rs.meta.readings is not None:
            default = " (the default)" if s.reading == rs.default_reading else ""
            summary = " ".join(rs.meta.readings.options[s.reading].summary.split())
            out.append(f"Reading {join_ref(rs.id, s.reading)}{default}: {summary}")
    return tuple(dict.fromkeys(out))  # two readings of one rule set share its summary


def _jsonable(value: Any) -> Any:
    if value is NOT_HERE:
        return "(not decided here)"
    if isinstance(value, tuple | frozenset | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def show_answer(value: Any) -> str:
    """An answer in a table cell."""
    if value is NOT_HERE:
        return "(decided elsewhere)"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) if value else "nothing"
    return show_value(value, "null")
