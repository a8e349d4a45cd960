"""``detainer-model exercise make | grade``: worksheets with answer keys, and grading them."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from ..core.evaluate import DISCLAIMER
from ..core.scenarios import load_scenarios
from ..report.table import make_console, wrapped
from ..rulebook.library import RuleLibrary
from ..safeio.atomicwrite import write_files
from ..safeio.outputs import check_output
from ..teaching.exercises import FILES as EXERCISE_FILES
from ..teaching.exercises import (
    ClassGrades,
    Grade,
    Mark,
    answer_files,
    grade,
    grade_class,
    load_key,
    make_exercise,
    misconceptions,
    read_answers,
)
from ..teaching.plain import plain_label, plain_value
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
@click.option(
    "--variants",
    type=click.IntRange(0, 500),
    default=0,
    show_default=True,
    help="Also write this many student variants (variant-01/ ...), each with the cases in its own order; "
    "the one key.json grades them all.",
)
@click.option(
    "--seed", type=click.IntRange(0, None), default=0, show_default=True, help="The seed of the orders."
)
@click.option(
    "--plain",
    is_flag=True,
    help="Say each result, value and reason in plain English in the worksheet, the answers file's "
    "comments and the answer key (ids beside them; key.json is the same).",
)
@RULES_OPTION
def make_command(
    paths: tuple[Path, ...],
    out: Path,
    case_ids: tuple[str, ...],
    regimes: tuple[str, ...],
    fields: tuple[str, ...],
    title: str | None,
    variants: int,
    seed: int,
    plain: bool,
    rules_dir: Path | None,
) -> int:
    """Write a worksheet (worksheet.md, worksheet.html), a blank answers file
    (answers-template.yaml) and the answer key (answer-key.md, answer-key.html, key.json) for
    the cases in PATHS to the folder OUT. Every file is rendered before any is written, and each
    is written whole.

    The worksheet heads each case with a neutral label (its title, which may give the answer
    away, is in the key), says which default applies to a fact the case leaves unstated, and
    summarises each local policy involved. --variants N --seed S adds N shuffled copies for
    students sitting side by side."""
    lib = rules_from(rules_dir)
    check_output(out, paths, folder=True, writes=EXERCISE_FILES)
    scenarios = load_scenarios(list(paths), lib)
    exercise = make_exercise(
        scenarios,
        lib,
        regimes=regimes or None,
        fields=fields or None,
        case_ids=case_ids or None,
        title=title,
        plain=plain,
    )
    files = exercise.files()
    width = len(str(variants))
    for i in range(1, variants + 1):
        variant = exercise.shuffled(seed * 100_003 + i)
        name = f"variant-{i:0{max(width, 2)}d}"
        files.update({f"{name}/{k}": v for k, v in variant.student_files().items()})
    written = write_files(out, files)
    click.echo(f"{out}{'' if str(out).endswith('/') else '/'}:")  # then each file, relative to it
    for path in written:
        click.echo(f"  {path.relative_to(out).as_posix()}")
    n = len(exercise.sheets)
    click.echo(
        f"{n} case{'s' if n != 1 else ''} × {len(exercise.regimes)} regimes × {len(exercise.fields)} answers",
        err=True,
    )
    return 0


@exercise_group.command("handouts")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="The folder to write to.")
@RULES_OPTION
def handouts_command(out: Path, rules_dir: Path | None) -> int:
    """Write print-ready handouts (HTML) to OUT: Secure Communities and PEP side by side, one
    page per local policy, and the glossary, each with its sources and verification labels."""
    from ..teaching.handouts import handout_files

    lib = rules_from(rules_dir)
    written = write_files(out, handout_files(lib))
    click.echo(wrapped(f"{len(written)} handouts written to {out}; open {out / 'index.html'}"))
    return 0


@exercise_group.command("grade")
@click.argument("key_path", metavar="KEY", type=click.Path(path_type=Path))
@click.argument(
    "answers_paths", metavar="ANSWERS...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write gradebook.csv (student, case, regime, field, answer, expected, correct) and "
    "questions.csv (each question's share of right answers, hardest first) to this folder.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--plain",
    is_flag=True,
    help="Answers in plain English (one file: table and markdown formats); in JSON, each mark (or "
    "question) also carries `plain`, its answers in plain English.",
)
@RULES_OPTION
def grade_command(
    key_path: Path,
    answers_paths: tuple[Path, ...],
    out: Path | None,
    fmt: str,
    plain: bool,
    rules_dir: Path | None,
) -> int:
    """Grade ANSWERS files (YAML, see docs/exercises.md; files or folders of them) against KEY
    (the key.json that `exercise make` wrote).

    One file: a score, and for each case and regime with wrong answers the rule that decides the
    first of them and its source (a wrong idea is reported once, not once per answer). Several
    files or a folder: a score per student and each question's difficulty; with --out, a
    gradebook CSV too.

    Exit status: for one file, 0 when every answer is right and 1 when some are wrong or blank;
    for a class, 0; 2 when a file is invalid (nothing is written then).
    """
    key = load_key(key_path)
    files = answer_files(list(answers_paths))
    lib = rules_from(rules_dir) if plain else None
    if len(files) == 1 and files == list(answers_paths) and out is None:
        student, answers = read_answers(files[0], key)
        result = grade(key, answers, student)
        if fmt == "json":
            text = json.dumps(result.to_dict(lib), indent=2, ensure_ascii=False) + "\n"
        elif fmt == "markdown":
            text = render_grade_markdown(result, lib)
        else:
            text = render_grade_table(result, lib)
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0 if result.right == result.total else 1
    grades = grade_class(key, list(answers_paths))
    if out is not None:
        written = write_files(out, grades.csv_files())
        click.echo(wrapped(f"wrote {', '.join(p.name for p in written)} to {out}"), err=True)
    if fmt == "json":
        questions = grades.difficulty()
        doc = {
            "title": key.title,
            "students": [
                {"student": n, "file": f, "right": g.right, "total": g.total, "score": g.score()}
                for n, f, g in grades.grades
            ],
            "questions": questions,
        }
        if lib is not None:  # difficulty() writes questions() in its order
            for q, shown in zip(grades.questions(), questions, strict=True):
                shown["plain"] = {
                    "label": plain_label(q.field, lib),
                    "expected": plain_value(q.field, q.expected, lib),
                }
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "markdown":
        text = render_class_markdown(grades)
    else:
        text = render_class_table(grades, written=out is not None)
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


def render_class_table(c: ClassGrades, *, written: bool = True) -> str:
    """Each student's score, then each question, hardest first."""
    buf = io.StringIO()
    console = make_console(buf)
    console.print(Text(DISCLAIMER, style="bold"))
    console.print(Text(f"{c.key.title} · {len(c.grades)} students", style="bold"))
    students = Table(show_edge=False, pad_edge=False, header_style="bold")
    students.add_column("student", overflow="fold")
    students.add_column("score", no_wrap=True)
    students.add_column("wrong", justify="right")
    students.add_column("blank", justify="right")
    for name, _file, g in c.grades:
        wrong = sum(1 for m in g.marks if m.status == "wrong")
        blank = sum(1 for m in g.marks if m.status == "unanswered")
        students.add_row(name, g.score(), str(wrong), str(blank))
    console.print(students)
    console.print()
    console.print(Text("Questions, hardest first:", style="bold"))
    questions = Table(show_edge=False, pad_edge=False, header_style="bold")
    questions.add_column("case", overflow="fold")
    questions.add_column("regime", overflow="fold")
    questions.add_column("field", overflow="fold")
    questions.add_column("right", justify="right", no_wrap=True)
    questions.add_column("commonest wrong answer", overflow="fold")
    for q in c.difficulty():
        questions.add_row(
            f"{q['number']} {q['case']}",
            q["regime"],
            q["field"],
            f"{q['percent_right']}%",
            q["commonest_wrong_answer"] or "—",
        )
    console.print(questions)
    if not written:
        console.print(Text("--out DIR writes gradebook.csv and questions.csv.", style="dim"))
    console.print(Text(DISCLAIMER, style="dim"))
    return buf.getvalue()


def render_class_markdown(c: ClassGrades) -> str:
    lines = [f"# {c.key.title}: {len(c.grades)} students", "", f"> {DISCLAIMER}", ""]
    lines += ["| student | score |", "|---|---|"]
    lines += [f"| {n} | {g.score()} |" for n, _f, g in c.grades]
    lines += ["", "## Questions, hardest first", "", "| case | regime | field | right | commonest wrong |"]
    lines += ["|---|---|---|---|---|"]
    lines += [
        f"| {q['number']} {q['case']} | {q['regime']} | {q['field']} | {q['percent_right']}% | "
        f"{q['commonest_wrong_answer'] or '—'} |"
        for q in c.difficulty()
    ]
    return "\n".join(lines) + "\n"


def render_grade_table(g: Grade, lib: RuleLibrary | None = None) -> str:
    buf = io.StringIO()
    console = make_console(buf)

    def said(field: str, value: object) -> str:
        return plain_value(field, value, lib) if lib is not None else _show(value)

    console.print(Text(DISCLAIMER, style="bold"))
    who = f" · {g.student}" if g.student else ""
    console.print(Text(f"{g.title}{who}", style="bold"))
    console.print(Text(_summary(g), style="bold green" if not g.wrong else "bold"))
    for mc in misconceptions(g):
        console.print()
        m = mc.root
        console.print(Text(f"✗ case {m.number} ({m.case_id}), {m.regime}:", style="red"))
        for x in mc.marks:
            console.print(
                Text(
                    f"    {x.field}: you answered {said(x.field, x.given)}; "
                    f"the model says {said(x.field, x.expected)}"
                )
            )
        if len(mc.marks) > 1:
            console.print(Text(f"    One idea to check, about the {m.field} (the rest follows from it):"))
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


def render_grade_markdown(g: Grade, lib: RuleLibrary | None = None) -> str:
    """Markdown; with ``lib``, the answers in plain English (its words), codes beside them."""
    who = f" · {g.student}" if g.student else ""
    lines = [f"# {g.title}{who}", "", f"> {DISCLAIMER}", "", f"**{_summary(g)}**", ""]
    if not g.wrong:
        lines.append("Every prediction matches the model.")
    for mc in misconceptions(g):
        if lib is None:
            lines.append(f"- ✗ {mc.text()}.")
        else:
            m = mc.root

            def words(x: Mark, v: object) -> str:
                return f"{plain_value(x.field, v, lib)} (`{_show(v)}`)"

            said = "; ".join(
                f"{plain_label(x.field, lib)} (`{x.field}`): you answered {words(x, x.given)}, "
                f"the model says {words(x, x.expected)}"
                for x in mc.marks
            )
            lines.append(f"- ✗ case {m.number} ({m.case_id}), {m.regime}: {said}.")
        lines.extend(f"  - {label}: {text}" for label, text in _why(mc.root))
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
