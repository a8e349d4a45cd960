"""``detainer-model places``: every place's history, its timeline chart, and a cohort report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import InputError, Problem
from ..population.place_history import cohort_report
from ..population.profiles import load_profile
from ..report.timeline import history, place_order, write_timeline
from .app import REGIME_OPTION, RULES_OPTION, rules_from

CHART_START = dt.date(2008, 1, 1)


@click.command("places")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the timeline chart to FILE (.png or .svg).",
)
@click.option("--chart-end", type=click.DateTime(["%Y-%m-%d"]), default="2022-12-31", show_default=True)
@click.option(
    "--cohort",
    type=click.IntRange(1, 1_000_000),
    help="Also draw a synthetic booking cohort of this size and report, per place and year, "
    "the share of ICE requests honored.",
)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True)
@click.option("--profile", default="place-history-cohort", show_default=True, metavar="NAME|FILE")
@REGIME_OPTION
@RULES_OPTION
def places_command(
    chart: Path | None,
    chart_end: dt.datetime,
    cohort: int | None,
    seed: int,
    profile: str,
    regimes: tuple[str, ...],
    rules_dir: Path | None,
) -> None:
    """List every place with a history: its parent and the dated versions of its policy.

    The version in force on a booking date applies, with the versions of every place containing
    it; the answer most restrictive toward ICE stands (a state mandate binds the places inside it).
    """
    lib = rules_from(rules_dir)
    rows = history(lib)
    for pid in place_order(lib):
        place = lib.place(pid)
        inside = f" (in {place.parent})" if place.parent else ""
        click.echo(f"{pid}{inside}: {place.name}")
        mine = [r for r in rows if r.place == pid]
        if not mine:
            click.echo("  no version: no limiting policy of its own")
        for r in mine:
            until = r.end.isoformat() if r.end else "..."
            flag = " [mandate]" if r.mandate else ""
            click.echo(f"  {r.start.isoformat()} to {until}  {r.version}{flag}: {r.title}")
    if chart is not None:
        try:
            write_timeline(lib, chart, CHART_START, chart_end.date())
        except (ValueError, OSError) as exc:
            raise InputError([Problem(str(chart), None, "", str(exc))]) from None
        click.echo(f"wrote {chart}")
    if cohort is not None:
        for rid in regimes:
            lib.ruleset(rid, "federal")
        table = cohort_report(lib, load_profile(profile, lib), cohort, seed, list(regimes or lib.regimes))
        click.echo("")
        click.echo(
            f"Synthetic booking cohort ({cohort} people, seed {seed}, profile {profile}): "
            "share of ICE requests honored"
        )
        click.echo("regime | place | year | bookings | requests | honored | share")
        for row in table.iter_rows(named=True):
            share = "-" if row["share_honored"] is None else f"{row['share_honored']:.0%}"
            click.echo(
                f"{row['regime']} | {row['jurisdiction']} | {row['year']} | {row['bookings']} | "
                f"{row['requests']} | {row['honored']} | {share}"
            )
