"""The population report as one self-contained HTML page (charts embedded, no outside files)."""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import jinja2
import polars as pl
from markupsafe import Markup

from .._version import __version__
from ..core.evaluate import DISCLAIMER
from ..rulebook.library import RuleLibrary
from .record import RecordFile
from .simulate import SYNTHETIC_NOTE

if TYPE_CHECKING:
    from .report import Report, Results


def _template() -> jinja2.Template:
    text = (resources.files("detainer_model") / "population" / "templates" / "report.html.j2").read_text(
        "utf-8"
    )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False)
    return env.from_string(text)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def table_html(table: pl.DataFrame, shares: bool = True) -> Markup:
    """A table as HTML; counts get their share of the row's total beside them."""
    cols = [c for c in table.columns if c != "synthetic"]
    out = ["<table><thead><tr>", *(f"<th>{html.escape(str(c))}</th>" for c in cols), "</tr></thead><tbody>"]
    for row in table.iter_rows(named=True):
        total = row.get("total")
        out.append("<tr>")
        for c in cols:
            v = row[c]
            if isinstance(v, bool) or v is None or isinstance(v, str):
                text = "—" if v is None else html.escape(str(v))
                out.append(f"<td class='text'>{text}</td>")
            elif isinstance(v, float):
                out.append(f"<td>{100 * v:.1f}%</td>")
            else:
                share = (
                    f" <span class='share'>{100 * v / total:.0f}%</span>"
                    if shares and total and c != "total" and isinstance(total, int)
                    else ""
                )
                out.append(f"<td>{v:,}{share}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return Markup("".join(out))  # every cell is escaped above


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "—"


NO_PEOPLE_NOTE = (
    "These results hold no people: the batch evaluated nobody (its people table had no rows, or every "
    "row was left out as faulty). Every count in this report is zero, and no figure can be set beside "
    "the record."
)


def _brief(report: Report, regimes: Sequence[str]) -> list[str]:
    s = report.summary
    per = s["per_regime"]
    if s["people"] == 0:
        return ["0 people: no requests, no outcomes, nothing to compare between regimes or with the record."]
    lines = []
    for r in regimes:
        p = per[r]
        n = p["evaluations"]
        asks = ", ".join(f"{k}: {v:,}" for k, v in sorted(p["by_request"].items()) if k != "none")
        outcomes = "; ".join(f"{o.replace('_', ' ')} {_pct(c, n)}" for o, c in p["by_outcome"].items() if c)
        lines.append(
            f"Under {r}, ICE would have sent a request for {p['requests']:,} of {n:,} people "
            f"({_pct(p['requests'], n)}){f' ({asks})' if asks else ''}. At release: {outcomes}."
        )
    base = regimes[0] if regimes else ""
    for other in regimes[1:]:
        key = f"transitions_outcome_{base}_to_{other}"
        m = report.tables.get(key)
        if m is None:
            continue
        first = m.columns[0]
        moved = 0
        total = 0
        biggest: tuple[int, str, str] = (0, "", "")
        for row in m.iter_rows(named=True):
            for c in m.columns[1:]:
                if c == "total":
                    continue
                total += row[c]
                if c != row[first]:
                    moved += row[c]
                    if row[c] > biggest[0]:
                        biggest = (row[c], row[first], c)
        line = (
            f"Between {base} and {other}, {moved:,} of {total:,} people ({_pct(moved, total)}) change outcome"
        )
        if biggest[0]:
            line += (
                f"; the largest group, {biggest[0]:,} people, goes from {biggest[1].replace('_', ' ')} "
                f"to {biggest[2].replace('_', ' ')}"
            )
        lines.append(line + ".")
    by_place = report.tables["by_jurisdiction"]
    if {"transfer", "no_request"} <= set(by_place.columns) and by_place.height:
        for r in regimes:
            sub = by_place.filter(pl.col("regime") == r).with_columns(
                (pl.col("total") - pl.col("no_request")).alias("asked")
            )
            sub = sub.filter(pl.col("asked") > 0).with_columns(
                (pl.col("transfer") / pl.col("asked")).alias("s")
            )
            if sub.height > 1:
                hi = sub.sort("s", descending=True).row(0, named=True)
                lo = sub.sort("s").row(0, named=True)
                if hi["s"] > lo["s"]:
                    lines.append(
                        f"Place matters: under {r}, {hi['jurisdiction']} would hand "
                        f"{100 * hi['s']:.0f}% of the "
                        f"people ICE asked for to ICE, {lo['jurisdiction']} {100 * lo['s']:.0f}%."
                    )
    for cmp in report.comparisons:
        if not cmp.calibrated:
            lines.append(
                f"{cmp.label}: the model gives {cmp.model}; the record, {cmp.record}. "
                f"{cmp.verdict.capitalize()}."
            )
    return lines


def _cards(report: Report, regimes: Sequence[str]) -> list[dict[str, str]]:
    s = report.summary
    cards = [{"n": f"{s['people']:,}", "label": "people" + (" (synthetic)" if report.synthetic else "")}]
    for r in regimes:
        p = s["per_regime"][r]
        cards.append(
            {
                "n": f"{p['requests']:,}",
                "label": f"requests under {r} ({_pct(p['requests'], p['evaluations'])})",
            }
        )
    return cards


def render_html(
    results: Results,
    report: Report,
    regimes: Sequence[str],
    outcomes: Sequence[str],
    asks: Sequence[str],
    record: RecordFile,
    lib: RuleLibrary | None,
) -> str:
    """The report page."""
    s = report.summary
    charts = report.charts
    base = regimes[0] if regimes else ""
    flows = [
        {
            "base": base,
            "other": other,
            "png": _b64(charts[f"flow_{base}_to_{other}"]["png"]),
            "outcome_table": table_html(report.tables[f"transitions_outcome_{base}_to_{other}"]),
            "request_table": table_html(report.tables[f"transitions_request_{base}_to_{other}"]),
        }
        for other in regimes[1:]
    ]
    manifest = results.manifest
    model = manifest.get("model") or {}
    cohort = manifest.get("cohort") or {}
    profile = results.profile
    booked = s.get("booked")
    subtitle = f"{s['people']:,} people" + (f" under {', '.join(regimes)}" if regimes else "")
    if booked:
        subtitle += f", booked {booked['from']} to {booked['to']}"
    hypothetical = [
        f"{r}: {s['per_regime'][r]['hypothetical']:,}" for r in regimes if s["per_regime"][r]["hypothetical"]
    ]
    hypothetical_line = (
        "Results evaluated outside the period a rule set or rule was in force (hypothetical, as the "
        "warnings of "
        f"`run` say): {'; '.join(hypothetical)}."
        if hypothetical
        else "Every result falls within the periods its rule sets and rules were in force."
    )
    rejected = manifest.get("rejected") or {}
    rejected_lines = [
        f"{r['file']}: {r['rows']:,} rows: {r['column']}: {r['reason']}" for r in rejected.get("reasons", [])
    ]
    comparisons = [
        {
            "label": c.label,
            "model": c.model,
            "record": c.record,
            "verdict": c.verdict,
            "why": c.why,
            "source": c.source,
            "css": "calibrated" if c.calibrated else ("close" if c.verdict.startswith("close") else "differ"),
        }
        for c in report.comparisons
    ]
    level_mix = report.tables.get("pep_requests_by_sc_level_vs_record")
    context: dict[str, Any] = {
        "title": "What the detainer rules would do with these people",
        "subtitle": subtitle,
        "synthetic": report.synthetic,
        "synthetic_note": SYNTHETIC_NOTE,
        "no_people": NO_PEOPLE_NOTE if s["people"] == 0 else "",
        "disclaimer": DISCLAIMER,
        "brief": _brief(report, regimes),
        "cards": _cards(report, regimes),
        "flows": flows,
        "regime_charts": [
            {"alt": "Outcomes by regime", "png": _b64(charts["outcomes_by_regime"]["png"])},
            {"alt": "Requests by regime", "png": _b64(charts["requests_by_regime"]["png"])},
        ],
        "place_chart": _b64(charts["outcomes_by_jurisdiction"]["png"]),
        "place_table": table_html(report.tables["by_jurisdiction"]),
        "level_chart": _b64(charts["requests_by_sc_level"]["png"]),
        "level_table": table_html(report.tables["by_sc_level"]),
        "forced": isinstance(manifest.get("jurisdictions"), list),
        "record_intro": (
            "Published figures on detainers, from TRAC's analyses of ICE records, beside the same figures "
            "computed for these people. "
            + (
                "These people are synthetic: where the model and the record differ, the cause may lie in the "
                "rules, in the profile's assumptions, or in what the record counts."
                if report.synthetic
                else "Where the model and the record differ, the cause may lie in the rules or in what "
                "the record counts."
            )
        ),
        "comparison_chart": _b64(charts["comparison_with_record"]["png"]),
        "comparisons": comparisons,
        "level_mix": table_html(level_mix, shares=False) if level_mix is not None else "",
        "caveats": list(record.caveats),
        "profile": profile,
        "cohort_seed": cohort.get("seed"),
        "cohort_size": cohort.get("size") or 0,
        "hypothetical_line": hypothetical_line,
        "rejected_lines": rejected_lines,
        "results_file": results.file,
        "model_version": model.get("version", "unknown"),
        "rules_digest": model.get("rules", lib.digest if lib else "unknown"),
        "version": __version__,
        "generated": dt.date.today().isoformat(),
    }
    _ = (outcomes, asks)
    return _template().render(**context)
