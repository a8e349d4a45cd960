"""Presenting rule sets as documents: decision tables, rule diffs and coverage (terminal, Markdown, JSON)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

from rich.table import Table as RichTable
from rich.text import Text

from .._version import __version__
from ..core.evaluate import DISCLAIMER
from ..rulebook.library import RuleLibrary
from ..teaching.coverage import Coverage
from ..teaching.decision_table import Document, Row, Table, show_answer
from .table import make_console

ANY_CELL = ""


def _when_cells(t: Table, r: Row) -> list[str]:
    out = []
    for inp, cell in zip(t.inputs, r.cells, strict=True):
        if len(cell) == len(inp.classes):
            out.append(ANY_CELL)
        else:
            out.append(" or ".join(inp.classes[i].label for i in sorted(cell)))
    return out


def _then(t: Table, r: Row, k: int) -> str:
    return ", ".join(f"{a} {show_answer(v)}" for a, v in zip(t.answers, r.answers[k], strict=True))


def _rules(r: Row, k: int) -> str:
    return ", ".join(r.rules[k]) if r.rules[k] else "no rule: the default"


def sentence(doc: Document, t: Table, r: Row) -> str:
    """A row in words: "When ..., secure-communities gives ...; pep gives ..."."""
    when = r.when(t.inputs)
    head = f"When {' and '.join(when)}" if when else "In every case"
    sides = "; ".join(f"{rs} gives {_then(t, r, k)} ({_rules(r, k)})" for k, rs in enumerate(t.rulesets))
    return f"{head}: {sides}."


# --- terminal ----------------------------------------------------------------------------------


def render_document_table(doc: Document, *, diff: bool) -> str:
    buf = io.StringIO()
    console = make_console(buf)
    console.print(Text(DISCLAIMER, style="bold"))
    console.print(Text(doc.title, style="bold"))
    for n in doc.notes:
        console.print(Text(n, style="italic"))
    console.print()
    for number, t in enumerate(doc.tables, 1):
        console.print(_rich_table(doc, t, number, diff=diff))
        if diff:
            for r in t.rows:
                console.print(Text(f"• {sentence(doc, t, r)}"))
        console.print(Text("Inputs:", style="bold"))
        for i in t.inputs:
            console.print(Text(f"  {i.name}: {i.meaning}"))
        console.print()
    if doc.cited:
        console.print(Text("Sources:", style="bold"))
        for rule in doc.cited:
            console.print(Text(f"  {rule.id}: {rule.cite()}"))
    console.print(Text(DISCLAIMER, style="dim"))
    return buf.getvalue()


def _rich_table(doc: Document, t: Table, number: int, *, diff: bool) -> RichTable:
    title = f"Table {number}: decides {', '.join(t.answers)}"
    if t.listed:
        table = RichTable(
            title=title + " (too many combinations to enumerate: its rules)", title_justify="left"
        )
        table.add_column("rule")
        table.add_column("when")
        table.add_column("then")
        for rule in t.listed:
            table.add_row(
                rule.id, rule.rule.when.strip(), ", ".join(f"{k} {v}" for k, v in rule.rule.then.items())
            )
        return table
    table = RichTable(title=title + " (a blank cell: any value)", title_justify="left", header_style="bold")
    table.add_column("#", justify="right")
    for i in t.inputs:
        table.add_column(i.name)
    if diff:
        for rs in t.rulesets:
            table.add_column(rs, style="cyan")
    else:
        for a in t.answers:
            table.add_column(a, style="cyan")
        table.add_column("rules", style="dim")
    for n, r in enumerate(t.rows, 1):
        cells = _when_cells(t, r)
        if diff:
            outs = [f"{_then(t, r, k)}\n({_rules(r, k)})" for k in range(len(t.rulesets))]
        else:
            outs = [*(show_answer(v) for v in r.answers[0]), _rules(r, 0)]
        table.add_row(str(n), *(Text(c) for c in [*cells, *outs]))
    return table


# --- Markdown ----------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def render_document_markdown(doc: Document, *, diff: bool) -> str:
    lines = [f"# {_esc(doc.title)}", "", f"> {DISCLAIMER}", ""]
    lines += [f"*{_esc(n)}*" for n in doc.notes]
    for number, t in enumerate(doc.tables, 1):
        lines += ["", f"## Table {number}: decides {', '.join(t.answers)}", ""]
        if t.listed:
            lines += ["| rule | when | then |", "|---|---|---|"]
            for rule in t.listed:
                then = ", ".join(f"{k} {v}" for k, v in rule.rule.then.items())
                lines.append(f"| `{rule.id}` | `{_esc(rule.rule.when.strip())}` | {_esc(then)} |")
            continue
        head = ["#", *(f"`{i.name}`" for i in t.inputs)]
        head += list(t.rulesets) if diff else [*t.answers, "rules"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for n, r in enumerate(t.rows, 1):
            cells = [_esc(c) for c in _when_cells(t, r)]
            if diff:
                outs = [_esc(f"{_then(t, r, k)} ({_rules(r, k)})") for k in range(len(t.rulesets))]
            else:
                outs = [*(_esc(show_answer(v)) for v in r.answers[0]), _esc(_rules(r, 0))]
            lines.append("| " + " | ".join([str(n), *cells, *outs]) + " |")
        lines += ["", "A blank cell means any value."]
        if diff:
            lines += ["", *[f"- {_esc(sentence(doc, t, r))}" for r in t.rows]]
        lines += ["", "Inputs:", ""]
        lines += [f"- `{i.name}`: {_esc(i.meaning)}" for i in t.inputs]
    if doc.cited:
        lines += ["", "## Sources", ""]
        lines += [f"- `{rule.id}`: {_esc(rule.cite())}" for rule in doc.cited]
    return "\n".join(lines) + "\n"


def render_document_json(doc: Document, lib: RuleLibrary) -> str:
    out: dict[str, Any] = {"model": {"version": __version__, "rules": lib.digest}, "disclaimer": DISCLAIMER}
    out.update(doc.to_dict())
    return json.dumps(out, indent=2, ensure_ascii=False, default=str) + "\n"


# --- coverage ----------------------------------------------------------------------------------

KINDS = ("rule", "branch", "definition", "definition branch")
HEADS = ("rules", "branches", "definitions", "definition branches")


def render_coverage_table(cov: Coverage, *, everything: bool = False) -> str:
    buf = io.StringIO()
    console = make_console(buf)
    console.print(
        Text(
            f"Coverage: {cov.cases} cases, {cov.evaluations} evaluations "
            "(every era under every reading, each case's own place)",
            style="bold",
        )
    )
    table = RichTable(header_style="bold", show_edge=False)
    table.add_column("rule set")
    for h in HEADS:
        table.add_column(h, justify="right")
    table.add_column("")
    for rs in cov.rulesets:
        counts = cov.counts(rs)
        full = all(a == b for a, b in counts.values())
        table.add_row(Text(rs), *(f"{a}/{b}" for a, b in (counts[k] for k in KINDS)), "✓" if full else "✗")
    console.print(table)
    missing = cov.missing
    if missing:
        console.print(Text(f"Never exercised ({len(missing)}):", style="bold red"))
        for line in coverage_lines(missing):
            console.print(Text(f"  {line}"))
    else:
        console.print(Text("Every rule and branch is exercised.", style="green"))
    if everything:
        console.print(Text("Exercised by:", style="bold"))
        for t in cov.targets:
            if t.key in cov.hit:
                console.print(Text(f"  {_target(t)}: {cov.examples.get(t.key, '')}"))
    return buf.getvalue()


def coverage_lines(targets: Sequence[Any]) -> list[str]:
    return [f"{t.where()}: {_target(t)}" for t in targets]


def _target(t: Any) -> str:
    if t.kind in ("rule", "definition"):
        return f"{t.kind} {t.owner}"
    return f"{t.kind.replace(' branch', '')} {t.owner}, branch: {t.text}"


def render_coverage_markdown(cov: Coverage) -> str:
    lines = [
        "# Rule coverage",
        "",
        f"{cov.cases} cases, {cov.evaluations} evaluations "
        "(every era under every reading, each case's own place).",
        "",
        "| rule set | " + " | ".join(HEADS) + " |",
        "|---|" + "---|" * len(HEADS),
    ]
    for rs in cov.rulesets:
        counts = cov.counts(rs)
        lines.append(f"| `{rs}` | " + " | ".join(f"{a}/{b}" for a, b in (counts[k] for k in KINDS)) + " |")
    lines.append("")
    if cov.missing:
        lines += [f"## Never exercised ({len(cov.missing)})", ""]
        lines += [f"- {_esc(x)}" for x in coverage_lines(cov.missing)]
    else:
        lines.append("Every rule and branch is exercised.")
    return "\n".join(lines) + "\n"


def render_coverage_json(cov: Coverage, lib: RuleLibrary) -> str:
    out = {"model": {"version": __version__, "rules": lib.digest}, **cov.to_dict()}
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"
