"""Options and look-ups shared by the commands that work on one case (explain, whatif)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..core.evaluate import DEFAULT_REGIMES
from ..core.models import Case
from ..core.scenarios import load_scenarios
from ..errors import UnknownIdError, suggest
from ..rulebook.library import RuleLibrary
from .app import JURISDICTION_OPTION, REGIME_OPTION

F = TypeVar("F", bound=Callable[..., Any])


def case_options(func: F) -> F:
    """``FILE --case ID [--regime ID]... [--jurisdiction ID]...``."""
    func = JURISDICTION_OPTION(func)
    func = REGIME_OPTION(func)
    func = click.option("--case", "case_id", required=True, metavar="ID", help="The id of the case.")(func)
    return click.argument("path", type=click.Path(path_type=Path))(func)


def find_case(path: Path, case_id: str, lib: RuleLibrary) -> tuple[str, Case]:
    """The case ``case_id`` in the scenario file (or folder) ``path``, with its file's name."""
    found: list[tuple[str, Case]] = []
    known: list[str] = []
    for scenario in load_scenarios(path, lib):
        for case in scenario.cases:
            known.append(case.id)
            if case.id == case_id:
                found.append((scenario.file, case))
    if not found:
        raise UnknownIdError(f"{path}: no case '{case_id}'{suggest(case_id, known)}")
    if len(found) > 1:
        files = ", ".join(f for f, _ in found)
        raise UnknownIdError(f"case '{case_id}' is in several files ({files}); name one file")
    return found[0]


def chosen(
    lib: RuleLibrary, case: Case, regimes: tuple[str, ...], jurisdictions: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """The regimes and places asked for (checked), with the defaults filled in."""
    rs = list(dict.fromkeys(lib.check_regime(r) for r in regimes or DEFAULT_REGIMES))
    js = list(dict.fromkeys(jurisdictions or (case.jurisdiction.id,)))
    for j in js:
        lib.check_local(j)
    return rs, js
