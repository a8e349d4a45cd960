"""Plain English for students: every answer, value and reason in words, and a glossary.

The words are data, not code. Each answer in ``rules/model.yaml`` (or in a rule set's own
``outputs:``) carries a ``label`` (its name in plain English) and a ``plain:`` map from each of its
values to a sentence fragment ("released despite ICE's request"); ``rules/glossary.yaml`` explains
the terms students meet (detainer, Form I-247N, IDENT ...), each with a cited source. Everything
here reads those files through a :class:`~detainer_model.rulebook.library.RuleLibrary`, so a
``--rules DIR`` of one's own brings its own words.

A value with no plain rendering falls back to its id with underscores turned into spaces;
:func:`missing_plain` lists such gaps (a test keeps the shipped rules free of them).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..rulebook.library import LoadedRule, RuleLibrary, load_rules, plain_keys
from ..rulebook.rulefile import OutputDecl, Source, value_key


class _Finding(Protocol):
    """Anything that says which rule fired and what it concluded (a Finding or a RuleNode)."""

    @property
    def rule(self) -> LoadedRule: ...

    @property
    def concluded(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class GlossaryEntry:
    """One glossary term, with the document its definition rests on."""

    id: str
    term: str
    definition: str
    source_id: str
    source: Source
    pinpoint: str | None
    also: tuple[str, ...]
    see: tuple[str, ...]

    def cite(self) -> str:
        """``Short title, pinpoint [verification]``."""
        pin = f", {self.pinpoint}" if self.pinpoint else ""
        return f"{self.source.label}{pin} [{self.source.verification}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "term": self.term,
            "definition": self.definition,
            "also": list(self.also),
            "see": list(self.see),
            "source": self.source_id,
            "source_title": self.source.title,
            "href": self.source.href,
            "pinpoint": self.pinpoint,
            "verification": self.source.verification,
        }


def _lib(library: RuleLibrary | None) -> RuleLibrary:
    return library if library is not None else load_rules()


def output_decls(library: RuleLibrary | None = None) -> dict[str, OutputDecl]:
    """Every answer any rule file declares: the model's and those of each rule set."""
    lib = _lib(library)
    decls = dict(lib.model.outputs)
    for rs in lib.rulesets.values():
        decls.update(rs.meta.outputs)
    return decls


# A page or a JSON answer asks for many words of one library: its declarations, gathered once (a
# loaded library does not change; the few kept are told apart by identity, not equality).
_GATHERED: OrderedDict[int, tuple[RuleLibrary, int, dict[str, OutputDecl]]] = OrderedDict()
_KEPT = 8


def _decl(field: str, library: RuleLibrary | None) -> OutputDecl | None:
    lib = _lib(library)
    kept = _GATHERED.get(id(lib))
    if kept is None or kept[0] is not lib or kept[1] != len(lib.rulesets):
        kept = (lib, len(lib.rulesets), output_decls(lib))
        _GATHERED[id(lib)] = kept
        while len(_GATHERED) > _KEPT:
            _GATHERED.popitem(last=False)
    return kept[2].get(field)


def _fallback(value: Any) -> str:
    return value_key(value).replace("_", " ")


def plain_label(field: str, library: RuleLibrary | None = None) -> str:
    """An answer's name in plain English ("What happens at release"), or the id in words."""
    decl = _decl(field, library)
    if decl is not None and decl.label:
        return decl.label
    return field.replace("_", " ").capitalize()


def plain_value(field: str, value: Any, library: RuleLibrary | None = None) -> str:
    """The plain-English rendering of ``field = value`` ("released despite ICE's request").

    A set answer renders each member, joined by "; " (or its ``empty`` rendering when empty).
    """
    decl = _decl(field, library)
    words = decl.plain if decl is not None else {}
    if isinstance(value, frozenset | set | tuple | list) and (decl is None or decl.type == "set"):
        members = sorted(value, key=str)
        if not members:
            return words.get("empty", "none")
        return "; ".join(words.get(value_key(m), _fallback(m)) for m in members)
    return words.get(value_key(value), _fallback(value))


def plain_reason(finding: _Finding, library: RuleLibrary | None = None) -> str:
    """A plain sentence for a rule that fired: its summary, then what it concluded, in words.

    "The jail declines ICE's request and releases the person as usual. → What happens at
    release: released despite ICE's request."
    """
    lib = _lib(library)
    summary = " ".join(finding.rule.summary.split())
    if summary and summary[-1] not in ".!?":
        summary += "."
    said = "; ".join(f"{plain_label(k, lib)}: {plain_value(k, v, lib)}" for k, v in finding.concluded.items())
    return f"{summary} → {said}." if said else summary


def plain_answers(
    answers: Mapping[str, Any], library: RuleLibrary | None = None, fields: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """``(label, plain value)`` for each answer (in ``fields`` order when given)."""
    names = list(fields) if fields is not None else list(answers)
    return [(plain_label(n, library), plain_value(n, answers[n], library)) for n in names if n in answers]


class _Decided(Protocol):
    """Anything with answers by name and the findings behind them (a Decision)."""

    @property
    def findings(self) -> Sequence[_Finding]: ...

    def get(self, name: str) -> Any: ...


def reported_fields(library: RuleLibrary | None = None) -> list[str]:
    """The answers the model reports, in its order."""
    return [k for k, v in _lib(library).model.outputs.items() if v.report]


def plain_decision(decision: _Decided, library: RuleLibrary | None = None) -> dict[str, Any]:
    """A decision in plain English for JSON readers, beside its codes: each reported answer's
    label and words, and each rule that fired as a sentence, with its id.

    ``{"answers": {"outcome": {"label": "What happens at release", "value": "released despite
    ICE's request"}, ...}, "reasons": [{"rule": "...", "text": "..."}, ...]}``
    """
    lib = _lib(library)
    return {
        "answers": {
            name: {"label": plain_label(name, lib), "value": plain_value(name, decision.get(name), lib)}
            for name in reported_fields(lib)
        },
        "reasons": [{"rule": f.rule.id, "text": plain_reason(f, lib)} for f in decision.findings],
    }


def glossary(library: RuleLibrary | None = None) -> list[GlossaryEntry]:
    """Every glossary term of the rule files, in alphabetical order of the term."""
    lib = _lib(library)
    entries = [
        GlossaryEntry(
            tid,
            t.term,
            " ".join(t.definition.split()),
            t.source,
            lib.sources[t.source],
            t.pinpoint,
            tuple(t.also),
            tuple(t.see),
        )
        for tid, t in lib.glossary.items()
    ]
    return sorted(entries, key=lambda e: e.term.casefold())


def missing_plain(library: RuleLibrary | None = None) -> list[str]:
    """``field: value`` for every answer value without a plain rendering (and answers without a label)."""
    gaps: list[str] = []
    for name, decl in output_decls(library).items():
        if not decl.label:
            gaps.append(f"{name}: no label")
        gaps.extend(f"{name}: {key}" for key in plain_keys(decl) if key not in decl.plain)
    return gaps
