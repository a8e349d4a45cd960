"""Synthetic cohorts reproduce the shares their profiles declare; calibrated ones, the published figures."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl
import pytest

from detainer_model.population import evaluate_population, read_batch, simulate, write_cohort
from detainer_model.population.profiles import load_profile, profile_paths, resolved_jurisdictions

from strategies import LIB

SIZE = 4000
TOLERANCE = 0.03  # sampling error at this size is about 0.008 for a share of one half


def _results(
    name: str, seed: int = 3, regimes: tuple[str, ...] = ("secure-communities", "pep")
) -> tuple[pl.DataFrame, object]:
    profile = load_profile(name, LIB)
    cohort = simulate(profile, LIB, SIZE, seed)
    with tempfile.TemporaryDirectory() as tmp:
        write_cohort(cohort, Path(tmp))
        batch = read_batch(
            LIB,
            Path(tmp) / "people.parquet",
            Path(tmp) / "convictions.parquet",
            Path(tmp) / "charges.parquet",
        )
    return evaluate_population(batch, LIB, list(regimes)).table, profile


def _by_level(name: str) -> bool:
    """A profile whose record classes are ICE levels (``none``, ``level_1`` ...), not a free mix."""
    classes = load_profile(name, LIB).record.most_serious
    return all(c == "none" or c.startswith("level_") for c in classes)


@pytest.mark.parametrize("name", sorted(n for n in profile_paths() if _by_level(n)))
def test_each_profile_gives_the_mix_of_most_serious_conviction_it_declares(name: str) -> None:
    """The model's ICE level (sc_level) of the drawn people matches the profile's record classes."""
    table, profile = _results(name)
    sc = table.filter(pl.col("regime") == "secure-communities")
    for cls, share in profile.record.most_serious.items():  # type: ignore[attr-defined]
        level = None if cls == "none" else int(cls.removeprefix("level_"))
        found = sc.filter(
            pl.col("sc_level").is_null() if level is None else pl.col("sc_level") == level
        ).height
        assert abs(found / SIZE - share) < TOLERANCE, (cls, found / SIZE, share)


def test_the_calibrated_2012_cohort_reproduces_trac_no_conviction_share() -> None:
    """Everyone in it gets a detainer as practised, and 47.7% of them have no conviction (TRAC 330).

    As written, from December 21, 2012 the guidance's conditions apply, so some of the people
    booked from that day get none; everyone booked before it gets one under both readings.
    """
    practised = "secure-communities:as-practised"
    table, _profile = _results("trac-detainers-2012", regimes=("secure-communities", practised))
    sc = table.filter(pl.col("regime") == practised)
    assert sc.filter(pl.col("request") == "detainer").height == SIZE
    assert abs(sc.get_column("sc_level").is_null().mean() - 0.477) < TOLERANCE  # type: ignore[operator]
    written = table.filter(pl.col("regime") == "secure-communities")
    guidance = pl.col("booking_date") >= dt.date(2012, 12, 21)
    assert written.filter(~guidance & (pl.col("request") != "detainer")).height == 0
    assert written.filter(guidance & (pl.col("request") != "detainer")).height > 0


def test_every_shipped_profile_loads_against_the_rules_and_names_real_places() -> None:
    """Each profile checks against the rule library, and its places are policies or places that exist."""
    for name in profile_paths():
        profile = load_profile(name, LIB)
        places = resolved_jurisdictions(profile, LIB)
        assert set(places) <= set(LIB.local_ids)  # pinned versions, or places with a history
        assert abs(sum(places.values()) - 1) < 1e-9
        assert profile.calibrated == bool(profile.calibration)


def test_booking_dates_fall_in_the_profile_period_and_convictions_before_booking() -> None:
    """Drawn people are booked within the profile's dates and convicted before they are booked."""
    profile = load_profile("trac-pep-detainers-2015", LIB)
    cohort = simulate(profile, LIB, 500, 9)
    booked = cohort.people.get_column("booking_date")
    assert booked.min() >= profile.booking.from_ and booked.max() <= profile.booking.to
    joined = cohort.convictions.join(cohort.people.select("person_id", "booking_date"), on="person_id")
    assert (joined.get_column("date") <= joined.get_column("booking_date")).all()
