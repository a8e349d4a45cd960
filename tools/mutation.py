"""Mutation check: does the test suite notice when the law in rules/ or the key code changes?

Each mutant is one small change, applied to a copy of the repository in a temporary folder:

* rule mutants, made from every rule file: each effective date shifted by a day either way; each
  date and whole number in an expression changed by one either way; each member of a
  ``has_any``/``has_all`` list and of an ``exception_to`` list dropped; each comparison operator
  moved across its boundary (``>=`` to ``>``, ``==`` to ``!=``, ``in`` to ``not in`` ...); each
  operand of an ``and``/``or`` dropped; each ``and`` swapped for ``or`` and back; each ``not``
  dropped;
* code mutants, written out below for the key modules: the engine path returning the reference
  answer or skipping the engine, the firing order reversed, each negation in ``_FLIP`` wrong, the
  population memo asking the reference evaluator, the look-back and in-force tests moved by a day.

A mutant is *killed* when the check fails on it: ``detainer-model run scenarios/`` first (cheap),
then a chosen set of fast test files with ``HYPOTHESIS_PROFILE=ci``, stopping at the first
failure. Each check runs in a child process forked from this one after the heavy libraries are
imported (POSIX only), so a check costs seconds, not a fresh interpreter's start-up. A rule
mutant the loader refuses (for example an ``exception_to`` that no longer resolves a conflict)
is *invalid*, reported apart and not scored. Run it from the top folder:

    python tools/mutation.py                      # every mutant, one at a time
    python tools/mutation.py --rules-only --sample 60 --seed 1
    python tools/mutation.py --list               # the mutants, without running anything
    python tools/mutation.py --rerun last.json    # only the survivors of an earlier --json run

It prints the score for each kind and the survivors. It is not part of CI's default run (a full
run takes tens of minutes); see docs/mutation.md for the last measured score.
"""

from __future__ import annotations

import argparse
import ast
import copy
import datetime as dt
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("src", "rules", "scenarios", "tests", "exercises", "docs", "pyproject.toml", "README.md")
# fast, behavioural tests for rule mutants (a code mutant gets the tests mapped to its file, below);
# the slow property suites (engine vs reference over random cases, batches vs single cases) are
# left out to keep a run within the hour on a shared machine
TESTS = (
    "tests/test_law_boundaries.py",
    "tests/test_federal_rules.py",
    "tests/test_local_rules.py",
    "tests/test_engine_decides.py",
)
SCENARIO_BATCH = (
    "tests/test_population_equivalence.py::test_the_shipped_scenarios_give_the_same_answers_as_a_batch"
)
EXPRESSION_KEYS = ("when", "where", "expr")
BOUNDARY = {
    ast.GtE: ast.Gt,
    ast.Gt: ast.GtE,
    ast.LtE: ast.Lt,
    ast.Lt: ast.LtE,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}


@dataclass(frozen=True)
class Mutant:
    """One change: in ``path`` (relative to the top folder) replace ``start:end`` by ``new``."""

    kind: str  # "rule" or "code"
    path: str
    start: int
    end: int
    new: str
    what: str

    def apply(self, top: Path) -> None:
        target = top / self.path
        text = target.read_text(encoding="utf-8")
        target.write_text(text[: self.start] + self.new + text[self.end :], encoding="utf-8")

    def label(self) -> str:
        return f"{self.path}: {self.what}"


# ---------------------------------------------------------------------------------------------
# rule mutants


def _scalar(node: yaml.Node, text: str, value: str) -> tuple[int, int, str]:
    """Replace a scalar node by ``value`` (double-quoted), keeping the file's line count."""
    start, end = node.start_mark.index, node.end_mark.index
    old = text[start:end]
    lines = old.count("\n")
    new = json.dumps(value) if not value.replace("-", "").isdigit() else value
    if lines and old.endswith("\n"):
        return start, end, new + "\n" * lines
    return start, end, new + "\n" * lines


def _pairs(node: yaml.Node) -> Iterator[tuple[str, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield str(k.value), v


def _walk_rule_file(
    node: yaml.Node, trail: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], yaml.Node]]:
    yield trail, node
    if isinstance(node, yaml.MappingNode):
        for key, value in _pairs(node):
            yield from _walk_rule_file(value, (*trail, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _walk_rule_file(item, (*trail, str(i)))


def _node_id(trail: tuple[str, ...], root: yaml.Node) -> str:
    """A readable place: the id of the rule or definition the node sits in, and its key."""
    node = root
    label = ""
    for step in trail:
        if isinstance(node, yaml.MappingNode):
            node = dict(_pairs(node))[step]
        elif isinstance(node, yaml.SequenceNode):
            node = node.value[int(step)]
        ids = dict(_pairs(node)).get("id") if isinstance(node, yaml.MappingNode) else None
        if ids is not None:
            label = str(ids.value)
    return f"{label or '/'.join(trail[:-1])} {trail[-1]}"


def rule_mutants(root: Path = ROOT) -> list[Mutant]:
    out: list[Mutant] = []
    for path in sorted((root / "rules").rglob("*.yaml")):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        tree = yaml.compose(text)
        if tree is None or not any(k == "rules" or k == "definitions" for k, _ in _pairs(tree)):
            continue
        out.extend(_ruleset_mutants(rel, text, tree))
        for trail, node in _walk_rule_file(tree):
            if not isinstance(node, yaml.ScalarNode) or not trail:
                continue
            where = _node_id(trail, tree)
            key = trail[-1]
            if key in ("from", "to") and len(trail) >= 2 and trail[-2] == "effective":
                day = dt.date.fromisoformat(node.value)
                for delta in (-1, 1):
                    moved = (day + dt.timedelta(days=delta)).isoformat()
                    out.append(
                        Mutant("rule", rel, *_scalar(node, text, moved), f"{where} {node.value} -> {moved}")
                    )
            elif key in EXPRESSION_KEYS:
                for new_expr, what in expression_mutants(node.value):
                    out.append(Mutant("rule", rel, *_scalar(node, text, new_expr), f"{where}: {what}"))
        for trail, node in _walk_rule_file(tree):
            if (
                trail
                and trail[-1] == "exception_to"
                and isinstance(node, yaml.SequenceNode)
                and len(node.value) > 1
            ):
                where = _node_id(trail, tree)
                for i, item in enumerate(node.value):
                    rest = [str(n.value) for j, n in enumerate(node.value) if j != i]
                    start, end = node.start_mark.index, node.end_mark.index
                    lines = text[start:end].count("\n")
                    new = "[" + ", ".join(rest) + "]" + "\n" * lines
                    out.append(Mutant("rule", rel, start, end, new, f"{where}: drop {item.value}"))
    return out + places_mutants(root) + model_mutants(root)


def _flow_list(node: yaml.SequenceNode, text: str, items: list[str]) -> tuple[int, int, str]:
    """Replace a sequence node by a flow list of ``items``, keeping the file's line count."""
    start, end = node.start_mark.index, node.end_mark.index
    lines = text[start:end].count("\n")
    return start, end, "[" + ", ".join(items) + "]" + "\n" * lines


def places_mutants(root: Path = ROOT) -> list[Mutant]:
    """rules/places.yaml: each version dropped from its place; each parent dropped."""
    path = root / "rules" / "places.yaml"
    if not path.exists():
        return []
    rel = path.relative_to(root).as_posix()
    text = path.read_text(encoding="utf-8")
    tree = yaml.compose(text)
    out: list[Mutant] = []
    places = dict(_pairs(tree)).get("places") if tree is not None else None
    for pid, decl in _pairs(places) if places is not None else ():
        fields = dict(_pairs(decl))
        versions = fields.get("versions")
        if isinstance(versions, yaml.SequenceNode):
            names = [str(n.value) for n in versions.value]
            for i, gone in enumerate(names):
                rest = names[:i] + names[i + 1 :]
                out.append(
                    Mutant("rule", rel, *_flow_list(versions, text, rest), f"{pid}: drop version {gone}")
                )
        parent = fields.get("parent")
        if isinstance(parent, yaml.ScalarNode):
            # the parent line goes: the place stands alone
            line_start = text.rfind("\n", 0, parent.start_mark.index) + 1
            line_end = text.find("\n", parent.end_mark.index) + 1
            out.append(Mutant("rule", rel, line_start, line_end, "\n", f"{pid}: drop parent {parent.value}"))
    return out


def model_mutants(root: Path = ROOT) -> list[Mutant]:
    """rules/model.yaml's layering: each neighbouring pair of the most-restrictive order swapped;
    the fallback replaced by the most restrictive plain policy (judicial-warrant-only)."""
    path = root / "rules" / "model.yaml"
    rel = path.relative_to(root).as_posix()
    text = path.read_text(encoding="utf-8")
    tree = yaml.compose(text)
    layering = dict(_pairs(tree)).get("layering") if tree is not None else None
    out: list[Mutant] = []
    if layering is None:
        return out
    fields = dict(_pairs(layering))
    order = fields.get("most_restrictive_first")
    if isinstance(order, yaml.SequenceNode):
        names = [str(n.value) for n in order.value]
        for i in range(len(names) - 1):
            swapped = [*names[:i], names[i + 1], names[i], *names[i + 2 :]]
            out.append(
                Mutant(
                    "rule",
                    rel,
                    *_flow_list(order, text, swapped),
                    f"layering: swap {names[i]} and {names[i + 1]}",
                )
            )
    fallback = fields.get("fallback")
    if isinstance(fallback, yaml.ScalarNode):
        out.append(
            Mutant(
                "rule",
                rel,
                *_scalar(fallback, text, "judicial-warrant-only"),
                f"layering: fallback {fallback.value} -> judicial-warrant-only",
            )
        )
    return out


def _ruleset_mutants(rel: str, text: str, tree: yaml.Node) -> Iterator[Mutant]:
    """A rule set's own switches: ``mandate`` turned off; the default reading set to each other one."""
    fields = dict(_pairs(tree))
    rs_id = str(fields["id"].value) if "id" in fields else rel
    mandate = fields.get("mandate")
    if isinstance(mandate, yaml.ScalarNode) and mandate.value == "true":
        start, end = mandate.start_mark.index, mandate.end_mark.index
        yield Mutant("rule", rel, start, end, "false", f"{rs_id}: mandate true -> false")
    readings = fields.get("readings")
    if isinstance(readings, yaml.MappingNode):
        parts = dict(_pairs(readings))
        default, options = parts.get("default"), parts.get("options")
        if isinstance(default, yaml.ScalarNode) and isinstance(options, yaml.MappingNode):
            for other, _ in _pairs(options):
                if other != default.value:
                    start, end = default.start_mark.index, default.end_mark.index
                    yield Mutant(
                        "rule", rel, start, end, other, f"{rs_id}: default reading {default.value} -> {other}"
                    )


def expression_mutants(text: str) -> Iterator[tuple[str, str]]:
    """Each one-point change of an expression, as (new text, description)."""
    tree = ast.parse(" ".join(text.split()), mode="eval")
    count = len(list(ast.walk(tree)))
    for i in range(count):
        original = list(ast.walk(tree))[i]
        for variant in _variants(original):
            mutated = copy.deepcopy(tree)
            node = list(ast.walk(mutated))[i]
            what = variant(node)
            yield ast.unparse(mutated), what


def _variants(node: ast.AST) -> list[Callable[[ast.AST], str]]:
    found: list[Callable[[ast.AST], str]] = []
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in BOUNDARY:

        def boundary(n: ast.AST) -> str:
            assert isinstance(n, ast.Compare)
            before = ast.unparse(n)
            n.ops = [BOUNDARY[type(n.ops[0])]()]
            return f"{before} -> {ast.unparse(n)}"

        found.append(boundary)
    if isinstance(node, ast.BoolOp):
        for k in range(len(node.values)):

            def drop(n: ast.AST, k: int = k) -> str:
                assert isinstance(n, ast.BoolOp)
                gone = ast.unparse(n.values[k])
                del n.values[k]
                return f"drop operand {gone}"

            found.append(drop)

        def swap(n: ast.AST) -> str:
            assert isinstance(n, ast.BoolOp)
            n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()
            return f"swap to {type(n.op).__name__.lower()}: {ast.unparse(n)}"

        found.append(swap)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):

        def drop_not(n: ast.AST) -> str:
            assert isinstance(n, ast.UnaryOp)
            inner = n.operand
            n.__class__ = ast.BoolOp  # type: ignore[assignment]  # unparses as the bare operand
            n.op, n.values = ast.And(), [inner]  # type: ignore[assignment, attr-defined]
            return f"drop not before {ast.unparse(inner)}"

        found.append(drop_not)
    if isinstance(node, ast.Constant) and type(node.value) is int:
        for delta in (-1, 1):

            def shift(n: ast.AST, delta: int = delta) -> str:
                assert isinstance(n, ast.Constant)
                before = int(n.value)  # type: ignore[arg-type]
                n.value = before + delta
                return f"number {before} -> {n.value}"

            found.append(shift)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "date":
        for delta in (-1, 1):

            def move(n: ast.AST, delta: int = delta) -> str:
                assert isinstance(n, ast.Call)
                assert isinstance(n.args[0], ast.Constant)
                before = dt.date.fromisoformat(str(n.args[0].value))
                n.args[0].value = (before + dt.timedelta(days=delta)).isoformat()
                return f"date {before} -> {n.args[0].value}"

            found.append(move)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("has_any", "has_all")
    ):
        listed = node.args[1] if len(node.args) > 1 else None
        if isinstance(listed, ast.List) and len(listed.elts) > 1:
            for k in range(len(listed.elts)):

                def drop_member(n: ast.AST, k: int = k) -> str:
                    assert isinstance(n, ast.Call)
                    assert isinstance(n.args[1], ast.List)
                    gone = ast.unparse(n.args[1].elts[k])
                    del n.args[1].elts[k]
                    return f"drop list member {gone}"

                found.append(drop_member)
    return found


# ---------------------------------------------------------------------------------------------
# code mutants: (file, exact text, replacement, description); each text must occur exactly once

CODE = [
    (
        "src/detainer_model/core/evaluate.py",
        "            fired.setdefault(part.rule_of[key], None)\n    return list(fired)",
        "            fired.setdefault(part.rule_of[key], None)\n"
        "    return [r.id for r in stratum.rules if r.predicate(values)]",
        "evaluate.fire asks the engine, then returns the reference answer",
    ),
    (
        "src/detainer_model/core/evaluate.py",
        '    if backend == "reference":\n        return [r.id for r in stratum.rules if r.predicate(values)]',
        "    return [r.id for r in stratum.rules if r.predicate(values)]",
        "evaluate.fire skips the engine",
    ),
    (
        "src/detainer_model/core/evaluate.py",
        "    fired = [r for r in stratum.rules if r.id in fired_set]",
        "    fired = [r for r in reversed(stratum.rules) if r.id in fired_set]",
        "decide takes fired rules in reverse order",
    ),
    (
        "src/detainer_model/core/engine.py",
        "            return tuple(dict.fromkeys(ids[f] for f in fired if f != _ALWAYS_RULE))",
        "            return tuple(reversed(dict.fromkeys(ids[f] for f in fired if f != _ALWAYS_RULE)))",
        "RuleEngine.fire returns the firings in reverse order",
    ),
    (
        "src/detainer_model/core/engine.py",
        "            return tuple(dict.fromkeys(ids[f] for f in fired if f != _ALWAYS_RULE))",
        "            return tuple(dict.fromkeys(ids[f] for f in fired if f != _ALWAYS_RULE))[:1]",
        "RuleEngine.fire returns only the first firing",
    ),
    (
        "src/detainer_model/core/evaluate.py",
        "        if not rs.effective.contains(day):",
        "        if not rs.effective.contains(day + dt.timedelta(days=1)):",
        "_warnings tests the day after the booking",
    ),
    (
        "src/detainer_model/rulebook/rulefile.py",
        "(self.to is None or day <= self.to)",
        "(self.to is None or day < self.to)",
        "Effective.contains excludes its last day",
    ),
    (
        "src/detainer_model/rulebook/rulefile.py",
        "(self.from_ is None or day >= self.from_)",
        "(self.from_ is None or day > self.from_)",
        "Effective.contains excludes its first day",
    ),
    (
        "src/detainer_model/rulebook/expressions.py",
        "            return d is not None and d >= years_before(f[anchor], years)",
        "            return d is not None and d > years_before(f[anchor], years)",
        "within_years excludes its first day",
    ),
    (
        "src/detainer_model/rulebook/expressions.py",
        "        return day.replace(year=day.year - years)\n",
        "        return day.replace(year=day.year - years) + dt.timedelta(days=1)\n",
        "years_before is a day late",
    ),
    (
        "src/detainer_model/population/batch.py",
        '            found = tuple(fire(group, values, "engine"))',
        '            found = tuple(fire(group, values, "reference"))',
        "the population memo asks the reference evaluator",
    ),
    (
        "src/detainer_model/core/resolve.py",
        "            if beaters:",
        "            if beaters and False:",
        "settle ignores exception_to",
    ),
    (
        "src/detainer_model/core/facts.py",
        "        return len(labels), matched",
        "        return len(matched), matched",
        "distinct counts count every item",
    ),
    (
        "src/detainer_model/rulebook/expressions.py",
        "        return {member_key(node.ref, node.value): not negate}",
        "        return {member_key(node.ref, node.value): True}",
        "the engine form ignores a negated set membership",
    ),
    (
        "src/detainer_model/rulebook/expressions.py",
        "        return {given_key(node.ref.name): not negate}",
        "        return {given_key(node.ref.name): True}",
        "the engine form ignores a negated 'is given'",
    ),
    (
        "src/detainer_model/rulebook/expressions.py",
        '        return {"$and" if conj else "$or": parts}',
        '        return {"$or" if conj else "$and": parts}',
        "the engine form swaps and/or",
    ),
]
for _op, _wrong in (("==", "=="), ("!=", "!="), ("<", ">"), ("<=", ">="), (">", "<"), (">=", "<=")):
    _right = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}[_op]
    CODE.append(
        (
            "src/detainer_model/rulebook/expressions.py",
            f'"{_op}": "{_right}"',
            f'"{_op}": "{_wrong}"',
            f"_FLIP negates {_op} as {_wrong}",
        )
    )

# added with eras (issue 10) and places (issue 11): layering, era choice, readings, run's checks
CODE += [
    (
        "src/detainer_model/core/layers.py",
        "        if rank[answers[i]] <= rank[answers[best]]:",
        "        if rank[answers[i]] < rank[answers[best]]:",
        "deciding_layer: of equal answers the outermost layer's, not the most specific",
    ),
    (
        "src/detainer_model/core/layers.py",
        "    rank = {v: k for k, v in enumerate(order)}",
        "    rank = {v: k for k, v in enumerate(reversed(order))}",
        "deciding_layer: the least restrictive answer wins",
    ),
    (
        "src/detainer_model/core/layers.py",
        "            scope = i + 1",
        "            scope = len(answers)",
        "deciding_layer: a mandate no longer replaces the answers inside it",
    ),
    (
        "src/detainer_model/core/layers.py",
        "        Layer(p, rs) for p in lib.place_chain(place_id) if",
        "        Layer(p, rs) for p in reversed(lib.place_chain(place_id)) if",
        "layers_for lists the layers innermost first",
    ),
    (
        "src/detainer_model/core/layers.py",
        "        return join_ref(self.version.id, reading) if reading in self.version.readings "
        "else self.version.id",
        "        return self.version.id",
        "Layer.ref ignores a reading named with the place",
    ),
    (
        "src/detainer_model/core/evaluate.py",
        "        decisions[k],",
        "        decisions[-1],",
        "combine: the innermost layer's answer always stands",
    ),
    (
        "src/detainer_model/core/evaluate.py",
        "    regime = lib.resolve_regime(regime, case.booking_date)",
        "    regime = lib.resolve_regime(regime, case.booking_date + dt.timedelta(days=1))",
        "evaluate: auto picks the era in force the day after the booking",
    ),
    (
        "src/detainer_model/rulebook/library.py",
        "            if rs.effective.contains(day):",
        "            if rs.effective.contains(day - dt.timedelta(days=1)):",
        "version_in_force: a place's version takes effect a day late",
    ),
    (
        "src/detainer_model/rulebook/library.py",
        "if self.rulesets[r].effective.contains(day)]",
        "if self.rulesets[r].effective.contains(day - dt.timedelta(days=1))]",
        "era: auto picks the era in force the day before",
    ),
    (
        "src/detainer_model/rulebook/library.py",
        "            return self.default_reading",
        "            return self.readings[0] if self.readings else None",
        "RuleSet.reading: the first reading listed stands in for the declared default",
    ),
    (
        "src/detainer_model/core/runner.py",
        "            status, mismatches = check_case(case, decisions + checked)",
        "            status, mismatches = check_case(case, decisions)",
        "run: the expectations under other eras and readings are not checked",
    ),
    (
        "src/detainer_model/core/runner.py",
        "            checked = tuple(evaluate(case, regime, rules=lib, backend=backend) for regime in extra)",
        '            checked = tuple(evaluate(case, regime.split(":")[0], rules=lib, backend=backend) '
        "for regime in extra)",
        "run: an expectation under a named reading is checked under the default reading",
    ),
    (
        "src/detainer_model/population/batch.py",
        "        cond = cond & (day >= eff.from_)",
        "        cond = cond & (day > eff.from_)",
        "batch auto: an era starts a day late",
    ),
    (
        "src/detainer_model/population/batch.py",
        "        cond = cond & (day <= eff.to)",
        "        cond = cond & (day < eff.to)",
        "batch auto: an era ends a day early",
    ),
    (
        "src/detainer_model/population/batch.py",
        "        per_layer = [run.local(place, layer.ref(reading), part) for layer in layers]",
        "        per_layer = [run.local(place, layer.version.id, part) for layer in layers]",
        "batch ignores a reading named with the place",
    ),
    (
        "src/detainer_model/population/batch.py",
        "                deciding_layer(list(row), mandates, rule.most_restrictive_first) "
        "for row in combos.iter_rows()",
        "                deciding_layer(list(row), [False] * len(mandates), rule.most_restrictive_first)\n"
        "                for row in combos.iter_rows()",
        "batch: a mandate no longer replaces the answers inside it",
    ),
]

# The tests each mutated file is checked against (after `run scenarios/`): the ones that exercise
# it, fast ones first. A file not listed here is checked against the whole suite (tests/).
_PLACES = "tests/test_places.py::"
PLACES_FAST = tuple(
    _PLACES + t
    for t in (
        "test_sf_2018_applies_sb54_and_chapter_12i",
        "test_chicago_2016_pep_notification_for_a_prior_felon_is_answered",
        "test_cook_county_2018_hold_is_declined_under_illinois_trust",
        "test_the_place_scenarios_pass_their_expectations",
        "test_before_the_first_version_the_place_cooperates_fully",
        "test_adding_a_more_restrictive_layer_never_loosens_the_answer",
        "test_a_mandate_binds_only_the_places_inside_it",
        "test_texas_sb4_overrides_a_county_decline",
        "test_layers_are_outermost_first",
        "test_california_mid_2014_declines_by_default_and_holds_as_written",
        "test_a_reading_no_layer_declares_is_refused",
    )
)
RUNNER_TESTS = ("tests/test_scenarios_by_reading.py", "tests/test_cli_run.py")
BATCH_TESTS = (
    SCENARIO_BATCH,
    "tests/test_engine_decides.py",
    _PLACES + "test_a_batch_of_place_bookings_gives_each_person_the_single_case_answer",
    "tests/test_readings.py::test_batch_honours_readings",
    "tests/test_law_boundaries.py::test_a_batch_under_auto_switches_era_on_the_same_days",
)
CODE_TESTS: dict[str, tuple[str, ...]] = {
    "src/detainer_model/core/evaluate.py": TESTS + PLACES_FAST,
    "src/detainer_model/core/engine.py": TESTS,
    "src/detainer_model/core/layers.py": ("tests/test_law_boundaries.py", *PLACES_FAST),
    "src/detainer_model/core/resolve.py": TESTS,
    "src/detainer_model/core/facts.py": TESTS,
    "src/detainer_model/core/runner.py": RUNNER_TESTS,
    "src/detainer_model/rulebook/expressions.py": (*TESTS, "tests/test_expressions.py"),
    "src/detainer_model/rulebook/rulefile.py": TESTS,
    "src/detainer_model/rulebook/library.py": (*TESTS, "tests/test_readings.py", *PLACES_FAST),
    "src/detainer_model/population/batch.py": BATCH_TESTS,
}
FULL_SUITE = ("tests/",)


def code_mutants(root: Path = ROOT) -> list[Mutant]:
    out = []
    for rel, old, new, what in CODE:
        text = (root / rel).read_text(encoding="utf-8")
        at = text.find(old)
        if at < 0 or text.find(old, at + 1) >= 0:
            raise SystemExit(
                f"tools/mutation.py: the code mutant '{what}' no longer matches {rel} exactly once"
            )
        out.append(Mutant("code", rel, at, at + len(old), new, what))
    return out


# ---------------------------------------------------------------------------------------------
# running


def _copy(top: Path) -> None:
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(
                src, top / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
            )
        elif src.exists():
            shutil.copy2(src, top / name)


def _check(top: Path, tests: tuple[str, ...]) -> dict[str, str | None]:
    """In a forked child: load the rules, run the scenarios, then the tests; say what failed."""
    sys.path.insert(0, str(top / "src"))
    os.chdir(top)
    from detainer_model import load_rules  # imported here, from the (mutated) copy

    try:
        load_rules()
    except Exception as exc:  # the loader refused the mutant
        return {"verdict": "invalid", "by": f"{type(exc).__name__}"}
    from detainer_model.cli import main as cli

    if cli(["run", "scenarios/", "--format", "json"]) != 0:
        return {"verdict": "killed", "by": "run scenarios/"}
    import pytest

    class Failed:
        first: str | None = None

        def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
            if report.failed and Failed.first is None:
                Failed.first = report.nodeid

    if pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests], plugins=[Failed()]) != 0:
        return {"verdict": "killed", "by": Failed.first or "pytest"}
    return {"verdict": "survived", "by": None}


def _in_child(top: Path, tests: tuple[str, ...], timeout: int) -> dict[str, str | None]:
    """Run :func:`_check` in a forked child (no interpreter start-up per mutant), with a time limit."""
    out = top / ".mutation-result.json"
    out.unlink(missing_ok=True)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 3
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            out.write_text(json.dumps(_check(top, tests)), encoding="utf-8")
            code = 0
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"verdict": "killed", "by": "timed out"}
        time.sleep(0.05)
    if not out.exists():
        return {"verdict": "killed", "by": f"crashed (status {status})"}
    result: dict[str, str | None] = json.loads(out.read_text(encoding="utf-8"))
    return result


def _tests_for(m: Mutant, args: argparse.Namespace) -> tuple[str, ...]:
    """The tests a mutant is checked against (after ``run scenarios/``)."""
    if args.full_suite:
        return FULL_SUITE
    if args.tests:
        return tuple(args.tests)
    if m.kind == "rule":
        return TESTS
    return CODE_TESTS.get(m.path, FULL_SUITE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules-only", action="store_true", help="only rule-file mutants")
    parser.add_argument("--code-only", action="store_true", help="only code mutants")
    parser.add_argument(
        "--sample", type=int, help="run a random sample of N rule mutants (code mutants all run)"
    )
    parser.add_argument("--seed", type=int, default=14, help="seed for --sample (default 14)")
    parser.add_argument("--match", help="only mutants whose description contains this text")
    parser.add_argument(
        "--tests",
        nargs="*",
        help="test files for the pytest step of every mutant (default: the fast behavioural files for "
        "rule mutants; for a code mutant, the tests mapped to its file, or the whole suite)",
    )
    parser.add_argument(
        "--full-suite", action="store_true", help="check every mutant against the whole suite (tests/)"
    )
    parser.add_argument(
        "--timeout", type=int, default=300, help="seconds per check before a mutant counts as killed"
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--skip", type=Path, help="leave out the mutants already run in this --json file")
    parser.add_argument("--rerun", type=Path, help="run again only the survivors listed in this --json file")
    args = parser.parse_args(argv)

    rules = [] if args.code_only else rule_mutants()
    code = [] if args.rules_only else code_mutants()
    if args.match:
        rules = [m for m in rules if args.match in m.label()]
        code = [m for m in code if args.match in m.label()]
    if args.skip:
        done = {r["mutant"] for r in json.loads(args.skip.read_text(encoding="utf-8"))}
        rules = [m for m in rules if m.label() not in done]
        code = [m for m in code if m.label() not in done]
    total_rules = len(rules)
    if args.sample is not None and args.sample < len(rules):
        rules = sorted(random.Random(args.seed).sample(rules, args.sample), key=rules.index)
    if args.rerun:
        previous = json.loads(args.rerun.read_text(encoding="utf-8"))
        again = {r["mutant"] for r in previous if r["verdict"] == "survived"}
        rules = [m for m in rules if m.label() in again]
        code = [m for m in code if m.label() in again]
    # code mutants first, each importing the package afresh; then the package is imported once
    # here and every rule mutant's check inherits it (the rules are re-read: they are cached by content)
    mutants = code + rules
    if args.list:
        for m in mutants:
            print(f"{m.kind:4}  {m.label()}")
        print(f"{len(rules)} rule mutants (of {total_rules}), {len(code)} code mutants")
        return 0

    for heavy in ("durable.engine", "pydantic", "polars", "click", "rich", "jinja2", "hypothesis", "pytest"):
        __import__(heavy)  # once, here, so that every forked check starts with them loaded
    results: list[dict[str, str | None]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dm-mutation-") as tmp:
        top = Path(tmp)
        _copy(top)
        os.environ["HYPOTHESIS_PROFILE"] = "ci"
        every = tuple(dict.fromkeys(t for m in mutants for t in _tests_for(m, args)))
        baseline = _in_child(top, FULL_SUITE if FULL_SUITE[0] in every else every, args.timeout)
        if baseline["verdict"] != "survived":
            print(
                f"the unmutated copy fails its own checks ({baseline['by']}); fix that first", file=sys.stderr
            )
            return 2
        originals = {m.path: (top / m.path).read_text(encoding="utf-8") for m in mutants}
        for n, m in enumerate(mutants, 1):
            if m.kind == "rule" and "detainer_model" not in sys.modules:
                sys.path.insert(0, str(top / "src"))
                for module in ("detainer_model.cli", "detainer_model.population", "detainer_model.teaching"):
                    __import__(module)
            m.apply(top)
            try:
                outcome = _in_child(top, _tests_for(m, args), args.timeout)
            finally:
                (top / m.path).write_text(originals[m.path], encoding="utf-8")
            verdict, by = outcome["verdict"] or "killed", outcome["by"]
            results.append({"kind": m.kind, "mutant": m.label(), "verdict": verdict, "by": by})
            mark = {"killed": "x", "survived": "SURVIVED", "invalid": "-"}[verdict]
            print(f"[{n}/{len(mutants)}] {mark:8} {m.label()}" + (f"  ({by})" if by else ""), flush=True)

    minutes = (time.monotonic() - started) / 60
    print(f"\n{len(mutants)} mutants in {minutes:.1f} minutes")
    for kind in ("rule", "code"):
        mine = [r for r in results if r["kind"] == kind]
        scored = [r for r in mine if r["verdict"] != "invalid"]
        if not scored:
            continue
        killed = sum(r["verdict"] == "killed" for r in scored)
        invalid = len(mine) - len(scored)
        sample = (
            f" (a sample of {len(rules)} of {total_rules})"
            if kind == "rule" and len(rules) < total_rules
            else ""
        )
        print(
            f"{kind} mutants{sample}: {killed}/{len(scored)} killed = {100 * killed / len(scored):.1f}%"
            + (f"; {invalid} invalid (refused by the loader), not scored" if invalid else "")
        )
        for r in scored:
            if r["verdict"] == "survived":
                print(f"  survived: {r['mutant']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
