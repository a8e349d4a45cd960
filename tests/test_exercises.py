"""``detainer-model exercise make | grade``: worksheets, keys, grading, and the shipped exercise set."""

from __future__ import annotations

import json
import re
import shlex
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from detainer_model.cli import main
from detainer_model.teaching.exercises import FILES

SF = "scenarios/san-francisco-2015.yaml"
TEACHING = "scenarios/teaching-set.yaml"


@pytest.fixture(autouse=True)
def _in_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


@pytest.fixture
def made(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A small exercise: two cases from the teaching set and the San Francisco case."""
    out = tmp_path / "set"
    status = main(
        [
            "exercise",
            "make",
            TEACHING,
            SF,
            "--case",
            "no-record",
            "--case",
            "released-in-2015",
            "--out",
            str(out),
        ]
    )
    capsys.readouterr()
    assert status == 0
    return out


def perfect_answers(key: dict) -> dict:  # type: ignore[type-arg]
    answers = {
        c["id"]: {
            r: {k: ("none" if v is None else v) for k, v in vals.items()} for r, vals in c["answers"].items()
        }
        for c in key["cases"]
    }
    return {"student": "A. Student", "answers": answers}


def grade(capsys: pytest.CaptureFixture[str], key: Path, answers: Path, *extra: str) -> tuple[int, str, str]:
    status = main(["exercise", "grade", str(key), str(answers), *extra])
    out, err = capsys.readouterr()
    return status, out, err


def test_make_writes_worksheet_key_and_template(made: Path) -> None:
    """The worksheet, answers template and key are written; the worksheet gives no answers away."""
    assert sorted(p.name for p in made.iterdir()) == sorted(FILES)
    sheet = (made / "worksheet.md").read_text()
    assert "## Case 1: Booked 2013-06-12, Full cooperation" in sheet
    assert "Unauthorized, no criminal record" not in sheet and "released-in-2015" not in sheet  # neutral
    assert "not stated: the default, yes, applies (By default a person is removable" in sheet
    assert "The local policies in these cases:" in sheet and "judge's warrant" in sheet
    assert "| secure-communities |  |  |  |  |" in sheet
    assert "I-247D" in sheet  # listed among the values to choose from
    assert "pep.request" not in sheet and "Teaching note" not in sheet
    key_md = (made / "answer-key.md").read_text()
    assert "pep.request.detainer applies" in key_md and "[verified]" in key_md
    assert "**Why they differ:**" in key_md
    assert "## Case 1: Unauthorized, no criminal record" in key_md  # the key keeps the full title
    template = yaml.safe_load((made / "answers-template.yaml").read_text())
    assert set(template["answers"]) == {"case-1", "case-2"}


def test_variants_shuffle_the_cases_and_one_key_grades_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--variants 4 --seed 1: four student copies, not all in one order, the same every time, and
    the answers template of each grades against the one key."""
    ids = ["no-record", "custody-89-days", "custody-90-days", "border-apprehension", "us-citizen-with-felony"]
    args = ["exercise", "make", TEACHING, *[a for i in ids for a in ("--case", i)], "--variants", "4"]
    assert main([*args, "--seed", "1", "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--seed", "1", "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    orders = []
    for i in range(1, 5):
        a = (tmp_path / "a" / f"variant-{i:02d}" / "worksheet.md").read_text()
        assert a == (tmp_path / "b" / f"variant-{i:02d}" / "worksheet.md").read_text()
        orders.append(tuple(re.findall(r"^## Case (\d+):", a, re.M)))
        assert sorted(orders[-1]) == ["1", "2", "3", "4", "5"]
        status, out, _err = grade(
            capsys, tmp_path / "a" / "key.json", tmp_path / "a" / f"variant-{i:02d}" / "answers-template.yaml"
        )
        assert status == 1 and "Score: 0/40 (0%)" in out
    assert len(set(orders)) > 1


def test_html_pages_are_self_contained_and_well_formed(made: Path) -> None:
    """The HTML pages load nothing from elsewhere and every tag they open is closed."""
    for name in ("worksheet.html", "answer-key.html"):
        text = (made / name).read_text()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
        assert "<style>" in text and "@media print" in text

        class Checker(HTMLParser):
            def __init__(self, page: str) -> None:
                super().__init__()
                self.page = page
                self.stack: list[str] = []

            def handle_starttag(self, tag: str, attrs: object) -> None:
                if tag not in ("meta", "br"):
                    self.stack.append(tag)

            def handle_endtag(self, tag: str) -> None:
                assert self.stack and self.stack.pop() == tag, (self.page, tag)

        checker = Checker(name)
        checker.feed(text)
        assert checker.stack == []


def test_perfect_answers_score_full_marks(
    made: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Answers equal to the key score 100% and exit 0."""
    key = json.loads((made / "key.json").read_text())
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(perfect_answers(key)))
    status, out, _err = grade(capsys, made / "key.json", answers)
    assert status == 0
    assert "Score: 16/16 (100%)" in out and "Every prediction matches the model." in out


def test_a_wrong_answer_names_the_rule_and_source(
    made: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong prediction is marked with the rule that decides it and that rule's source; exit 1."""
    key = json.loads((made / "key.json").read_text())
    doc = perfect_answers(key)
    doc["answers"]["released-in-2015"]["pep"]["form"] = "I-247N"
    del doc["answers"]["no-record"]["secure-communities"]
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(doc))
    status, out, _err = grade(capsys, made / "key.json", answers, "--format", "json")
    assert status == 1
    result = json.loads(out)
    assert (result["right"], result["total"]) == (11, 16)
    (wrong,) = [m for m in result["marks"] if m["status"] == "wrong"]
    assert (wrong["case"], wrong["field"], wrong["given"], wrong["expected"]) == (
        "released-in-2015",
        "form",
        "I-247N",
        "I-247D",
    )
    assert wrong["rules"] == ["pep.form.i247d"] and "Form I-247D" in wrong["sources"][0]
    assert sum(m["status"] == "unanswered" for m in result["marks"]) == 4
    status, table, _err = grade(capsys, made / "key.json", answers)
    assert "Decided by: pep.form.i247d" in table and "Unanswered (4):" in table


def test_blank_template_grades_as_unanswered(made: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The untouched answers template is valid: everything unanswered, score 0."""
    status, out, _err = grade(capsys, made / "key.json", made / "answers-template.yaml")
    assert status == 1 and "Score: 0/16 (0%)" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "answers:\n  no-recrd:\n    pep: {request: none}\n",
            r"answers\.yaml:2: answers\.no-recrd: unknown case 'no-recrd' \(did you mean 'no-record'\?\)",
        ),
        (
            "answers:\n  no-record:\n    pepp: {request: none}\n",
            r":3: answers\.no-record\.pepp: unknown regime 'pepp' \(did you mean 'pep'\?\)",
        ),
        (
            "answers:\n  no-record:\n    pep:\n      requst: none\n",
            r":4: answers\.no-record\.pep\.requst: unknown result 'requst' \(did you mean 'request'\?\)",
        ),
        (
            "answers:\n  no-record:\n    pep:\n      form: I247D\n",
            r":4: answers\.no-record\.pep\.form: 'I247D' is not one of .* \(did you mean 'I-247D'\?\)",
        ),
        ("studnt: Ann\nanswers: {}\n", r":1: studnt: unknown key 'studnt' \(did you mean 'student'\?\)"),
        ("- just a list\n", r"an answers file must be a mapping"),
        ("student: Ann\n", r"answers: required field is missing"),
        ("answers: [\n", r"YAML syntax error"),
    ],
)
def test_invalid_answers_are_refused_with_located_lines(
    made: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    """A bad answers file exits 2 with one located line per problem and prints no grade."""
    answers = tmp_path / "answers.yaml"
    answers.write_text(content)
    status, out, err = grade(capsys, made / "key.json", answers)
    assert status == 2 and out == ""
    assert re.search(expected, err), err
    assert all(line.startswith("error: ") for line in err.strip().splitlines())


def test_a_file_that_is_not_a_key_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Grading against something that is not an exercise key exits 2."""
    fake = tmp_path / "key.json"
    fake.write_text('{"format": "something else"}')
    answers = tmp_path / "a.yaml"
    answers.write_text("answers: {}\n")
    status, out, err = grade(capsys, fake, answers)
    assert status == 2 and out == "" and "not an exercise key" in err
    status, _out, err = grade(capsys, tmp_path / "missing.json", answers)
    assert status == 2 and "missing.json" in err


def test_make_refuses_unknown_cases_and_fields_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown case or field exits 2 and leaves the output folder unmade."""
    out = tmp_path / "never"
    assert main(["exercise", "make", TEACHING, "--case", "no-recrd", "--out", str(out)]) == 2
    assert "did you mean 'no-record'?" in capsys.readouterr().err
    assert main(["exercise", "make", TEACHING, "--field", "requst", "--out", str(out)]) == 2
    assert "did you mean 'request'?" in capsys.readouterr().err
    assert not out.exists()


def test_make_into_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out naming an existing file exits 2 without touching it."""
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    assert main(["exercise", "make", SF, "--out", str(target)]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_shipped_exercise_set_is_up_to_date(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """exercises/class-set is exactly what the command in exercises/README.md makes today."""
    readme = (root / "exercises" / "README.md").read_text()
    (command,) = [line for line in readme.splitlines() if line.startswith("detainer-model exercise make ")]
    args = shlex.split(command)[1:]
    out_at = args.index("--out")
    shipped = root / args[out_at + 1]
    args[out_at + 1] = str(tmp_path / "fresh")
    assert main(args) == 0
    capsys.readouterr()
    for name in FILES:
        fresh = (tmp_path / "fresh" / name).read_text()
        assert (shipped / name).read_text() == fresh, (
            f"{shipped / name} is out of date: run `{command}` from the top folder"
        )


def test_grading_a_class_of_30_writes_the_gradebook(
    made: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`exercise grade KEY FOLDER --out DIR` on 30 answer files: one gradebook row per student and
    prediction, right answers marked true, and each question's difficulty."""
    import csv

    key = json.loads((made / "key.json").read_text())
    folder = tmp_path / "answers"
    folder.mkdir()
    for i in range(30):
        doc = perfect_answers(key)
        doc["student"] = f"Student {i:02d}"
        if i % 3 == 0:  # a third of the class thinks PEP sends San Francisco a notification request
            doc["answers"]["released-in-2015"]["pep"]["form"] = "I-247N"
        if i % 10 == 0:  # a tenth leave no-record blank
            del doc["answers"]["no-record"]
        (folder / f"s{i:02d}.yaml").write_text(yaml.safe_dump(doc))
    out = tmp_path / "grades"
    status = main(["exercise", "grade", str(made / "key.json"), str(folder), "--out", str(out)])
    table, _err = capsys.readouterr()
    assert status == 0
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert len(rows) == 30 * 16
    assert set(rows[0]) >= {"student", "case", "field", "answer", "correct"}
    assert {r["student"] for r in rows} == {f"Student {i:02d}" for i in range(30)}
    form = [
        r for r in rows if r["case"] == "released-in-2015" and r["regime"] == "pep" and r["field"] == "form"
    ]
    assert sum(r["correct"] == "false" for r in form) == 10
    assert all(r["answer"] == "I-247N" for r in form if r["correct"] == "false")
    blank = [r for r in rows if r["case"] == "no-record"]
    assert sum(r["answer"] == "" for r in blank) == 3 * 8
    questions = list(csv.DictReader((out / "questions.csv").open()))
    assert len(questions) == 16
    percents = [int(q["percent_right"]) for q in questions]
    assert percents == sorted(percents)  # hardest first
    assert (questions[0]["case"], questions[0]["regime"], questions[0]["field"]) == (
        "released-in-2015",
        "pep",
        "form",
    )
    assert next(q for q in questions if q["case"] == "no-record")["percent_right"] == "90"
    hardest_form = next(
        q
        for q in questions
        if q["case"] == "released-in-2015" and q["field"] == "form" and q["regime"] == "pep"
    )
    assert hardest_form["percent_right"] == "67" and hardest_form["commonest_wrong_answer"] == "I-247N (10)"
    assert "30 students" in table and "Student 00" in table


def test_one_wrong_idea_is_reported_once(
    made: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Wrong answers of one case and regime are one block with one explanation, not one per field."""
    key = json.loads((made / "key.json").read_text())
    doc = perfect_answers(key)
    sf = doc["answers"]["released-in-2015"]["pep"]
    sf.update(
        {
            "request": "notification",
            "form": "I-247N",
            "local_response": "notify",
            "outcome": "notified_release",
        }
    )
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(doc))
    status, out, _err = grade(capsys, made / "key.json", answers)
    assert status == 1
    assert out.count("✗ case") == 1
    assert out.count("Decided by:") == 1 and "about the request" in out
    assert all(f"{f}: you answered" in out for f in ("request", "form", "local_response", "outcome"))


def test_handouts_are_print_ready_pages_from_the_rule_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`exercise handouts`: an index, the two programs side by side, the glossary and a page per
    local policy, self-contained, each policy page with its rules and labelled sources."""
    from detainer_model import load_rules

    lib = load_rules()
    out = tmp_path / "handouts"
    assert main(["exercise", "handouts", "--out", str(out)]) == 0
    capsys.readouterr()
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "sc-vs-pep.html", "glossary.html"} <= names
    assert {f"policy-{j}.html" for j in lib.jurisdictions} <= names
    for page in out.iterdir():
        text = page.read_text()
        assert "<script" not in text and "<link" not in text and "@page" in text
        assert "not legal advice" in text
    sf = (out / "policy-san-francisco-2015.html").read_text()
    for rule in lib.rulesets["san-francisco-2015"].rules:
        assert rule.id in sf
    assert "[verified]" in sf
    both = (out / "sc-vs-pep.html").read_text()
    assert lib.rulesets["pep"].title in both and lib.rulesets["secure-communities"].title in both
    assert "excluding Saturdays, Sundays and holidays" in both or "not counting Saturdays" in both
    gloss = (out / "glossary.html").read_text()
    assert "Form I-247N" in gloss and "287(g) agreement" in gloss and 'href="#i-247d"' in gloss


def test_an_exercise_on_cases_in_places_lists_the_policies_in_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cases in places (their policies layered by booking date) make an exercise too: the
    worksheet lists every policy version in force on each case's booking date, the key records
    their rule files, a parameter the case sets is described from the place's layers, and
    perfect answers score full marks."""
    from detainer_model import load_rules, load_scenarios
    from detainer_model.core.layers import layers_for

    places = "scenarios/places/boundaries.yaml"
    ids = ["chicago-before-ordinance", "cook-county-before-illinois-trust"]
    out = tmp_path / "set"
    status = main(["exercise", "make", places, *(a for i in ids for a in ("--case", i)), "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    lib = load_rules()
    cases = [c for c in load_scenarios(Path(places), lib)[0].cases if c.id in ids]
    versions = {v.version.id for c in cases for v in layers_for(lib, c.jurisdiction.id, c.booking_date)}
    assert "cook-county-2011" in versions  # the county ordinance answers in Cook County in 2017
    worksheet = (out / "worksheet.md").read_text()
    key = json.loads((out / "key.json").read_text())
    for v in versions:
        assert f"(`{v}`" in worksheet
        assert v in key["model"]["rulesets"]
    assert "Parameter reimbursement_agreement: yes (There is a written agreement" in worksheet
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(perfect_answers(key)))
    status, text, _err = grade(capsys, out / "key.json", answers)
    assert status == 0 and "(100%)" in text
