"""``detainer-model whatif``: the smallest changes to a case's facts that change its outcome."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from .._version import __version__
from ..core.evaluate import DISCLAIMER
from ..report.table import make_console
from ..rulebook.library import RuleLibrary
from ..teaching.reasons import show_value
from ..teaching.whatif import WhatIf, what_if
from .app import RULES_OPTION, rules_from
from .cases import case_options, chosen, find_case

FORMATS = ("table", "markdown", "json")


@click.command("whatif")
@case_options
@click.option(
    "--max-changes",
    type=click.IntRange(1, 2),
    default=2,
    show_default=True,
    help="Look for single changes only (1), or also for pairs where no single change does it (2).",
)
@click.option(
    "--field",
    "field_name",
    default=None,
    metavar="NAME",
    help="The result to change (default: outcome); for example request or local_response.",
)
@click.option(
    "--limit",
    type=click.IntRange(1, None),
    default=8,
    show_default=True,
    help="Table and Markdown: list at most this many changes per new value (JSON lists all).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@RULES_OPTION
def whatif_command(
    path: Path,
    case_id: str,
    regimes: tuple[str, ...],
    jurisdictions: tuple[str, ...],
    max_changes: int,
    field_name: str | None,
    limit: int,
    fmt: str,
    rules_dir: Path | None,
) -> int:
    """What would have to change for case ID in PATH to come out differently?

    Tries one change at a time (a fact flipped, a number moved across a threshold the rules use,
    a conviction removed, changed or added), then pairs; lists, for each regime and place and
    each other result, the smallest changes found, fewest first. Every change listed has been
    checked on the rule engine.
    """
    lib = rules_from(rules_dir)
    _file, case = find_case(path, case_id, lib)
    rs, js = chosen(lib, case, regimes, jurisdictions)
    found = what_if(case, rs, js, field=field_name, max_changes=max_changes, rules=lib)
    if fmt == "json":
        text = render_whatif_json(found, lib)
    elif fmt == "markdown":
        text = render_whatif_markdown(found, limit)
    else:
        text = render_whatif_table(found, limit)
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


def render_whatif_table(w: WhatIf, limit: int) -> str:
    buf = io.StringIO()
    console = make_console(buf)
    console.print(Text(DISCLAIMER, style="bold"))
    console.print(Text.assemble((w.case.id, "bold"), f": {w.case.title}"))
    console.print(
        f"What would change the {w.field}? (up to {w.max_changes} change{'s' if w.max_changes > 1 else ''})"
    )
    for r in w.results:
        table = Table(
            title=Text(f"{r.label}: {w.field} is {show_value(r.current, 'null')}", style="bold"),
            title_justify="left",
            show_edge=False,
            header_style="bold",
        )
        table.add_column("becomes")
        table.add_column("#", justify="right")
        table.add_column("change")
        groups = r.by_value()
        if not groups:
            table.add_row("—", "", f"no change of up to {w.max_changes} facts changes it")
        for value, options in groups.items():
            for i, o in enumerate(options[:limit], 1):
                table.add_row(Text(show_value(value, "null") if i == 1 else ""), str(i), Text(o.text()))
            if len(options) > limit:
                table.add_row(
                    "",
                    "",
                    Text(f"… and {len(options) - limit} more (--limit, or --format json)", style="dim"),
                )
        console.print(table)
        console.print()
    console.print(Text(DISCLAIMER, style="dim"))
    return buf.getvalue()


def render_whatif_markdown(w: WhatIf, limit: int) -> str:
    lines = [f"# What would change the {w.field}? {w.case.id}", "", f"> {DISCLAIMER}", "", w.case.title, ""]
    for r in w.results:
        lines += [f"## {r.label}: {w.field} is `{show_value(r.current, 'null')}`", ""]
        groups = r.by_value()
        if not groups:
            lines += [f"No change of up to {w.max_changes} facts changes it.", ""]
        for value, options in groups.items():
            lines += [f"**→ {show_value(value, 'null')}**", ""]
            lines += [f"{i}. {o.text()}" for i, o in enumerate(options[:limit], 1)]
            if len(options) > limit:
                lines.append(f"\n… and {len(options) - limit} more.")
            lines.append("")
    return "\n".join(lines) + "\n"


def render_whatif_json(w: WhatIf, lib: RuleLibrary) -> str:
    doc = {"model": {"version": __version__, "rules": lib.digest}, "disclaimer": DISCLAIMER, **w.to_dict()}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
