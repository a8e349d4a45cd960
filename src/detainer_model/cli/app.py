"""The root command group and options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

from .._version import __version__
from ..rulebook.library import RuleLibrary, load_rules

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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="detainer-model")
def cli() -> None:
    """An illustrative teaching model of ICE detainers under Secure Communities, PEP and local
    opt-out policies. Not legal advice."""


def rules_from(rules_dir: Path | None) -> RuleLibrary:
    return load_rules(rules_dir)
