"""The same person across the federal eras: ``timeline(case)`` and the eras on one time axis.

For each federal regime (an *era*: Secure Communities 2008-2014, the 2014-15 interim, PEP,
Secure Communities revived in 2017) the case is moved to a booking date inside that era, every
date of its record shifted by the same number of days, so that the person's history keeps its
shape; then it is evaluated under that era's rules (its default reading, unless one is named).
Between neighbouring eras the first answer that differs is named, with the rules that decided it
on each side. Nothing here knows the law: the eras and their dates are the rule files'.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import matplotlib.patches as mpatches
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..core.evaluate import CONTRACT_FIELDS, DISCLAIMER, Decision, evaluate
from ..core.models import Case
from ..errors import UnknownIdError
from ..rulebook.library import RuleLibrary, RuleSet, join_ref, load_rules

_RC: Any = {"svg.hashsalt": "detainer-model", "font.size": 9}
REQUEST_COLOURS = {"detainer": "#b2182b", "notification": "#4393c3", "none": "#d9d9d9"}


@dataclass(frozen=True)
class EraResult:
    """The case as if booked on ``booking_date``, under the era in force that day."""

    era: RuleSet
    booking_date: dt.date
    decision: Decision

    @property
    def label(self) -> str:
        return self.decision.label


@dataclass(frozen=True)
class EraChange:
    """Between two neighbouring eras: the first answer that differs and the rules behind it."""

    before: str
    after: str
    field: str | None
    rules_before: tuple[str, ...]
    rules_after: tuple[str, ...]

    def text(self) -> str:
        if self.field is None:
            return f"{self.before} → {self.after}: the same answers"
        said = ", ".join(self.rules_before) or "no rule (the default)"
        now = ", ".join(self.rules_after) or "no rule (the default)"
        return f"{self.before} → {self.after}: {self.field} first differs ({said} → {now})"


@dataclass(frozen=True)
class Timeline:
    """One case under every federal era, in date order, and what changed at each boundary."""

    case: Case
    results: tuple[EraResult, ...]
    changes: tuple[EraChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case.id,
            "title": self.case.title,
            "eras": [
                {
                    "era": r.era.id,
                    "in_force": r.era.effective.describe(),
                    "booking_date": r.booking_date.isoformat(),
                    **r.decision.to_dict(),
                }
                for r in self.results
            ],
            "changes": [
                {
                    "before": c.before,
                    "after": c.after,
                    "field": c.field,
                    "rules_before": list(c.rules_before),
                    "rules_after": list(c.rules_after),
                }
                for c in self.changes
            ],
            "disclaimer": DISCLAIMER,
        }

    def markdown(self) -> str:
        """A Markdown table, one row per era, and the changes at each boundary."""
        head = (
            "| era | in force | booked | request | form | local response | outcome |\n"
            "|---|---|---|---|---|---|---|"
        )
        rows = [
            f"| {r.label} | {r.era.effective.describe()} | {r.booking_date} | {d.request} | {d.form or '—'} "
            f"| {d.local_response} | {d.outcome} |"
            for r in self.results
            for d in (r.decision,)
        ]
        changes = [f"- {c.text()}" for c in self.changes]
        return "\n".join(
            [
                f"## {self.case.id}: {self.case.title}",
                "",
                head,
                *rows,
                "",
                *changes,
                "",
                f"*{DISCLAIMER}*",
                "",
            ]
        )

    def chart(self) -> dict[str, bytes]:
        """The eras as bars on a time axis, coloured by ICE's request, labelled with form and outcome."""
        return {fmt: _chart_bytes(self, fmt) for fmt in ("png", "svg")}


def eras(lib: RuleLibrary) -> list[RuleSet]:
    """The federal regimes in date order (each is an era)."""
    return sorted((lib.rulesets[r] for r in lib.regimes), key=lambda rs: rs.effective.from_ or dt.date.min)


def shift(case: Case, day: dt.date) -> Case:
    """``case`` booked on ``day``, every date of its record moved by the same number of days."""
    delta = day - case.booking_date

    def moved(value: dt.date | None) -> dt.date | None:
        return None if value is None else value + delta

    person = case.person.model_copy(
        update={
            "entry_date": moved(case.person.entry_date),
            "removal_order_date": moved(case.person.removal_order_date),
            "removal_order_issued": moved(case.person.removal_order_issued),
        }
    )
    convictions = tuple(
        c.model_copy(update={"date": c.date + delta, "release_date": moved(c.release_date)})
        for c in case.convictions
    )
    return case.model_copy(
        update={"booking_date": day, "person": person, "convictions": convictions, "expect": None}
    )


def representative_day(era: RuleSet, original: dt.date) -> dt.date:
    """The case's own booking date when it falls in the era, else the middle of the era."""
    eff = era.effective
    if eff.contains(original):
        return original
    start = eff.from_ or original
    end = eff.to or start
    return start + (end - start) / 2


def timeline(
    case: Case,
    *,
    rules: RuleLibrary | None = None,
    readings: Mapping[str, str] | None = None,
    jurisdiction: str | None = None,
) -> Timeline:
    """``case`` under every federal era, as if booked on a day in each.

    ``readings`` names a reading per era (``{"pep": "as-written"}``); otherwise each era's default.
    The local policy is the case's own unless ``jurisdiction`` names another.
    """
    lib = rules or load_rules()
    chosen = dict(readings or {})
    for rid in chosen:
        if rid not in lib.regimes:
            raise UnknownIdError(f"unknown regime '{rid}' in readings; known: {', '.join(lib.regimes)}")
    results = []
    for era in eras(lib):
        day = representative_day(era, case.booking_date)
        moved = shift(case, day)
        ref = join_ref(era.id, chosen.get(era.id))
        results.append(EraResult(era, day, evaluate(moved, ref, jurisdiction, rules=lib)))
    changes = tuple(_change(a.decision, b.decision) for a, b in itertools.pairwise(results))
    return Timeline(case, tuple(results), changes)


def _change(a: Decision, b: Decision) -> EraChange:
    for name in CONTRACT_FIELDS:
        if repr(a.get(name)) != repr(b.get(name)):
            return EraChange(a.label, b.label, name, _deciders(a, name), _deciders(b, name))
    return EraChange(a.label, b.label, None, (), ())


def _deciders(d: Decision, name: str) -> tuple[str, ...]:
    return tuple(f.rule.id for f in d.findings if name in f.concluded)


def _x(day: dt.date) -> float:
    """Matplotlib's date number: days since its epoch, 1970-01-01."""
    return float((day - dt.date(1970, 1, 1)).days)


def _chart_bytes(t: Timeline, fmt: str) -> bytes:
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(9, 2.6))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for i, r in enumerate(t.results):
            eff = r.era.effective
            start = eff.from_ or r.booking_date
            end = eff.to or r.booking_date
            width = (end - start).days + 1
            colour = REQUEST_COLOURS.get(r.decision.request, "#999999")
            ax.barh(0, width, left=_x(start), height=0.5, color=colour, edgecolor="white")
            mid = _x(start) + width / 2
            text = f"{r.label}\n{r.decision.form or 'no request'}\n{r.decision.outcome.replace('_', ' ')}"
            # a short era's label goes outside its bar, alternately below and above, so none overlap
            y = 0.0 if width > 700 else (-0.42 if i % 2 else 0.42)
            ax.text(mid, y, text, ha="center", va="center", fontsize=7)
            ax.plot(_x(r.booking_date), 0.27, marker="v", color="black", markersize=4)
        ax.xaxis_date()
        ax.set_yticks([])
        ax.set_ylim(-0.62, 0.62)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.set_title(f"{t.case.id}: the same person booked in each federal era ({t.case.jurisdiction.id})")
        handles = [mpatches.Patch(color=c, label=k) for k, c in REQUEST_COLOURS.items()]
        ax.legend(
            handles=handles, title="ICE's request", loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7
        )
        fig.text(0.01, 0.01, f"▼ booking date used. {DISCLAIMER}", fontsize=6)
        buf = io.BytesIO()
        meta: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, dpi=110, bbox_inches="tight", metadata=meta)
        return buf.getvalue()


def rule_set_timeline_chart(lib: RuleLibrary, ids: Sequence[str] | None = None) -> dict[str, bytes]:
    """The dates in force of federal regimes and local policies, one bar each, on one time axis."""
    chosen = (
        [lib.ruleset(i) for i in ids]
        if ids
        else [lib.rulesets[r] for r in (*lib.regimes, *lib.jurisdictions)]
    )
    dated = [rs for rs in chosen if rs.effective.from_ is not None]
    dated.sort(key=lambda rs: (rs.level != "federal", rs.effective.from_ or dt.date.min))
    last = max((rs.effective.to or dt.date(2021, 12, 31) for rs in dated), default=dt.date(2021, 12, 31))
    out = {}
    for fmt in ("png", "svg"):
        with matplotlib.rc_context(_RC):
            fig = Figure(figsize=(9, 0.35 * len(dated) + 1.2))
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
            for i, rs in enumerate(dated):
                start = rs.effective.from_ or last
                end = rs.effective.to or last
                colour = "#762a83" if rs.level == "federal" else "#5aae61"
                left = _x(start)
                ax.barh(i, (end - start).days + 1, left=left, height=0.6, color=colour)
                ax.text(left, i, f" {rs.id}", va="center", fontsize=7)
            ax.xaxis_date()
            ax.set_yticks([])
            ax.invert_yaxis()
            ax.set_title("Federal regimes (purple) and local policies (green) in force")
            fig.text(0.01, 0.01, f"An open end is drawn to {last.isoformat()}. {DISCLAIMER}", fontsize=6)
            buf = io.BytesIO()
            meta: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
            fig.savefig(buf, format=fmt, dpi=110, bbox_inches="tight", metadata=meta)
            out[fmt] = buf.getvalue()
    return out
