"""Presenting explanations: a terminal tree, Markdown and JSON, with the contrasts between them."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from rich.tree import Tree

from .._version import __version__
from ..core.evaluate import DISCLAIMER
from ..rulebook.library import RuleLibrary
from ..teaching.contrast import Contrast
from ..teaching.explain import AnswerNode, Explanation, FactNode, NotApplied, RuleNode
from ..teaching.plain import plain_decision, plain_label, plain_value
from ..teaching.reasons import show_value
from .table import make_console


def render_explanations_table(
    explanations: Sequence[Explanation],
    contrasts: Sequence[Contrast],
    *,
    plain: bool = False,
    lib: RuleLibrary | None = None,
) -> str:
    """The trees for the terminal; ``plain``: each answer and its reasons in plain English instead."""
    buf = io.StringIO()
    console = make_console(buf)
    console.print(Text(DISCLAIMER, style="bold"))
    for x in explanations:
        console.print(plain_tree(x, lib) if plain else explanation_tree(x))
        console.print()
    if plain:  # the contrasts speak in field ids; the plain trees already say what differs
        contrasts = ()
    for c in contrasts:
        console.print(Text.assemble(("Why they differ: ", "bold"), c.text()))
        console.print()
    console.print(Text(DISCLAIMER, style="dim"))
    return buf.getvalue()


def explanation_tree(x: Explanation) -> Tree:
    """The derivation as a rich tree: answers, the rules that decided them, the facts they read."""
    d = x.decision
    root = Tree(
        Text.assemble(
            (f"{x.case.id}", "bold"),
            f": {x.case.title}\n",
            (f"{d.label} @ {d.jurisdiction_ref}", "bold cyan"),
            f" · booked {d.booking_date}",
        )
    )
    for a in x.answers:
        _answer(root, a)
    for w in d.warnings:
        root.add(Text(f"⚠ {w}", style="magenta"))
    if x.why_not:
        branch = root.add(
            Text.assemble(("why not ", "bold"), (x.why_not.rule.id, "bold"), f": {x.why_not.text()}")
        )
        for f in x.why_not.facts:
            _fact(branch, f)
    for n in x.notes:
        root.add(Text(n, style="italic"))
    return root


def plain_tree(x: Explanation, lib: RuleLibrary | None = None) -> Tree:
    """For students: each reported answer in words, with the reason for it and its source.

    Rule ids stay in brackets so that an instructor can look them up (``rules show ID``).
    """
    d = x.decision
    root = Tree(
        Text.assemble(
            (f"{x.case.id}", "bold"),
            f": {x.case.title}\n",
            (f"{d.regime} @ {d.jurisdiction}", "bold cyan"),
            f" · booked {d.booking_date}",
        )
    )
    for a in x.answers:
        if not a.reported:
            continue
        node = root.add(
            Text.assemble((f"{plain_label(a.name, lib)}: ", "bold"), plain_value(a.name, a.value, lib))
        )
        for r in a.rules:
            # the answer is already said in words above: the rule's summary says why
            summary = " ".join(r.rule.summary.split())
            why = node.add(Text.assemble("Why: ", summary, (f" [{r.rule.id}]", "dim")))
            why.add(Text(f"source: {r.rule.cite()}", style="dim"))
        if a.by_default:
            node.add(Text("No rule applied, so this is the model's default.", style="italic"))
    for w in d.warnings:
        root.add(Text(f"⚠ {w}", style="magenta"))
    if x.why_not:
        root.add(Text.assemble(("why not ", "bold"), (x.why_not.rule.id, "bold"), f": {x.why_not.text()}"))
    return root


def _answer(parent: Tree, a: AnswerNode) -> None:
    style = "dim" if not a.reported else "bold"
    node = parent.add(Text(a.label(), style=style))
    for r in a.rules:
        _rule(node, r)
    for rid, by in a.overridden:
        node.add(Text(f"{rid} applied too, but gave way to its exception {by}", style="dim"))
    for n in a.not_applied:
        _not_applied(node, n)


def _rule(parent: Tree, r: RuleNode) -> None:
    node = parent.add(Text.assemble((r.rule.id, "green"), f": {' '.join(r.rule.summary.split())}"))
    node.add(Text(f"source: {r.rule.cite()}", style="dim"))
    node.add(Text("because: " + "; ".join(leaf.text() for leaf in r.because)))
    for f in r.facts:
        if f.kind != "fact":
            _fact(node, f)
    for rid in r.beat:
        node.add(Text(f"overrides {rid}", style="dim"))
    for e in r.exceptions:
        node.add(Text(f"exception {e.text()}", style="dim"))


def _not_applied(parent: Tree, n: NotApplied) -> None:
    parent.add(Text(n.text(), style="dim"))


def _fact(parent: Tree, f: FactNode) -> None:
    about = f": {f.summary}" if f.summary and f.kind in ("definition", "parameter") else ""
    node = parent.add(Text.assemble((f.label(), "yellow" if f.kind == "definition" else ""), about))
    if f.decided_by:
        node.add(Text(f"decided by {', '.join(f.decided_by)}", style="dim"))
    if f.not_applied_by:
        node.add(Text(f"the default: {', '.join(f.not_applied_by)} did not apply", style="dim"))
    if f.source and f.kind == "definition":
        node.add(Text(f"source: {f.source}", style="dim"))
    if f.written:
        node.add(Text(f"defined as: {f.written}", style="dim"))
    if f.because:
        node.add(Text("because: " + "; ".join(leaf.text() for leaf in f.because)))
    for item in f.items:
        node.add(Text(f"counted {item.text}"))
    for item, leaves in f.not_counted:
        node.add(Text(f"not counted {item.text}: " + "; ".join(leaf.text() for leaf in leaves), style="dim"))
    for c in f.children:
        _fact(node, c)


def render_explanations_markdown(
    explanations: Sequence[Explanation],
    contrasts: Sequence[Contrast],
    *,
    plain: bool = False,
    lib: RuleLibrary | None = None,
) -> str:
    """Markdown; ``plain``: each answer and the rules behind it in plain English (ids kept)."""
    parts = ["# detainer-model explanation", "", f"> {DISCLAIMER}", ""]
    if explanations:
        case = explanations[0].case
        parts += [f"## {case.id}: {case.title}", ""]
    for x in explanations:
        parts.append(plain_markdown(x, lib) if plain else x.to_markdown())
    for c in () if plain else contrasts:  # as in the plain tree: the contrasts speak in ids
        parts += [f"**Why they differ:** {c.text()}", ""]
    return "\n".join(parts) + "\n"


def plain_markdown(x: Explanation, lib: RuleLibrary | None = None) -> str:
    """:func:`plain_tree` as Markdown: each reported answer in words, why, and the source."""
    d = x.decision
    lines = [f"### {_md(x.title)}", "", f"Booked {d.booking_date}.", ""]
    for a in x.answers:
        if not a.reported:
            continue
        words, code = plain_value(a.name, a.value, lib), show_value(a.value, "null")
        lines.append(f"- **{_md(plain_label(a.name, lib))}**: {_md(words)} (`{a.name}` = `{code}`)")
        for r in a.rules:
            summary = " ".join(r.rule.summary.split())
            lines.append(f"  - Why: {_md(summary)} [`{r.rule.id}`]; source: {_md(r.rule.cite())}")
        if a.by_default:
            lines.append("  - No rule applied, so this is the model's default.")
    lines.extend(f"\n> ⚠ {_md(w)}" for w in d.warnings)
    if x.why_not:
        lines += ["", f"**Why not `{x.why_not.rule.id}`?** {_md(x.why_not.text())}"]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    text = text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
    return text.replace("<", "&lt;")  # no raw HTML from a scenario's text in a Markdown viewer


def explanations_document(
    explanations: Sequence[Explanation],
    contrasts: Sequence[Contrast],
    lib: RuleLibrary,
    *,
    plain: bool = False,
) -> dict[str, Any]:
    """The explanations as a JSON-ready dict; ``plain``: each also carries ``plain``, the decision's
    answers and reasons in plain English."""
    case = explanations[0].case if explanations else None
    return {
        "model": {"version": __version__, "rules": lib.digest},
        "disclaimer": DISCLAIMER,
        "case": {"id": case.id, "title": case.title, "booking_date": case.booking_date.isoformat()}
        if case
        else None,
        "explanations": [
            {**x.to_dict(), "plain": plain_decision(x.decision, lib)} if plain else x.to_dict()
            for x in explanations
        ],
        "contrast": [c.to_dict() for c in contrasts],
    }


def render_explanations_json(
    explanations: Sequence[Explanation],
    contrasts: Sequence[Contrast],
    lib: RuleLibrary,
    *,
    plain: bool = False,
) -> str:
    doc = explanations_document(explanations, contrasts, lib, plain=plain)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


__all__ = [
    "explanation_tree",
    "explanations_document",
    "plain_markdown",
    "plain_tree",
    "render_explanations_json",
    "render_explanations_markdown",
    "render_explanations_table",
    "show_value",
]
