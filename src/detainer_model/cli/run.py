"""``detainer-model run``: evaluate scenario files and compare the regimes side by side."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core.runner import resolve_regimes, run_scenarios
from ..core.scenarios import load_scenarios
from .app import FORMAT_NAMES, JURISDICTION_OPTION, REGIME_OPTION, RULES_OPTION, rules_from


@click.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@REGIME_OPTION
@JURISDICTION_OPTION
@click.option(
    "--all-jurisdictions",
    is_flag=True,
    help="Evaluate every case under every local policy and show each case as a matrix of policies "
    "by regimes (JSON and CSV: one result per policy and regime).",
)
@click.option(
    "--all-places",
    is_flag=True,
    help="Evaluate every case in every place with a history (rules/places.yaml): the versions in "
    "force on its booking date, layered; shown as a matrix like --all-jurisdictions.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--brief", is_flag=True, help="Table format: leave out the rules that fired.")
@click.option(
    "--detail/--summary",
    default=None,
    help="Table format: a panel per case with every answer and the rules behind it (--detail), or one "
    "line per case with its outcomes (--summary). Default: the summary when PATHS name a folder or "
    "several files, the detail for one file. The json, markdown and csv formats are always complete.",
)
@click.option(
    "--plain",
    is_flag=True,
    help="Answers and reasons in plain English, ids beside them (table and markdown formats); in "
    "JSON, each result also carries `plain`, its answers and reasons in plain English.",
)
@RULES_OPTION
def run_command(
    paths: tuple[Path, ...],
    regimes: tuple[str, ...],
    jurisdictions: tuple[str, ...],
    all_jurisdictions: bool,
    all_places: bool,
    fmt: str,
    brief: bool,
    detail: bool | None,
    plain: bool,
    rules_dir: Path | None,
) -> int:
    """Evaluate every case in PATHS (files or folders) and print the results.

    Exit status: 0 when every expect held, 1 when one failed, 2 when an input is invalid.
    """
    if all_jurisdictions and jurisdictions:
        raise click.UsageError("--all-jurisdictions and --jurisdiction cannot be used together")
    if all_places and (all_jurisdictions or jurisdictions):
        raise click.UsageError("--all-places cannot be used with --all-jurisdictions or --jurisdiction")
    if plain and (fmt == "csv" or (all_jurisdictions and fmt in ("table", "markdown"))):
        raise click.UsageError(
            "--plain goes with the table, markdown and json formats (with --all-jurisdictions: json)"
        )
    lib = rules_from(rules_dir)
    chosen = resolve_regimes(lib, regimes)
    if all_jurisdictions:
        jurisdictions = tuple(lib.jurisdictions)
    if all_places:
        jurisdictions = tuple(lib.place_ids)
        all_jurisdictions = True  # the same matrix views
    for j in jurisdictions:
        lib.check_local(j)
    scenarios = load_scenarios(list(paths), lib)
    result = run_scenarios(
        scenarios, regimes=regimes and chosen, jurisdictions=jurisdictions or None, rules=lib
    )
    if detail is None:
        detail = len(paths) == 1 and not paths[0].is_dir()
    # Each presenter is imported only when chosen: the others' imports (rich, the teaching
    # modules) would cost the common case, the summary, a good part of its time.
    if fmt == "table" and all_jurisdictions:
        from ..report.matrix import render_matrix_table

        text = render_matrix_table(result, explain=not brief)
    elif fmt == "table":
        from ..report.table import render_summary, render_table

        if detail:
            text = render_table(result, explain=not brief, plain=plain)
        else:
            text = render_summary(result, plain=plain)
    elif fmt == "json":
        from ..report.jsondoc import render_json

        text = render_json(result, plain=plain)
    elif fmt == "markdown" and plain and not all_jurisdictions:
        from ..report.markdown import render_markdown

        text = render_markdown(result, plain=True)
    elif all_jurisdictions:
        from ..report.matrix import MATRIX_FORMATS

        text = MATRIX_FORMATS[fmt](result)
    else:
        from ..report import FORMATS

        text = FORMATS[fmt](result)
    sys.stdout.write(text)
    sys.stdout.flush()
    return result.exit_code
