"""``detainer-model simulate``: write a synthetic cohort drawn from a named profile."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import UnknownIdError
from ..population.profiles import load_profile, profile_paths
from ..population.simulate import simulate, write_cohort
from ..safeio.outputs import check_output
from .app import RULES_OPTION, rules_from

MAX_SIZE = 100_000_000


@click.command("simulate")
@click.option("--size", type=click.IntRange(1, MAX_SIZE), help="How many people to draw.")
@click.option(
    "--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True, help="The random seed."
)
@click.option(
    "--profile",
    default="booking-cohort",
    show_default=True,
    metavar="NAME|FILE",
    help="A shipped profile's name (see --list-profiles) or a profile file.",
)
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), help="The folder to write the tables into."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
    help="Table format.",
)
@click.option("--list-profiles", is_flag=True, help="List the shipped profiles and exit.")
@RULES_OPTION
def simulate_command(
    size: int | None,
    seed: int,
    profile: str,
    out: Path | None,
    fmt: str,
    list_profiles: bool,
    rules_dir: Path | None,
) -> int:
    """Draw a synthetic cohort (people, convictions, charges) from a profile and write it to --out.

    The same profile, size, seed and rules give the same tables. Every table is marked synthetic.
    Profiles are described in docs/profiles.md.
    """
    from ..report.table import columns_text, wrapped  # rich only when a command runs

    lib = rules_from(rules_dir)
    if list_profiles:
        rows = []
        for name in profile_paths():
            p = load_profile(name, lib)
            rows.append((name, "calibrated" if p.calibrated else "illustrative", p.title))
        click.echo(columns_text(None, rows))
        return 0
    if size is None or out is None:
        missing = " and ".join(f"--{n}" for n, v in (("size", size), ("out", out)) if v is None)
        raise UnknownIdError(f"simulate needs {missing} (or --list-profiles)")
    profile_file = [Path(profile)] if Path(profile).is_file() else []
    tables = [f"{t}.{fmt}" for t in ("people", "convictions", "charges")]
    tables += [f"{t}.{fmt}.meta.json" for t in ("people", "convictions", "charges")]
    check_output(out, profile_file, folder=True, writes=[*tables, "manifest.json"])
    chosen = load_profile(profile, lib)
    cohort = simulate(chosen, lib, size, seed)
    written = write_cohort(cohort, out, fmt)
    rows = cohort.manifest["rows"]
    click.echo(
        wrapped(
            f"SYNTHETIC DATA: {rows['people']:,} people ({rows['convictions']:,} convictions, "
            f"{rows['charges']:,} "
            f"charges) drawn from profile '{chosen.id}' with seed {seed}, written to {out}: "
            + ", ".join(p.name for p in written)
        )
    )
    return 0
