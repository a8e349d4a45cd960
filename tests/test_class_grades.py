"""One class's grades counted once: ``exercise grade``'s gradebook and the web app's worksheet mode
share :class:`ClassGrades`; only the way each writes a value differs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from detainer_model import RuleLibrary, load_scenarios
from detainer_model.teaching.exercises import (
    QUESTION_COLUMNS,
    ClassGrades,
    Grade,
    KeyFile,
    csv_text,
    grade,
    make_exercise,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def key(lib: RuleLibrary) -> KeyFile:
    """A key asking for the PEP priorities (a set) and the form of three teaching cases."""
    scenarios = load_scenarios(ROOT / "scenarios" / "teaching-set.yaml", rules=lib)
    made = make_exercise(
        scenarios,
        lib,
        regimes=("pep",),
        fields=("priorities", "form"),
        case_ids=("no-record", "unidentified-aggravated-felon", "lpr-pending-order-removable"),
    )
    return made.key()


def _students(key: KeyFile) -> list[Grade]:
    """Three students: one right throughout, two who think the aggravated felon is a 2(a) priority
    too, and one of those who leaves the first case blank."""
    right = {(c.id, "pep", f): c.answers["pep"][f] for c in key.cases for f in ("priorities", "form")}
    wrong = {**right, ("unidentified-aggravated-felon", "pep", "priorities"): ["2(a)", "1(d)"]}
    blank = {k: v for k, v in wrong.items() if k[0] != "no-record"}
    return [grade(key, right, "Ada"), grade(key, wrong, "Ben"), grade(key, blank, "=HYPERLINK(1)")]


def test_questions_count_each_answer_once(key: KeyFile) -> None:
    """Each question's counts: students, answered, right, and the wrong answers as given."""
    c = ClassGrades(key, tuple((g.student or "", "f", g) for g in _students(key)))
    qs = c.questions()
    assert len(qs) == 3 * 2
    hardest = qs[0]
    assert (hardest.case_id, hardest.field) == ("unidentified-aggravated-felon", "priorities")
    assert (hardest.students, hardest.answered, hardest.right, hardest.percent_right) == (3, 3, 1, 33)
    assert hardest.wrong == (["2(a)", "1(d)"], ["2(a)", "1(d)"])
    blank = next(q for q in qs if (q.case_id, q.field) == ("no-record", "form"))
    assert (blank.answered, blank.right, blank.wrong) == (2, 2, ())
    assert [q.percent_right for q in qs] == sorted(q.percent_right for q in qs)


def test_cli_and_web_share_the_counts_but_write_values_their_own_way(key: KeyFile, tmp_path: Path) -> None:
    """The web worksheet's difficulty rows are the CLI's, number for number; a set is ``a, b`` (or
    ``none``) in the CLI's files and ``a b`` (or empty) in the web app's."""
    pytest.importorskip("fastapi", reason="the web app needs the [web] extra")
    from detainer_model.web.classroom import ClassSet

    students = _students(key)
    web = ClassSet("s", key, None, submissions=list(students))
    cli = ClassGrades(key, tuple((g.student or "", "browser", g) for g in students))
    numbers = ("case", "number", "regime", "field", "students", "answered", "right", "percent_right")
    assert [{k: r[k] for k in numbers} for r in web.difficulty()] == [
        {k: r[k] for k in numbers} for r in cli.difficulty()
    ]
    felon_web = next(r for r in web.difficulty() if r["field"] == "priorities" and r["right"] == 1)
    felon_cli = next(r for r in cli.difficulty() if r["field"] == "priorities" and r["right"] == 1)
    assert felon_web["commonest_wrong_answer"] == "2(a) 1(d) (2)"
    assert felon_cli["commonest_wrong_answer"] == "2(a), 1(d) (2)"
    empty_web = next(r for r in web.difficulty() if r["case"] == "no-record" and r["field"] == "priorities")
    empty_cli = next(r for r in cli.difficulty() if r["case"] == "no-record" and r["field"] == "priorities")
    assert (empty_web["expected"], empty_cli["expected"]) == ("", "none")
    rows = list(csv.DictReader(io.StringIO(web.gradebook_csv())))
    assert len(rows) == 3 * 3 * 2
    assert {r["student"] for r in rows} == {"Ada", "Ben", "'=HYPERLINK(1)"}  # never a live formula
    assert csv.DictReader(io.StringIO(web.difficulty_csv())).fieldnames == list(QUESTION_COLUMNS)
    assert csv.DictReader(io.StringIO(cli.csv_files()["gradebook.csv"])).fieldnames == list(
        csv.DictReader(io.StringIO(web.gradebook_csv())).fieldnames or []
    )


def test_csv_text_makes_formulas_inert() -> None:
    """A cell a spreadsheet would run gains a leading apostrophe; numbers and plain text do not."""
    text = csv_text(("a", "b"), [{"a": "+1", "b": 3}, {"a": "plain", "b": "@x"}])
    assert text == "a,b\n'+1,3\nplain,'@x\n"
