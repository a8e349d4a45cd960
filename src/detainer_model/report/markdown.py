"""Markdown: a heading, a side-by-side table and the rules that fired, per case."""

from __future__ import annotations

import re

from ..core.runner import RunResult
from ..teaching.contrast import contrasts
from ..teaching.plain import plain_label, plain_reason, plain_value
from .common import CONTRACT_FIELDS, DISCLAIMER, column_label, differing, fired_rules, show


def _esc(text: str) -> str:
    # "|" would end a table cell; "<" before a letter would open raw HTML in a Markdown viewer
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text.replace("|", "\\|"))


def render_markdown(result: RunResult, *, plain: bool = False) -> str:
    """A section per case; ``plain``: answers and the rules that fired in plain English (ids kept)."""
    rules = result.rules
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
        lines.append(f"| | {'answer' if plain else 'field'} | " + " | ".join(cols) + " |")
        lines.append("|---|---|" + "---|" * len(cols))
        for k in CONTRACT_FIELDS:
            mark = "≠" if k in diff else ""
            if plain:
                cells = " | ".join(_esc(plain_value(k, d.get(k), rules)) for d in run.decisions)
                lines.append(f"| {mark} | {_esc(plain_label(k, rules))} (`{k}`) | {cells} |")
                continue
            cells = " | ".join(_esc(show(d.get(k))) for d in run.decisions)
            lines.append(f"| {mark} | {k} | {cells} |")
        for why in contrasts(run.case, run.decisions, result.rules):
            lines += ["", f"**Why they differ:** {_esc(why.text())}"]
        lines += ["", "Why:" if plain else "Rules that fired:", ""]
        findings = {f.rule.id: f for d in run.decisions for f in reversed(d.findings)}
        for rid, line, where in fired_rules(run):
            scope = "" if len(where) == len(run.decisions) else f" *({', '.join(where)})*"
            text = f"{plain_reason(findings[rid], rules)} [`{rid}`]" if plain else line
            lines.append(f"- {_esc(text)}{scope}")
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
