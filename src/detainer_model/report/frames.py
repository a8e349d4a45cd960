"""Decisions as a polars data frame, and runs as HTML tables, for notebooks and scripts.

One row per decision: the case, the regime and place, the contract's result fields (lists stay
lists), the rules that fired, the warnings, and, for a run, the file and the verdict on the
case's ``expect``. Nothing is decided here.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import polars as pl

from ..core.evaluate import CONTRACT_FIELDS, DISCLAIMER, Comparison, Decision
from .common import show

if TYPE_CHECKING:
    from ..core.runner import RunResult

SCHEMA: dict[str, Any] = {
    "file": pl.Utf8,
    "case_id": pl.Utf8,
    "regime": pl.Utf8,
    "jurisdiction": pl.Utf8,
    "booking_date": pl.Date,
    "identified": pl.Boolean,
    "removable": pl.Boolean,
    "priorities": pl.List(pl.Utf8),
    "sc_level": pl.Int64,
    "request": pl.Utf8,
    "form": pl.Utf8,
    "local_response": pl.Utf8,
    "outcome": pl.Utf8,
    "fired": pl.List(pl.Utf8),
    "warnings": pl.List(pl.Utf8),
    "expect": pl.Utf8,
}


def _row(d: Decision, file: str | None = None, expect: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "file": file,
        "case_id": d.case_id,
        "regime": d.regime,
        "jurisdiction": d.jurisdiction,
        "booking_date": d.booking_date,
    }
    for k in CONTRACT_FIELDS:
        v = d.get(k)
        row[k] = list(v) if isinstance(v, tuple) else v
    row["fired"] = list(d.fired)
    row["warnings"] = list(d.warnings)
    row["expect"] = expect
    return row


def to_frame(source: RunResult | Comparison | Iterable[Decision]) -> pl.DataFrame:
    """A data frame of decisions: from a run, a comparison, or any decisions."""
    from ..core.runner import RunResult

    if isinstance(source, RunResult):
        rows = [_row(d, run.file, run.expect) for run in source.cases for d in run.decisions]
    elif isinstance(source, Comparison):
        rows = [_row(d) for d in source.decisions]
    else:
        rows = [_row(d) for d in source]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)


def run_html(result: RunResult) -> str:
    """A run as HTML: one table per case, regimes side by side, differing rows marked."""
    from ..teaching.contrast import contrasts

    parts = [f"<div><p><b>{html.escape(DISCLAIMER)}</b></p>"]
    for run in result.cases:
        head = "".join(
            f"<th>{html.escape(d.label)}<br><small>{html.escape(d.jurisdiction_ref)}</small></th>"
            for d in run.decisions
        )
        rows = ""
        for k in CONTRACT_FIELDS:
            values = [show(d.get(k)) for d in run.decisions]
            style = " style='background:#fff3cd'" if len(set(values)) > 1 else ""
            cells = "".join(f"<td>{html.escape(v)}</td>" for v in values)
            rows += f"<tr{style}><th style='text-align:left'>{k}</th>{cells}</tr>"
        why = "".join(
            f"<p><b>Why they differ:</b> {html.escape(c.text())}</p>"
            for c in contrasts(run.case, run.decisions, result.rules)
        )
        parts.append(
            f"<h4>{html.escape(run.case.id)}: {html.escape(run.case.title)} "
            f"<small>({html.escape(run.file)}; expect: {run.expect})</small></h4>"
            f"<table><tr><th></th>{head}</tr>{rows}</table>{why}"
        )
    c = result.counts
    parts.append(
        f"<p>{len(result.cases)} cases · expect: {c.get('pass', 0)} pass, {c.get('fail', 0)} fail, "
        f"{c.get('none', 0)} without expect</p></div>"
    )
    return "".join(parts)
