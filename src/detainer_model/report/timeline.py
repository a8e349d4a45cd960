"""The history of every place: its dated versions as a table and as a timeline chart.

The chart is drawn with matplotlib's object interface on the Agg canvas (no pyplot, no global
state): one row per place, one bar per version, in force from its first day to its last (or to
the chart's end when no end is recorded). Places are grouped under the state that contains them.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..core.evaluate import DISCLAIMER
from ..rulebook.library import RuleLibrary
from ..safeio.atomicwrite import write_bytes_atomic

EPOCH = dt.date(1970, 1, 1)


def date2num(day: dt.date) -> float:
    """Matplotlib's date number (days since 1970-01-01, its default epoch)."""
    return float((day - EPOCH).days)


PALETTE = ("#4393c3", "#ef8a62", "#5aae61", "#762a83", "#b2182b", "#92c5de")


@dataclass(frozen=True)
class VersionRow:
    """One version of one place's policy."""

    place: str
    parent: str | None
    version: str
    title: str
    start: dt.date
    end: dt.date | None
    mandate: bool


def place_order(lib: RuleLibrary) -> list[str]:
    """Places grouped under the places containing them: each state, then what lies inside it."""
    children: dict[str | None, list[str]] = {}
    for pid in lib.place_ids:
        children.setdefault(lib.place(pid).parent, []).append(pid)
    out: list[str] = []

    def walk(pid: str) -> None:
        out.append(pid)
        for child in children.get(pid, []):
            walk(child)

    for top in children.get(None, []):
        walk(top)
    return out


def history(lib: RuleLibrary) -> list[VersionRow]:
    """Every version of every place, places in :func:`place_order`, versions oldest first."""
    rows = []
    for pid in place_order(lib):
        place = lib.place(pid)
        for vid in place.versions:
            rs = lib.rulesets[vid]
            assert rs.effective.from_ is not None  # checked when the rules load
            rows.append(
                VersionRow(
                    pid, place.parent, vid, rs.title, rs.effective.from_, rs.effective.to, rs.meta.mandate
                )
            )
    return rows


def timeline_figure(lib: RuleLibrary, start: dt.date, end: dt.date) -> Figure:
    """The timeline chart from ``start`` to ``end``."""
    order = place_order(lib)
    rows = history(lib)
    with matplotlib.rc_context({"svg.hashsalt": "detainer-model", "font.size": 8}):
        fig = Figure(figsize=(11, 0.42 * len(order) + 1.6))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for y, pid in enumerate(order):
            mine = [r for r in rows if r.place == pid]
            for i, r in enumerate(mine):
                lo = max(r.start, start)
                hi = min(r.end or end, end)
                if hi < lo:
                    continue
                left, right = date2num(lo), date2num(hi + dt.timedelta(days=1))
                colour = "#333333" if r.mandate else PALETTE[i % len(PALETTE)]
                ax.barh(y, right - left, left=left, height=0.7, color=colour, edgecolor="white")
                # a short bar carries only the version's year, so neighbouring labels do not collide
                label = r.version if right - left > 900 else r.version.rsplit("-", 1)[-1]
                ax.text(
                    left + 15, y, label, va="center", ha="left", fontsize=6.5, color="white", clip_on=True
                )
        labels = [("↳ " * _depth(lib, pid)) + lib.place(pid).name for pid in order]
        ax.set_yticks(range(len(order)), labels)
        ax.invert_yaxis()
        ax.set_xlim(date2num(start), date2num(end))
        ax.xaxis_date()
        ax.grid(axis="x", color="#dddddd", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_title("Local and state detainer policies: the version in force, by place (dark = a mandate)")
        fig.text(
            0.01,
            0.01,
            f"{DISCLAIMER} Each bar is one version in rules/; blank: no policy of its own.",
            fontsize=7,
        )
        fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def _depth(lib: RuleLibrary, pid: str) -> int:
    return len(lib.place_chain(pid)) - 1


def write_timeline(lib: RuleLibrary, path: Path, start: dt.date, end: dt.date) -> None:
    """Write the chart as PNG or SVG (by the file's suffix), atomically."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"{path}: the chart is written as .png or .svg, not '.{fmt}'")
    buf = io.BytesIO()
    fig = timeline_figure(lib, start, end)
    with matplotlib.rc_context({"svg.hashsalt": "detainer-model"}):
        fig.savefig(buf, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg" else {"Software": None})
    write_bytes_atomic(path, buf.getvalue())
