"""``detainer-model exercise make | grade``: worksheets with answer keys, and grading them."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click
from rich.text import Text

from ..core.evaluate import DISCLAIMER
from ..core.scenarios import load_scenarios
from ..report.table import make_console
from ..safeio.atomicwrite import write_files
from ..safeio.outputs import check_output
from ..teaching.exercises import FILES as EXERCISE_FILES
from ..teaching.exercises import Grade, Mark, grade, load_key, make_exercise, read_answers
from .app import RULES_OPTION, rules_from

FORMATS = ("table", "markdown", "json")


@click.group("exercise")
def exercise_group() -> None:
    """Make a worksheet and answer key from scenario files; grade a student's answers."""


@exercise_group.command("make")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="The folder to write to.")
@click.option(
    "--case", "case_ids", multiple=True, metavar="ID", help="Use this case (repeatable, in this order)."
)
@click.option("--regime", "regimes", multiple=True, metavar="ID", help="A regime to ask about (repeatable).")
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="NAME",
    help="A result to predict (repeatable; default: request, form, local_response, outcome).",
)
@click.option("--title", default=None, help="The worksheet's title (default: the scenario file's).")
@RULES_OPTION
def make_command(
    paths: tuple[Path, ...],
    out: Path,
    case_ids: tuple[str, ...],
    regimes: tuple[str, ...],
    fields: tuple[str, ...],
    title: str | None,
    rules_dir: Path | None,
) -> int:
    """Write a worksheet (worksheet.md, worksheet.html), a blank answers file
    (answers-template.yaml) and the answer key (answer-key.md, answer-key.html, key.json) for
    the cases in PATHS to the folder OUT. Every file is rendered before any is written, and each
    is written whole."""
    lib = rules_from(rules_dir)
    check_output(out, paths, folder=True, writes=EXERCISE_FILES)
    scenarios = load_scenarios(list(paths), lib)
    exercise = make_exercise(
        scenarios, lib, regimes=regimes or None, fields=fields or None, case_ids=case_ids or None, title=title
    )
    files = exercise.files()
    for path in write_files(out, files):
        click.echo(str(path))
    n = len(exercise.sheets)
    click.echo(
        f"{n} case{'s' if n != 1 else ''} × {len(exercise.regimes)} regimes × {len(exercise.fields)} answers",
        err=True,
    )
    return 0


@exercise_group.command("grade")
@click.argument("key_path", metavar="KEY", type=click.Path(path_type=Path))
@click.argument("answers_path", metavar="ANSWERS", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def grade_command(key_path: Path, answers_path: Path, fmt: str) -> int:
    """Grade a student's ANSWERS file (YAML, see docs/exercises.md) against KEY (the key.json
    that `exercise make` wrote): a score, and for each wrong or missing answer the rule that
    decides it and its source.

    Exit status: 0 when every answer is right, 1 when some are wrong or blank, 2 when a file is
    invalid.
    """
    key = load_key(key_path)
    student, answers = read_answers(answers_path, key)
    result = grade(key, answers, student)
    if fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "markdown":
        text = render_grade_markdown(result)
    else:
        text = render_grade_table(result)
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0 if result.right == result.total else 1


def render_grade_table(g: Grade) -> str:
    buf = io.StringIO()
    console = make_console(buf)
    console.print(Text(DISCLAIMER, style="bold"))
    who = f" · {g.student}" if g.student else ""
    console.print(Text(f"{g.title}{who}", style="bold"))
    console.print(Text(_summary(g), style="bold green" if not g.wrong else "bold"))
    for m in g.wrong:
        if m.status != "wrong":
            continue
        console.print()
        console.print(Text(f"✗ {m.text()}.", style="red"))
        for label, text in _why(m):
            console.print(Text.assemble(f"    {label}: ", (text, "dim" if label == "Sources" else "")))
    blanks = _unanswered(g)
    if blanks:
        console.print()
        console.print(
            Text(f"Unanswered ({sum(1 for m in g.wrong if m.status == 'unanswered')}):", style="bold")
        )
        for line in blanks:
            console.print(Text(f"    {line}"))
    if not g.wrong:
        console.print(Text("Every prediction matches the model.", style="green"))
    console.print(Text(DISCLAIMER, style="dim"))
    return buf.getvalue()


def _summary(g: Grade) -> str:
    wrong = sum(1 for m in g.marks if m.status == "wrong")
    blank = sum(1 for m in g.marks if m.status == "unanswered")
    return f"Score: {g.score()} · {wrong} wrong · {blank} unanswered"


def _why(m: Mark) -> list[tuple[str, str]]:
    if m.reason.default:
        decided = "the default, as no rule applies; rules that could decide it: " + (
            ", ".join(m.reason.rules) or "none"
        )
    else:
        decided = ", ".join(m.reason.rules)
    return [("Decided by", decided), ("Why", m.reason.why), ("Sources", "; ".join(m.reason.sources) or "—")]


def _unanswered(g: Grade) -> list[str]:
    by_case: dict[tuple[int, str], dict[str, list[str]]] = {}
    for m in g.wrong:
        if m.status == "unanswered":
            by_case.setdefault((m.number, m.case_id), {}).setdefault(m.regime, []).append(m.field)
    return [
        f"case {n} ({cid}): " + "; ".join(f"{r} {', '.join(fs)}" for r, fs in regimes.items())
        for (n, cid), regimes in by_case.items()
    ]


def render_grade_markdown(g: Grade) -> str:
    who = f" · {g.student}" if g.student else ""
    lines = [f"# {g.title}{who}", "", f"> {DISCLAIMER}", "", f"**{_summary(g)}**", ""]
    if not g.wrong:
        lines.append("Every prediction matches the model.")
    for m in g.wrong:
        if m.status == "wrong":
            lines.append(f"- ✗ {m.text()}.")
            lines.extend(f"  - {label}: {text}" for label, text in _why(m))
    blanks = _unanswered(g)
    if blanks:
        lines += ["", "Unanswered:", "", *[f"- {b}" for b in blanks]]
    return "\n".join(line.replace("|", "\\|") for line in lines) + "\n"


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
