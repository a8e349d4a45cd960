"""Results laid out for the pages: one column per regime (and place), fields side by side.

Each field shows its value in words with the technical value beside it, the rules that decided it
with links to their sources and verification labels, and why, in a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.evaluate import Comparison, Decision
from ..core.models import Case
from ..rulebook.library import LoadedRule, RuleLibrary
from ..teaching.contrast import contrasts, reason_for
from ..teaching.plain import plain_reason
from . import words


@dataclass(frozen=True)
class RuleRef:
    """A rule as cited on a page: id, summary and its source."""

    id: str
    ruleset: str
    summary: str
    source_id: str
    source: str
    href: str | None
    pinpoint: str | None
    verification: str

    @classmethod
    def of(cls, rule: LoadedRule) -> RuleRef:
        return cls(
            rule.id,
            rule.ruleset,
            " ".join(rule.summary.split()),
            rule.rule.source,
            rule.source.label,
            rule.source.href,
            rule.rule.pinpoint,
            str(rule.verification),
        )


@dataclass(frozen=True)
class Cell:
    field: str
    label: str
    meaning: str
    text: str
    technical: str
    differs: bool
    why: str
    by_default: bool
    rules: tuple[RuleRef, ...]


@dataclass(frozen=True)
class Column:
    regime: str
    regime_title: str
    jurisdiction: str
    jurisdiction_title: str
    cells: tuple[Cell, ...]
    fired: tuple[tuple[RuleRef, str], ...]
    warnings: tuple[str, ...]

    def cell(self, field: str) -> Cell:
        return next(c for c in self.cells if c.field == field)


@dataclass(frozen=True)
class ResultView:
    case: Case
    fields: tuple[str, ...]
    columns: tuple[Column, ...]
    contrasts: tuple[str, ...]


def reported_fields(lib: RuleLibrary) -> tuple[str, ...]:
    return tuple(k for k, v in lib.model.outputs.items() if v.report)


def result_view(comparison: Comparison, lib: RuleLibrary) -> ResultView:
    """The page's view of a comparison."""
    fields = reported_fields(lib)
    differs = set(comparison.differences) | {
        k for k in fields if len({repr(d.get(k)) for d in comparison.decisions}) > 1
    }
    columns = tuple(_column(d, comparison.case, lib, fields, differs) for d in comparison.decisions)
    found = contrasts(comparison.case, comparison.decisions, lib)
    return ResultView(comparison.case, fields, columns, tuple(c.text() for c in found))


def _column(d: Decision, case: Case, lib: RuleLibrary, fields: tuple[str, ...], differs: set[str]) -> Column:
    cells = []
    for name in fields:
        side = reason_for(d, case, lib, name)
        value = d.get(name)
        cells.append(
            Cell(
                name,
                words.label(lib, name),
                words.field_meaning(lib, name),
                words.value_text(lib, name, value),
                words.technical(value),
                name in differs,
                _sentence(side.reason),
                side.by_default,
                tuple(RuleRef.of(lib.rule(r)) for r in side.rules),
            )
        )
    return Column(
        d.regime,
        lib.ruleset(d.regime).title,
        d.jurisdiction,
        _local_title(d, lib),
        tuple(cells),
        tuple((RuleRef.of(f.rule), plain_reason(f, lib)) for f in d.findings),
        d.warnings,
    )


def _local_title(d: Decision, lib: RuleLibrary) -> str:
    """The local policy's title; for a place (its policies layered by booking date), the place's
    name and the title of the version whose answer stands."""
    if d.place is None:
        return lib.ruleset(d.jurisdiction).title
    return f"{lib.place(d.place).name}: {lib.ruleset(d.local_ref).title}"


def _sentence(reason: str) -> str:
    text = reason.lstrip(":, ").strip()
    return text[:1].upper() + text[1:] if text else ""
