"""Explanations: how each answer of a decision was derived, as a tree a student can follow.

For every answer (``request``, ``outcome`` ...) the explanation names the rules that decided it,
with their plain-language summaries and sources, and the facts that made each rule's condition
true. A fact that the rule files define (a *definition*, such as "felony convictions other than
state immigration offenses") is expanded in turn: its own summary and source, the convictions or
charges it counted, and the definitions it reads, down to the facts of the case. An answer that
no rule decided shows its default and why each rule that could have decided it did not apply.
Rules that applied but gave way to an exception, and exceptions that did not apply, are shown
too.

:func:`why_not` answers "why did this rule not fire?": it walks the rule's condition and reports
the comparisons that failed, with the values the case had.

Nothing here decides anything: it reads a :class:`~detainer_model.core.evaluate.Decision` and the
rule files' own trees.
"""

from __future__ import annotations

import html
from collections import ChainMap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.evaluate import DISCLAIMER, Backend, Decision, evaluate
from ..core.facts import items_of
from ..core.models import Case
from ..errors import UnknownIdError, suggest
from ..rulebook import expressions as ex
from ..rulebook.library import Composition, LoadedDefinition, LoadedRule, RuleLibrary, load_rules
from .reasons import Leaf, show_value, why

FactKind = Literal["fact", "parameter", "definition", "answer"]
WhyNotStatus = Literal["fired", "overridden", "failed"]


# ---------------------------------------------------------------------------------------------
# The tree


@dataclass(frozen=True)
class Item:
    """A conviction or charge that a definition counted."""

    group: str
    index: int
    text: str


@dataclass(frozen=True)
class FactNode:
    """A fact a condition read: a fact of the case, a parameter, a definition or another answer."""

    name: str
    value: Any
    kind: FactKind
    summary: str | None = None
    source: str | None = None
    written: str | None = None  # a definition's expression, as the rule file writes it
    items: tuple[Item, ...] = ()
    because: tuple[Leaf, ...] = ()
    children: tuple[FactNode, ...] = ()
    decided_by: tuple[str, ...] = ()
    not_counted: tuple[tuple[Item, tuple[Leaf, ...]], ...] = ()  # in why-not answers only
    not_applied_by: tuple[str, ...] = ()  # for an answer left at its default: the rules that could decide it

    def label(self) -> str:
        """``name = value``, with what kind of fact it is."""
        tag = {"fact": "", "parameter": " (parameter)", "definition": "", "answer": " (answer)"}[self.kind]
        shown = show_value(self.value, "null" if self.kind == "answer" else "not given")
        return f"{self.name} = {shown}{tag}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _jsonable(self.value),
            "kind": self.kind,
            "summary": self.summary,
            "source": self.source,
            "written": self.written,
            "counted": [{"group": i.group, "index": i.index, "text": i.text} for i in self.items],
            "because": [leaf.text() for leaf in self.because],
            "facts": [c.to_dict() for c in self.children],
            "decided_by": list(self.decided_by),
            "not_applied": list(self.not_applied_by),
            "not_counted": [
                {"group": i.group, "index": i.index, "text": i.text, "failed": [leaf.text() for leaf in ls]}
                for i, ls in self.not_counted
            ],
        }


@dataclass(frozen=True)
class NotApplied:
    """A rule whose condition was false, with the comparisons that failed."""

    rule: LoadedRule
    failing: tuple[Leaf, ...]
    facts: tuple[FactNode, ...] = ()

    def text(self) -> str:
        return f"{self.rule.id} does not apply: {'; '.join(leaf.text() for leaf in self.failing)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "summary": _oneline(self.rule.summary),
            "source": self.rule.cite(),
            "failed": [leaf.text() for leaf in self.failing],
            "facts": [f.to_dict() for f in self.facts],
        }


@dataclass(frozen=True)
class RuleNode:
    """A rule that fired and decided an answer, and why its condition held."""

    rule: LoadedRule
    concluded: Mapping[str, Any]
    because: tuple[Leaf, ...]
    facts: tuple[FactNode, ...]
    beat: tuple[str, ...] = ()
    exceptions: tuple[NotApplied, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "ruleset": self.rule.ruleset,
            "concluded": {k: _jsonable(v) for k, v in self.concluded.items()},
            "summary": _oneline(self.rule.summary),
            "source": self.rule.cite(),
            "verification": self.rule.verification,
            "condition": ex.render(self.rule.condition),
            "because": [leaf.text() for leaf in self.because],
            "facts": [f.to_dict() for f in self.facts],
            "overrode": list(self.beat),
            "exceptions_not_applied": [e.to_dict() for e in self.exceptions],
            "notes": _oneline(self.rule.rule.notes) if self.rule.rule.notes else None,
        }


@dataclass(frozen=True)
class AnswerNode:
    """One answer of the decision and how it was reached."""

    name: str
    value: Any
    summary: str
    reported: bool
    rules: tuple[RuleNode, ...]
    not_applied: tuple[NotApplied, ...] = ()
    overridden: tuple[tuple[str, str], ...] = ()  # (rule that gave way, the exception that beat it)

    @property
    def by_default(self) -> bool:
        return not self.rules

    def label(self) -> str:
        tail = " (the default: no rule decided it)" if self.by_default else ""
        internal = "" if self.reported else " (internal)"
        return f"{self.name} = {show_value(self.value, 'null')}{internal}{tail}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.name,
            "value": _jsonable(self.value),
            "reported": self.reported,
            "summary": self.summary,
            "default": self.by_default,
            "rules": [r.to_dict() for r in self.rules],
            "not_applied": [n.to_dict() for n in self.not_applied],
            "overridden": [{"rule": r, "by": by} for r, by in self.overridden],
        }


@dataclass(frozen=True)
class WhyNot:
    """The answer to "why did this rule not fire?" for one decision."""

    rule: LoadedRule
    status: WhyNotStatus
    failing: tuple[Leaf, ...] = ()
    facts: tuple[FactNode, ...] = ()
    by: str | None = None

    def text(self) -> str:
        rid = self.rule.id
        if self.status == "fired":
            return f"{rid} did fire: its condition holds ({ex.render(self.rule.condition)})."
        if self.status == "overridden":
            return (
                f"{rid}'s condition holds, but it gave way to its exception {self.by}, which applied as well."
            )
        failed = "; ".join(leaf.text() for leaf in self.failing)
        return f"{rid} did not fire: {failed}."

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "status": self.status,
            "condition": ex.render(self.rule.condition),
            "failed": [leaf.text() for leaf in self.failing],
            "overridden_by": self.by,
            "facts": [f.to_dict() for f in self.facts],
            "text": self.text(),
        }


@dataclass(frozen=True)
class Explanation:
    """How every answer of one decision was derived."""

    case: Case
    decision: Decision
    answers: tuple[AnswerNode, ...]
    why_not: WhyNot | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        d = self.decision
        return f"{self.case.id}: {d.label} @ {d.jurisdiction_ref}"

    def __repr__(self) -> str:
        decided = ", ".join(f"{a.name}={show_value(a.value, 'null')}" for a in self.answers if a.reported)
        return f"<Explanation {self.title}: {decided}>"

    def cited_rules(self) -> set[str]:
        """Every rule the explanation says decided an answer."""
        return {r.rule.id for a in self.answers for r in a.rules}

    def to_dict(self) -> dict[str, Any]:
        d = self.decision
        return {
            "case": self.case.id,
            "title": self.case.title,
            "regime": d.regime,
            "reading": d.reading,
            "jurisdiction": d.jurisdiction,
            "jurisdiction_reading": d.jurisdiction_reading,
            "booking_date": d.booking_date.isoformat(),
            "params": dict(d.params),
            "answers": [a.to_dict() for a in self.answers],
            "warnings": list(d.warnings),
            "why_not": self.why_not.to_dict() if self.why_not else None,
            "notes": list(self.notes),
        }

    # --- text ------------------------------------------------------------------------------
    def lines(self) -> list[str]:
        """The tree as indented plain text (two spaces a level)."""
        out = [f"{self.title} (booked {self.decision.booking_date})"]
        for a in self.answers:
            out.extend(_answer_lines(a, 1))
        for w in self.decision.warnings:
            out.append(f"warning: {w}")
        if self.why_not:
            out.append(f"why not: {self.why_not.text()}")
            for f in self.why_not.facts:
                out.extend(_fact_lines(f, 1))
        out.extend(f"note: {n}" for n in self.notes)
        return out

    def to_markdown(self) -> str:
        lines = [f"### {_md(self.title)}", "", f"Booked {self.decision.booking_date}.", ""]
        for a in self.answers:
            lines.extend(_answer_md(a))
        if self.decision.warnings:
            lines.append("")
            lines.extend(f"> ⚠ {_md(w)}" for w in self.decision.warnings)
        if self.why_not:
            lines += ["", f"**Why not `{self.why_not.rule.id}`?** {_md(self.why_not.text())}", ""]
            for f in self.why_not.facts:
                lines.extend(_fact_md(f, 0))
        lines.extend(f"\n*{_md(n)}*" for n in self.notes)
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        items = "".join(_answer_html(a) for a in self.answers)
        warnings = "".join(f"<p>⚠ {html.escape(w)}</p>" for w in self.decision.warnings)
        why = ""
        if self.why_not:
            facts = "".join(_fact_html(f) for f in self.why_not.facts)
            why = f"<p><b>Why not?</b> {html.escape(self.why_not.text())}</p><ul>{facts}</ul>"
        return (
            f"<div><b>{html.escape(self.title)}</b> (booked {self.decision.booking_date})"
            f"<ul>{items}</ul>{warnings}{why}<small>{DISCLAIMER}</small></div>"
        )


# ---------------------------------------------------------------------------------------------
# Building


def decision_values(decision: Decision, comp: Composition) -> dict[str, Any]:
    """Every name the rules read, with the value it had when the decision was made."""
    values = dict(decision.facts.values)
    for name, value in decision.answers.items():
        values[name] = frozenset(value) if comp.outputs[name].type == "set" else value
    return values


def explain(
    case: Case,
    regime: str = "secure-communities",
    jurisdiction: str | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    rules: RuleLibrary | None = None,
    why_not: str | None = None,
    backend: Backend = "engine",
) -> Explanation:
    """Evaluate ``case`` and explain the decision (and, if asked, why ``why_not`` did not fire)."""
    lib = rules or load_rules()
    if why_not is not None:
        lib.rule(why_not)
    decision = evaluate(case, regime, jurisdiction, params=params, rules=lib, backend=backend)
    return explain_decision(decision, case, lib, why_not=why_not)


def explain_decision(
    decision: Decision, case: Case, lib: RuleLibrary, *, why_not: str | None = None
) -> Explanation:
    """Explain a decision already made for ``case``."""
    comp = lib.composition(decision.regime_ref, decision.local_ref)
    builder = _Builder(decision, case, comp)
    answers = tuple(builder.answer(name) for name in answer_order(comp))
    wn = None
    notes: list[str] = []
    if why_not is not None:
        rule = lib.rule(why_not)
        if rule.id in comp.rules:
            wn = builder.why_not(rule)
        else:
            notes.append(
                f"rule {rule.id} belongs to {rule.ruleset}, which is not part of "
                f"{decision.label} @ {decision.jurisdiction_ref}"
            )
    return Explanation(case, decision, answers, wn, tuple(notes))


def answer_order(comp: Composition) -> list[str]:
    """Answers in the order they are settled (the order a derivation reads)."""
    order: list[str] = []
    for stratum in comp.strata:
        order.extend(f for f in comp.outputs if f in stratum.fields and f not in order)
    order.extend(f for f in comp.outputs if f not in order)
    return order


def why_not(decision: Decision, case: Case, lib: RuleLibrary, rule_id: str) -> WhyNot:
    """Why ``rule_id`` did or did not fire in ``decision`` (the rule must be part of it)."""
    comp = lib.composition(decision.regime_ref, decision.local_ref)
    rule = lib.rule(rule_id)
    if rule.id not in comp.rules:
        raise UnknownIdError(
            f"rule '{rule_id}' is not part of {decision.label} @ {decision.jurisdiction_ref}"
            f"{suggest(rule_id, comp.rules)}"
        )
    return _Builder(decision, case, comp).why_not(rule)


class _Builder:
    def __init__(self, decision: Decision, case: Case, comp: Composition) -> None:
        self.decision = decision
        self.case = case
        self.comp = comp
        self.values = decision_values(decision, comp)
        self.defs: dict[str, LoadedDefinition] = {d.id: d for d in comp.definitions}
        self.items: dict[str, list[dict[str, Any]]] = {}
        self.deciders_of: dict[str, list[str]] = {}
        for f in decision.findings:
            for k in f.concluded:
                self.deciders_of.setdefault(k, []).append(f.rule.id)
        self.lib = comp.library

    # answers ----------------------------------------------------------------------------------
    def answer(self, name: str) -> AnswerNode:
        decl = self.comp.outputs[name]
        value = self.decision.answers[name]
        nodes = tuple(
            self.rule_node(f.rule, f.concluded, name) for f in self.decision.findings if name in f.concluded
        )
        overridden = tuple((o.rule.id, o.by.id) for o in self.decision.overridden if o.field == name)
        not_applied: tuple[NotApplied, ...] = ()
        if not nodes:
            not_applied = tuple(
                self.not_applied(r) for r in self.comp.deciders.get(name, ()) if not r.predicate(self.values)
            )
        return AnswerNode(name, value, _oneline(decl.summary), decl.report, nodes, not_applied, overridden)

    def rule_node(self, rule: LoadedRule, concluded: Mapping[str, Any], name: str) -> RuleNode:
        _ok, leaves = why(rule.condition, self.values)
        beat = tuple(o.rule.id for o in self.decision.overridden if o.by.id == rule.id and o.field == name)
        exceptions = tuple(
            self.not_applied(o)
            for o in self.comp.rules.values()
            if rule.id in self.comp.beats.get(o.id, frozenset())
            and name in o.rule.then
            and not o.predicate(self.values)
        )
        return RuleNode(rule, dict(concluded), tuple(leaves), self.facts_of(leaves), beat, exceptions)

    def not_applied(self, rule: LoadedRule) -> NotApplied:
        _ok, leaves = why(rule.condition, self.values)
        return NotApplied(rule, tuple(leaves), self.facts_of(leaves))

    def why_not(self, rule: LoadedRule) -> WhyNot:
        if rule.id in self.decision.fired:
            return WhyNot(rule, "fired")
        beaten = [o for o in self.decision.overridden if o.rule.id == rule.id]
        if beaten:
            return WhyNot(rule, "overridden", by=beaten[0].by.id)
        ok, leaves = why(rule.condition, self.values)
        if ok:  # pragma: no cover - a rule whose condition holds either decides or gives way
            return WhyNot(rule, "fired")
        return WhyNot(rule, "failed", tuple(leaves), self.facts_of(leaves, expand_answers=True))

    # facts ------------------------------------------------------------------------------------
    def facts_of(self, leaves: Iterable[Leaf], *, expand_answers: bool = False) -> tuple[FactNode, ...]:
        names = list(dict.fromkeys(leaf.name for leaf in leaves))
        return tuple(self.fact(n, (), expand_answers=expand_answers) for n in names)

    def fact(self, name: str, trail: tuple[str, ...], *, expand_answers: bool = False) -> FactNode:
        value = self.values.get(name)
        if name in self.comp.outputs:
            decided = tuple(self.deciders_of.get(name, ()))
            summary = _oneline(self.comp.outputs[name].summary)
            if expand_answers and not decided and not trail:
                # an answer left at its default: one step of why no rule decided it (a further
                # --why-not on one of those rules goes deeper)
                missing = [r for r in self.comp.deciders.get(name, ()) if not r.predicate(self.values)]
                leaves = _unique_leaves(leaf for r in missing for leaf in why(r.condition, self.values)[1])
                kids = tuple(self.fact(n, (*trail, name)) for n in _names(leaves))
                return FactNode(
                    name,
                    value,
                    "answer",
                    summary,
                    because=leaves,
                    children=kids,
                    decided_by=(),
                    not_applied_by=_ids(missing),
                )
            return FactNode(name, value, "answer", summary, decided_by=decided)
        if name.startswith("param."):
            pname = name.removeprefix("param.")
            entry = self.comp.parameters.get(pname)
            psummary = _oneline(entry[1].summary) if entry else None
            source = (
                self.lib.sources[entry[1].source].label
                if entry and entry[1].source in self.lib.sources
                else None
            )
            return FactNode(name, value, "parameter", psummary, source)
        d = self.defs.get(name)
        if d is None:
            return FactNode(name, value, "fact", self.fact_summary(name))
        return self.definition(d, trail, expand_answers)

    def definition(self, d: LoadedDefinition, trail: tuple[str, ...], expand: bool) -> FactNode:
        spec = d.definition
        value = self.values.get(d.id)
        pin = f", {spec.pinpoint}" if spec.pinpoint else ""
        source = f"{d.source.label}{pin} [{d.source.verification}]"
        if spec.expr is not None:
            written = _oneline(spec.expr)
            _ok, leaves = why(d.node, self.values)
            kids = tuple(
                self.fact(n, (*trail, d.id), expand_answers=expand) for n in _names(leaves) if n not in trail
            )
            return FactNode(
                d.id, value, "definition", _oneline(spec.summary), source, written, (), tuple(leaves), kids
            )
        group = spec.count or spec.any or "convictions"
        verb = "count" if spec.count else "any"
        where = f" where {_oneline(spec.where)}" if spec.where else ""
        distinct = f", distinct {spec.distinct}" if spec.distinct else ""
        written = f"{verb} {group}{where}{distinct}"
        counted = self.decision.facts.witnesses.get(d.id, ())
        items = tuple(Item(group, i, self.item_text(group, i)) for i in counted)
        outer = sorted(n for n in d.reads if n in self.defs or n.startswith("param."))
        kids = tuple(self.fact(n, (*trail, d.id), expand_answers=expand) for n in outer if n not in trail)
        rejected: list[tuple[Item, tuple[Leaf, ...]]] = []
        if expand:
            # for "why not": what kept each other conviction (or charge) out of the count
            for i, item in enumerate(self.case_items(group)):
                if i not in counted:
                    _ok, leaves = why(d.node, ChainMap(item, self.values))
                    rejected.append((Item(group, i, self.item_text(group, i)), tuple(leaves)))
        return FactNode(
            d.id,
            value,
            "definition",
            _oneline(spec.summary),
            source,
            written,
            items,
            (),
            kids,
            not_counted=tuple(rejected),
        )

    def case_items(self, group: str) -> list[dict[str, Any]]:
        if group not in self.items:
            self.items[group] = items_of(self.case, group)
        return self.items[group]

    def fact_summary(self, name: str) -> str | None:
        prefix, _, field_name = name.partition(".")
        v = self.lib.vocabulary
        decls = {"person": v.person_facts, "case": v.case_facts, "ice": v.ice_facts}.get(prefix, {})
        decl = decls.get(field_name)
        return _oneline(decl.definition) if decl else None

    def item_text(self, group: str, index: int) -> str:
        return describe_item(group, index, self.case_items(group)[index])


def describe_item(group: str, index: int, item: Mapping[str, Any]) -> str:
    """``conviction 2: Petty theft (2014-12-01, misdemeanor; 10 days of custody)``."""
    bits: list[str] = []
    if item.get("date") is not None:
        bits.append(str(item["date"]))
    head = ", ".join([*bits, str(item["level"])])
    extra: list[str] = []
    kinds = sorted(item.get("kinds") or ())
    if kinds:
        extra.append(", ".join(kinds))
    if group == "convictions":
        days = item.get("custody_days", 0)
        extra.append(f"{days} day{'s' if days != 1 else ''} of custody")
        label = item.get("incident")
        if label and not str(label).startswith("#"):
            extra.append(f"incident {label}")
        if item.get("release_date"):
            extra.append(f"released {item['release_date']}")
    elif item.get("probable_cause_found"):
        extra.append("probable cause found")
    noun = "conviction" if group == "convictions" else "charge"
    detail = "; ".join([head, *extra])
    return f"{noun} {index + 1}: {item['offense']} ({detail})"


def _unique_leaves(leaves: Iterable[Leaf]) -> tuple[Leaf, ...]:
    return tuple({leaf.text(): leaf for leaf in leaves}.values())


def _ids(rules: Iterable[LoadedRule]) -> tuple[str, ...]:
    return tuple(r.id for r in rules)


def _names(leaves: Iterable[Leaf]) -> list[str]:
    return list(dict.fromkeys(leaf.name for leaf in leaves))


def _oneline(text: str | None) -> str:
    return " ".join((text or "").split())


def _jsonable(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(map(str, value))
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------------------------
# Plain text, Markdown and HTML


def _answer_lines(a: AnswerNode, depth: int) -> list[str]:
    pad = "  " * depth
    out = [f"{pad}{a.label()}"]
    for r in a.rules:
        out.extend(_rule_lines(r, depth + 1))
    for rid, by in a.overridden:
        out.append(f"{pad}  {rid} applied too, but gave way to its exception {by}")
    for n in a.not_applied:
        out.append(f"{pad}  {n.text()}")
    return out


def _rule_lines(r: RuleNode, depth: int) -> list[str]:
    pad = "  " * depth
    out = [
        f"{pad}{r.rule.id}: {_oneline(r.rule.summary)}",
        f"{pad}  source: {r.rule.cite()}",
        f"{pad}  because: {'; '.join(leaf.text() for leaf in r.because)}",
    ]
    for f in r.facts:
        if f.kind != "fact":
            out.extend(_fact_lines(f, depth + 1))
    for rid in r.beat:
        out.append(f"{pad}  overrides {rid}")
    for e in r.exceptions:
        out.append(f"{pad}  exception {e.text()}")
    return out


def _fact_lines(f: FactNode, depth: int) -> list[str]:
    pad = "  " * depth
    about = f": {f.summary}" if f.summary and f.kind in ("definition", "parameter") else ""
    out = [f"{pad}{f.label()}{about}"]
    if f.decided_by:
        out.append(f"{pad}  decided by {', '.join(f.decided_by)}")
    if f.not_applied_by:
        out.append(f"{pad}  the default: {', '.join(f.not_applied_by)} did not apply")
    if f.source and f.kind == "definition":
        out.append(f"{pad}  source: {f.source}")
    if f.written:
        out.append(f"{pad}  defined as: {f.written}")
    if f.because:
        out.append(f"{pad}  because: {'; '.join(leaf.text() for leaf in f.because)}")
    for item in f.items:
        out.append(f"{pad}  counted {item.text}")
    for item, leaves in f.not_counted:
        out.append(f"{pad}  not counted {item.text}: {'; '.join(leaf.text() for leaf in leaves)}")
    for c in f.children:
        out.extend(_fact_lines(c, depth + 1))
    return out


def _md(text: str) -> str:
    text = text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
    return text.replace("<", "&lt;")  # no raw HTML from a scenario's text in a Markdown viewer


def _answer_md(a: AnswerNode) -> list[str]:
    out = [
        f"- **{_md(a.name)}** = `{show_value(a.value, 'null')}`"
        + (" *(internal)*" if not a.reported else "")
        + (" — the default: no rule decided it" if a.by_default else "")
    ]
    for r in a.rules:
        out.append(f"  - `{r.rule.id}`: {_md(_oneline(r.rule.summary))} *Source: {_md(r.rule.cite())}*")
        out.append(f"    - because: {_md('; '.join(leaf.text() for leaf in r.because))}")
        for f in r.facts:
            if f.kind != "fact":
                out.extend(_fact_md(f, 2))
        for rid in r.beat:
            out.append(f"    - overrides `{rid}`")
        for e in r.exceptions:
            out.append(f"    - exception {_md(e.text())}")
    for rid, by in a.overridden:
        out.append(f"  - `{rid}` applied too, but gave way to its exception `{by}`")
    for n in a.not_applied:
        out.append(f"  - {_md(n.text())}")
    return out


def _fact_md(f: FactNode, depth: int) -> list[str]:
    pad = "  " * depth
    about = f": {_md(f.summary)}" if f.summary and f.kind in ("definition", "parameter") else ""
    out = [f"{pad}- `{f.name}` = `{show_value(f.value)}`{about}"]
    if f.decided_by:
        out.append(f"{pad}  - decided by {', '.join(f'`{r}`' for r in f.decided_by)}")
    if f.not_applied_by:
        out.append(f"{pad}  - the default: {', '.join(f'`{r}`' for r in f.not_applied_by)} did not apply")
    if f.source and f.kind == "definition":
        out.append(f"{pad}  - source: {_md(f.source)}")
    if f.written:
        out.append(f"{pad}  - defined as: `{f.written}`")
    if f.because:
        out.append(f"{pad}  - because: {_md('; '.join(leaf.text() for leaf in f.because))}")
    for item in f.items:
        out.append(f"{pad}  - counted {_md(item.text)}")
    for item, leaves in f.not_counted:
        out.append(f"{pad}  - not counted {_md(item.text)}: {_md('; '.join(leaf.text() for leaf in leaves))}")
    for c in f.children:
        out.extend(_fact_md(c, depth + 1))
    return out


def _answer_html(a: AnswerNode) -> str:
    e = html.escape
    inner = ""
    for r in a.rules:
        facts = "".join(_fact_html(f) for f in r.facts if f.kind != "fact")
        exc = "".join(f"<li>exception {e(x.text())}</li>" for x in r.exceptions)
        beat = "".join(f"<li>overrides <code>{e(b)}</code></li>" for b in r.beat)
        inner += (
            f"<li><code>{e(r.rule.id)}</code>: {e(_oneline(r.rule.summary))} "
            f"<small>Source: {e(r.rule.cite())}</small><ul>"
            f"<li>because: {e('; '.join(leaf.text() for leaf in r.because))}</li>{facts}{beat}{exc}</ul></li>"
        )
    for rid, by in a.overridden:
        inner += f"<li><code>{e(rid)}</code> applied too, but gave way to <code>{e(by)}</code></li>"
    for n in a.not_applied:
        inner += f"<li>{e(n.text())}</li>"
    default = " (default)" if a.by_default else ""
    shown = e(show_value(a.value, "null"))
    return f"<li><b>{e(a.name)}</b> = <code>{shown}</code>{default}<ul>{inner}</ul></li>"


def _fact_html(f: FactNode) -> str:
    e = html.escape
    parts = []
    if f.source and f.kind == "definition":
        parts.append(f"<li>source: {e(f.source)}</li>")
    if f.written:
        parts.append(f"<li>defined as: <code>{e(f.written)}</code></li>")
    if f.because:
        parts.append(f"<li>because: {e('; '.join(leaf.text() for leaf in f.because))}</li>")
    parts.extend(f"<li>counted {e(i.text)}</li>" for i in f.items)
    parts.extend(
        f"<li>not counted {e(i.text)}: {e('; '.join(leaf.text() for leaf in ls))}</li>"
        for i, ls in f.not_counted
    )
    parts.extend(_fact_html(c) for c in f.children)
    about = f": {e(f.summary)}" if f.summary and f.kind in ("definition", "parameter") else ""
    shown = e(show_value(f.value, "null" if f.kind == "answer" else "not given"))
    return f"<li><code>{e(f.name)}</code> = <code>{shown}</code>{about}<ul>{''.join(parts)}</ul></li>"


def explanations_html(explanations: Sequence[Explanation]) -> str:
    """Several explanations side by side, for a notebook."""
    cells = "".join(
        f"<td style='vertical-align:top;text-align:left'>{x._repr_html_()}</td>" for x in explanations
    )
    return f"<table><tr>{cells}</tr></table>"
