"""``detainer-model whatif``: the smallest changes to a case's facts that change its outcome."""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from .._version import __version__
from ..core.evaluate import DISCLAIMER
from ..report.table import make_console
from ..rulebook.library import RuleLibrary
from ..teaching.plain import plain_label, plain_value
from ..teaching.reasons import show_value
from ..teaching.whatif import INCOMPLETE, TIME_LIMIT, Progress, WhatIf, what_if
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
@click.option(
    "--time-limit",
    type=click.FloatRange(0.1, None),
    default=TIME_LIMIT,
    show_default=True,
    help="Stop searching after this many seconds (shared by the regimes and places) and report what "
    "was found, saying that the search stopped.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--plain",
    is_flag=True,
    help="The results in plain English, codes beside them (table and markdown formats); in JSON, "
    "each result and option also carries `plain`, the answer in plain English.",
)
@RULES_OPTION
def whatif_command(
    path: Path,
    case_id: str,
    regimes: tuple[str, ...],
    jurisdictions: tuple[str, ...],
    max_changes: int,
    field_name: str | None,
    limit: int,
    time_limit: float,
    fmt: str,
    plain: bool,
    rules_dir: Path | None,
) -> int:
    """What would have to change for case ID in PATH to come out differently?

    Tries one change at a time (a fact flipped, a number moved across a threshold the rules use,
    a conviction removed, changed or added), then pairs; lists, for each regime and place and
    each other result, the smallest changes found, fewest first. Every change listed has been
    checked on the rule engine. Single changes of a number across a threshold come first.
    The search is bounded (--time-limit); on a terminal it shows its progress when slow.
    """
    lib = rules_from(rules_dir)
    _file, case = find_case(path, case_id, lib)
    rs, js = chosen(lib, case, regimes, jurisdictions)
    with _progress() as progress:
        found = what_if(
            case,
            rs,
            js,
            field=field_name,
            max_changes=max_changes,
            rules=lib,
            time_limit=time_limit,
            progress=progress,
        )
    if fmt == "json":
        text = render_whatif_json(found, lib, plain=plain)
    elif fmt == "markdown":
        text = render_whatif_markdown(found, limit, plain=plain, lib=lib)
    else:
        text = render_whatif_table(found, limit, plain=plain, lib=lib)
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """On a terminal, a line on standard error saying how far a slow search has got."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    console = Console(stderr=True)
    started = time.monotonic()
    with console.status("") as status:

        def tell(tried: int, where: str) -> None:
            if time.monotonic() - started > 1.0:
                status.update(f"what-if: {where}, {tried:,} variants tried")

        yield tell


def render_whatif_table(w: WhatIf, limit: int, *, plain: bool = False, lib: RuleLibrary | None = None) -> str:
    buf = io.StringIO()
    console = make_console(buf)

    def value(v: object) -> str:
        return plain_value(w.field, v, lib) if plain else show_value(v, "null")

    console.print(Text(DISCLAIMER, style="bold"))
    console.print(Text.assemble((w.case.id, "bold"), f": {w.case.title}"))
    what = plain_label(w.field, lib) if plain else f"the {w.field}"
    console.print(
        f"What would change {what}? (up to {w.max_changes} change{'s' if w.max_changes > 1 else ''})"
    )
    for r in w.results:
        table = Table(
            title=Text(
                f"{r.label}: {value(r.current)}" if plain else f"{r.label}: {w.field} is {value(r.current)}",
                style="bold",
            ),
            title_justify="left",
            show_edge=False,
            header_style="bold",
        )
        table.add_column("becomes", overflow="fold")
        table.add_column("#", justify="right")
        table.add_column("change", overflow="fold")
        groups = r.by_value()
        if not groups:
            none = (
                "none found before the search stopped"
                if not r.complete
                else (f"no change of up to {w.max_changes} facts changes it")
            )
            table.add_row("—", "", none)
        for new, options in groups.items():
            for i, o in enumerate(options[:limit], 1):
                table.add_row(Text(value(new) if i == 1 else ""), str(i), Text(o.text()))
            if len(options) > limit:
                table.add_row(
                    "",
                    "",
                    Text(f"… and {len(options) - limit} more (--limit, or --format json)", style="dim"),
                )
        console.print(table)
        if not r.complete:
            stopped = f"The search stopped after {r.tried:,} variants: {INCOMPLETE}."
            console.print(Text(stopped, style="yellow"))
        console.print()
    console.print(Text(DISCLAIMER, style="dim"))
    return buf.getvalue()


def render_whatif_markdown(
    w: WhatIf, limit: int, *, plain: bool = False, lib: RuleLibrary | None = None
) -> str:
    """Markdown; ``plain``: the answers in plain English, their codes beside them."""

    def value(v: object) -> str:
        code = f"`{show_value(v, 'null')}`"
        return f"{plain_value(w.field, v, lib)} ({code})" if plain else code

    label = plain_label(w.field, lib)
    what = f"{label[:1].lower()}{label[1:]} (`{w.field}`)" if plain else f"the {w.field}"
    lines = [f"# What would change {what}? {w.case.id}", "", f"> {DISCLAIMER}", "", w.case.title, ""]
    for r in w.results:
        lines += [f"## {r.label}: {w.field} is {value(r.current)}", ""]
        groups = r.by_value()
        if not r.complete:
            lines += [f"*The search stopped after {r.tried:,} variants: {INCOMPLETE}.*", ""]
        if not groups:
            lines += [f"No change of up to {w.max_changes} facts changes it.", ""]
        for shown, options in groups.items():
            lines += [f"**→ {value(shown)}**", ""]
            lines += [f"{i}. {o.text()}" for i, o in enumerate(options[:limit], 1)]
            if len(options) > limit:
                lines.append(f"\n… and {len(options) - limit} more.")
            lines.append("")
    return "\n".join(lines) + "\n"


def render_whatif_json(w: WhatIf, lib: RuleLibrary, *, plain: bool = False) -> str:
    doc = {
        "model": {"version": __version__, "rules": lib.digest},
        "disclaimer": DISCLAIMER,
        **w.to_dict(lib if plain else None),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
