"""``detainer-model rules list`` and ``rules show``: the rule files read as documents.

``list`` gives one line per rule set (id, level, the dates it was in force, title). ``show ID``
prints a rule set, or a single rule, in plain language: every rule's summary, condition, source,
pinpoint, how well the source is verified, and the notes that record interpretive choices; with
the rule set's parameters and definitions. Both print for the terminal or, with
``--format markdown``, as Markdown.
"""

from __future__ import annotations

import io
import sys
from collections import Counter
from pathlib import Path

import click
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..core.evaluate import DISCLAIMER
from ..errors import UnknownIdError, suggest
from ..report.table import make_console
from ..rulebook.library import LoadedDefinition, LoadedRule, RuleLibrary, RuleSet
from ..rulebook.rulefile import Effective, Parameter, Source
from .app import RULES_OPTION, rules_from
from .rules_group import rules_group

FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown"]),
    default="table",
    show_default=True,
    help="table: for the terminal; markdown: Markdown text.",
)
LEVEL_ORDER = ("federal", "local", "shared")
VERIFICATIONS = ("verified", "secondary", "unverified", "model")


@rules_group.command("list")
@click.option(
    "--level",
    type=click.Choice(LEVEL_ORDER),
    default=None,
    help="Only rule sets of this level (federal regimes, local policies, shared parts).",
)
@FORMAT_OPTION
@RULES_OPTION
def list_command(level: str | None, fmt: str, rules_dir: Path | None) -> int:
    """List the rule sets: id, level, the dates each was in force, and title."""
    lib = rules_from(rules_dir)
    chosen = [rs for rs in _ordered(lib) if level is None or rs.level == level]
    text = _list_markdown(chosen) if fmt == "markdown" else _list_table(chosen)
    _write(text)
    return 0


@rules_group.command("show")
@click.argument("ident", metavar="ID")
@FORMAT_OPTION
@RULES_OPTION
def show_command(ident: str, fmt: str, rules_dir: Path | None) -> int:
    """Show a rule set (or one rule) in plain language, with sources, verification and notes.

    ID is a rule set id (``cook-county-2011``, ``pep``) or a rule id
    (``cook-county-2011.hold-if-reimbursed``).
    """
    lib = rules_from(rules_dir)
    if ident in lib.rulesets:
        text = ruleset_markdown(lib, lib.rulesets[ident])
    elif ident in lib.all_rules:
        text = rule_markdown(lib, lib.all_rules[ident])
    else:
        known = [*lib.rulesets, *lib.all_rules]
        raise UnknownIdError(
            f"unknown rule set or rule '{ident}'{suggest(ident, known)}; "
            "`detainer-model rules list` shows the rule sets"
        )
    _write(text if fmt == "markdown" else _as_terminal(text))
    return 0


# ---------------------------------------------------------------------------------------------
# list


def _ordered(lib: RuleLibrary) -> list[RuleSet]:
    return sorted(lib.rulesets.values(), key=lambda rs: (LEVEL_ORDER.index(rs.level), rs.id))


def in_force(effective: Effective) -> str:
    """``2014-01-01 to 2017-12-31``, with ``…`` for an open end."""
    return effective.describe()


def _list_table(rulesets: list[RuleSet]) -> str:
    buf = io.StringIO()
    console = make_console(buf)
    rows = [
        (
            rs.id,
            rs.level,
            in_force(rs.effective),
            str(len(rs.rules)),
            ", ".join(rs.parameters) or "—",
            rs.title,
        )
        for rs in rulesets
    ]
    header = ("id", "level", "in force", "rules", "parameters", "title")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    if sum(widths) + 3 * len(widths) <= console.width:
        table = Table(header_style="bold", show_edge=False, pad_edge=False)
        for name in header:
            table.add_column(name, no_wrap=name != "title")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    else:  # too narrow for one line a rule set: its id and facts, then its title indented
        for rid, level, force, count, params, title in rows:
            facts = f"{level}, {force}, {count} rules" + (f"; parameters: {params}" if params != "—" else "")
            console.print(Text.assemble((rid, "bold"), f"  {facts}"), overflow="fold")
            console.print(Padding(Text(title, overflow="fold"), (0, 0, 0, 4)))
    console.print(f"{len(rulesets)} rule sets · `detainer-model rules show ID` for one of them", markup=False)
    return buf.getvalue()


def _list_markdown(rulesets: list[RuleSet]) -> str:
    lines = [
        "# detainer-model rule sets",
        "",
        "| id | level | in force | rules | parameters | title |",
        "|---|---|---|---|---|---|",
    ]
    for rs in rulesets:
        params = ", ".join(f"`{p}`" for p in rs.parameters) or "—"
        lines.append(
            f"| `{rs.id}` | {rs.level} | {in_force(rs.effective)} | {len(rs.rules)} | {params} "
            f"| {_cell(rs.title)} |"
        )
    lines += ["", f"{len(rulesets)} rule sets.", "", f"*{DISCLAIMER}*"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# show


def ruleset_markdown(lib: RuleLibrary, rs: RuleSet) -> str:
    """A rule set as a Markdown document."""
    meta = rs.meta
    counts: Counter[str] = Counter(r.verification for r in rs.rules)
    tally = ", ".join(f"{counts[v]} {v}" for v in VERIFICATIONS if counts[v])
    lines = [
        f"# {rs.id}: {meta.title}",
        "",
        f"*{_level_name(rs.level)} · in force {in_force(rs.effective)} · {len(rs.rules)} rules ({tally})*",
        "",
        _para(meta.summary),
        "",
    ]
    if rs.effective.note:
        lines += [f"**In force** {in_force(rs.effective)}: {_para(rs.effective.note)}", ""]
    if meta.notes:
        lines += [f"**Notes:** {_para(meta.notes)}", ""]
    cited = list(dict.fromkeys([*meta.sources, *(r.rule.source for r in rs.rules)]))
    lines += ["## Sources", ""]
    for sid in cited:
        lines += _source_lines(sid, lib.sources[sid])
    lines.append("")
    if rs.parameters:
        lines += [
            "## Parameters",
            "",
            "A case can set these with `jurisdiction: {id: ..., params: {...}}`.",
            "",
        ]
        for name, p in rs.parameters.items():
            lines += _parameter_lines(lib, name, p)
        lines.append("")
    if rs.definitions:
        lines += ["## Definitions", "", "Facts the rules below read, counted or tested as written here.", ""]
        for d in rs.definitions:
            lines += _definition_lines(d)
        lines.append("")
    lines += ["## Rules", ""]
    for r in rs.rules:
        lines += _rule_lines(r)
    lines += [f"*{DISCLAIMER}*"]
    return "\n".join(lines) + "\n"


def rule_markdown(lib: RuleLibrary, rule: LoadedRule) -> str:
    """One rule as a Markdown document, with its rule set and full source."""
    rs = lib.rulesets[rule.ruleset]
    lines = [
        f"# {rule.id}",
        "",
        f"*A rule of `{rs.id}` ({rs.meta.title}), {rule.file}:{rule.line or '?'}*",
        "",
    ]
    lines += _rule_lines(rule, heading=False)
    lines += ["## Source", ""]
    lines += _source_lines(rule.rule.source, rule.source)
    lines += ["", f"*{DISCLAIMER}*"]
    return "\n".join(lines) + "\n"


def _rule_lines(r: LoadedRule, *, heading: bool = True) -> list[str]:
    rule = r.rule
    concludes = ", ".join(f"{k} = {_show(v)}" for k, v in rule.then.items())
    out = [f"### `{r.id}` → {concludes}", ""] if heading else [f"**Concludes:** {concludes}", ""]
    out += [
        _para(rule.summary),
        "",
        f"- **When:** `{_para(rule.when)}`",
    ]
    if rule.exception_to:
        out.append("- **Exception to:** " + ", ".join(f"`{t}`" for t in rule.exception_to))
    out.append(f"- **Source:** {_cite(r.source, rule.pinpoint)}")
    out.append(f"- **Verification:** {r.verification}")
    if rule.effective is not None:
        note = f" ({_para(rule.effective.note)})" if rule.effective.note else ""
        out.append(f"- **In force:** {in_force(rule.effective)}{note}")
    if rule.notes:
        out.append(f"- **Notes:** {_para(rule.notes)}")
    out.append("")
    return out


def _definition_lines(d: LoadedDefinition) -> list[str]:
    spec = d.definition
    if spec.expr is not None:
        how = f"`{_para(spec.expr)}`"
    else:
        group = spec.count or spec.any
        verb = "how many of the" if spec.count else "whether any of the"
        distinct = f" (distinct `{spec.distinct}`)" if spec.distinct else ""
        where = f" where `{_para(spec.where)}`" if spec.where else ""
        how = f"{verb} {group}{distinct}{where}"
    out = [
        f"- `{d.id}`: {_para(spec.summary)}",
        f"  - **Computed as:** {how}",
        f"  - **Source:** {_cite(d.source, spec.pinpoint)} [{d.source.verification}]",
    ]
    if spec.notes:
        out.append(f"  - **Notes:** {_para(spec.notes)}")
    return out


def _parameter_lines(lib: RuleLibrary, name: str, p: Parameter) -> list[str]:
    source = lib.sources[p.source]
    out = [
        f"- `{name}` ({p.type}, default `{_show(p.default)}`): {_para(p.summary)}",
        f"  - **Source:** {source.label} [{source.verification}]",
    ]
    if p.notes:
        out.append(f"  - **Notes:** {_para(p.notes)}")
    return out


def _source_lines(sid: str, s: Source) -> list[str]:
    out = [f"- **{s.label}** [{s.verification}] (`{sid}`): {s.citation()}"]
    if s.reference:
        out.append(f"  - **At:** {_para(s.reference)}")
    if s.quote:
        out.append(f"  > {_para(s.quote)}")
    if s.note:
        out.append(f"  - **Note:** {_para(s.note)}")
    return out


def _cite(source: Source, pinpoint: str | None) -> str:
    return f"{source.label}, {pinpoint}" if pinpoint else source.label


def _level_name(level: str) -> str:
    return {"federal": "federal regime", "local": "local policy", "shared": "shared rule set"}[level]


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _para(text: str) -> str:
    """Folded YAML text as one line."""
    return " ".join(text.split())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


# ---------------------------------------------------------------------------------------------


def _as_terminal(markdown: str) -> str:
    # rich's Markdown loads markdown-it and pygments: only when a document is shown
    from rich.markdown import Markdown

    buf = io.StringIO()
    console = make_console(buf)
    console.print(Markdown(markdown))
    return buf.getvalue()


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


__all__ = ["list_command", "rule_markdown", "ruleset_markdown", "show_command"]
