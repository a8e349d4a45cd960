"""A hand-written, vectorised polars version of the federal rules: the yardstick for ``batch``.

The benchmark (``bench_population.py``) times this script against ``detainer-model batch`` on the
same files, and checks that both agree on every federal field of every person. It exists only to
keep the batch's figures honest: the thresholds, offense lists and dates below are copied by hand
from ``rules/common/*.yaml`` and ``rules/federal/*.yaml`` (the model itself never writes law in
Python). If the rule files change, this copy goes stale, and the benchmark's agreement check says
so.

    .venv/bin/python benchmarks/handwritten_federal.py PEOPLE.parquet CONVICTIONS.parquet OUT.parquet

Writes one row per person and regime (secure-communities, pep) with ``person_id``, ``regime``,
``identified``, ``removable``, ``priorities`` (``;``-separated, in the model's order), ``sc_level``,
``request`` and ``form``.
"""

from __future__ import annotations

import datetime as dt
import sys

import polars as pl

PRIORITY_ORDER = ("1(a)", "1(b)", "1(c)", "1(d)", "1(e)", "2(a)", "2(b)", "2(c)", "2(d)", "3")
PEP_TRANSFER = ("1(a)", "1(c)", "1(d)", "1(e)", "2(a)", "2(b)")
SIGNIFICANT = ("domestic_violence", "sexual_abuse", "burglary", "firearm", "drug_trafficking", "dui")
DAY_2014 = dt.date(2014, 1, 1)
FEDERAL_FIELDS = ("identified", "removable", "priorities", "sc_level", "request", "form")


def _has(kind: str) -> pl.Expr:
    return pl.col("kind_list").list.contains(kind)


def _counts(convictions: pl.LazyFrame) -> pl.LazyFrame:
    felony = pl.col("level") == "felony"
    misdemeanor = pl.col("level") == "misdemeanor"
    state_immigration = _has("state_immigration_offense")
    significant = pl.any_horizontal(*(_has(k) for k in SIGNIFICANT)) | (
        pl.col("custody_days").fill_null(0) >= 90
    )
    # a conviction without an incident label is its own incident
    own = pl.format("#{}", pl.int_range(pl.len()).over("person_id"))
    prepared = convictions.with_columns(
        kind_list=pl.col("kinds").fill_null("").str.split(";"),
        incident=pl.coalesce(pl.col("incident"), own),
    )
    return prepared.group_by("person_id").agg(
        sc_felonies=felony.sum(),
        sc_misdemeanors=misdemeanor.sum(),
        sc_aggravated=(_has("aggravated_felony") & (pl.col("level") != "minor_traffic")).sum(),
        gang=_has("gang_element").sum(),
        priority_felonies=(felony & ~state_immigration).sum(),
        aggravated=_has("aggravated_felony").sum(),
        misdemeanor_incidents=pl.col("incident").filter(misdemeanor & ~state_immigration).n_unique(),
        significant=(misdemeanor & significant).sum(),
    )


def federal(people: pl.LazyFrame, convictions: pl.LazyFrame) -> pl.LazyFrame:
    """The federal answers under Secure Communities and PEP, for every person."""
    counts = [
        "sc_felonies",
        "sc_misdemeanors",
        "sc_aggravated",
        "gang",
        "priority_felonies",
        "aggravated",
        "misdemeanor_incidents",
        "significant",
    ]
    p = people.join(_counts(convictions), on="person_id", how="left").with_columns(
        pl.col(counts).fill_null(0)
    )
    citizen = pl.col("status") == "us_citizen"
    final = pl.col("removal_order").fill_null("none") == "final"
    removed_before = pl.col("prior_removals").fill_null(0) > 0
    flag = lambda name: pl.col(name).fill_null(False)  # noqa: E731
    p = p.with_columns(
        identified=pl.coalesce(pl.col("in_ident"), ~citizen),
        removable=pl.coalesce(
            pl.col("removable"), ~citizen & ((pl.col("status") == "unauthorized") | final | removed_before)
        ),
        sc_level=pl.when((pl.col("sc_aggravated") >= 1) | (pl.col("sc_felonies") >= 2))
        .then(1)
        .when((pl.col("sc_felonies") >= 1) | (pl.col("sc_misdemeanors") >= 3))
        .then(2)
        .when(pl.col("sc_misdemeanors") >= 1)
        .then(3)
        .otherwise(None)
        .cast(pl.Int64),
        final_order=final | removed_before,
        **{
            f"p{i}": cond
            for i, cond in enumerate(
                [
                    flag("national_security_risk"),
                    flag("apprehended_at_border"),
                    (pl.col("gang") >= 1) | (flag("gang_participation") & (pl.col("age") >= 16)),
                    pl.col("priority_felonies") >= 1,
                    pl.col("aggravated") >= 1,
                    pl.col("misdemeanor_incidents") >= 3,
                    pl.col("significant") >= 1,
                    pl.col("entry_date").fill_null(dt.date.min) > DAY_2014,
                    flag("visa_abuse"),
                    final & (pl.col("removal_order_date").fill_null(dt.date.min) >= DAY_2014),
                ]
            )
        },
    )
    met = [pl.when(pl.col(f"p{i}")).then(pl.lit(v)) for i, v in enumerate(PRIORITY_ORDER)]
    transfer = pl.any_horizontal(*(pl.col(f"p{PRIORITY_ORDER.index(v)}") for v in PEP_TRANSFER))
    p = p.with_columns(priorities=pl.concat_str(met, separator=";", ignore_nulls=True), transfer=transfer)
    sought = pl.col("identified") & pl.col("removable")
    sc = p.select(
        "person_id",
        pl.lit("secure-communities").alias("regime"),
        "identified",
        "removable",
        "priorities",
        "sc_level",
        request=pl.when(sought).then(pl.lit("detainer")).otherwise(pl.lit("none")),
        form=pl.when(sought).then(pl.lit("I-247")),
    )
    pep_request = (
        pl.when(sought & pl.col("transfer") & pl.col("final_order"))
        .then(pl.lit("detainer"))
        .when(sought & pl.col("transfer"))
        .then(pl.lit("notification"))
        .otherwise(pl.lit("none"))
    )
    pep = p.select(
        "person_id",
        pl.lit("pep").alias("regime"),
        "identified",
        "removable",
        "priorities",
        "sc_level",
        request=pep_request,
    ).with_columns(
        form=pl.when(pl.col("request") == "detainer")
        .then(pl.lit("I-247D"))
        .when(pl.col("request") == "notification")
        .then(pl.lit("I-247N"))
    )
    return pl.concat([sc, pep])


def main(argv: list[str]) -> int:
    people, convictions, out = argv
    federal(pl.scan_parquet(people), pl.scan_parquet(convictions)).collect().write_parquet(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
