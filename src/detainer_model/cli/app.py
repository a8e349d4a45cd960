"""The root command group and options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .._version import __version__
from .lazy import LazyGroup

if TYPE_CHECKING:
    from ..rulebook.library import RuleLibrary

# The names of report.FORMATS, written out so that `run` need not import every presenter to
# list them (tests/test_cli_run.py checks that the two agree).
FORMAT_NAMES = ["table", "json", "markdown", "csv"]

RULES_OPTION = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Evaluate against the rule files in DIR (an edited copy of rules/) instead of the shipped ones.",
)


REGIME_OPTION = click.option(
    "--regime",
    "regimes",
    multiple=True,
    metavar="ID",
    help=(
        "A federal regime to evaluate under (repeatable; default: secure-communities and pep); "
        "ID:READING picks a named reading, e.g. pep:as-written."
    ),
)

JURISDICTION_OPTION = click.option(
    "--jurisdiction",
    "jurisdictions",
    multiple=True,
    metavar="ID",
    help=(
        "Evaluate under this local policy instead of each case's (or person's) own (repeatable); "
        "ID:READING picks a named reading."
    ),
)


@click.group(
    cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="detainer-model")
def cli() -> None:
    """An illustrative teaching model of ICE detainers under Secure Communities, PEP and local
    opt-out policies. Not legal advice."""


def rules_from(rules_dir: Path | None) -> RuleLibrary:
    from ..rulebook.library import load_rules  # only when a command runs: it builds the models

    return load_rules(rules_dir)
