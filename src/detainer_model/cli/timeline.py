"""``detainer-model timeline``: one case booked in each federal era; ``rules timeline``: the eras."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ..errors import InputError, Problem, UnknownIdError
from ..rulebook.library import split_ref
from ..safeio.atomicwrite import write_bytes_atomic
from ..teaching.timeline import eras, rule_set_timeline_chart, timeline
from .app import RULES_OPTION, rules_from
from .cases import find_case
from .rules_group import rules_group

FORMATS = ("table", "markdown", "json")


def _write_chart(stem: Path, files: dict[str, bytes], inputs: tuple[Path, ...]) -> list[Path]:
    """Write ``STEM.png`` and ``STEM.svg`` whole, never over an input file."""
    base = stem.with_suffix("") if stem.suffix in (".png", ".svg") else stem
    targets = {fmt: base.with_name(f"{base.name}.{fmt}") for fmt in files}
    for path in targets.values():
        if any(path.resolve() == i.resolve() for i in inputs):
            raise InputError([Problem(str(path), None, "--chart", "would overwrite an input file")])
        if path.exists() and path.is_dir():
            raise InputError([Problem(str(path), None, "--chart", "is a folder")])
    try:
        for fmt, path in targets.items():
            write_bytes_atomic(path, files[fmt])
    except OSError as exc:
        raise InputError(
            [Problem(str(base), None, "--chart", f"cannot write: {exc.strerror or exc}")]
        ) from None
    return list(targets.values())


@click.command("timeline")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--case", "case_id", required=True, metavar="ID", help="The id of the case.")
@click.option(
    "--jurisdiction", metavar="ID", default=None, help="Use this local policy instead of the case's own."
)
@click.option(
    "--reading",
    "readings",
    multiple=True,
    metavar="ERA:READING",
    help="Evaluate an era under a named reading, e.g. pep:as-written (repeatable; default: the era's own).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--chart",
    type=click.Path(path_type=Path),
    default=None,
    metavar="STEM",
    help="Also draw the timeline to STEM.png and STEM.svg.",
)
@RULES_OPTION
def timeline_command(
    path: Path,
    case_id: str,
    jurisdiction: str | None,
    readings: tuple[str, ...],
    fmt: str,
    chart: Path | None,
    rules_dir: Path | None,
) -> int:
    """The same person as if booked in each federal era (Secure Communities, the 2014-15 interim,
    PEP, Secure Communities revived): what ICE asked for, how the place answered, and the first
    answer that differs between neighbouring eras, with the rules that decided it."""
    lib = rules_from(rules_dir)
    _file, case = find_case(path, case_id, lib)
    chosen: dict[str, str] = {}
    for ref in readings:
        rid, reading = split_ref(ref)
        if reading is None:
            raise UnknownIdError(
                f"--reading '{ref}' names no reading; write ERA:READING, e.g. pep:as-written"
            )
        lib.ruleset(ref, "federal")
        chosen[rid] = reading
    if jurisdiction is not None:
        lib.ruleset(jurisdiction, "local")
    t = timeline(case, rules=lib, readings=chosen, jurisdiction=jurisdiction)
    if chart is not None:
        written = _write_chart(chart, t.chart(), (path,))
        click.echo(f"chart written to {', '.join(map(str, written))}", err=True)
    if fmt == "json":
        click.echo(json.dumps(t.to_dict(), indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        click.echo(t.markdown())
    else:
        table = Table(title=f"{case.id}: {case.title}")
        for col in ("era", "in force", "booked", "request", "form", "local response", "outcome"):
            table.add_column(col)
        for r in t.results:
            d = r.decision
            table.add_row(
                r.label,
                r.era.effective.describe(),
                r.booking_date.isoformat(),
                d.request,
                d.form or "—",
                d.local_response,
                d.outcome,
            )
        console = Console()
        console.print(table)
        for c in t.changes:
            console.print(f"• {c.text()}", highlight=False)
        console.print("An illustrative teaching model, not legal advice.", highlight=False)
    return 0


@rules_group.command("timeline")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--format", "fmt", type=click.Choice(("table", "markdown")), default="table", show_default=True)
@click.option(
    "--chart",
    type=click.Path(path_type=Path),
    default=None,
    metavar="STEM",
    help="Draw to STEM.png and STEM.svg.",
)
@RULES_OPTION
def rules_timeline_command(ids: tuple[str, ...], fmt: str, chart: Path | None, rules_dir: Path | None) -> int:
    """The dates in force of the federal regimes (eras) and the local policies, on one time axis
    (default: every regime and policy; or the rule sets named)."""
    lib = rules_from(rules_dir)
    chosen = (
        [lib.ruleset(i) for i in ids] if ids else [*eras(lib), *(lib.rulesets[j] for j in lib.jurisdictions)]
    )
    if chart is not None:
        written = _write_chart(chart, rule_set_timeline_chart(lib, [rs.id for rs in chosen]), ())
        click.echo(f"chart written to {', '.join(map(str, written))}", err=True)
    rows = [
        (rs.id, rs.level, rs.effective.describe(), ", ".join(rs.refs) if rs.readings else "—")
        for rs in chosen
    ]
    if fmt == "markdown":
        click.echo("| rule set | level | in force | readings |\n|---|---|---|---|")
        for row in rows:
            click.echo("| " + " | ".join(row) + " |")
    else:
        table = Table(title="Rule sets in force")
        for col in ("rule set", "level", "in force", "readings"):
            table.add_column(col)
        for row in rows:
            table.add_row(*row)
        Console().print(table)
    return 0
