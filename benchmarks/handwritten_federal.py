"""A hand-written, vectorised polars version of the federal rules: the yardstick for ``batch``.

The benchmark (``bench_population.py``) times this script against ``detainer-model batch`` on the
same files, and checks that both agree on every federal field of every person. It exists only to
keep the batch's figures honest: the thresholds, offense lists and dates below are copied by hand
from ``rules/common/*.yaml`` and ``rules/federal/*.yaml`` (the model itself never writes law in
Python). If the rule files change, this copy goes stale, and the benchmark's agreement check says
so.

What it copies (the rule files as of the federal timeline, each era with its default reading,
or the reading named after a colon):

* identification and removability (``identification.yaml``): the IDENT match, removability as
  stated or by default, and, when the case is silent, the INA § 237(a)(2) grounds in the record
  (aggravated felony, controlled substance but one small marijuana possession, firearm, domestic
  violence, moral turpitude simplified);
* the 2014 priority categories (``priorities-2014.yaml``, reported under every regime) and the
  Secure Communities offense levels (``sc-levels.yaml``);
* the request and form of each era: ``secure-communities`` (the December 21, 2012 detainer
  guidance as written; ``:as-practised`` a detainer for everyone identified and removable),
  ``interim-2015`` (the guidance until January 4, 2015, then the transfer categories; I-247),
  ``pep`` (``:as-practised`` by default: I-247D on Part B's probable cause, else I-247N;
  ``:as-written``: I-247D only on a final order or prior removal) and ``secure-communities-2017``
  (any conviction, charge, order ...; I-247D until April 1, 2017, then I-247A); ``auto`` picks the
  era in force on each booking date.

    .venv/bin/python benchmarks/handwritten_federal.py PEOPLE.parquet CONVICTIONS.parquet \\
        CHARGES.parquet OUT.parquet [REGIME ...]

Writes one row per person and regime (default: ``secure-communities pep``, as ``batch``) with
``person_id``, ``regime``, ``identified``, ``removable``, ``priorities`` (``;``-separated, in the
model's order), ``sc_level``, ``request`` and ``form``.
"""

from __future__ import annotations

import datetime as dt
import sys

import polars as pl

PRIORITY_ORDER = ("1(a)", "1(b)", "1(c)", "1(d)", "1(e)", "2(a)", "2(b)", "2(c)", "2(d)", "3")
TRANSFER = ("1(a)", "1(c)", "1(d)", "1(e)", "2(a)", "2(b)")
SIGNIFICANT_2014 = ("domestic_violence", "sexual_abuse", "burglary", "firearm", "drug_trafficking", "dui")
SIGNIFICANT_2012 = (
    "violence_threat_assault",
    "violent",
    "domestic_violence",
    "sexual_abuse",
    "dui",
    "flight_from_accident",
    "firearm",
    "drug_trafficking",
)
DAY_2014 = dt.date(2014, 1, 1)
GUIDANCE_2012 = dt.date(2012, 12, 21)
PRIORITIES_START = dt.date(2015, 1, 5)
I247A_START = dt.date(2017, 4, 2)
ERAS = (  # id, first day, last day
    ("secure-communities", dt.date(2008, 10, 27), dt.date(2014, 11, 19)),
    ("interim-2015", dt.date(2014, 11, 20), dt.date(2015, 7, 1)),
    ("pep", dt.date(2015, 7, 2), dt.date(2017, 1, 24)),
    ("secure-communities-2017", dt.date(2017, 1, 25), dt.date(2021, 1, 19)),
)
DEFAULT_READING = {"secure-communities": "as-written", "pep": "as-practised"}
FEDERAL_FIELDS = ("identified", "removable", "priorities", "sc_level", "request", "form")
PERSON_DEFAULTS: dict[str, tuple[pl.DataType, object]] = {
    "removable": (pl.Boolean(), None),
    "in_ident": (pl.Boolean(), None),
    "entry_date": (pl.Date(), None),
    "removal_order": (pl.String(), "none"),
    "removal_order_date": (pl.Date(), None),
    "removal_order_issued": (pl.Date(), None),
    "prior_removals": (pl.Int64(), 0),
    "gang_participation": (pl.Boolean(), False),
    "gang_participation_age": (pl.Int64(), None),
    "national_security_risk": (pl.Boolean(), False),
    "apprehended_at_border": (pl.Boolean(), False),
    "visa_abuse": (pl.Boolean(), False),
    "public_safety_risk": (pl.Boolean(), False),
    "unlawful_entry": (pl.Boolean(), None),
}


def _has(*kinds: str) -> pl.Expr:
    return pl.any_horizontal(*(pl.col("kind_list").list.contains(k) for k in kinds))


def _items(frame: pl.LazyFrame) -> pl.LazyFrame:
    # a conviction without an incident label is its own incident
    own = pl.format("#{}", pl.int_range(pl.len()).over("person_id"))
    cols = frame.collect_schema().names()
    return frame.with_columns(
        kind_list=pl.col("kinds").fill_null("").str.split(";"),
        incident=pl.coalesce(pl.col("incident"), own) if "incident" in cols else own,
        custody_days=pl.col("custody_days").fill_null(0) if "custody_days" in cols else pl.lit(0),
    )


def _conviction_counts(convictions: pl.LazyFrame, people: pl.LazyFrame) -> pl.LazyFrame:
    felony = pl.col("level") == "felony"
    misdemeanor = pl.col("level") == "misdemeanor"
    not_status = ~_has("state_immigration_offense")
    cimt = _has("cimt")
    # within_years(person.entry_date, 5): entered on or after the same day five years before booking
    recent_entry = (pl.col("entry_date") >= pl.col("booking_date").dt.offset_by("-5y")).fill_null(False)
    dates = people.select("person_id", "booking_date", "entry_date")
    prepared = _items(convictions).join(dates, on="person_id", how="left")
    return prepared.group_by("person_id").agg(
        sc_felonies=felony.sum(),
        sc_misdemeanors=misdemeanor.sum(),
        sc_aggravated=(_has("aggravated_felony") & (pl.col("level") != "minor_traffic")).sum(),
        gang=_has("gang_element").sum(),
        priority_felonies=(felony & not_status).sum(),
        aggravated=_has("aggravated_felony").sum(),
        misdemeanor_incidents=pl.col("incident").filter(misdemeanor & not_status).n_unique(),
        significant=(misdemeanor & (_has(*SIGNIFICANT_2014) | (pl.col("custody_days") >= 90))).sum(),
        controlled=_has("drug_possession", "drug_trafficking").sum(),
        small_marijuana=_has("marijuana_possession_small").sum(),
        firearm=_has("firearm").sum(),
        domestic=_has("domestic_violence").sum(),
        recent_cimt=(cimt & felony & recent_entry).sum(),
        cimt_incidents=pl.col("incident").filter(cimt).n_unique(),
        morton_significant=(misdemeanor & _has(*SIGNIFICANT_2012)).sum(),
        interim_significant=(misdemeanor & _has(*SIGNIFICANT_2012, "illegal_entry")).sum(),
        illegal_entry=_has("illegal_entry").sum(),
        any_conviction=pl.len(),
        fraud=_has("immigration_fraud").sum(),
    )


def _charge_counts(charges: pl.LazyFrame) -> pl.LazyFrame:
    misdemeanor = pl.col("level") == "misdemeanor"
    prepared = charges.with_columns(kind_list=pl.col("kinds").fill_null("").str.split(";"))
    return prepared.group_by("person_id").agg(
        felony_charges=(pl.col("level") == "felony").sum(),
        significant_charges=(misdemeanor & _has(*SIGNIFICANT_2012)).sum(),
        any_charge=pl.len(),
    )


def _with_defaults(people: pl.LazyFrame) -> pl.LazyFrame:
    cols = set(people.collect_schema().names())
    return people.with_columns(
        (pl.col(c).fill_null(d) if c in cols else pl.lit(d, dtype=t)).alias(c)
        for c, (t, d) in PERSON_DEFAULTS.items()
        if d is not None or c not in cols
    )


def facts(people: pl.LazyFrame, convictions: pl.LazyFrame, charges: pl.LazyFrame) -> pl.LazyFrame:
    """Every person with the answers the eras share: identified, removable, priorities, level."""
    people = _with_defaults(people)
    conv = _conviction_counts(convictions, people)
    chg = _charge_counts(charges)
    counts = [c for c in conv.collect_schema().names() if c != "person_id"]
    charge_counts = [c for c in chg.collect_schema().names() if c != "person_id"]
    p = (
        people.join(conv, on="person_id", how="left")
        .join(chg, on="person_id", how="left")
        .with_columns(pl.col(counts + charge_counts).fill_null(0))
    )
    citizen = pl.col("status") == "us_citizen"
    unauthorized = pl.col("status") == "unauthorized"
    final = pl.col("removal_order") == "final"
    removed_before = pl.col("prior_removals") > 0
    by_record = (
        (pl.col("aggravated") >= 1)
        | (pl.col("controlled") >= 1)
        | (pl.col("small_marijuana") >= 2)
        | (pl.col("firearm") >= 1)
        | (pl.col("domestic") >= 1)
        | (pl.col("recent_cimt") >= 1)
        | (pl.col("cimt_incidents") >= 2)
    )
    ident = pl.coalesce(pl.col("in_ident"), ~citizen)
    stated = pl.coalesce(pl.col("removable"), ~citizen & (unauthorized | final | removed_before))
    silent = pl.col("removable").is_null() & ~citizen
    gang_age = pl.coalesce(pl.col("gang_participation_age"), pl.col("age")) >= 16
    unlawful = pl.coalesce(pl.col("unlawful_entry"), unauthorized | removed_before)
    order_day = pl.coalesce(pl.col("removal_order_issued"), pl.col("removal_order_date"))
    met = [
        pl.col("national_security_risk"),
        pl.col("apprehended_at_border"),
        (pl.col("gang") >= 1) | (pl.col("gang_participation") & gang_age.fill_null(False)),
        pl.col("priority_felonies") >= 1,
        pl.col("aggravated") >= 1,
        pl.col("misdemeanor_incidents") >= 3,
        pl.col("significant") >= 1,
        unlawful & (pl.col("entry_date") > DAY_2014).fill_null(False),
        pl.col("visa_abuse"),
        final & (order_day >= DAY_2014).fill_null(False),
    ]
    p = p.with_columns(
        identified=ident,
        removable=stated | (silent & by_record),
        sc_level=pl.when((pl.col("sc_aggravated") >= 1) | (pl.col("sc_felonies") >= 2))
        .then(1)
        .when((pl.col("sc_felonies") >= 1) | (pl.col("sc_misdemeanors") >= 3))
        .then(2)
        .when(pl.col("sc_misdemeanors") >= 1)
        .then(3)
        .otherwise(None)
        .cast(pl.Int64),
        priorities=pl.concat_str(
            [pl.when(m).then(pl.lit(v)) for m, v in zip(met, PRIORITY_ORDER, strict=True)],
            separator=";",
            ignore_nulls=True,
        ),
        transfer=pl.any_horizontal(met[PRIORITY_ORDER.index(v)] for v in TRANSFER),
        final_order=final | removed_before,
        pep_part_b=final
        | removed_before
        | (pl.col("removal_order") == "pending")
        | (ident & (unauthorized | by_record)),
        guidance_common=(pl.col("sc_felonies") >= 1)
        | (pl.col("felony_charges") >= 1)
        | (pl.col("sc_misdemeanors") >= 3)
        | (pl.col("significant_charges") >= 1)
        | removed_before
        | final
        | pl.col("national_security_risk")
        | pl.col("public_safety_risk"),
        eo_priority=(pl.col("any_conviction") >= 1)
        | (pl.col("any_charge") >= 1)
        | removed_before
        | (pl.col("fraud") >= 1)
        | final
        | pl.col("visa_abuse")
        | pl.col("public_safety_risk")
        | pl.col("national_security_risk"),
    )
    return p.with_columns(sought=pl.col("identified") & pl.col("removable"))


def _request_and_form(era: str, reading: str) -> tuple[pl.Expr, pl.Expr]:
    """The request and form an era (under a reading) gives, over the columns of :func:`facts`."""
    sought, day = pl.col("sought"), pl.col("booking_date")
    none = pl.lit("none")
    if era == "secure-communities":
        morton = (
            pl.col("guidance_common") | (pl.col("morton_significant") >= 1) | (pl.col("illegal_entry") >= 1)
        )
        criteria = day.is_not_null() if reading == "as-practised" else (day < GUIDANCE_2012) | morton
        request = pl.when(sought & criteria).then(pl.lit("detainer")).otherwise(none)
        return request, pl.when(request == "detainer").then(pl.lit("I-247"))
    if era == "interim-2015":
        guidance = pl.col("guidance_common") | (pl.col("interim_significant") >= 1)
        criteria = ((day < PRIORITIES_START) & guidance) | ((day >= PRIORITIES_START) & pl.col("transfer"))
        request = pl.when(sought & criteria).then(pl.lit("detainer")).otherwise(none)
        return request, pl.when(request == "detainer").then(pl.lit("I-247"))
    if era == "pep":
        cause = pl.col("final_order") if reading == "as-written" else pl.col("pep_part_b")
        asked = sought & pl.col("transfer")
        request = (
            pl.when(asked & cause)
            .then(pl.lit("detainer"))
            .when(asked)
            .then(pl.lit("notification"))
            .otherwise(none)
        )
        form = pl.when(request == "detainer").then(pl.lit("I-247D")).when(request == "notification")
        return request, form.then(pl.lit("I-247N"))
    if era == "secure-communities-2017":
        request = pl.when(sought & pl.col("eo_priority")).then(pl.lit("detainer")).otherwise(none)
        form = pl.when((request == "detainer") & (day < I247A_START)).then(pl.lit("I-247D"))
        return request, form.when(request == "detainer").then(pl.lit("I-247A"))
    raise SystemExit(f"unknown regime {era!r}")


def federal(
    people: pl.LazyFrame,
    convictions: pl.LazyFrame,
    charges: pl.LazyFrame,
    regimes: list[str] | None = None,
) -> pl.LazyFrame:
    """The federal answers under each regime, for every person (``auto``: the era of the booking)."""
    p = facts(people, convictions, charges)
    shared = ("person_id", "identified", "removable", "priorities", "sc_level")
    frames = []
    for ref in regimes or ["secure-communities", "pep"]:
        era, _sep, reading = ref.partition(":")
        eras = ERAS if era == "auto" else [e for e in ERAS if e[0] == era]
        if not eras:
            raise SystemExit(f"unknown regime {ref!r}")
        for name, first, last in eras:
            request, form = _request_and_form(name, reading or DEFAULT_READING.get(name, ""))
            part = p if era != "auto" else p.filter(pl.col("booking_date").is_between(first, last))
            label = ref if era != "auto" else (f"{name}:{reading}" if reading else name)
            frames.append(
                part.select(*shared, pl.lit(label).alias("regime"), request=request, form=form).select(
                    "person_id", "regime", *FEDERAL_FIELDS
                )
            )
    return pl.concat(frames)


def main(argv: list[str]) -> int:
    people, convictions, charges, out, *regimes = argv
    scan = pl.scan_parquet
    federal(scan(people), scan(convictions), scan(charges), regimes or None).collect().write_parquet(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
