"""Markdown: a heading, a side-by-side table and the rules that fired, per case."""

from __future__ import annotations

import re

from ..core.runner import RunResult
from ..teaching.contrast import contrasts
from .common import CONTRACT_FIELDS, DISCLAIMER, column_label, differing, fired_rules, show


def _esc(text: str) -> str:
    # "|" would end a table cell; "<" before a letter would open raw HTML in a Markdown viewer
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text.replace("|", "\\|"))


def render_markdown(result: RunResult) -> str:
    lines = ["# detainer-model results", "", f"> {DISCLAIMER}", ""]
    for run in result.cases:
        lines += [
            f"## {run.case.id}: {_esc(run.case.title)}",
            "",
            f"`{run.file}` · booked {run.case.booking_date} · jurisdiction "
            f"`{run.case.jurisdiction.id}` · expect: **{run.expect}**",
            "",
        ]
        cols = [column_label(run, d) for d in run.decisions]
        diff = differing(run.decisions)
        lines.append("| | field | " + " | ".join(cols) + " |")
        lines.append("|---|---|" + "---|" * len(cols))
        for k in CONTRACT_FIELDS:
            mark = "≠" if k in diff else ""
            cells = " | ".join(_esc(show(d.get(k))) for d in run.decisions)
            lines.append(f"| {mark} | {k} | {cells} |")
        for why in contrasts(run.case, run.decisions, result.rules):
            lines += ["", f"**Why they differ:** {_esc(why.text())}"]
        lines += ["", "Rules that fired:", ""]
        for _rid, line, where in fired_rules(run):
            scope = "" if len(where) == len(run.decisions) else f" *({', '.join(where)})*"
            lines.append(f"- {_esc(line)}{scope}")
        warnings = sorted({w for d in run.decisions for w in d.warnings})
        if warnings:
            lines += ["", *[f"> ⚠ {w}" for w in warnings]]
        for m in run.mismatches:
            lines.append(f"- ✗ expect {m}")
        lines.append("")
    c = result.counts
    lines.append(
        f"{len(result.cases)} cases · expect: {c['pass']} pass, {c['fail']} fail, {c['none']} without expect"
    )
    return "\n".join(lines) + "\n"
