"""Synthetic cohorts: people, convictions and charges drawn from a named profile.

Everything is drawn with one seeded numpy generator, column by column and in a fixed order, so
the same profile, size, seed and rule files give the same tables, byte for byte. Every table is
marked synthetic: a ``synthetic`` column that is true on every row, and a manifest (Parquet
metadata, or a ``.meta.json`` file beside a CSV) naming the profile, the seed and what the profile
is calibrated to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .._version import __version__
from ..core.evaluate import DISCLAIMER
from ..rulebook.library import RuleLibrary
from ..safeio.outputs import write_errors_refused
from ..safeio.swap import replace_together
from .io import render_table, sidecar
from .profiles import NO_KINDS, Pattern, ProfileFile, resolved_jurisdictions
from .schema import LIST_SEPARATOR, PARAM_PREFIX, PERSON_ID, SYNTHETIC

SYNTHETIC_NOTE = (
    "SYNTHETIC DATA: these people do not exist. They were drawn at random from the profile named "
    "in this manifest to illustrate the model; they are not records of real arrests."
)
_EPOCH = dt.date(1970, 1, 1)
_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Cohort:
    """The three tables of a synthetic cohort and the manifest that describes them."""

    people: pl.DataFrame
    convictions: pl.DataFrame
    charges: pl.DataFrame
    manifest: dict[str, Any]


def _choice(rng: np.random.Generator, weights: Mapping[Any, float], n: int) -> np.ndarray:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    idx = rng.choice(len(keys), size=n, p=p / p.sum())
    table: np.ndarray = np.array(keys, dtype=object if keys and not isinstance(keys[0], int) else None)
    return np.asarray(table[idx])


def _days_before(rng: np.random.Generator, anchor: np.ndarray, lo: float, hi: float) -> np.ndarray:
    back = np.floor(rng.uniform(lo, hi, size=anchor.shape[0]) * _DAYS_PER_YEAR).astype(np.int64)
    out: np.ndarray = anchor - back
    return out


def _dates(days: np.ndarray, mask: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(days.astype(np.int32)).cast(pl.Date)
    if mask is not None:
        s = pl.select(pl.when(pl.Series(mask)).then(s).otherwise(None)).to_series()
    return s


def _kinds(rng: np.random.Generator, mix: Mapping[str, float], n: int) -> np.ndarray:
    drawn = _choice(rng, mix, n) if mix else np.array([NO_KINDS] * n, dtype=object)
    return np.where(drawn == NO_KINDS, "", drawn).astype(object)


def simulate(
    profile: ProfileFile,
    lib: RuleLibrary,
    size: int,
    seed: int,
    *,
    on_step: Callable[[str], None] | None = None,
) -> Cohort:
    """Draw ``size`` people from ``profile`` with the generator seeded by ``seed``."""
    step = on_step or (lambda _s: None)
    rng = np.random.default_rng(seed)
    n = size
    p = profile.person
    step("people")
    places = resolved_jurisdictions(profile, lib)
    jurisdiction = _choice(rng, places, n)
    start = (profile.booking.from_ - _EPOCH).days
    end = (profile.booking.to - _EPOCH).days
    booking = rng.integers(start, end + 1, size=n)
    status = _choice(rng, p.status, n)
    bands = _choice(rng, p.age, n)
    lo = np.array([int(b.split("-")[0]) for b in bands])
    hi = np.array([int(b.split("-")[1]) for b in bands])
    age = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    in_ident = _per_status(rng, status, p.in_ident, default=None, otherwise=False)
    removable = _per_status(rng, status, p.removable, default=None, otherwise=None)
    entry_given = rng.random(n) < p.entry.given
    entry = _days_before(rng, booking, p.entry.years_before_booking.min, p.entry.years_before_booking.max)
    order = _choice(rng, p.removal_order.kinds, n)
    order_dated = (order != "none") & (rng.random(n) < p.removal_order.dated)
    ro = p.removal_order.years_before_booking
    order_date = _days_before(rng, booking, ro.min, ro.max)
    prior = _choice(rng, p.prior_removals, n).astype(np.int64)
    columns: dict[str, pl.Series] = {
        PERSON_ID: _ids(n),
        "booking_date": _dates(booking),
        "jurisdiction": pl.Series(jurisdiction.astype(str)),
        "status": pl.Series(status.astype(str)),
        "removable": pl.Series(removable, dtype=pl.Boolean),
        "in_ident": pl.Series(in_ident, dtype=pl.Boolean),
        "age": pl.Series(age),
        "entry_date": _dates(entry, entry_given),
        "removal_order": pl.Series(order.astype(str)),
        "removal_order_date": _dates(order_date, order_dated),
        "prior_removals": pl.Series(prior),
    }
    for flag, prob in p.flags.items():
        columns[flag] = pl.Series(rng.random(n) < prob)
    for flag, prob in profile.ice.items():
        columns[flag] = pl.Series(rng.random(n) < prob)
    for name, prob in profile.params.items():
        declares = np.isin(jurisdiction, [j for j in lib.local_ids if name in lib.parameters_of(j)])
        value = rng.random(n) < prob
        columns[PARAM_PREFIX + name] = pl.Series(
            [v if d else None for v, d in zip(value, declares, strict=True)], dtype=pl.Boolean
        )
    columns[SYNTHETIC] = pl.Series([True] * n)
    people = pl.DataFrame({k: v.alias(k) for k, v in columns.items()})

    step("convictions")
    convictions = _convictions(rng, profile, lib, booking)
    step("charges")
    charges = _charges(rng, profile, lib, n)
    manifest = {
        "synthetic": True,
        "note": SYNTHETIC_NOTE,
        "disclaimer": DISCLAIMER,
        "profile": {
            "id": profile.id,
            "title": profile.title,
            "calibrated": profile.calibrated,
            "calibration": [c.model_dump() for c in profile.calibration],
            "assumptions": list(profile.assumptions),
        },
        "size": n,
        "seed": seed,
        "booking": {"from": profile.booking.from_.isoformat(), "to": profile.booking.to.isoformat()},
        "jurisdictions": places,
        "model": {"version": __version__, "rules": lib.digest},
        "rows": {"people": people.height, "convictions": convictions.height, "charges": charges.height},
    }
    return Cohort(people, convictions, charges, manifest)


def _ids(n: int) -> pl.Series:
    width = max(7, len(str(n)))
    return pl.select(pl.format("P{}", pl.int_range(1, n + 1).cast(pl.String).str.zfill(width))).to_series()


def _per_status(
    rng: np.random.Generator, status: np.ndarray, probs: Mapping[str, float], *, default: Any, otherwise: Any
) -> list[Any]:
    draw = np.asarray(rng.random(status.shape[0]))
    out = np.full(status.shape[0], default, dtype=object)
    for s, prob in probs.items():
        here = status == s
        out[here] = np.where(draw[here] < prob, True, otherwise)
    return out.tolist()


def _counts(rng: np.random.Generator, weights: Mapping[int, float], n: int) -> np.ndarray:
    return _choice(rng, weights, n).astype(np.int64) if n else np.zeros(0, dtype=np.int64)


def _convictions(
    rng: np.random.Generator, profile: ProfileFile, lib: RuleLibrary, booking: np.ndarray
) -> pl.DataFrame:
    rec = profile.record
    n = booking.shape[0]
    cls = _choice(rng, rec.most_serious, n)
    felonies = np.zeros(n, dtype=np.int64)
    misdemeanors = np.zeros(n, dtype=np.int64)
    traffic = np.zeros(n, dtype=np.int64)
    first_kinds = np.full(n, None, dtype=object)
    for name in rec.most_serious:
        members = np.flatnonzero(cls == name)
        patterns: Sequence[Pattern] = rec.patterns[name]
        which = _choice(rng, {i: pt.weight for i, pt in enumerate(patterns)}, members.shape[0])
        for i, pt in enumerate(patterns):
            idx = members[which == i]
            felonies[idx] = _counts(rng, pt.felonies, idx.shape[0])
            misdemeanors[idx] = _counts(rng, pt.misdemeanors, idx.shape[0])
            traffic[idx] = _counts(rng, pt.minor_traffic, idx.shape[0])
            if pt.first_felony_kinds is not None:
                first_kinds[idx] = pt.first_felony_kinds
    per_person = felonies + misdemeanors + traffic
    owner = np.repeat(np.arange(n), per_person)
    offset = np.arange(owner.shape[0]) - np.repeat(np.cumsum(per_person) - per_person, per_person)
    level = np.where(
        offset < felonies[owner],
        "felony",
        np.where(offset < (felonies + misdemeanors)[owner], "misdemeanor", "minor_traffic"),
    ).astype(object)
    m = owner.shape[0]
    kinds = np.empty(m, dtype=object)
    custody = np.zeros(m, dtype=np.int64)
    for lvl in ("felony", "misdemeanor", "minor_traffic"):
        here = np.flatnonzero(level == lvl)
        kinds[here] = _kinds(rng, rec.kinds.get(lvl, {}), here.shape[0])
        custody[here] = _counts(rng, rec.custody_days.get(lvl, {0: 1.0}), here.shape[0])
    first = (offset == 0) & (level == "felony")
    override = first & np.array([k is not None for k in first_kinds[owner]], dtype=bool)
    kinds[override] = first_kinds[owner][override]
    date = _days_before(rng, booking[owner], rec.years_before_booking.min, rec.years_before_booking.max)
    released = (custody > 0) & (rng.random(m) < rec.released) & (date + custody <= booking[owner])
    shared = (rng.random(m) < rec.shared_incident) & (level == "misdemeanor") & (offset > 0)
    group = np.cumsum(~shared)
    size = np.bincount(group)[group] if m else np.zeros(0, dtype=np.int64)
    labels = np.char.add("g", group.astype(str)).astype(object)
    incident = np.where(size > 1, labels, np.array(None, dtype=object))
    return pl.DataFrame(
        {
            PERSON_ID: _ids(n).gather(pl.Series(owner)),
            "offense": _offense_texts(lib, level, kinds),
            "date": _dates(date),
            "level": pl.Series(level.astype(str) if m else [], dtype=pl.String),
            "kinds": pl.Series(kinds.tolist(), dtype=pl.String).replace("", None),
            "custody_days": pl.Series(custody),
            "incident": pl.Series(incident.tolist(), dtype=pl.String),
            "release_date": _dates(date + custody, released),
            SYNTHETIC: pl.Series([True] * m, dtype=pl.Boolean),
        }
    )


def _charges(rng: np.random.Generator, profile: ProfileFile, lib: RuleLibrary, n: int) -> pl.DataFrame:
    ch = profile.charges
    count = _counts(rng, ch.count, n)
    owner = np.repeat(np.arange(n), count)
    m = owner.shape[0]
    level = _choice(rng, ch.level, m) if m else np.zeros(0, dtype=object)
    kinds = np.full(m, "", dtype=object)
    for lvl, mix in ch.kinds.items():
        here = np.flatnonzero(level == lvl)
        kinds[here] = _kinds(rng, mix, here.shape[0])
    pc = rng.random(m) < ch.probable_cause_found
    return pl.DataFrame(
        {
            PERSON_ID: _ids(n).gather(pl.Series(owner)),
            "offense": _offense_texts(lib, level, kinds),
            "level": pl.Series(level.astype(str) if m else [], dtype=pl.String),
            "kinds": pl.Series(kinds.tolist(), dtype=pl.String).replace("", None),
            "probable_cause_found": pl.Series(pc),
            SYNTHETIC: pl.Series([True] * m, dtype=pl.Boolean),
        }
    )


def _offense_texts(lib: RuleLibrary, level: np.ndarray, kinds: np.ndarray) -> pl.Series:
    """A readable offense text for each (level, kinds), from the vocabulary's labels."""
    vocab = lib.vocabulary
    keys = pl.Series(
        [f"{lvl}|{ks}" for lvl, ks in zip(level.tolist(), kinds.tolist(), strict=True)], dtype=pl.String
    )
    texts: dict[str, str] = {}
    for key in keys.unique().to_list():
        lvl, _, ks = key.partition("|")
        labels = [vocab.offense_kinds[k].label for k in ks.split(LIST_SEPARATOR) if k]
        base = vocab.levels[lvl].label
        texts[key] = f"{base} ({', '.join(labels)})" if labels else base
    return keys.replace_strict(texts, return_dtype=pl.String) if texts else keys


def write_cohort(cohort: Cohort, out: Path, fmt: str = "parquet") -> list[Path]:
    """Write the three tables and ``manifest.json`` into ``out``; return the files written.

    The files are replaced as one unit (:mod:`..safeio.swap`): a run killed part way leaves the
    previous cohort whole, never new people beside old convictions."""
    import json

    suffix = ".csv" if fmt == "csv" else ".parquet"
    tables = {name: out / f"{name}{suffix}" for name in ("people", "convictions", "charges")}
    names = [p.name for p in tables.values()]
    if fmt == "csv":
        names += [sidecar(p).name for p in tables.values()]
    names.append("manifest.json")
    with write_errors_refused(out), replace_together(out, f"cohort-{fmt}", names) as stage:
        for name, frame in (
            ("people", cohort.people),
            ("convictions", cohort.convictions),
            ("charges", cohort.charges),
        ):
            render_table(frame, stage / tables[name].name, {**cohort.manifest, "table": name})
        (stage / "manifest.json").write_text(
            json.dumps(cohort.manifest, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
        )
    return [*tables.values(), out / "manifest.json"]
