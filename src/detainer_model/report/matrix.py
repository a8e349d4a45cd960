"""The matrix view of ``run --all-jurisdictions``: one case, every local policy by every regime.

Each case becomes a grid whose rows are the local policies and whose columns are the federal
regimes; a cell reads ``request → local_response → outcome``, for example
``detainer → decline → released_despite_request``. The case's own policy is marked, and a row whose
evaluation carries a warning of its own (the booking falls outside that policy's dates) is marked
⚠ with the warning listed under the grid. Warnings shared by every row (the booking falls outside
a regime's dates) are listed once. JSON and CSV need no matrix: they already hold one result per
place and regime with the same fields.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..core.evaluate import Decision
from ..core.runner import CaseRun, RunResult
from .common import DISCLAIMER, failure_lines
from .csvout import render_csv
from .jsondoc import render_json
from .table import make_console

ARROW = " → "
OWN = "◀ own"
WARN = "⚠"


@dataclass(frozen=True)
class Row:
    """One local policy's line of the grid: its decisions in regime order and what to flag."""

    jurisdiction: str
    decisions: tuple[Decision, ...]
    own: bool
    params: dict[str, object]
    warnings: tuple[str, ...]  # warnings this row has and some other row has not


@dataclass(frozen=True)
class Grid:
    """A case's decisions arranged as local policies (rows) by regimes (columns)."""

    run: CaseRun
    regimes: tuple[str, ...]
    rows: tuple[Row, ...]
    common_warnings: tuple[str, ...]  # warnings every row carries


def cell(d: Decision) -> str:
    """``request → local_response → outcome``."""
    return ARROW.join((d.request, d.local_response, d.outcome))


def deciding_rules(d: Decision, *, short: bool = False) -> tuple[str, ...]:
    """Ids of the local policy's rules that decided the local response (``short``: without the
    policy's own prefix, which the row already names)."""
    prefix = d.jurisdiction + "."
    return tuple(
        f.rule.id.removeprefix(prefix) if short else f.rule.id
        for f in d.findings
        if f.rule.ruleset == d.jurisdiction and "local_response" in f.concluded
    )


def grid(run: CaseRun, regimes: Sequence[str]) -> Grid:
    """Arrange ``run``'s decisions, keeping the order in which the places were evaluated."""
    by_place: dict[str, dict[str, Decision]] = {}
    for d in run.decisions:
        by_place.setdefault(d.jurisdiction, {})[d.label] = d
    cols = tuple(r for r in regimes if any(r in row for row in by_place.values()))
    warned = {j: {w for d in row.values() for w in d.warnings} for j, row in by_place.items()}
    common = set.intersection(*warned.values()) if warned else set()
    own_id = run.case.jurisdiction.id
    rows = tuple(
        Row(
            jurisdiction=j,
            decisions=tuple(row[r] for r in cols if r in row),
            own=j == own_id,
            params=dict(run.case.jurisdiction.params) if j == own_id else {},
            warnings=tuple(sorted(warned[j] - common)),
        )
        for j, row in by_place.items()
    )
    return Grid(run, cols, rows, tuple(sorted(common)))


def row_label(row: Row) -> str:
    """The policy id, its parameters when the case sets them, and the marks."""
    label = row.jurisdiction
    if row.params:
        label += " (" + ", ".join(f"{k}={_value(v)}" for k, v in row.params.items()) + ")"
    if row.own:
        label += f" {OWN}"
    if row.warnings:
        label += f" {WARN}"
    return label


def _value(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


# ---------------------------------------------------------------------------------------------
# Terminal


def matrix_panel(g: Grid, *, explain: bool = True) -> Panel:
    table = Table(show_edge=False, pad_edge=False, expand=False, header_style="bold", show_lines=explain)
    table.add_column("local policy")
    for r in g.regimes:
        table.add_column(r)
    for row in g.rows:
        cells: list[RenderableType] = []
        for d in row.decisions:
            text = Text(cell(d))
            if explain:
                text.append("\n" + ("\n".join(deciding_rules(d, short=True)) or "—"), style="dim")
            cells.append(text)
        table.add_row(row_label(row), *cells, style="bold" if row.own else None)
    run = g.run
    parts: list[RenderableType] = [
        Text(
            f"{run.case.title}\nbooked {run.case.booking_date} · own jurisdiction {run.case.jurisdiction.id}"
            f" · cells: request{ARROW}local_response{ARROW}outcome",
            style="italic",
        ),
        table,
    ]
    for row in g.rows:
        for w in row.warnings:
            parts.append(Text(f"{WARN} {row.jurisdiction}: {w}", style="magenta"))
    for w in g.common_warnings:
        parts.append(Text(f"{WARN} every row: {w}", style="magenta"))
    parts.append(_verdict(run))
    for m in run.mismatches:
        parts.append(Text(f"  ✗ {m}", style="red"))
    return Panel(Group(*parts), title=f"{run.file} › {run.case.id}", title_align="left")


def _width(g: Grid) -> int:
    """Characters a grid needs so that no cell wraps (columns, separators and the panel's frame)."""
    label = max((len(row_label(row)) for row in g.rows), default=0)
    cols = [max((len(cell(row.decisions[i])) for row in g.rows), default=0) for i in range(len(g.regimes))]
    return label + sum(cols) + 3 * len(cols) + 6


def _verdict(run: CaseRun) -> Text:
    text, style = {
        "pass": ("expect (own jurisdiction): pass ✓", "green"),
        "fail": ("expect (own jurisdiction): FAIL ✗", "bold red"),
        "none": ("expect: none", "dim"),
    }[run.expect]
    return Text(text, style=style)


def render_matrix_table(result: RunResult, *, explain: bool = True) -> str:
    """Every case as a grid of local policies by regimes, for the terminal."""
    buf = io.StringIO()
    console = make_console(buf)
    grids = [grid(run, result.regimes) for run in result.cases]
    if not console.is_terminal:  # a file or a pipe: wide enough that no cell wraps
        console.width = max([console.width, *(_width(g) for g in grids)])
    console.print(Text(DISCLAIMER, style="bold"))
    for g in grids:
        console.print(matrix_panel(g, explain=explain))
    console.print(_summary(result))
    for line in failure_lines(result):
        console.print(Text(line, style="red"))
    console.print(Text(DISCLAIMER, style="dim"))
    return buf.getvalue()


def _summary(result: RunResult) -> str:
    c = result.counts
    places = len(result.jurisdictions or ())
    return (
        f"{len(result.cases)} cases × {places} local policies × {len(result.regimes)} regimes = "
        f"{sum(len(r.decisions) for r in result.cases)} evaluations · "
        f"expect: {c['pass']} pass, {c['fail']} fail, {c['none']} without expect"
    )


# ---------------------------------------------------------------------------------------------
# Markdown


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def render_matrix_markdown(result: RunResult) -> str:
    """Every case as a Markdown table of local policies by regimes, with the deciding rules."""
    lines = ["# detainer-model: every local policy", "", f"> {DISCLAIMER}", ""]
    for run in result.cases:
        g = grid(run, result.regimes)
        lines += [
            f"## {run.case.id}: {_esc(run.case.title)}",
            "",
            f"`{run.file}` · booked {run.case.booking_date} · own jurisdiction "
            f"`{run.case.jurisdiction.id}` · expect: **{run.expect}**",
            "",
            f"Each cell: request{ARROW}local_response{ARROW}outcome.",
            "",
            "| local policy | " + " | ".join(g.regimes) + " |",
            "|---|" + "---|" * len(g.regimes),
        ]
        for row in g.rows:
            label = _esc(row_label(row))
            label = f"**{label}**" if row.own else label
            lines.append(f"| {label} | " + " | ".join(_esc(cell(d)) for d in row.decisions) + " |")
        lines += ["", "Local rules that decided:", ""]
        for row in g.rows:
            lines.append(f"- {row.jurisdiction}: {_deciders(row)}")
        notes = [f"> {WARN} {row.jurisdiction}: {w}" for row in g.rows for w in row.warnings]
        notes += [f"> {WARN} every row: {w}" for w in g.common_warnings]
        if notes:
            lines += ["", *notes]
        for m in run.mismatches:
            lines.append(f"- ✗ expect {m}")
        lines.append("")
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


def _deciders(row: Row) -> str:
    """The row's deciding rules, once when every regime agrees, else regime by regime."""
    said = [", ".join(f"`{r}`" for r in deciding_rules(d, short=True)) or "—" for d in row.decisions]
    if len(set(said)) == 1:
        return said[0]
    return "; ".join(f"{d.regime}: {s}" for d, s in zip(row.decisions, said, strict=True))


MATRIX_FORMATS: dict[str, Callable[[RunResult], str]] = {
    "table": render_matrix_table,
    "markdown": render_matrix_markdown,
    "json": render_json,
    "csv": render_csv,
}
