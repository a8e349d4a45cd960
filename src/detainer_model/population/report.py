"""Reports on population results: who moves between outcomes, where, with what record.

:func:`read_results` reads what ``detainer-model batch`` wrote; :func:`build_report` computes
the tables (transitions from one regime's outcomes to another's, breakdowns by local policy and
by most serious conviction), sets the model beside the published figures (``record.yaml``),
draws the charts and renders one self-contained HTML page; :func:`write_report` writes it all.
Everything is computed and rendered in memory first, and every file is written atomically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from .._version import __version__
from ..core.evaluate import CONTRACT_FIELDS, DISCLAIMER
from ..errors import InputError, Problem, suggest
from ..rulebook.library import RuleLibrary, split_ref
from ..safeio.outputs import write_errors_refused
from ..safeio.swap import replace_together
from .io import read_manifest, read_table, render_table
from .record import Figure, RecordFile, load_record
from .simulate import SYNTHETIC_NOTE

BASE_REGIME = "secure-communities"
COMPARED_REGIME = "pep"
REQUIRED = ("person_id", "regime", "jurisdiction", *CONTRACT_FIELDS)
NO_LEVEL = "none"
_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Results:
    """A results table as ``batch`` wrote it, with its manifest."""

    table: pl.DataFrame
    manifest: dict[str, Any]
    file: str
    warnings: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        column = self.table.get_column("synthetic") if "synthetic" in self.table.columns else None
        return bool(self.manifest.get("synthetic")) or bool(column is not None and column.any())

    @property
    def empty(self) -> bool:
        """Whether the results hold no rows (the batch evaluated nobody)."""
        return self.table.height == 0

    @property
    def regimes(self) -> list[str]:
        """The regimes the results were computed under: those in the table, or, when it holds no
        rows, those its manifest lists (the regimes the batch would have evaluated under)."""
        col = self.table.get_column("regime")
        found = col.unique(maintain_order=True).cast(pl.String).to_list()
        if not found:
            listed = self.manifest.get("regimes")
            listed = listed if isinstance(listed, list) else []
            found = list(dict.fromkeys(r for r in listed if isinstance(r, str)))
        preferred = [r for r in (BASE_REGIME, COMPARED_REGIME) if r in found]
        return preferred + [r for r in found if r not in preferred]

    @property
    def profile(self) -> dict[str, Any]:
        cohort = self.manifest.get("cohort") or {}
        profile = cohort.get("profile") if isinstance(cohort, dict) else None
        return profile if isinstance(profile, dict) else {}


def read_results_files(paths: Sequence[Path]) -> Results:
    """Read one or more results tables (the parts of a split run) as one."""
    parts = [read_results(p) for p in paths]
    if len(parts) == 1:
        return parts[0]
    table = pl.concat([p.table for p in parts], how="diagonal_relaxed")
    twice = table.select("person_id", "regime", "jurisdiction").is_duplicated()
    if twice.any():
        row = table.filter(twice).row(0, named=True)
        raise InputError(
            [
                Problem(
                    ", ".join(p.file for p in parts),
                    None,
                    "person_id",
                    f"person '{row['person_id']}' appears more than once under {row['regime']} in "
                    f"{row['jurisdiction']}: are two of these files the same part?",
                )
            ]
        )
    manifest = dict(parts[0].manifest)
    manifest["synthetic"] = any(p.synthetic for p in parts)
    manifest["parts"] = [p.file for p in parts]
    return Results(table, manifest, ", ".join(p.file for p in parts))


def read_results(path: Path) -> Results:
    """Read a results table; refuse one that lacks the contract's columns."""
    table = read_table(path)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    c,
                    f"required column is missing{suggest(c, table.columns)}"
                    " (is this a file written by `detainer-model batch`?)",
                )
                for c in missing
            ]
        )
    return Results(_typed(table, path), read_manifest(path, strict=True), str(path))


_FLAGS = ("identified", "removable", "synthetic", "hypothetical")
_TYPES: dict[str, pl.DataType] = {
    **dict.fromkeys(
        ("person_id", "regime", "jurisdiction", "priorities", "request", "form", "local_response", "outcome"),
        pl.String(),
    ),
    "sc_level": pl.Int64(),
    "booking_date": pl.Date(),
    **dict.fromkeys(_FLAGS, pl.Boolean()),
}


def _typed(table: pl.DataFrame, path: Path) -> pl.DataFrame:
    """The results' known columns in the types the report computes with. Text (a CSV) is parsed:
    levels as whole numbers, dates as YYYY-MM-DD, flags as ``true``; a column of no type (a Parquet
    file of zero rows written without types) takes its type; a type that cannot be converted (a
    list, say) is refused, naming the column."""
    problems: list[Problem] = []
    for name, target in _TYPES.items():
        if name not in table.columns or table.schema[name] == target:
            continue
        source = table.schema[name]
        column = pl.col(name)
        if source == pl.String and name == "sc_level":
            column = column.cast(pl.Int64, strict=False)
        elif source == pl.String and name == "booking_date":
            column = column.str.to_date("%Y-%m-%d", strict=False)
        elif source == pl.String and name in _FLAGS:
            column = column.str.to_lowercase() == "true"
        else:
            column = column.cast(target)
        try:
            table = table.with_columns(column.alias(name))
        except (pl.exceptions.PolarsError, ValueError):
            problems.append(
                Problem(str(path), None, name, f"the column is of type {source}; a report needs {target}")
            )
    if problems:
        raise InputError(problems)
    return table


# ---------------------------------------------------------------------------------------------
# tables


def _order(values: Sequence[Any], declared: Sequence[Any]) -> list[Any]:
    known = [v for v in dict.fromkeys(declared) if v in values]
    return known + sorted((v for v in values if v not in known), key=str)


def ask_label(request: str | None, form: str | None) -> str:
    """``detainer (I-247D)``, ``notification (I-247N)``, ``none``."""
    if request in (None, "none"):
        return "none"
    return f"{request} ({form})" if form else str(request)


def level_label(level: Any) -> str:
    return NO_LEVEL if level is None else f"Level {level}"


def with_labels(table: pl.DataFrame) -> pl.DataFrame:
    """The results with an ``ask`` column (request and form) and a ``level`` column (sc_level)."""
    ask = (
        pl.when(pl.col("request").is_null() | (pl.col("request") == "none"))
        .then(pl.lit("none"))
        .when(pl.col("form").is_null())
        .then(pl.col("request"))
        .otherwise(pl.format("{} ({})", pl.col("request"), pl.col("form")))
    )
    level = (
        pl.when(pl.col("sc_level").is_null())
        .then(pl.lit(NO_LEVEL))
        .otherwise(pl.format("Level {}", pl.col("sc_level")))
    )
    return table.with_columns(ask.alias("ask"), level.alias("level"))


def crosstab(
    frame: pl.DataFrame, rows: str, cols: str, row_order: Sequence[str], col_order: Sequence[str]
) -> pl.DataFrame:
    """Counts of (rows, cols) as a table with one column per value of ``cols`` and a total."""
    counts = frame.group_by(rows, cols).len()
    lookup = {(r, c): n for r, c, n in counts.iter_rows()}
    data: dict[str, list[Any]] = {rows: list(row_order)}
    for c in col_order:
        data[c] = [lookup.get((r, c), 0) for r in row_order]
    data["total"] = [sum(lookup.get((r, c), 0) for c in col_order) for r in row_order]
    schema: dict[str, pl.DataType] = {rows: pl.String()}
    schema |= dict.fromkeys([*col_order, "total"], pl.Int64())
    return pl.DataFrame(data, schema=schema)


def transitions(
    table: pl.DataFrame, base: str, other: str, column: str, order: Sequence[str]
) -> pl.DataFrame:
    """How many people move from each ``column`` value under ``base`` to each under ``other``."""
    left = table.filter(pl.col("regime") == base).select(
        "person_id", "jurisdiction", pl.col(column).alias("from")
    )
    right = table.filter(pl.col("regime") == other).select(
        "person_id", "jurisdiction", pl.col(column).alias("to")
    )
    pairs = left.join(right, on=["person_id", "jurisdiction"], how="inner")
    present_from = pairs.get_column("from").unique().to_list()
    present_to = pairs.get_column("to").unique().to_list()
    out = crosstab(pairs, "from", "to", _order(present_from, order), _order(present_to, order))
    return out.rename({"from": f"{base} \\ {other}"})


def breakdown(
    table: pl.DataFrame,
    by: str,
    column: str,
    by_order: Sequence[str],
    col_order: Sequence[str],
    every_regime: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Counts of ``column`` values per regime and per value of ``by``.

    Rows with no one in them are left out, except under ``every_regime``: then each of those
    regimes has its row for each value of ``by``, zero or not (so a cohort of nobody says so)."""
    counts = table.group_by(by, "regime", column).len()
    lookup = {(b, r, v): n for b, r, v, n in counts.iter_rows()}
    regimes = table.get_column("regime").unique(maintain_order=True).to_list()
    if every_regime is not None:
        regimes = list(every_regime) + [r for r in regimes if r not in every_regime]
    rows: dict[str, list[Any]] = {by: [], "regime": []}
    for c in col_order:
        rows[c] = []
    rows["total"] = []
    for b in by_order:
        for r in regimes:
            total = sum(lookup.get((b, r, c), 0) for c in col_order)
            if not total and (every_regime is None or r not in every_regime):
                continue
            rows[by].append(b)
            rows["regime"].append(r)
            for c in col_order:
                rows[c].append(lookup.get((b, r, c), 0))
            rows["total"].append(total)
    schema: dict[str, pl.DataType] = {by: pl.String(), "regime": pl.String()}
    schema |= dict.fromkeys([*col_order, "total"], pl.Int64())
    return pl.DataFrame(rows, schema=schema)


# ---------------------------------------------------------------------------------------------
# the model beside the record


@dataclass(frozen=True)
class Comparison:
    """One published figure, the model's figure for this cohort, and what to make of the gap."""

    key: str
    label: str
    model: str
    record: str
    verdict: str
    why: tuple[str, ...]
    source: str
    calibrated: bool = False
    model_value: float | None = None
    record_low: float | None = None
    record_high: float | None = None


CALIBRATED = (
    "calibrated: the cohort was drawn to match this figure, so agreement shows only that the model "
    "counts the convictions as the cohort was drawn"
)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _points(diff: float) -> str:
    return f"{abs(100 * diff):.1f} percentage points"


def _share_verdict(model: float | None, low: float, high: float) -> str:
    if model is None:
        return "not comparable: this cohort has no such requests"
    if low - 0.03 <= model <= high + 0.03:
        return "close to the record"
    if model > high:
        return f"higher than the record by {_points(model - high)}"
    return f"lower than the record by {_points(low - model)}"


def _ratio_verdict(ratio: float | None, low: float, high: float) -> str:
    if ratio is None:
        return "not comparable: no Secure Communities requests in this cohort"
    verdict = _share_verdict(ratio, low, high)
    if verdict.startswith("close"):
        return verdict
    word = "more" if ratio > high else "fewer"
    return f"{word} than in the record ({100 * ratio:.0f} against {100 * low:.0f} to {100 * high:.0f})"


def _mean_null(frame: pl.DataFrame, column: str) -> float | None:
    if not frame.height:
        return None
    return frame.get_column(column).null_count() / frame.height


def _asked(t: pl.DataFrame, regime: str) -> pl.DataFrame:
    return t.filter((pl.col("regime") == regime) & (pl.col("request") != "none"))


def compare_with_record(results: Results, record: RecordFile) -> list[Comparison]:
    """The model's figures for this cohort beside the published ones, each with a verdict."""
    t = results.table
    regimes = results.regimes
    figs = record.figures
    profile_calibration = results.profile.get("calibration", [])
    calibrated_to = {c.get("record") for c in profile_calibration if isinstance(c, dict)}
    out: list[Comparison] = []
    if BASE_REGIME in regimes:
        f = figs["sc_no_conviction"]
        share = _mean_null(_asked(t, BASE_REGIME), "sc_level")
        cal = "sc_no_conviction" in calibrated_to
        verdict = CALIBRATED if cal else _share_verdict(share, f.value or 0, f.value or 0)
        out.append(
            Comparison(
                "sc_no_conviction",
                "Secure Communities detainers on people with no conviction",
                _pct(share),
                f"{_pct(f.value)} ({f.period})",
                verdict,
                f.why,
                _cite(f),
                cal,
                share,
                f.value,
                f.value,
            )
        )
    if BASE_REGIME in regimes and COMPARED_REGIME in regimes:
        sc_n, pep_n = _asked(t, BASE_REGIME).height, _asked(t, COMPARED_REGIME).height
        peak, fy, pep = figs["sc_peak_per_month"], figs["sc_fy2012_per_month"], figs["pep_per_month"]
        ratio = pep_n / sc_n if sc_n else None
        low, high = (pep.value or 0) / (peak.value or 1), (pep.value or 0) / (fy.value or 1)
        model = "—"
        if ratio is not None:
            scaled = ratio * (peak.value or 0)
            model = f"{100 * ratio:.0f} ({scaled:,.0f} a month, were Secure Communities at its 2011 peak)"
        recorded = (
            f"{100 * low:.0f} to {100 * high:.0f}: about {pep.value:,.0f} detainers a month in "
            f"{pep.period.split(' (')[0]}, against more than {peak.value:,.0f} at the 2011 peak and "
            f"{fy.value:,.0f} a month in fiscal year 2012"
        )
        out.append(
            Comparison(
                "pep_per_month",
                "Requests under PEP for every 100 under Secure Communities",
                model,
                recorded,
                _ratio_verdict(ratio, low, high),
                pep.why,
                f"{_cite(peak)}; {_cite(fy)}; {_cite(pep)}",
                False,
                ratio,
                low,
                high,
            )
        )
    for label in [r for r in regimes if r != COMPARED_REGIME and split_ref(r)[0] == COMPARED_REGIME]:
        # every other reading of PEP asked for, beside the same published split
        reading = split_ref(label)[1]
        out.append(_i247n_share(_asked(t, label), figs, f"_{reading}", f"reading {reading}"))
    if COMPARED_REGIME in regimes:
        asked = _asked(t, COMPARED_REGIME)
        out.append(_i247n_share(asked, figs, "", "default reading (as practised)"))
        f = figs["pep_no_conviction"]
        none_share = _mean_null(asked, "sc_level")
        out.append(
            Comparison(
                "pep_no_conviction",
                "PEP requests on people with no conviction",
                _pct(none_share),
                f"{_pct(f.value)} ({f.period})",
                _share_verdict(none_share, f.value or 0, f.value or 0),
                f.why,
                _cite(f),
                "pep_no_conviction" in calibrated_to,
                none_share,
                f.value,
                f.value,
            )
        )
    if results.empty:
        out = [replace(c, verdict=NOT_COMPARABLE_EMPTY) for c in out]
    return out


NOT_COMPARABLE_EMPTY = "not comparable: these results hold no people"


def level_mix(results: Results, record: RecordFile) -> pl.DataFrame:
    """Most serious conviction among PEP requests: the model beside the record."""
    f = record.figures["pep_level_mix"]
    mix = f.mix or {}
    t = results.table
    req = t.filter((pl.col("regime") == COMPARED_REGIME) & (pl.col("request") != "none"))
    n = req.height
    rows = []
    for key in ("none", "1", "2", "3"):
        label = NO_LEVEL if key == "none" else f"Level {key}"
        model = (
            req.filter(
                pl.col("sc_level").is_null() if key == "none" else pl.col("sc_level") == int(key)
            ).height
            / n
            if n
            else None
        )
        rows.append({"level": label, "model": model, "record": mix.get(key)})
    return pl.DataFrame(rows, schema={"level": pl.String, "model": pl.Float64, "record": pl.Float64})


def _cite(f: Figure) -> str:
    where = f"{f.reference}, " if f.reference else ""
    return f"{f.source} ({where}{f.verification})"


# ---------------------------------------------------------------------------------------------
# the report


@dataclass
class Report:
    """Everything a report holds, rendered in memory and ready to write."""

    tables: dict[str, pl.DataFrame]
    charts: dict[str, dict[str, bytes]]  # name -> {"png": ..., "svg": ...}
    html: str
    comparisons: list[Comparison]
    summary: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False


def declared_order(lib: RuleLibrary | None, name: str) -> list[str]:
    if lib is None or name not in lib.model.outputs:
        return []
    return [str(v) for v in lib.model.outputs[name].values]


def check_results(results: Results, lib: RuleLibrary | None) -> None:
    """Refuse results a report would misread: a row twice, values outside the rules' vocabulary
    (for results without rows, the regimes their manifest lists), dates that are not dates; warn of a
    manifest of another model version or rule set. Results without rows are valid: the report then
    says there were no people."""
    from .._version import __version__

    t, where = results.table, results.file
    problems: list[Problem] = []
    twice = t.select("person_id", "regime", "jurisdiction").is_duplicated()
    if twice.any():
        row = t.filter(twice).row(0, named=True)
        problems.append(
            Problem(
                where,
                None,
                "person_id",
                f"person '{row['person_id']}' appears more than once under {row['regime']} in "
                f"{row['jurisdiction']} ({int(twice.sum()):,} duplicated rows)",
            )
        )
    if lib is not None:
        allowed: dict[str, list[Any]] = {"regime": lib.refs("federal"), "jurisdiction": lib.local_ids}
        for name in ("request", "form", "local_response", "outcome", "sc_level"):
            decl = lib.model.outputs.get(name)
            if decl is not None:
                allowed[name] = list(decl.values)
        for column, values in allowed.items():
            found = t.get_column(column).drop_nulls().unique().to_list()
            if column == "regime" and results.empty:
                found = results.regimes  # the manifest's, shown in the report as the table's would be
            unknown = sorted((v for v in found if v not in values), key=str)
            if unknown:
                shown = ", ".join(repr(v) for v in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
                problems.append(
                    Problem(
                        where,
                        None,
                        column,
                        f"values the rules do not know: {shown}{suggest(str(unknown[0]), map(str, values))}",
                    )
                )
    if "booking_date" in t.columns:
        bad = t.get_column("booking_date").is_null().sum()
        if bad:
            problems.append(
                Problem(where, None, "booking_date", f"{bad:,} rows without a real date written YYYY-MM-DD")
            )
    if problems:
        raise InputError(problems)
    model = results.manifest.get("model")
    if isinstance(model, dict) and lib is not None:
        if model.get("rules") not in (None, lib.digest):
            results.warnings.append(
                f"{where} was computed with other rules ({model.get('rules')}) than these ({lib.digest})"
            )
        if model.get("version") not in (None, __version__):
            results.warnings.append(
                f"{where} was computed by detainer-model {model.get('version')}, not {__version__}"
            )


def build_report(
    results: Results, lib: RuleLibrary | None = None, record: RecordFile | None = None
) -> Report:
    """Compute the tables, comparisons and charts, and render the HTML page."""
    from .charts import draw_charts
    from .html import render_html

    rec = record or load_record()
    check_results(results, lib)
    t = with_labels(results.table)
    regimes = results.regimes
    outcomes = _order(t.get_column("outcome").unique().to_list(), declared_order(lib, "outcome"))
    asks = _ask_order(t.get_column("ask").unique().to_list(), lib)
    if results.empty:  # every count zero, under the columns a report with people would have
        outcomes = declared_order(lib, "outcome")
        asks = [ask_label(r, None) for r in declared_order(lib, "request")]
    places = sorted(t.get_column("jurisdiction").unique().to_list())
    levels = _order(t.get_column("level").unique().to_list(), ["Level 1", "Level 2", "Level 3", NO_LEVEL])
    tables: dict[str, pl.DataFrame] = {}
    cohort = t.with_columns(pl.lit("all").alias("cohort"))
    tables["by_regime"] = breakdown(cohort, "cohort", "outcome", ["all"], outcomes, regimes)
    tables["requests_by_regime"] = breakdown(cohort, "cohort", "ask", ["all"], asks, regimes)
    base = regimes[0] if regimes else ""
    for other in regimes[1:]:
        tables[f"transitions_outcome_{base}_to_{other}"] = transitions(t, base, other, "outcome", outcomes)
        tables[f"transitions_request_{base}_to_{other}"] = transitions(t, base, other, "ask", asks)
    tables["by_jurisdiction"] = breakdown(t, "jurisdiction", "outcome", places, outcomes)
    tables["requests_by_jurisdiction"] = breakdown(t, "jurisdiction", "ask", places, asks)
    tables["by_sc_level"] = breakdown(t, "level", "ask", levels, asks)
    tables["outcomes_by_sc_level"] = breakdown(t, "level", "outcome", levels, outcomes)
    comparisons = compare_with_record(results, rec)
    tables["comparison_with_record"] = pl.DataFrame(
        [
            {
                "figure": c.label,
                "model": c.model,
                "record": c.record,
                "verdict": c.verdict,
                "calibrated": c.calibrated,
                "source": c.source,
            }
            for c in comparisons
        ],
        schema={
            k: pl.Boolean if k == "calibrated" else pl.String
            for k in ("figure", "model", "record", "verdict", "calibrated", "source")
        },
    )
    if COMPARED_REGIME in regimes:
        tables["pep_requests_by_sc_level_vs_record"] = level_mix(results, rec)
    summary = _summary(results, t, regimes, outcomes)
    charts = draw_charts(
        tables, regimes, outcomes, asks, comparisons, synthetic=results.synthetic, people=summary["people"]
    )
    report = Report(tables, charts, "", comparisons, summary, results.synthetic)
    report.html = render_html(results, report, regimes, outcomes, asks, rec, lib)
    return report


def _ask_order(values: Sequence[str], lib: RuleLibrary | None) -> list[str]:
    forms = declared_order(lib, "form")
    requests = declared_order(lib, "request")
    declared = [ask_label(r, f) for r in requests for f in forms] + [str(r) for r in requests] + ["none"]
    return _order(values, declared)


def _summary(
    results: Results, t: pl.DataFrame, regimes: Sequence[str], outcomes: Sequence[str]
) -> dict[str, Any]:
    people = t.select("person_id", "jurisdiction").unique().height
    out: dict[str, Any] = {
        "people": t.get_column("person_id").n_unique(),
        "evaluations": people,
        "rows": t.height,
        "regimes": list(regimes),
        "synthetic": results.synthetic,
    }
    if "booking_date" in t.columns and t.get_column("booking_date").null_count() < t.height:
        first, last = t.get_column("booking_date").min(), t.get_column("booking_date").max()
        if isinstance(first, dt.date) and isinstance(last, dt.date):
            out["booked"] = {"from": first.isoformat(), "to": last.isoformat()}
            out["months"] = max(((last - first).days + 1) / _DAYS_PER_MONTH, 1 / _DAYS_PER_MONTH)
    per: dict[str, Any] = {}
    for r in regimes:
        sub = t.filter(pl.col("regime") == r)
        n = sub.height
        asked = sub.filter(pl.col("request") != "none").height
        per[r] = {
            "evaluations": n,
            "requests": asked,
            "requests_share": asked / n if n else None,
            "by_request": dict(sub.group_by("request").len().iter_rows()),
            "by_outcome": {o: sub.filter(pl.col("outcome") == o).height for o in outcomes},
            "hypothetical": int(sub.get_column("hypothetical").sum())
            if "hypothetical" in sub.columns
            else None,
        }
    out["per_regime"] = per
    return out


REPORT_PARTS = ("report.html", "tables", "charts")
REPORT_UNIT = "report"  # the hidden names of its generations: .report.current, .report.gen.*


def write_report(report: Report, out: Path) -> list[Path]:
    """Write the HTML page, the tables (CSV) and the charts (PNG and SVG) into ``out``, as one unit.

    Everything is written into a fresh hidden folder beside them and ``report.html``, ``tables``
    and ``charts`` switch to it together (:mod:`..safeio.swap`): a report killed part way leaves
    the previous report whole (or none), never some old files beside some new; the next report
    into the same folder removes what it left. Other files in ``out`` are left alone."""
    written: list[Path] = []
    label = {"synthetic": report.synthetic}
    with write_errors_refused(out), replace_together(out, REPORT_UNIT, REPORT_PARTS) as stage:
        (stage / "tables").mkdir()
        (stage / "charts").mkdir()
        for name, table in report.tables.items():
            path = Path("tables") / f"{name}.csv"
            render_table(table.with_columns(pl.lit(report.synthetic).alias("synthetic")), stage / path, label)
            written.append(path)
        for name, files in report.charts.items():
            for ext, data in files.items():
                path = Path("charts") / f"{name}.{ext}"
                (stage / path).write_bytes(data)
                written.append(path)
        path = Path("report.html")
        (stage / path).write_text(report.html, encoding="utf-8")
        written.append(path)
    return [out / p for p in written]


def provenance(results: Results) -> dict[str, Any]:
    """What the report can say about where the results came from."""
    m = results.manifest
    return {
        "results": results.file,
        "model": m.get("model", {"version": f"{__version__} (results carry no manifest)"}),
        "disclaimer": DISCLAIMER,
        "synthetic_note": SYNTHETIC_NOTE if results.synthetic else None,
        "inputs": m.get("inputs"),
        "cohort": m.get("cohort"),
        "rejected": m.get("rejected"),
    }


def counts(mapping: Mapping[str, int]) -> str:
    return ", ".join(f"{k}: {v:,}" for k, v in mapping.items())


def _i247n_share(asked: pl.DataFrame, figs: Mapping[str, Any], suffix: str, reading: str) -> Comparison:
    """The share of PEP requests that asked only for notice (I-247N), beside the published split."""
    f = figs["pep_i247n_share"]
    notify = asked.filter(pl.col("request") == "notification").height / asked.height if asked.height else None
    return Comparison(
        f"pep_i247n_share{suffix}",
        f"PEP requests that asked only to be notified (I-247N), {reading}",
        _pct(notify),
        f"{_pct(f.low)} to {_pct(f.high)} ({f.period})",
        _share_verdict(notify, f.low or 0, f.high or 0),
        f.why,
        _cite(f),
        False,
        notify,
        f.low,
        f.high,
    )
