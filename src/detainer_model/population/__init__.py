"""Populations: batch tables of arrests in, one result per person, regime and place out.

* :func:`run_batch` reads the people, convictions and charges tables (CSV or Parquet, see
  ``docs/batch-format.md``), checks them like scenario files, evaluates everyone and writes the
  results atomically;
* :func:`simulate` draws a synthetic cohort from a named profile (``docs/profiles.md``);
* :func:`build_report` turns results into transition tables, breakdowns, charts and an HTML
  report.

The facts are derived column by column from the rule files' own definitions, and the strata of
rules are decided in columns, each distinct input of a stratum once on the rule engine
(:mod:`.batch`), so a million people take seconds; the answers are the ones
:func:`detainer_model.core.evaluate` gives person by person.

Layer: the population tools may import :mod:`detainer_model.core` and the layers below it,
never the teaching tools, the presenters, the CLI or the web app.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._version import __version__
from ..core.evaluate import DISCLAIMER
from ..rulebook.library import RuleLibrary
from ..safeio.outputs import check_output
from .batch import PopulationResult, Progress, evaluate_population, needed_columns
from .io import sidecar, table_format, write_table
from .simulate import SYNTHETIC_NOTE, Cohort, simulate, write_cohort
from .stream import Unstreamable, run_streamed
from .validate import RejectionReport, ValidBatch, read_batch

__all__ = [
    "Cohort",
    "PopulationResult",
    "Progress",
    "RejectionReport",
    "ValidBatch",
    "evaluate_population",
    "read_batch",
    "results_manifest",
    "run_batch",
    "simulate",
    "write_cohort",
]


DEFAULT_CHUNK_SIZE = 1_000_000  # people a streamed batch holds at a time (about 0.7 GB)


def results_manifest(batch: ValidBatch, result: PopulationResult, lib: RuleLibrary) -> dict[str, Any]:
    """What a results table carries about itself: model, rules, inputs, and whether it is synthetic."""
    synthetic = bool(batch.manifest.get("synthetic")) or result.synthetic
    out: dict[str, Any] = {
        "kind": "detainer-model results",
        "model": {"version": __version__, "rules": lib.digest},
        "disclaimer": DISCLAIMER,
        "synthetic": synthetic,
        "inputs": batch.files,
        "regimes": list(result.regimes),
        "jurisdictions": list(result.jurisdictions) if result.jurisdictions else "each person's own",
        "people": result.people,
        "rows": result.rows,
        "distinct_cases": result.classes,
        "rejected": batch.rejected.to_dict(),
    }
    if synthetic:
        out["note"] = SYNTHETIC_NOTE
    if batch.manifest.get("profile"):
        out["cohort"] = {
            k: batch.manifest[k]
            for k in ("profile", "size", "seed", "booking", "jurisdictions")
            if k in batch.manifest
        }
    return out


def run_batch(
    lib: RuleLibrary,
    people: Path,
    out: Path,
    *,
    convictions: Path | None = None,
    charges: Path | None = None,
    regimes: Sequence[str],
    jurisdictions: Sequence[str] | None = None,
    skip_invalid: bool = False,
    fired: bool = False,
    progress: Progress | None = None,
    chunk_size: int | None = DEFAULT_CHUNK_SIZE,
) -> tuple[ValidBatch, PopulationResult]:
    """Read, check, evaluate and write; nothing is written unless everything succeeded.

    With more people than ``chunk_size`` the batch streams (:mod:`.stream`): the tables are read
    and checked a part at a time and the results written part by part, so memory holds one part;
    the returned result's ``table`` then holds no rows (they are in ``out``). A batch with
    ``skip_invalid``, or whose input has a fault, is read whole. ``chunk_size=None`` reads whole.
    """
    table_format(out, what="results file")
    check_output(out, (people, convictions, charges), also=(sidecar(out),))
    prog = progress or Progress()
    if chunk_size is not None and not skip_invalid:
        items = {t: p for t, p in (("convictions", convictions), ("charges", charges)) if p is not None}
        try:
            return run_streamed(
                lib,
                people,
                out,
                items,
                regimes=regimes,
                jurisdictions=jurisdictions,
                fired=fired,
                progress=prog,
                chunk_size=chunk_size,
                keep=needed_columns(lib),
            )
        except Unstreamable:
            pass  # small enough, or a fault a whole read locates
    prog.stage("reading and checking the tables")
    batch = read_batch(lib, people, convictions, charges, skip_invalid=skip_invalid, keep=needed_columns(lib))
    result = evaluate_population(
        batch, lib, regimes, jurisdictions, fired=fired, progress=prog, chunk_size=chunk_size
    )
    prog.stage("writing results")
    write_table(result.table, out, results_manifest(batch, result, lib))
    return batch, result
