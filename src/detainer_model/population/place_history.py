"""Per place and year: of the ICE requests made, the share the place honored.

A synthetic cohort booked across the years and places of ``rules/places.yaml`` is evaluated as a
batch (each person under the layers in force on their booking date); a request is *honored* when
the jail held the person or told ICE of the release (``local_response`` hold or notify), and
*declined* otherwise. The share is of requests only: bookings ICE asked nothing about are counted
but not in the denominator.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from ..rulebook.library import RuleLibrary
from .batch import evaluate_population
from .profiles import ProfileFile
from .simulate import simulate, write_cohort
from .validate import read_batch

HONORED = ("hold", "notify")


def honored_by_place_and_year(table: pl.DataFrame) -> pl.DataFrame:
    """``regime, jurisdiction, year, bookings, requests, honored, share_honored`` from a result table."""
    requested = pl.col("request").cast(pl.String) != "none"
    honored = requested & pl.col("local_response").cast(pl.String).is_in(HONORED)
    return (
        table.with_columns(pl.col("booking_date").dt.year().alias("year"))
        .group_by("regime", "jurisdiction", "year")
        .agg(
            pl.len().alias("bookings"),
            requested.sum().alias("requests"),
            honored.sum().alias("honored"),
        )
        .with_columns(
            pl.when(pl.col("requests") > 0)
            .then(pl.col("honored") / pl.col("requests"))
            .otherwise(None)
            .alias("share_honored")
        )
        .with_columns(pl.col("regime").cast(pl.String), pl.col("jurisdiction").cast(pl.String))
        .sort("regime", "jurisdiction", "year")
    )


def cohort_report(
    lib: RuleLibrary, profile: ProfileFile, size: int, seed: int, regimes: Sequence[str]
) -> pl.DataFrame:
    """Draw the cohort, evaluate it as a batch and tabulate the share honored per place and year."""
    cohort = simulate(profile, lib, size, seed)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_cohort(cohort, Path(tmp), "parquet")
        by_name = {p.stem: p for p in paths}
        batch = read_batch(lib, by_name["people"], by_name.get("convictions"), by_name.get("charges"))
    result = evaluate_population(batch, lib, list(regimes))
    return honored_by_place_and_year(result.table)
