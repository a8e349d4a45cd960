"""Charts of population results: stacked bars and a flow diagram, as PNG and SVG.

Drawn with matplotlib's object interface on the Agg canvas (no pyplot, no global state), so the
charts can be made in any process, with or without a display. Each chart says in its footer that
the model is illustrative, and, when the people are synthetic, that they are.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.transforms import blended_transform_factory

from ..core.evaluate import DISCLAIMER

if TYPE_CHECKING:
    from .report import Comparison

PALETTE = ("#b2182b", "#ef8a62", "#4393c3", "#92c5de", "#762a83", "#5aae61", "#bdbdbd")
NONE_COLOUR = "#d9d9d9"
_RC: Any = {
    "svg.hashsalt": "detainer-model",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def colours(values: Sequence[str]) -> dict[str, str]:
    """One colour per value, in order; "none" and "no_request" are grey."""
    out: dict[str, str] = {}
    i = 0
    for v in values:
        if v in ("none", "no_request"):
            out[v] = NONE_COLOUR
        else:
            out[v] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


def _render(fig: Figure) -> dict[str, bytes]:
    FigureCanvasAgg(fig)
    out = {}
    with matplotlib.rc_context(_RC):
        for fmt in ("png", "svg"):
            buf = io.BytesIO()
            meta: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
            fig.savefig(buf, format=fmt, dpi=110, bbox_inches="tight", metadata=meta)
            out[fmt] = buf.getvalue()
    return out


def _figure(width: float, height: float, title: str, synthetic: bool) -> Figure:
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
    fig.suptitle(
        title + (" (synthetic data)" if synthetic else ""), fontsize=11, fontweight="bold", x=0.02, ha="left"
    )
    note = ("Synthetic people, drawn from a profile. " if synthetic else "") + DISCLAIMER
    fig.text(0.02, 0.005, note, fontsize=7, color="#555555", ha="left", va="bottom")
    return fig


NO_PEOPLE = "No people: these results hold no one (the batch evaluated nobody)."
NO_ONE_HERE = "No one to show here."


def _nothing_drawn(ax: Any, note: str) -> None:
    """Say in the chart's plot area why it is empty, rather than leave a blank frame."""
    ax.set_axis_off()
    across_figure = blended_transform_factory(ax.figure.transFigure, ax.transAxes)
    ax.text(0.5, 0.5, note, ha="center", va="center", fontsize=10, color="#333333", transform=across_figure)


def stacked_bars(
    rows: Sequence[str],
    shares: Sequence[Mapping[str, float]],
    order: Sequence[str],
    title: str,
    synthetic: bool,
    xlabel: str = "share of people",
    empty: str = NO_ONE_HERE,
) -> dict[str, bytes]:
    """Horizontal bars, one per row, each stacked by ``order`` (shares of the row's total); with no
    rows, the note ``empty`` in their place."""
    bar_inches, top, bottom = 0.34, 0.7, 0.9
    height = top + bottom + bar_inches * max(len(rows), 2)
    with matplotlib.rc_context(_RC):
        fig = _figure(9, height, title, synthetic)
        ax = fig.add_axes((0.36, bottom / height, 0.42, 1 - (top + bottom) / height))
        if not rows:
            _nothing_drawn(ax, empty)
            return _render(fig)
        palette = colours(order)
        y = list(range(len(rows)))[::-1]
        left = [0.0] * len(rows)
        for value in order:
            widths = [sh.get(value, 0.0) for sh in shares]
            ax.barh(
                y,
                widths,
                left=left,
                color=palette[value],
                label=value.replace("_", " "),
                edgecolor="white",
                linewidth=0.5,
            )
            for yi, w, lft in zip(y, widths, left, strict=True):
                if w >= 0.07:
                    ax.text(
                        lft + w / 2,
                        yi,
                        f"{100 * w:.0f}%",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if palette[value] != NONE_COLOUR else "#333333",
                    )
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_yticks(y, list(rows))
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", "25%", "50%", "75%", "100%"])
        ax.set_xlabel(xlabel)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
        return _render(fig)


def _bars_from(
    table: pl.DataFrame, label_cols: Sequence[str], order: Sequence[str], leave_out: Sequence[str] = ()
) -> tuple[list[str], list[dict[str, float]], list[str]]:
    """Row labels and shares from a breakdown table, optionally among the rows' other values only."""
    kept = [v for v in order if v not in leave_out]
    rows, shares = [], []
    for r in table.iter_rows(named=True):
        total = sum(int(r.get(v, 0)) for v in kept)
        if not total:
            continue
        rows.append(" · ".join(str(r[c]) for c in label_cols) + f"  (n = {total:,})")
        shares.append({v: r.get(v, 0) / total for v in kept})
    return rows, shares, kept


NOT_ASKED = "no_request"  # the contract's outcome when ICE asked for nothing


def flow_diagram(
    matrix: pl.DataFrame,
    base: str,
    other: str,
    order: Sequence[str],
    title: str,
    synthetic: bool,
    empty: str = NO_ONE_HERE,
) -> dict[str, bytes]:
    """An alluvial diagram: blocks of people by outcome under ``base`` (left) and ``other`` (right),
    joined by bands as wide as the number who move from one to the other. People ICE asks for
    under neither regime are left out (the caption says how many), so the others can be seen."""
    first = matrix.columns[0]
    sources = matrix.get_column(first).to_list()
    targets = [c for c in matrix.columns[1:] if c != "total"]
    flows = {
        (src, t): int(n)
        for row in matrix.iter_rows(named=True)
        for src in [row[first]]
        for t in targets
        if (n := row[t]) and not (src == t == NOT_ASKED)
    }
    left_out = sum(
        int(row[NOT_ASKED])
        for row in matrix.iter_rows(named=True)
        if row[first] == NOT_ASKED and NOT_ASKED in row
    )
    total = sum(flows.values()) or 1
    gap = 0.02
    palette = colours([*order, *[v for v in [*sources, *targets] if v not in order]])
    with matplotlib.rc_context(_RC):
        fig = _figure(9, 5.2, title, synthetic)
        ax = fig.add_axes((0.22, 0.1, 0.56, 0.78))
        ax.set_xlim(0, 1)
        ax.set_axis_off()

        def blocks(values: Sequence[str], sizes: Mapping[str, int]) -> dict[str, tuple[float, float]]:
            shown = [v for v in values if sizes.get(v, 0)]
            span = 1 - gap * max(len(shown) - 1, 0)
            out, top = {}, 1.0
            for v in shown:
                h = span * sizes[v] / total
                out[v] = (top - h, top)
                top -= h + gap
            return out

        left_size = {src: sum(n for (a, _b), n in flows.items() if a == src) for src in sources}
        right_size = {t: sum(n for (_a, b), n in flows.items() if b == t) for t in targets}
        left = blocks(_in_order(sources, order), left_size)
        right = blocks(_in_order(targets, order), right_size)
        bw = 0.04
        for side, blocks_, sizes, x in ((base, left, left_size, 0.0), (other, right, right_size, 1 - bw)):
            centres = _spread([(lo + hi) / 2 for lo, hi in blocks_.values()], 0.07)
            for (v, (lo, hi)), y in zip(blocks_.items(), centres, strict=True):
                ax.add_patch(Rectangle((x, lo), bw, hi - lo, color=palette[v]))
                n = sizes[v]
                label = f"{v.replace('_', ' ')}: {n:,} ({100 * n / total:.0f}%)"
                ax.text(
                    -0.02 if x == 0 else 1.02,
                    y,
                    label,
                    ha="right" if x == 0 else "left",
                    va="center",
                    fontsize=8,
                )
            ax.text(x + bw / 2, 1.04, side, ha="center", va="bottom", fontsize=9, fontweight="bold")
        out_cursor = {v: hi for v, (_lo, hi) in left.items()}
        in_cursor = {v: hi for v, (_lo, hi) in right.items()}
        span_l = 1 - gap * max(len(left) - 1, 0)
        span_r = 1 - gap * max(len(right) - 1, 0)
        for src in left:
            for t in right:
                n = flows.get((src, t), 0)
                if not n:
                    continue
                h_l, h_r = span_l * n / total, span_r * n / total
                y0_top, y1_top = out_cursor[src], in_cursor[t]
                out_cursor[src] -= h_l
                in_cursor[t] -= h_r
                ax.add_patch(_band(bw, 1 - bw, y0_top, y0_top - h_l, y1_top, y1_top - h_r, palette[src]))
        ax.set_ylim(-0.02, 1.1)
        if not flows:
            _nothing_drawn(ax, empty if not left_out else "No one ICE would ask for under either regime.")
        if left_out:
            fig.text(
                0.02,
                0.04,
                f"Not drawn: {left_out:,} people ICE would ask for under neither regime.",
                fontsize=8,
                color="#333333",
            )
        return _render(fig)


def _spread(centres: Sequence[float], minimum: float) -> list[float]:
    """Label positions near ``centres`` (top to bottom) at least ``minimum`` apart."""
    out = list(centres)
    for i in range(1, len(out)):
        if out[i - 1] - out[i] < minimum:
            out[i] = out[i - 1] - minimum
    return out


def _in_order(values: Sequence[str], order: Sequence[str]) -> list[str]:
    return [v for v in order if v in values] + [v for v in values if v not in order]


def _band(
    x0: float, x1: float, a_top: float, a_bottom: float, b_top: float, b_bottom: float, colour: str
) -> PathPatch:
    mid = (x0 + x1) / 2
    verts = [
        (x0, a_top),
        (mid, a_top),
        (mid, b_top),
        (x1, b_top),
        (x1, b_bottom),
        (mid, b_bottom),
        (mid, a_bottom),
        (x0, a_bottom),
        (x0, a_top),
    ]
    codes = [
        MplPath.MOVETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.LINETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CLOSEPOLY,
    ]
    return PathPatch(MplPath(verts, codes), facecolor=colour, alpha=0.45, edgecolor="none")


NO_FIGURE = "No figure of the record to compare with."


def comparison_chart(
    comparisons: Sequence[Comparison], synthetic: bool, empty: str = NO_FIGURE
) -> dict[str, bytes]:
    """The model's shares beside the record's (a dot, or a range), one row per figure; with none
    comparable, the note ``empty`` instead."""
    shown = [c for c in comparisons if c.model_value is not None and c.record_low is not None]
    with matplotlib.rc_context(_RC):
        fig = _figure(9, 1.4 + 0.55 * max(len(shown), 1), "The model beside the published record", synthetic)
        ax = fig.add_axes((0.42, 0.18, 0.5, 0.68))
        if not shown:
            _nothing_drawn(ax, empty)
            return _render(fig)
        y = list(range(len(shown)))[::-1]
        for yi, c in zip(y, shown, strict=True):
            lo, hi = c.record_low or 0, c.record_high or 0
            if hi > lo:
                ax.plot(
                    [lo, hi],
                    [yi, yi],
                    color="#333333",
                    linewidth=6,
                    solid_capstyle="butt",
                    label="record" if yi == y[0] else None,
                )
            else:
                ax.plot(
                    [lo],
                    [yi],
                    "|",
                    color="#333333",
                    markersize=16,
                    markeredgewidth=3,
                    label="record" if yi == y[0] else None,
                )
            ax.plot(
                [c.model_value or 0.0],
                [yi],
                "o",
                color=PALETTE[0],
                markersize=8,
                label="model" if yi == y[0] else None,
            )
        ax.set_yticks(y, [_wrap(c.label) for c in shown])
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", "25%", "50%", "75%", "100%"])
        if shown:
            ax.legend(loc="lower right", frameon=False)
        return _render(fig)


def _wrap(text: str, width: int = 42) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width and line:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines)


def draw_charts(
    tables: Mapping[str, pl.DataFrame],
    regimes: Sequence[str],
    outcomes: Sequence[str],
    asks: Sequence[str],
    comparisons: Sequence[Comparison],
    *,
    synthetic: bool,
    people: int | None = None,
) -> dict[str, dict[str, bytes]]:
    """Every chart of the report, rendered; when ``people`` is 0, each says there were none."""
    out: dict[str, dict[str, bytes]] = {}
    empty = NO_PEOPLE if people == 0 else NO_ONE_HERE
    rows, shares, kept = _bars_from(tables["by_regime"], ["regime"], outcomes)
    out["outcomes_by_regime"] = stacked_bars(
        rows, shares, kept, "What happens at release, by federal regime", synthetic, empty=empty
    )
    rows, shares, kept = _bars_from(tables["requests_by_regime"], ["regime"], asks)
    out["requests_by_regime"] = stacked_bars(
        rows, shares, kept, "What ICE asks the jail for, by federal regime", synthetic, empty=empty
    )
    rows, shares, kept = _bars_from(
        tables["by_jurisdiction"], ["jurisdiction", "regime"], outcomes, [NOT_ASKED]
    )
    out["outcomes_by_jurisdiction"] = stacked_bars(
        rows,
        shares,
        kept,
        "How each local policy answers ICE's requests",
        synthetic,
        xlabel="share of the people ICE asked for",
        empty=NO_PEOPLE if people == 0 else "No one ICE asked for.",
    )
    rows, shares, kept = _bars_from(tables["by_sc_level"], ["level", "regime"], asks)
    out["requests_by_sc_level"] = stacked_bars(
        rows,
        shares,
        kept,
        "What ICE asks for, by most serious conviction (ICE level)",
        synthetic,
        empty=empty,
    )
    base = regimes[0] if regimes else ""
    for other in regimes[1:]:
        matrix = tables[f"transitions_outcome_{base}_to_{other}"]
        out[f"flow_{base}_to_{other}"] = flow_diagram(
            matrix,
            base,
            other,
            outcomes,
            f"Who moves where: outcomes under {base} and under {other}",
            synthetic,
            empty=empty,
        )
    out["comparison_with_record"] = comparison_chart(
        comparisons, synthetic, empty=NO_PEOPLE if people == 0 else NO_FIGURE
    )
    return out
