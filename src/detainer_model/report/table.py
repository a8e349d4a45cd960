"""The terminal view: a side-by-side table per case that marks where the regimes differ."""

from __future__ import annotations

import io
import shutil
import sys

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..core.runner import CaseRun, RunResult
from ..rulebook.library import RuleLibrary
from ..teaching.contrast import contrasts
from .common import CONTRACT_FIELDS, DISCLAIMER, column_label, differing, failure_lines, fired_rules, show


def make_console(file: io.StringIO) -> Console:
    """A console that renders to ``file``, in colour only when standard output is a terminal."""
    width = shutil.get_terminal_size((120, 40)).columns
    return Console(
        file=file,
        width=max(width, 100),
        force_terminal=sys.stdout.isatty(),
        color_system="auto" if sys.stdout.isatty() else None,
        highlight=False,
        soft_wrap=False,
    )


def case_panel(run: CaseRun, *, explain: bool = True, rules: RuleLibrary | None = None) -> Panel:
    diff = differing(run.decisions)
    table = Table(show_edge=False, pad_edge=False, expand=False, header_style="bold")
    table.add_column("", width=1)
    table.add_column("field", style="dim")
    for d in run.decisions:
        table.add_column(column_label(run, d))
    for k in CONTRACT_FIELDS:
        differs = k in diff
        table.add_row(
            "≠" if differs else "",
            k,
            *[show(d.get(k)) for d in run.decisions],
            style="bold yellow" if differs else None,
        )
    parts: list[RenderableType] = [
        Text(
            f"{run.case.title}\nbooked {run.case.booking_date} · jurisdiction {run.case.jurisdiction.id}",
            style="italic",
        ),
        table,
    ]
    for c in contrasts(run.case, run.decisions, rules) if rules is not None else ():
        parts.append(Text.assemble(("Why they differ: ", "bold"), c.text()))
    if explain:
        why = Text("Rules that fired:\n", style="bold")
        for _rid, line, where in fired_rules(run):
            scope = "" if len(where) == len(run.decisions) else f" ({', '.join(where)})"
            why.append(f"• {line}{scope}\n")
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
    return Panel(Group(*parts), title=f"{run.file} › {run.case.id}", title_align="left")


def render_table(result: RunResult, *, explain: bool = True) -> str:
    buf = io.StringIO()
    console = make_console(buf)
    console.print(Text(DISCLAIMER, style="bold"))
    for run in result.cases:
        console.print(case_panel(run, explain=explain, rules=result.rules))
    c = result.counts
    console.print(
        f"{len(result.cases)} cases, {sum(len(r.decisions) for r in result.cases)} evaluations · "
        f"expect: {c['pass']} pass, {c['fail']} fail, {c['none']} without expect"
    )
    for line in failure_lines(result):
        console.print(Text(line, style="red"))
    console.print(Text(DISCLAIMER, style="dim"))
    return buf.getvalue()
