"""Hostile inputs from the reliability review: each gives exit 0 with the right answer or exit 2 located."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from detainer_model.rulebook.expressions import years_before

from builders import invoke

CASE = """\
title: t
cases:
  - id: a
    title: {title}
    booking_date: {day}
    jurisdiction: full-cooperation
    person: {{status: unauthorized, age: 30}}
"""


def _scenario(tmp_path: Path, day: str = "2015-01-01", title: str = "A case") -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(CASE.format(day=day, title=title), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [["run"], ["explain", "--case", "a"], ["whatif", "--case", "a"]])
@pytest.mark.parametrize("day", ["0003-01-01", "1899-12-31", "2101-01-01"])
def test_a_booking_outside_the_date_range_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], day: str
) -> None:
    """A booking in year 3 (or just outside 1900-2100) is exit 2 naming line 5, not a crash."""
    path = _scenario(tmp_path, day)
    status, out, err = invoke(capsys, command[0], str(path), *command[1:])
    assert status == 2, err
    assert out == ""
    assert "case.yaml:5: cases[0].booking_date:" in err
    assert "outside the dates" in err


@pytest.mark.parametrize("day", ["1900-01-01", "2100-12-31"])
def test_bookings_at_the_edges_of_the_date_range_are_evaluated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], day: str
) -> None:
    """The first and last accepted booking dates evaluate normally (exit 0).

    Secure Communities as practised asks a detainer of anyone identified, whatever the date, so a
    transfer shows the evaluation ran to the end.
    """
    status, out, err = invoke(
        capsys,
        "run",
        str(_scenario(tmp_path, day)),
        "--regime",
        "secure-communities:as-practised",
        "--format",
        "csv",
    )
    assert status == 0, err
    assert "transfer" in out


def test_a_look_back_before_year_one_is_the_earliest_date() -> None:
    """years_before never raises: a look-back past year 1 is the earliest date."""
    assert years_before(dt.date(3, 1, 1), 5) == dt.date.min
    assert years_before(dt.date(2016, 2, 29), 1) == dt.date(2015, 2, 28)


def test_why_not_for_a_rule_outside_the_policy_does_not_say_it_fired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--why-not on another place's rule says it is not part of the evaluation, never that it fired."""
    status, out, err = invoke(
        capsys,
        "explain",
        str(_scenario(tmp_path)),
        "--case",
        "a",
        "--why-not",
        "santa-clara-2011.no-juveniles",
    )
    assert status == 0, err
    assert "did fire" not in out
    assert "rule santa-clara-2011.no-juveniles belongs to santa-clara-2011" in out


@pytest.mark.parametrize(("day", "status"), [("0003-01-01", 2), ("2101-01-01", 2), ("1900-01-01", 0)])
def test_a_batch_checks_dates_to_the_same_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], day: str, status: int
) -> None:
    """A batch refuses (line-located) the booking dates a scenario refuses, and takes the edges."""
    people = tmp_path / "people.csv"
    people.write_text(
        f"person_id,booking_date,jurisdiction,status,age\np1,{day},full-cooperation,unauthorized,30\n"
    )
    got, _out, err = invoke(capsys, "batch", str(people), "--out", str(tmp_path / "r.csv"), "--quiet")
    assert got == status, err
    if status:
        assert f"people.csv:2: booking_date: {day} is outside the dates" in err
        assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize("age", ["1:30", "0x2d", "0o55", "0b101", "1_000", "045", "4.5e1"])
def test_yaml_1_1_number_forms_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], age: str
) -> None:
    """`age: 1:30` (90 in YAML 1.1) and its kin are refused on their line, never read as numbers."""
    path = _scenario(tmp_path)
    path.write_text(path.read_text().replace("age: 30", f"age: {age}"))
    status, out, err = invoke(capsys, "run", str(path))
    assert status == 2, err
    assert out == ""
    assert f"case.yaml:7: cases[0].person.age: '{age}' is a number form YAML readers disagree on" in err


def test_plain_and_quoted_numbers_are_still_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A plain decimal age is read; a quoted '1:30' title stays text."""
    path = _scenario(tmp_path, title='"1:30"')
    status, out, err = invoke(capsys, "run", str(path), "--format", "json")
    assert status == 0, err
    assert '"1:30"' in out


def test_a_rule_file_named_yml_is_read(tmp_path: Path, root: Path) -> None:
    """A rule file with the .yml suffix is loaded like .yaml (a fault in it is reported, not ignored)."""
    import shutil

    from detainer_model import load_rules
    from detainer_model.errors import RuleFileError

    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    src = rules / "local" / "full-cooperation.yaml"
    src.rename(src.with_suffix(".yml"))
    assert "full-cooperation" in load_rules(rules).jurisdictions
    yml = src.with_suffix(".yml")
    yml.write_text(yml.read_text().replace("id: full-cooperation\n", "id: full-cooperation\nbogus: 1\n", 1))
    with pytest.raises(RuleFileError, match=r"full-cooperation\.yml:3"):
        load_rules(rules)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A named pipe given as a scenario or a table is named as such (reading it would block forever)."""
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    status, _out, err = invoke(capsys, "run", str(fifo))
    assert status == 2
    assert "named pipe (FIFO)" in err
    table = tmp_path / "people.csv"
    os.mkfifo(table)
    status, _out, err = invoke(capsys, "batch", str(table), "--out", str(tmp_path / "r.csv"))
    assert status == 2
    assert "named pipe (FIFO)" in err


def test_a_symlink_loop_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A symbolic link loop is reported as a loop, not as a missing file."""
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    status, _out, err = invoke(capsys, "run", str(loop))
    assert status == 2
    assert "loop of symbolic links" in err
    status, _out, err = invoke(capsys, "run", str(tmp_path / "missing.yaml"))
    assert "no such file or folder" in err


def test_control_characters_in_messages_are_made_visible(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ESC sequence or U+202E in a refused value reaches the terminal as an escape, not raw."""
    path = _scenario(tmp_path)
    path.write_text(path.read_text().replace("status: unauthorized", 'status: "x\\e[2J\\u202e"'))
    status, _out, err = invoke(capsys, "run", str(path))
    assert status == 2
    assert "\x1b" not in err
    assert "\u202e" not in err
    assert "\\x1b[2J\\u202e" in err


def test_error_messages_are_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Thousands of faults print at most 50 lines, the last saying how many more there were."""
    from detainer_model.errors import MAX_MESSAGE_LINES

    cases = "".join(
        f"  - {{id: c{i}, title: t, booking_date: 2015-01-01, jurisdiction: nowhere{i}, "
        "person: {status: unauthorized, age: 30}}\n"
        for i in range(3000)
    )
    path = tmp_path / "many.yaml"
    path.write_text(f"title: many\ncases:\n{cases}")
    status, _out, err = invoke(capsys, "run", str(path))
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == MAX_MESSAGE_LINES
    assert lines[-1] == f"error: {path}: … and {3000 - (MAX_MESSAGE_LINES - 1):,} more problems"


def test_control_characters_and_script_tags_in_titles_stay_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A title with ESC[2J, U+202E and <script> reaches the terminal, Markdown and worksheets inert."""
    path = _scenario(tmp_path, title='"Clear \\e[2J \\u202e <script>alert(1)</script>"')
    for fmt in ("table", "markdown", "json", "csv"):
        status, out, err = invoke(capsys, "run", str(path), "--format", fmt)
        assert status == 0, err
        assert "\x1b" not in out and "\u202e" not in out
        if fmt != "csv":  # the CSV carries no title
            assert "\\x1b[2J" in out
        if fmt == "markdown":
            assert "<script>" not in out
    sheets = tmp_path / "sheets"
    status, _out, err = invoke(capsys, "exercise", "make", str(path), "--out", str(sheets))
    assert status == 0, err
    for name in ("worksheet.md", "answer-key.md", "worksheet.html", "answer-key.html"):
        text = (sheets / name).read_text()
        assert "<script>" not in text, name
        assert "\x1b" not in text and "\u202e" not in text, name


def test_a_tampered_or_empty_answer_key_is_refused(
    tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An answer key with a case twice, or with no cases, is refused on its line, never graded."""
    import json

    sheets = tmp_path / "sheets"
    status, _out, err = invoke(
        capsys, "exercise", "make", str(root / "scenarios" / "san-francisco-2015.yaml"), "--out", str(sheets)
    )
    assert status == 0, err
    key_path = sheets / "key.json"
    key = json.loads(key_path.read_text())
    answers = sheets / "answers-template.yaml"
    key["cases"].append(key["cases"][0])
    key_path.write_text(json.dumps(key, indent=2))
    status, _out, err = invoke(capsys, "exercise", "grade", str(key_path), str(answers))
    assert status == 2
    assert "is in the key twice" in err
    key["cases"] = []
    key_path.write_text(json.dumps(key, indent=2))
    status, out, err = invoke(capsys, "exercise", "grade", str(key_path), str(answers))
    assert status == 2
    assert "the key lists no cases" in err
    assert "every prediction matches" not in out


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("age", [30], "age: the column is of type List(Int64)"),
        ("age", dt.timedelta(days=3), "age: the column is of type Duration"),
        ("booking_date", dt.timedelta(days=3), "booking_date: the column is of type Duration"),
    ],
)
def test_parquet_columns_of_unreadable_types_are_located_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str, value: object, words: str
) -> None:
    """A Parquet list or duration column is exit 2 naming the column, not an internal error."""
    import polars as pl

    row: dict[str, object] = {
        "person_id": "a",
        "booking_date": dt.date(2015, 1, 1),
        "jurisdiction": "full-cooperation",
        "status": "unauthorized",
        "age": 30,
    }
    row[column] = value
    people = tmp_path / "people.parquet"
    pl.DataFrame({k: [v] for k, v in row.items()}).write_parquet(people)
    status, _out, err = invoke(capsys, "batch", str(people), "--out", str(tmp_path / "r.csv"))
    assert status == 2, err
    assert words in err


def test_a_vocabulary_fact_the_scenario_schema_lacks_is_a_located_refusal(
    tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A person fact declared in the vocabulary but absent from scenarios is exit 2 naming it."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    vocab = rules / "vocabulary.yaml"
    vocab.write_text(
        vocab.read_text().replace(
            "person_facts:\n",
            "person_facts:\n  height:\n    type: int\n    definition: Height.\n    source: contract-v1\n",
            1,
        )
    )
    status, _out, err = invoke(capsys, "run", str(_scenario(tmp_path)), "--rules", str(rules))
    assert status == 2, err
    assert "person_facts.height: 'person.height' is declared for the rules to read" in err


def test_a_huge_flat_scenario_is_refused_while_it_is_parsed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 5 MB list of 1s is refused from the event stream (the document is never built)."""
    path = tmp_path / "big.yaml"
    path.write_text("title: t\ncases: [" + ",".join(["1"] * 2_400_000) + "]\n")
    status, _out, err = invoke(capsys, "run", str(path))
    assert status == 2
    assert "big.yaml:2: holds more than 200,000 values" in err


def test_an_oversized_rule_file_is_refused_before_it_is_read(
    tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 3 GB sparse file in --rules is refused by its size (from stat), without reading it."""
    import resource
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    with (rules / "local" / "huge.yaml").open("wb") as handle:
        handle.truncate(3_000_000_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    status, _out, err = invoke(capsys, "run", str(_scenario(tmp_path)), "--rules", str(rules))
    assert status == 2
    assert "huge.yaml: file is 3,000,000,000 bytes; the limit is 5,000,000" in err
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000  # KiB: far below 3 GB
