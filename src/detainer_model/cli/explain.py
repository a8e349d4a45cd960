"""``detainer-model explain``: the derivation of every answer for one case, as a tree."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core.evaluate import DEFAULT_REGIMES, evaluate
from ..errors import UnknownIdError
from ..report.explanation import (
    render_explanations_json,
    render_explanations_markdown,
    render_explanations_table,
)
from ..teaching.contrast import contrasts
from ..teaching.explain import explain_decision
from .app import RULES_OPTION, rules_from
from .cases import case_options, chosen, find_case

FORMATS = ("table", "markdown", "json")


@click.command("explain")
@case_options
@click.option(
    "--why-not",
    "why_not",
    metavar="RULE",
    help="Also say why this rule did not fire: which of its conditions failed, with the case's values.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--plain",
    is_flag=True,
    help="Each answer and its reasons in plain English, ids kept (table and markdown formats); in "
    "JSON, each explanation also carries `plain`, its answers and reasons in plain English.",
)
@RULES_OPTION
def explain_command(
    path: Path,
    case_id: str,
    regimes: tuple[str, ...],
    jurisdictions: tuple[str, ...],
    why_not: str | None,
    fmt: str,
    plain: bool,
    rules_dir: Path | None,
) -> int:
    """Explain how each answer for case ID in PATH was reached: every rule that fired, its summary
    and source, the facts that made it apply and the convictions a count counted; and why the
    regimes (or places) differ.

    With --why-not RULE, also show which conditions of RULE failed. A rule of another local policy
    or regime is evaluated under that policy or regime unless --jurisdiction or --regime says
    otherwise.
    """
    lib = rules_from(rules_dir)
    _file, case = find_case(path, case_id, lib)
    if why_not is not None:
        rule = lib.rule(why_not)
        owner = lib.rulesets[rule.ruleset]
        if owner.level == "local" and owner.id not in (jurisdictions or (case.jurisdiction.id,)):
            if jurisdictions:
                raise UnknownIdError(
                    f"rule '{rule.id}' belongs to the local policy '{owner.id}', which is not among the "
                    f"places evaluated; add --jurisdiction {owner.id}"
                )
            jurisdictions = (case.jurisdiction.id, owner.id)
        if owner.level == "federal" and regimes and owner.id not in regimes:
            raise UnknownIdError(
                f"rule '{rule.id}' belongs to the regime '{owner.id}', which is not among the regimes "
                f"evaluated; add --regime {owner.id}"
            )
        if owner.level == "federal" and not regimes:
            regimes = tuple(dict.fromkeys([*DEFAULT_REGIMES, owner.id]))
    rs, js = chosen(lib, case, regimes, jurisdictions)
    decisions = [evaluate(case, r, j, rules=lib) for j in js for r in rs]
    explanations = [explain_decision(d, case, lib, why_not=why_not) for d in decisions]
    found = contrasts(case, decisions, lib)
    if fmt == "json":
        text = render_explanations_json(explanations, found, lib, plain=plain)
    elif fmt == "markdown":
        text = render_explanations_markdown(explanations, found, plain=plain, lib=lib)
    else:
        text = render_explanations_table(explanations, found, plain=plain, lib=lib)
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0
