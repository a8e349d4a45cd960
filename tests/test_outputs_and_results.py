"""Where commands write and what `report` reads: inputs never replaced, outputs checked first."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from builders import invoke

PEOPLE = (
    "person_id,booking_date,jurisdiction,status,age\n"
    "p1,2015-01-01,full-cooperation,unauthorized,30\n"
    "p2,2015-01-01,santa-clara-2011,lpr,40\n"
)


@pytest.fixture
def people(tmp_path: Path) -> Path:
    """A small people table."""
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    return path


def _batch(capsys: pytest.CaptureFixture[str], people: Path, out: Path) -> tuple[int, str]:
    status, _out, err = invoke(capsys, "batch", str(people), "--out", str(out), "--quiet")
    return status, err


def test_batch_refuses_to_write_over_its_input(people: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`batch people.csv --out people.csv` is exit 2 and leaves the input as it was."""
    status, err = _batch(capsys, people, people)
    assert status == 2
    assert "is also an input" in err
    assert people.read_text() == PEOPLE


@pytest.mark.parametrize(
    "command",
    [
        ["batch", "{people}", "--out", "{blocked}/r.csv"],
        ["report", "{results}", "--out", "{blocked}/report"],
        ["simulate", "--size", "5", "--out", "{blocked}/cohort"],
        ["exercise", "make", "{scenario}", "--out", "{blocked}/sheets"],
    ],
)
def test_unwritable_outputs_are_refused_before_any_work(
    tmp_path: Path, people: Path, root: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """An --out under a regular file is exit 2 naming it, and nothing is written anywhere."""
    results = tmp_path / "results.csv"
    assert _batch(capsys, people, results)[0] == 0
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    before = sorted(p.name for p in tmp_path.iterdir())
    args = [
        a.format(
            people=people,
            blocked=blocked,
            results=results,
            scenario=root / "scenarios" / "san-francisco-2015.yaml",
        )
        for a in command
    ]
    status, _out, err = invoke(capsys, *args)
    assert status == 2, err
    assert "cannot be written" in err and "a-file is not a folder" in err
    assert "internal error" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_an_output_folder_inside_the_input_folder_is_refused(
    tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`exercise make scenarios/ --out scenarios/sheets` is refused (the sheets would become scenarios)."""
    import shutil

    folder = tmp_path / "scenarios"
    shutil.copytree(root / "scenarios", folder)
    status, _out, err = invoke(capsys, "exercise", "make", str(folder), "--out", str(folder / "sheets"))
    assert status == 2
    assert "overlap" in err
    assert not (folder / "sheets").exists()


def test_a_report_may_be_written_beside_its_results(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report into the results' own folder is fine: it overwrites none of its inputs."""
    results = tmp_path / "results.csv"
    assert _batch(capsys, people, results)[0] == 0
    status, _out, err = invoke(capsys, "report", str(results), "--out", str(tmp_path))
    assert status == 0, err
    assert (tmp_path / "report.html").is_file()


def test_cells_a_spreadsheet_would_run_are_made_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Person ids starting with =, +, -, @, tab or CR reach results CSVs behind an apostrophe."""
    ids = ['"=HYPERLINK(""http://x"")"', "+1", "-1", "@SUM(A1)", '"\tx"', "plain"]
    people = tmp_path / "people.csv"
    people.write_text(
        "person_id,booking_date,jurisdiction,status,age\n"
        + "".join(f"{i},2015-01-01,full-cooperation,unauthorized,30\n" for i in ids)
    )
    out = tmp_path / "r.csv"
    assert _batch(capsys, people, out)[0] == 0
    import csv

    first = [row[0] for row in csv.reader(out.open())][1:]
    assert all(cell.startswith("'") for cell in first if cell.lstrip("'") != "plain")
    assert "plain" in first
    assert '\'=HYPERLINK("http://x")' in first


def test_stale_temporaries_of_a_killed_run_are_cleaned(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A temporary left by a dead writer is removed on the next run; a live writer's is kept."""
    out = tmp_path / "r.csv"
    dead = tmp_path / ".r.csv.999999999.abcd.tmp"
    dead.write_text("x" * 1000)
    live = tmp_path / f".r.csv.{os.getpid()}.abcd.tmp"
    live.write_text("x")
    assert _batch(capsys, people, out)[0] == 0
    assert not dead.exists()
    assert live.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp") and p != live]


def test_a_manifest_beside_another_table_is_detected(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Results whose .meta.json describes another table (an interrupted write) are refused by report."""
    out = tmp_path / "r.csv"
    assert _batch(capsys, people, out)[0] == 0
    meta = json.loads((tmp_path / "r.csv.meta.json").read_text())
    assert meta["table_sha256"].startswith("sha256:")
    out.write_text(out.read_text().replace("p2", "p3"))
    status, _out, err = invoke(capsys, "report", str(out), "--out", str(tmp_path / "rep"))
    assert status == 2
    assert "describes another version of r.csv" in err


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (",no_request,", ",bogus,", "outcome: values the rules do not know: 'bogus'"),
        (",secure-communities,", ",secure-comunities,", "did you mean 'secure-communities'"),
        (",2015-01-01,", ",2015-13-01,", "booking_date: 1 rows without a real date"),
    ],
)
def test_report_refuses_values_outside_the_vocabulary(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, words: str
) -> None:
    """Unknown outcomes or regimes, and bad dates, in a results file are located refusals."""
    out = tmp_path / "r.csv"
    assert _batch(capsys, people, out)[0] == 0
    (tmp_path / "r.csv.meta.json").unlink()
    out.write_text(out.read_text().replace(old, new, 1))
    status, _out, err = invoke(capsys, "report", str(out), "--out", str(tmp_path / "rep"))
    assert status == 2, err
    assert words in err


def test_report_refuses_a_duplicated_row_and_warns_of_other_rules(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A row twice in one file is refused; a manifest of another rule set is a warning."""
    out = tmp_path / "r.csv"
    assert _batch(capsys, people, out)[0] == 0
    side = tmp_path / "r.csv.meta.json"
    meta = json.loads(side.read_text())
    text = out.read_text()
    out.write_text(text + text.splitlines()[1] + "\n")
    meta["table_sha256"] = None
    side.write_text(json.dumps(meta))
    status, _out, err = invoke(capsys, "report", str(out), "--out", str(tmp_path / "rep"))
    assert status == 2
    assert "appears more than once" in err
    out.write_text(text)
    meta["model"]["rules"] = "sha256:other"
    side.write_text(json.dumps(meta))
    status, _out, err = invoke(capsys, "report", str(out), "--out", str(tmp_path / "rep"))
    assert status == 0, err
    assert "warning:" in err and "computed with other rules" in err


def test_an_empty_batch_writes_every_column_and_report_says_there_were_no_people(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Header-only people give a results table with every column; report exits 0 saying no people."""
    people = tmp_path / "people.csv"
    people.write_text("person_id,booking_date,jurisdiction,status,age\n")
    out = tmp_path / "r.csv"
    assert _batch(capsys, people, out)[0] == 0
    header = out.read_text().splitlines()[0].split(",")
    for column in ("person_id", "regime", "request", "local_response", "outcome", "priorities"):
        assert column in header
    status, stdout, err = invoke(capsys, "report", str(out), "--out", str(tmp_path / "rep"))
    assert status == 0, err
    assert "No people" in stdout
    assert "internal error" not in err
