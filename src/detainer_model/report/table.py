"""The terminal view: one line per case with a summary, or a side-by-side panel per case.

Everything is laid out in the terminal's width (``COLUMNS`` when set, 80 when output is not a
terminal), so that it reads on a projector; long ids wrap onto a second line rather than being
cut. ``plain=True`` writes answers and reasons in plain English (see
:mod:`detainer_model.teaching.plain`).

The one-line-per-case summary is laid out here, as plain text, when output is not a terminal (a
pipe, a file): the same columns and folds as the terminal's table, without colour, and without
the cost of rich (which is only imported for a terminal, the panels and the other views).
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import shutil
import sys
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..core.evaluate import Finding
from ..core.runner import CaseRun, RunResult
from ..rulebook.library import RuleLibrary
from ..teaching.plain import plain_label, plain_reason, plain_value
from .common import CONTRACT_FIELDS, DISCLAIMER, column_label, differing, failure_lines, fired_rules, show

if TYPE_CHECKING:
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

MIN_WIDTH = 40
PIPE_WIDTH = 80


def output_width() -> int:
    """The width to lay text out in: ``COLUMNS`` when set, else the terminal's, else 80.

    Never less than 40 columns, so that a tiny or bogus width still gives readable text.
    """
    return max(shutil.get_terminal_size((PIPE_WIDTH, 40)).columns, MIN_WIDTH)


def make_console(file: io.StringIO) -> Console:
    """A console that renders to ``file``, in colour only when standard output is a terminal."""
    from rich.console import Console  # rich only for what needs it: its import is a tenth of a second

    return Console(
        file=file,
        width=output_width(),
        force_terminal=sys.stdout.isatty(),
        color_system="auto" if sys.stdout.isatty() else None,
        highlight=False,
        soft_wrap=False,
    )


def _cell(name: str, value: object, plain: bool, rules: RuleLibrary | None) -> str:
    return plain_value(name, value, rules) if plain else show(value)


def case_panel(
    run: CaseRun, *, explain: bool = True, rules: RuleLibrary | None = None, plain: bool = False
) -> Panel:
    from rich.console import Group, RenderableType
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from ..teaching.contrast import contrasts

    diff = differing(run.decisions)
    table = Table(show_edge=False, pad_edge=False, expand=False, header_style="bold")
    table.add_column("", width=1)
    table.add_column("answer" if plain else "field", style="dim", overflow="fold")
    for d in run.decisions:
        table.add_column(column_label(run, d), overflow="fold")
    for k in CONTRACT_FIELDS:
        differs = k in diff
        table.add_row(
            "≠" if differs else "",
            plain_label(k, rules) if plain else k,
            *[_cell(k, d.get(k), plain, rules) for d in run.decisions],
            style="bold yellow" if differs else None,
        )
    parts: list[RenderableType] = [
        Text(f"{run.file} › {run.case.id}", style="bold", overflow="fold"),
        Text(
            f"{run.case.title}\nbooked {run.case.booking_date} · jurisdiction {run.case.jurisdiction.id}",
            style="italic",
            overflow="fold",
        ),
        table,
    ]
    for c in contrasts(run.case, run.decisions, rules) if rules is not None and not plain else ():
        parts.append(Text.assemble(("Why they differ: ", "bold"), c.text()))
    if explain:
        why = Text("Why:\n" if plain else "Rules that fired:\n", style="bold")
        for _rid, line, where, finding in _fired(run):
            scope = "" if len(where) == len(run.decisions) else f" ({', '.join(where)})"
            text = plain_reason(finding, rules) + f" [{finding.rule.id}]" if plain else line
            why.append(f"• {text}{scope}\n")
        parts.append(why)
    warnings = sorted({w for d in run.decisions for w in d.warnings})
    for w in warnings:
        parts.append(Text(f"⚠ {w}", style="magenta"))
    verdict = {
        "pass": ("expect: pass ✓", "green"),
        "fail": ("expect: FAIL ✗", "bold red"),
        "none": ("expect: none", "dim"),
    }[run.expect]
    parts.append(Text(verdict[0], style=verdict[1]))
    for m in run.mismatches:
        parts.append(Text(f"  ✗ {m}", style="red"))
    return Panel(Group(*parts))


def _fired(run: CaseRun) -> list[tuple[str, str, list[str], Finding]]:
    first = {f.rule.id: f for d in run.decisions for f in reversed(d.findings)}
    return [(rid, line, where, first[rid]) for rid, line, where in fired_rules(run)]


def summary_cells(result: RunResult, *, plain: bool = False) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The summary's column labels, and per case its mark (``✗`` expect failed, else ``≠`` when
    the outcomes differ, else nothing) and its cells: the case id and each outcome."""
    rules = result.rules
    field = rules.model.outcome_field
    labels: list[str] = []
    for run in result.cases:
        for d in run.decisions:
            label = column_label(run, d) if result.jurisdictions else d.regime
            if label not in labels:
                labels.append(label)
    rows = []
    for run in result.cases:
        cells = {(column_label(run, d) if result.jurisdictions else d.regime): d for d in run.decisions}
        outcomes = [cells[k].get(field) if k in cells else None for k in labels]
        differs = len({repr(o) for o in outcomes}) > 1
        shown = ["" if k not in cells else _cell(field, cells[k].get(field), plain, rules) for k in labels]
        # one column for both marks: a failed expectation matters more than a difference
        rows.append(("✗" if run.expect == "fail" else "≠" if differs else "", [run.case.id, *shown]))
    return labels, rows


def summary_table(result: RunResult, *, plain: bool = False) -> Table:
    """One row per case: its expect verdict, whether the outcomes differ, its id and each outcome.

    With ids, the columns are sized so that the table takes the fewest lines in the output width
    (see :func:`fewest_lines`): a long id or a long outcome folds (after a ``-`` or ``_`` where
    one is near the end of the line) rather than being cut. In plain English the sentences wrap
    at spaces instead.
    """
    from rich.table import Table
    from rich.text import Text

    labels, rows = summary_cells(result, plain=plain)
    table = Table(box=None, show_edge=False, pad_edge=False, header_style="bold", padding=(0, 1, 0, 0))
    table.add_column("", width=1, no_wrap=True)
    marks = [Text(m, style="bold red" if m == "✗" else "bold yellow") for m, _texts in rows]
    if plain:
        table.add_column("case", overflow="fold")
        for label in labels:
            table.add_column(label, overflow="fold")
        for mark_text, (_m, texts) in zip(marks, rows, strict=True):
            table.add_row(mark_text, *texts)
        return table
    widths = summary_widths(labels, rows)
    for name, width in zip(["case", *labels], widths, strict=True):
        table.add_column(fold(name, width), width=width, no_wrap=True, overflow="fold")
    for mark_text, (_m, texts) in zip(marks, rows, strict=True):
        table.add_row(mark_text, *_folded(texts, widths))
    return table


def summary_widths(labels: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]]) -> list[int]:
    """The widths of the id column and each outcome column (see :func:`fewest_lines`)."""
    # the mark column and its padding, then one space after every column but the last
    room = output_width() - 2 - len(labels)
    return fewest_lines(["case", *labels], [texts for _m, texts in rows], room)


def _folded(texts: Sequence[str], widths: Sequence[int]) -> list[str]:
    case_id, *shown = texts
    return [fold(case_id, widths[0], ID_START), *map(fold, shown, widths[1:])]


def summary_text(result: RunResult) -> str:
    """The summary table as plain text (no colour), laid out as :func:`summary_table` lays it out:
    the mark, then each column at its width, a space between; a folded cell takes several lines."""
    labels, rows = summary_cells(result)
    widths = summary_widths(labels, rows)
    lines: list[str] = []

    def add(mark: str, cells: Sequence[str], *, bottom: bool = False) -> None:
        parts = [c.split("\n") for c in cells]
        height = max(len(p) for p in parts)
        if bottom:  # header cells sit on the row's last line, just above the values
            parts = [[""] * (height - len(p)) + p for p in parts]
        for i in range(height):
            row = [(p[i] if i < len(p) else "").ljust(w) for p, w in zip(parts, widths, strict=True)]
            lines.append(" ".join([mark if i == 0 else " ", *row]).rstrip())

    add(" ", [fold(name, width) for name, width in zip(["case", *labels], widths, strict=True)], bottom=True)
    for mark, texts in rows:
        add(mark or " ", _folded(texts, widths))
    return "\n".join(lines) + "\n"


FOLD_AFTER = " -_/.,"


@functools.lru_cache(maxsize=65536)
def fold(text: str, width: int, least: int = 0) -> str:
    """``text`` broken into lines of at most ``width`` characters, each line ending after a
    space, ``-`` or ``_`` (or ``/ . ,``) when one falls in the line's second half (and leaves at
    least ``least`` characters on the line), else at the width."""
    lines = []
    while len(text) > width:
        cut = max((i + 1 for i, ch in enumerate(text[:width]) if ch in FOLD_AFTER), default=0)
        cut = cut if cut > width // 2 and cut >= least else width
        lines.append(text[:cut])
        text = text[cut:]
    lines.append(text)
    return "\n".join(lines)


NARROWEST = 8  # an outcome column
FIRST_NARROWEST = 20  # the id column: an id's start stays on its first line
ID_START = FIRST_NARROWEST  # the characters of an id its first line always holds (room allowing)


EXHAUSTIVE = 4096  # layouts tried one by one; beyond that, one column at a time


def fewest_lines(header: Sequence[str], rows: Sequence[Sequence[str]], room: int) -> list[int]:
    """Column widths summing to ``room`` under which ``rows`` (and the header) take the fewest
    lines once each cell is folded by :func:`fold`; the first column (the ids) takes what the
    others leave, and never less than 20 characters when the room allows (an id's start stays on
    its first line), nor an outcome column less than 8.

    A column is only ever as wide as the narrowest width that folds its cells into as many lines
    as a wider one would, so few widths are worth trying: every combination of them when there
    are not too many, else each column in turn set to its best width until none improves."""
    every = [header, *rows]
    k = len(header) - 1
    folds: dict[tuple[int, int], list[int]] = {}

    def breaks(column: int, width: int) -> list[int]:
        """The line breaks of each row's cell in ``column`` folded at ``width`` (worked out once)."""
        found = folds.get((column, width))
        if found is None:
            least = ID_START if column == 0 else 0
            found = folds[column, width] = [fold(r[column], width, least).count("\n") for r in every]
        return found

    def total(rest: Sequence[int]) -> int:
        columns = [breaks(0, room - sum(rest)), *(breaks(i, w) for i, w in enumerate(rest, start=1))]
        breaks_per_row: int = sum(map(max, *columns))
        return breaks_per_row + len(every)

    floor = min(FIRST_NARROWEST, max(room - NARROWEST * k, 1))
    options: list[list[int]] = []
    for i in range(1, k + 1):
        texts = sorted({r[i] for r in every})
        widest = max(NARROWEST, *(len(t) for t in texts))
        seen: set[tuple[int, ...]] = set()
        mine = []
        for w in range(NARROWEST, widest + 1):
            profile = tuple(fold(t, w).count("\n") for t in texts)
            if profile not in seen:
                seen.add(profile)
                mine.append(w)
        options.append(mine)
    fits = [min(o) for o in options]
    if room - sum(fits) < floor:  # not even the narrowest outcomes leave the ids their room
        return [max(room - sum(fits), 1), *fits]
    if math.prod(len(o) for o in options) <= EXHAUSTIVE:
        layouts = (list(c) for c in itertools.product(*options) if room - sum(c) >= floor)
        return [room - sum(chosen := min(layouts, key=total)), *chosen]
    rest = [max(o) for o in options]
    while room - sum(rest) < floor:  # start from the widest outcomes, narrowed in turn until the ids fit
        i = max((j for j in range(k) if rest[j] > options[j][0]), key=lambda j: rest[j])
        rest[i] = max([w for w in options[i] if w < rest[i]], default=options[i][0])
    best = total(rest)
    improved = True
    while improved:
        improved = False
        for i in range(k):
            for w in options[i]:
                trial = [*rest[:i], w, *rest[i + 1 :]]
                if w != rest[i] and room - sum(trial) >= floor and (lines := total(trial)) < best:
                    best, rest, improved = lines, trial, True
    return [room - sum(rest), *rest]


def render_summary(result: RunResult, *, plain: bool = False) -> str:
    """The one-line-per-case view with the counts and any failed expectation underneath."""
    field = result.rules.model.outcome_field
    title = plain_label(field, result.rules) if plain else field
    heading = f"{title.capitalize()}, case by case (≠ the regimes differ, ✗ expect failed; --detail: why):"
    if not plain and not sys.stdout.isatty():
        # no colour to show: the same layout as plain text, at a fraction of rich's cost
        text = [wrapped(DISCLAIMER), wrapped(heading), summary_text(result).rstrip("\n")]
        text.extend(wrapped(line) for line in footer_lines(result))
        return "\n".join(text) + "\n"
    from rich.text import Text

    buf = io.StringIO()
    console = make_console(buf)
    console.print(Text(DISCLAIMER, style="bold"))
    console.print(Text(heading))
    console.print(summary_table(result, plain=plain))
    _footer(console, result)
    return buf.getvalue()


def footer_lines(result: RunResult) -> list[str]:
    """The counts of cases, evaluations and expect verdicts, then one line per failed expectation."""
    c = result.counts
    extra = sum(len(r.checked) for r in result.cases)
    also = f" (+{extra} for readings named in expect)" if extra else ""
    return [
        f"{len(result.cases)} cases, {sum(len(r.decisions) for r in result.cases)} evaluations{also} · "
        f"expect: {c['pass']} pass, {c['fail']} fail, {c['none']} without expect",
        *failure_lines(result),
    ]


def _footer(console: Console, result: RunResult) -> None:
    from rich.text import Text

    counts, *failures = footer_lines(result)
    console.print(Text(counts))
    for line in failures:
        console.print(Text(line, style="red"))


def render_table(result: RunResult, *, explain: bool = True, plain: bool = False) -> str:
    """A panel per case (answers side by side, why they differ, the rules that fired) and the counts."""
    from rich.text import Text

    buf = io.StringIO()
    console = make_console(buf)
    console.print(Text(DISCLAIMER, style="bold"))
    for run in result.cases:
        console.print(case_panel(run, explain=explain, rules=result.rules, plain=plain))
    _footer(console, result)
    console.print(Text(DISCLAIMER, style="dim"))
    return buf.getvalue()


def wrapped(text: str) -> str:
    """``text`` wrapped to the output width (a message line, a path), each paragraph on its own."""
    width = output_width()
    return "\n".join(
        textwrap.fill(p, width, break_long_words=True, break_on_hyphens=False) if p else ""
        for p in text.split("\n")
    )


def columns_text(header: Sequence[str] | None, rows: Iterable[Sequence[str]]) -> str:
    """Rows in aligned columns within the output width; a cell too long wraps within its column."""
    from rich.table import Table

    buf = io.StringIO()
    console = make_console(buf)
    table = Table(
        box=None, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0), show_header=header is not None
    )
    body = [list(r) for r in rows]
    names = list(header) if header is not None else [""] * max((len(r) for r in body), default=0)
    for i, name in enumerate(names):
        table.add_column(name, overflow="fold", no_wrap=i == 0, header_style="bold")
    for row in body:
        table.add_row(*row)
    console.print(table)
    return buf.getvalue().rstrip("\n")
