"""``detainer-model batch``: evaluate tables of people, convictions and charges."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from ..core.evaluate import DISCLAIMER
from ..core.runner import resolve_regimes
from ..errors import UnknownIdError
from ..population import run_batch
from ..population.batch import Progress
from ..population.schema import columns_for, parameter_columns
from ..rulebook.library import RuleLibrary
from .app import JURISDICTION_OPTION, REGIME_OPTION, RULES_OPTION, rules_from


class _BarProgress(Progress):
    """A rich progress display on standard error, one line per stage."""

    def __init__(self, bar: RichProgress) -> None:
        self._bar = bar
        self._task: TaskID | None = None

    def stage(self, name: str, total: int | None = None) -> None:
        if self._task is not None:
            done = self._bar.tasks[-1].total or 1
            self._bar.update(self._task, completed=done, total=done)
        self._task = self._bar.add_task(name, total=total)

    def advance(self, steps: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, steps)


@contextmanager
def progress_on_terminal(enabled: bool) -> Iterator[Progress]:
    """A progress bar on standard error when it is a terminal; silence otherwise."""
    if not (enabled and sys.stderr.isatty()):
        yield Progress()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with RichProgress(*columns, console=Console(stderr=True), transient=True) as bar:
        yield _BarProgress(bar)


@click.command("batch")
@click.argument("people", type=click.Path(path_type=Path), required=False)
@click.option(
    "--convictions", type=click.Path(path_type=Path), help="The convictions table (CSV or Parquet)."
)
@click.option(
    "--charges", type=click.Path(path_type=Path), help="The pending charges table (CSV or Parquet)."
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the results: a .csv or .parquet file (written whole or not at all).",
)
@REGIME_OPTION
@JURISDICTION_OPTION
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Leave out people whose rows are faulty (and say how many, and why) instead of refusing the batch.",
)
@click.option("--fired", is_flag=True, help="Add a column listing the rules that fired.")
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help=(
        "Read, check and evaluate the people in parts of at most this many, writing the results part"
        " by part (the results are the same; memory holds one part)."
    ),
)
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@click.option(
    "--columns", "show_columns", is_flag=True, help="Print the columns of the three tables and exit."
)
@RULES_OPTION
def batch_command(
    people: Path | None,
    convictions: Path | None,
    charges: Path | None,
    out: Path | None,
    regimes: tuple[str, ...],
    jurisdictions: tuple[str, ...],
    skip_invalid: bool,
    fired: bool,
    chunk_size: int,
    quiet: bool,
    show_columns: bool,
    rules_dir: Path | None,
) -> int:
    """Evaluate every person in PEOPLE (with their convictions and charges) and write one row per
    person, regime and place to --out. The table format is described in docs/batch-format.md.

    Exit status: 0 on success, 2 when an input is invalid (nothing is written then).
    """
    lib = rules_from(rules_dir)
    if show_columns:
        click.echo(describe_columns(lib))
        return 0
    if people is None or out is None:
        missing = " and ".join(n for n, v in (("PEOPLE", people), ("--out", out)) if v is None)
        raise UnknownIdError(f"batch needs {missing} (or --columns)")
    chosen = resolve_regimes(lib, regimes)
    places = tuple(dict.fromkeys(jurisdictions))
    for j in places:
        lib.check_local(j)
    started = time.perf_counter()
    with progress_on_terminal(not quiet) as progress:
        batch, result = run_batch(
            lib,
            people,
            out,
            convictions=convictions,
            charges=charges,
            regimes=chosen,
            jurisdictions=places or None,
            skip_invalid=skip_invalid,
            fired=fired,
            progress=progress,
            chunk_size=chunk_size,
        )
    if not quiet:
        from ..report.table import wrapped

        for line in batch.rejected.lines():
            click.echo(f"skipped: {line}", err=True)
        synthetic = " (SYNTHETIC DATA)" if result.synthetic else ""
        click.echo(
            wrapped(
                f"{result.people:,} people × {len(result.regimes)} regime(s): {result.rows:,} "
                f"results{synthetic} written to {out} in {time.perf_counter() - started:.1f}s"
                f" ({result.classes:,} distinct stratum inputs decided on the rule engine). {DISCLAIMER}"
            )
        )
    return 0


def describe_columns(lib: RuleLibrary) -> str:
    """The three tables' columns: name, type, required or default (docs/batch-format.md explains them)."""
    from ..report.table import columns_text, wrapped  # rich only when a command runs

    lines = []
    for table in ("people", "convictions", "charges"):
        lines.append(f"{table}:")
        rows = []
        for spec in columns_for(table).values():
            what = "required" if spec.required else f"default {_shown(spec.default)}"
            rows.append(("  " + spec.name, spec.describe(), what))
        if table == "people":
            for column, places in parameter_columns(lib).items():
                types = sorted({_TYPE_WORDS[t] for t in places.values()})
                where = ", ".join(sorted(places))
                default = f"default: the policy's; set only for {where}"
                rows.append(("  " + column, " or ".join(types), default))
        lines.append(columns_text(None, rows))
    lines.append(wrapped("Columns named note.* are allowed and ignored. Lists are separated by ';'."))
    return "\n".join(lines)


_TYPE_WORDS = {"bool": "true or false", "int": "a whole number"}


def _shown(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
