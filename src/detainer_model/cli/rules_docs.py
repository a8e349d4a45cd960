"""``detainer-model rules diff | table | coverage``: the rule files as documents (subcommands of
the ``rules`` group)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core.scenarios import load_scenarios
from ..report.ruledocs import (
    render_coverage_json,
    render_coverage_markdown,
    render_coverage_table,
    render_document_json,
    render_document_markdown,
    render_document_table,
)
from ..rulebook.library import RuleLibrary
from ..teaching.coverage import coverage
from ..teaching.decision_table import Document, decision_table, rules_diff
from .app import RULES_OPTION, rules_from

FORMATS = ("table", "markdown", "json")
FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True
)


@click.command("diff")
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@FORMAT_OPTION
@RULES_OPTION
def diff_command(first: str, second: str, fmt: str, rules_dir: Path | None) -> int:
    """What rule sets A and B decide differently (for example: secure-communities pep, or two
    local policies), as a table of situations with each side's answer, rules and sources."""
    lib = rules_from(rules_dir)
    doc = rules_diff(lib, first, second)
    _write(doc, fmt, lib, diff=True)
    return 0


@click.command("table")
@click.argument("ruleset", metavar="ID")
@FORMAT_OPTION
@RULES_OPTION
def table_command(ruleset: str, fmt: str, rules_dir: Path | None) -> int:
    """The decision table of rule set ID (a regime, a local policy or a shared set): for every
    combination of the facts its rules read, the answers and the rules that give them."""
    lib = rules_from(rules_dir)
    doc = decision_table(lib, ruleset)
    _write(doc, fmt, lib, diff=False)
    return 0


@click.command("coverage")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--ruleset",
    "rulesets",
    multiple=True,
    metavar="ID",
    help="Only report on this rule set (repeatable; default: every rule set).",
)
@click.option("--all", "everything", is_flag=True, help="Table format: also show which case exercised each.")
@FORMAT_OPTION
@RULES_OPTION
def coverage_command(
    paths: tuple[Path, ...], rulesets: tuple[str, ...], everything: bool, fmt: str, rules_dir: Path | None
) -> int:
    """Which rules and branches (each part of an `or`, each value of a has_any list) the scenario
    files in PATHS never exercise. Every case is evaluated under every regime and its own place.

    Exit status: 0 when everything is exercised, 1 when something is not, 2 on invalid input.
    """
    lib = rules_from(rules_dir)
    for rs in rulesets:
        lib.ruleset(rs)
    scenarios = load_scenarios(list(paths), lib)
    cov = coverage(scenarios, lib, list(rulesets) or None)
    if fmt == "json":
        text = render_coverage_json(cov, lib)
    elif fmt == "markdown":
        text = render_coverage_markdown(cov)
    else:
        text = render_coverage_table(cov, everything=everything)
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0 if cov.complete else 1


def _write(doc: Document, fmt: str, lib: RuleLibrary, *, diff: bool) -> None:
    if fmt == "json":
        text = render_document_json(doc, lib)
    elif fmt == "markdown":
        text = render_document_markdown(doc, diff=diff)
    else:
        text = render_document_table(doc, diff=diff)
    sys.stdout.write(text)
    sys.stdout.flush()
