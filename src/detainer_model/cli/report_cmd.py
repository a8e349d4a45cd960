"""``detainer-model report``: tables, charts and an HTML page from batch results."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import visible
from ..population.report import REPORT_PARTS, REPORT_UNIT, build_report, read_results_files, write_report
from ..safeio.outputs import check_output
from .app import RULES_OPTION, rules_from


@click.command("report")
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="The folder to write the report into.",
)
@RULES_OPTION
def report_command(results: tuple[Path, ...], out: Path, rules_dir: Path | None) -> int:
    """Write a report on RESULTS (files written by `detainer-model batch`; the parts of a split run are
    read as one) into --out: report.html,
    tables/*.csv (transitions between regimes, breakdowns by local policy and by most serious
    conviction, the model beside the published record) and charts/*.png and *.svg."""
    lib = rules_from(rules_dir)
    check_output(out, results, folder=True, writes=REPORT_PARTS, hidden=f".{REPORT_UNIT}.")
    from ..report.table import wrapped  # rich only when a command runs

    found = read_results_files(results)
    report = build_report(found, lib)
    for warning in found.warnings:
        click.echo(f"warning: {visible(warning)}", err=True)
    written = write_report(report, out)
    label = "SYNTHETIC DATA: " if report.synthetic else ""
    if report.summary.get("people") == 0:
        label += "No people: these results hold no one (the batch evaluated nobody), so every count is zero; "
    tables = sum(1 for p in written if p.suffix == ".csv")
    charts = sum(1 for p in written if p.suffix == ".png")
    click.echo(
        wrapped(
            f"{label}report written to {out / 'report.html'} "
            f"({tables} tables, {charts} charts as PNG and SVG)"
        )
    )
    return 0
