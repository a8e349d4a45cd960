"""The policy lab: a local policy's rule file edited in the browser, checked and tried out.

Edits never touch the installed rules. Each browser session gets its own temporary folder holding
a copy of the rule files; an edit replaces one local policy's file *in that copy*, and the copy is
loaded with :func:`~detainer_model.rulebook.library.load_rules`, so an edit is checked exactly as
the CLI checks a ``--rules`` folder, with the same located messages. A checked edit then shows its
decision table, its difference from another policy, and its effect on a small synthetic cohort.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..errors import Problem, RuleFileError
from ..population.batch import evaluate_population
from ..population.profiles import load_profile
from ..population.simulate import simulate, write_cohort
from ..population.validate import read_batch
from ..rulebook.library import RuleLibrary, load_rules
from ..teaching.decision_table import Document, decision_table, rules_diff

NEW_POLICY_FILE = "my-policy.yaml"
PROFILE = "booking-cohort"


def policy_files(lib: RuleLibrary) -> dict[str, str]:
    """Local policy id -> the name of its rule file (the only names an edit may be saved under)."""
    return {j: Path(lib.ruleset(j).file).name for j in lib.jurisdictions}


def policy_text(lib: RuleLibrary, policy_id: str) -> str:
    """The installed rule file of a local policy, as text."""
    rel = Path(lib.ruleset(policy_id, "local").file)
    return (lib.root / Path(*rel.parts[1:])).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Checked:
    """An edit that loaded: the library it belongs to and the policy it defines."""

    lib: RuleLibrary
    policy: str


class LabFolder:
    """One session's copy of the rule files."""

    def __init__(self, folder: Path, installed: RuleLibrary) -> None:
        self.folder = folder
        self.rules = folder / installed.root.name
        self.installed = installed

    def _fresh_copy(self) -> None:
        if self.rules.exists():
            shutil.rmtree(self.rules)
        shutil.copytree(self.installed.root, self.rules)

    def check(self, file_name: str, text: str) -> Checked:
        """Save ``text`` as ``local/<file_name>`` in a fresh copy of the rules and load the copy.

        ``file_name`` must be one of :func:`policy_files` or :data:`NEW_POLICY_FILE`. Raises
        RuleFileError (located, as the CLI prints it) when the copy does not load.
        """
        allowed = {*policy_files(self.installed).values(), NEW_POLICY_FILE}
        if file_name not in allowed:
            raise ValueError(f"not a policy file of this library: {file_name!r}")
        self._fresh_copy()
        target = self.rules / "local" / file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        lib = load_rules(self.rules, cache=False)  # a draft: not kept once the session moves on
        shown = f"{self.rules.name}/local/{file_name}"
        mine = [rs.id for rs in lib.rulesets.values() if rs.file == shown]
        if not mine:
            raise RuleFileError([_problem(shown, "the file defines no rule set")])
        rs = lib.rulesets[mine[0]]
        if rs.level != "local":
            raise RuleFileError([_problem(shown, f"level is '{rs.level}': the lab edits local policies")])
        return Checked(lib, rs.id)


def _problem(file: str, message: str) -> Problem:
    return Problem(file, None, "", message)


def table_of(checked: Checked) -> Document:
    return decision_table(checked.lib, checked.policy)


def diff_of(checked: Checked, other: str) -> Document:
    return rules_diff(checked.lib, checked.policy, other)


@dataclass(frozen=True)
class CohortEffect:
    """Outcome counts for the same synthetic people under two policies and one regime."""

    regime: str
    policies: tuple[str, str]
    outcomes: tuple[str, ...]
    counts: dict[str, dict[str, int]]
    people: int
    seed: int
    changed: int

    def share(self, policy: str, outcome: str) -> float:
        return self.counts[policy].get(outcome, 0) / self.people if self.people else 0.0


def cohort_effect(
    checked: Checked, other: str, regime: str, folder: Path, size: int, seed: int
) -> CohortEffect:
    """Draw ``size`` synthetic people once and evaluate them under the edited policy and ``other``."""
    lib = checked.lib
    lib.ruleset(other, "local")
    lib.ruleset(regime, "federal")
    cohort = simulate(load_profile(PROFILE, lib), lib, size, seed)
    out = folder / "cohort"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    write_cohort(cohort, out)
    batch = read_batch(lib, out / "people.parquet", out / "convictions.parquet", out / "charges.parquet")
    places = (checked.policy, other) if other != checked.policy else (checked.policy,)
    result = evaluate_population(batch, lib, [regime], list(places))
    table = result.table
    outcome = lib.model.outcome_field
    counts: dict[str, dict[str, int]] = {}
    for p in places:
        rows = table.filter(pl.col("jurisdiction") == p).get_column(outcome).to_list()
        counts[p] = dict(Counter(str(v) for v in rows))
    if len(places) == 1:
        counts[other] = counts[checked.policy]
    changed = 0
    if len(places) == 2:
        wide = table.select(
            "person_id", pl.col("jurisdiction").cast(pl.String), pl.col(outcome).cast(pl.String)
        )
        pivot = wide.pivot(on="jurisdiction", index="person_id", values=outcome)
        changed = pivot.filter(pl.col(places[0]) != pl.col(places[1])).height
    values = tuple(str(v) for v in lib.model.outputs[outcome].values)
    return CohortEffect(regime, (checked.policy, other), values, counts, size, seed, changed)
