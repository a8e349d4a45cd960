"""Contrasts: why two regimes (or two places) give one case different results, in plain words.

Where the decisions for one case differ, most differences follow from one: when ICE asks for
nothing, there is no form, no local response and no transfer. A *root* difference is one whose
deciding rules read no other answer that differs. For each root, the contrast names, for each
side, the rule that decided it and the facts its condition turned on; for a side where no rule
decided it (the answer took its default), the rules that could have decided it and the
comparisons that failed, followed one step back through the answers they read. When the facts
come from the person's record, the record is summarised, so that a student reads, for example:

    request: under secure-communities it is detainer, because sc.request.detainer applies
    (identified; removable; NILC ...); under pep it is none: no rule decides it, because every rule
    that could (pep.request.notification, pep.request.detainer) needs transfer_category, which is
    false: pep.transfer-category does not apply: priorities includes none of 1(a), 1(c), 1(d),
    1(e), 2(a), 2(b) (it holds nothing). The person's only conviction is a misdemeanor ...

Everything is read from the rule files and the decisions; nothing here knows a category, a form
or a threshold.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.evaluate import CONTRACT_FIELDS, Decision
from ..core.facts import items_of
from ..core.models import Case
from ..rulebook.library import Composition, LoadedRule, RuleLibrary
from .explain import decision_values
from .reasons import Leaf, show_value, why

MAX_DEPTH = 3
MAX_LISTED_ITEMS = 4


@dataclass(frozen=True)
class Side:
    """One value of a differing answer, the results that have it, and why."""

    labels: tuple[str, ...]
    value: Any
    rules: tuple[str, ...]
    by_default: bool
    reason: str
    sources: tuple[str, ...]

    def clause(self) -> str:
        where = " and ".join(self.labels)
        return f"under {where} it is {show_value(self.value, 'null')}{self.reason}"

    def to_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {
            "results": list(self.labels),
            "value": value,
            "default": self.by_default,
            "rules": list(self.rules),
            "why": self.reason.lstrip(":, ").strip(),
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class FieldContrast:
    """A root difference: one answer, its values, and the rules behind each."""

    field: str
    sides: tuple[Side, ...]

    def text(self) -> str:
        return f"{self.field}: " + "; ".join(s.clause() for s in self.sides) + "."

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "sides": [s.to_dict() for s in self.sides], "text": self.text()}


@dataclass(frozen=True)
class Contrast:
    """Why some results for one case differ: which answers, and the rules that make the difference."""

    case_id: str
    compared: tuple[str, ...]  # the labels of the results compared
    differ_on: tuple[str, ...]
    fields: tuple[FieldContrast, ...]
    record: str | None = None
    scope: str = ""  # "at san-francisco-2015" when regimes are compared in one of several places

    def text(self) -> str:
        """One or two sentences a student can read."""
        where = f"{_capital(self.scope)}, " if self.scope else ""
        head = f"{where}{_and(self.compared)} differ on {_and(self.differ_on)}."
        body = " ".join(f.text() for f in self.fields)
        tail = f" {_capital(self.record)}." if self.record else ""
        return f"{head} {body}{tail}"

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for f in self.fields for s in f.sides for r in s.rules))

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "compared": list(self.compared),
            "differ_on": list(self.differ_on),
            "fields": [f.to_dict() for f in self.fields],
            "record": self.record,
            "rules": list(self.rules),
            "text": self.text(),
        }

    def _repr_html_(self) -> str:
        return f"<p><b>Why they differ.</b> {html.escape(self.text())}</p>"


def contrasts(case: Case, decisions: Sequence[Decision], lib: RuleLibrary) -> list[Contrast]:
    """Every contrast among ``decisions`` for ``case``: regimes within each place, then places
    within each regime. Empty when the results agree."""
    places = list(dict.fromkeys(d.jurisdiction for d in decisions))
    regimes = list(dict.fromkeys(d.label for d in decisions))
    out: list[Contrast] = []
    for place in places:
        group = [d for d in decisions if d.jurisdiction == place]
        if len(group) > 1:
            scope = f"at {place}" if len(places) > 1 else ""
            found = contrast(case, group, lib, [d.label for d in group], scope=scope)
            if found:
                out.append(found)
    if len(places) > 1:
        for regime in regimes:
            group = [d for d in decisions if d.label == regime]
            if len(group) > 1:
                scope = f"under {regime}" if len(regimes) > 1 else ""
                found = contrast(case, group, lib, [d.jurisdiction for d in group], scope=scope)
                if found:
                    out.append(found)
    return out


def contrast(
    case: Case,
    decisions: Sequence[Decision],
    lib: RuleLibrary,
    labels: Sequence[str] | None = None,
    *,
    scope: str = "",
) -> Contrast | None:
    """Why ``decisions`` (for one case) differ, or None when they agree on every reported answer."""
    labels = list(labels or [f"{d.label} @ {d.jurisdiction_ref}" for d in decisions])
    differ = [k for k in CONTRACT_FIELDS if len({repr(d.get(k)) for d in decisions}) > 1]
    if not differ:
        return None
    views = [_View(d, case, lib.composition(d.regime_ref, d.local_ref)) for d in decisions]
    roots = [f for f in differ if not any(v.upstream(f) & set(differ) for v in views)]
    if not roots:  # pragma: no cover - strata are acyclic, so some difference is first
        roots = differ[:1]
    fields: list[FieldContrast] = []
    touches_record: set[str] = set()
    for f in roots:
        grouped: dict[tuple[str, tuple[str, ...]], tuple[list[str], Side]] = {}
        for view, label in zip(views, labels, strict=True):
            side, groups = view.side(f, label)
            touches_record |= groups
            key = (repr(side.value), side.rules)
            if key in grouped:
                grouped[key][0].append(label)
            else:
                grouped[key] = ([label], side)
        sides = tuple(
            Side(tuple(ls), s.value, s.rules, s.by_default, s.reason, s.sources) for ls, s in grouped.values()
        )
        fields.append(FieldContrast(f, sides))
    record = record_summary(case, lib, touches_record) if touches_record else None
    return Contrast(case.id, tuple(labels), tuple(differ), tuple(fields), record, scope)


def reason_for(decision: Decision, case: Case, lib: RuleLibrary, name: str, label: str = "") -> Side:
    """Why ``decision`` gives answer ``name`` its value: the rules that decided it and the facts
    they turned on, or, for a default, why no rule that could decide it applied."""
    view = _View(decision, case, lib.composition(decision.regime_ref, decision.local_ref))
    side, groups = view.side(name, label or decision.label)
    if groups:
        record = record_summary(case, lib, groups)
        reason = f"{side.reason}; {record}"
        side = Side(side.labels, side.value, side.rules, side.by_default, reason, side.sources)
    return side


class _View:
    """One decision, read for a contrast."""

    def __init__(self, decision: Decision, case: Case, comp: Composition) -> None:
        self.d = decision
        self.case = case
        self.comp = comp
        self.values = decision_values(decision, comp)
        self.defs = {x.id: x for x in comp.definitions}
        self.followed: list[LoadedRule] = []  # internal answers' rules a side's reason went through

    def deciding(self, name: str) -> list[LoadedRule]:
        return [f.rule for f in self.d.findings if name in f.concluded]

    def relevant(self, name: str) -> list[LoadedRule]:
        return self.deciding(name) or list(self.comp.deciders.get(name, ()))

    def upstream(self, name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """Answers read, directly or through internal answers, by the rules behind ``name``."""
        out: set[str] = set()
        for r in self.relevant(name):
            for n in r.reads:
                if n in self.comp.outputs and n not in seen and n != name:
                    out.add(n)
                    if n not in CONTRACT_FIELDS:
                        out |= self.upstream(n, seen | {name})
        return out

    def side(self, name: str, label: str) -> tuple[Side, set[str]]:
        value = self.d.get(name)
        groups: set[str] = set()
        self.followed = []
        rules = self.deciding(name)
        if rules:
            parts = []
            for r in rules:
                _ok, leaves = why(r.condition, self.values)
                text = f"{r.id} applies ({self._leaves(leaves, 1, groups)}"
                for o in self._exceptions(r, name):
                    _f, failing = why(o.condition, self.values)
                    text += f"; its exception {o.id} does not apply: {self._leaves(failing, 1, groups)}"
                parts.append(text + f"; {r.cite()})")
            reason = ", because " + " and ".join(parts)
            cited = [*rules, *self.followed]
            return Side((label,), value, _ids(cited), False, reason, _sources(cited)), groups
        deciders = list(self.comp.deciders.get(name, ()))
        if not deciders:
            return Side((label,), value, (), True, ": no rule here decides it", ()), groups
        reason = ": no rule decides it, because " + self._none_apply(deciders, 1, groups)
        cited = [*deciders, *self.followed]
        return Side((label,), value, _ids(cited), True, reason, _sources(cited)), groups

    def _none_apply(self, deciders: Sequence[LoadedRule], depth: int, groups: set[str]) -> str:
        failing = {r.id: why(r.condition, self.values)[1] for r in deciders}
        texts = {rid: [leaf.text() for leaf in leaves] for rid, leaves in failing.items()}
        common = [t for t in texts[deciders[0].id] if all(t in ts for ts in texts.values())]
        ids = ", ".join(r.id for r in deciders)
        if common and len(deciders) > 1:
            leaves = [leaf for leaf in failing[deciders[0].id] if leaf.text() in common]
            return f"every rule that could ({ids}) fails: {self._leaves(leaves, depth, groups)}"
        per_rule = [
            f"{rid} does not apply: {self._leaves(leaves, depth, groups)}" for rid, leaves in failing.items()
        ]
        return "; ".join(per_rule)

    def _leaves(self, leaves: Iterable[Leaf], depth: int, groups: set[str]) -> str:
        texts = []
        for leaf in leaves:
            text = leaf.text()
            if depth > 1 or leaf.name not in CONTRACT_FIELDS:
                # the record matters when a difference turns on it, not on common answers
                groups |= self.item_groups(leaf.name)
            follow = self._follow(leaf.name, depth, groups)
            texts.append(f"{text}{follow}")
        return "; ".join(texts)

    def _follow(self, name: str, depth: int, groups: set[str]) -> str:
        """For an internal answer (one no scenario reports), one step of why it has its value."""
        if name not in self.comp.outputs or name in CONTRACT_FIELDS or depth >= MAX_DEPTH:
            return ""
        rules = self.deciding(name)
        self.followed.extend(rules or self.comp.deciders.get(name, ()))
        if rules:
            inner = " and ".join(
                f"{r.id} applies: {self._leaves(why(r.condition, self.values)[1], depth + 1, groups)}"
                for r in rules
            )
            return f" ({inner})"
        deciders = list(self.comp.deciders.get(name, ()))
        if not deciders:
            return ""
        return f" ({self._none_apply(deciders, depth + 1, groups)})"

    def _exceptions(self, rule: LoadedRule, name: str) -> list[LoadedRule]:
        return [
            o
            for o in self.comp.rules.values()
            if rule.id in self.comp.beats.get(o.id, frozenset())
            and name in o.rule.then
            and not o.predicate(self.values)
        ]

    def item_groups(self, name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """Which lists of the record (convictions, charges) a name's value is computed from."""
        if name in seen:
            return set()
        d = self.defs.get(name)
        if d is not None:
            spec = d.definition
            own = {spec.count or spec.any or "convictions"} if spec.expr is None else set()
            return own | {g for n in d.reads for g in self.item_groups(n, seen | {name})}
        if name in self.comp.outputs:
            return {
                g
                for r in self.comp.deciders.get(name, ())
                for n in r.reads
                for g in self.item_groups(n, seen | {name})
            }
        return set()


def _ids(rules: Iterable[LoadedRule]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.id for r in rules))


def _sources(rules: Iterable[LoadedRule]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.cite() for r in rules))


def record_summary(case: Case, lib: RuleLibrary, groups: Iterable[str]) -> str:
    """The person's convictions (and pending charges) in a phrase."""
    parts = []
    levels = lib.vocabulary.levels
    kinds = lib.vocabulary.offense_kinds
    for group in sorted(groups):
        items = items_of(case, group)
        noun = "conviction" if group == "convictions" else "pending charge"
        if not items:
            parts.append(f"the person has no {noun}s")
            continue
        described = [_describe(group, item, levels, kinds) for item in items[:MAX_LISTED_ITEMS]]
        more = len(items) - len(described)
        listed = "; ".join(described) + (f"; and {more} more" if more else "")
        if len(items) == 1:
            parts.append(f"the person's only {noun} is {listed}")
        else:
            parts.append(f"the person has {len(items)} {noun}s: {listed}")
    return "; ".join(parts)


def _describe(group: str, item: dict[str, Any], levels: Any, kinds: Any) -> str:
    level = item["level"]
    label = levels[level].label.lower() if level in levels else str(level)
    article = "an" if label[:1] in "aeiou" else "a"
    text = f"{article} {label} ({item['offense']}"
    if item.get("date") is not None:
        text += f", {item['date']}"
    text += ")"
    named = [kinds[k].label.lower() if k in kinds else k for k in sorted(item.get("kinds") or ())]
    if named:
        text += f" of kind {_and(named)}"
    if group == "convictions":
        days = item.get("custody_days", 0)
        text += f", with {days} day{'s' if days != 1 else ''} of custody"
    return text


def _and(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
