"""The CLI on a projector: every output fits 80 columns; `run` on a folder, a screen per 20 cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from detainer_model import load_rules, load_scenarios

from builders import invoke

SF = "scenarios/san-francisco-2015.yaml"
CHICAGO = "scenarios/local/chicago-2012.yaml"
WIDTH = 80


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """COLUMNS=80, run from the top folder (the commands below use relative paths)."""
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.chdir(root)


def _too_wide(text: str) -> list[str]:
    return [line for line in text.splitlines() if cell_len(line) > WIDTH]


COMMANDS = [
    ("run", SF),
    ("run", SF, "--plain"),
    ("run", "scenarios/"),
    ("run", "scenarios/local", "--plain"),
    ("run", SF, "--all-jurisdictions"),
    ("run", SF, "--jurisdiction", "cook-county-2011", "--jurisdiction", "chicago-2012"),
    ("explain", SF, "--case", "released-in-2015"),
    ("explain", SF, "--case", "released-in-2015", "--plain"),
    ("explain", SF, "--case", "released-in-2015", "--why-not", "san-francisco-2015.warrant-hold"),
    ("whatif", SF, "--case", "released-in-2015"),
    ("whatif", SF, "--case", "released-in-2015", "--plain"),
    ("rules", "list"),
    ("rules", "show", "pep"),
    ("rules", "show", "pep.request.detainer"),
    ("rules", "table", "pep"),
    ("rules", "table", "california-trust-act-2014"),
    ("rules", "diff", "secure-communities", "pep"),
    ("rules", "diff", "chicago-2012", "cook-county-2011"),
    ("rules", "coverage", "scenarios/"),
    ("rules", "coverage", "scenarios/", "--all"),
    ("simulate", "--list-profiles"),
    ("batch", "--columns"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_every_command_fits_80_columns(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    """With COLUMNS=80 no line of the command's output is wider than 80 columns, and it says something."""
    status, out, err = invoke(capsys, *args)
    assert status in (0, 1), err
    assert out.strip()
    assert _too_wide(out) == [], "\n".join(_too_wide(out))
    assert _too_wide(err) == []


def test_exercise_and_population_commands_fit_80_columns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """exercise make/grade/handouts, simulate, batch and report print nothing wider than 80 columns."""
    ex, sim = tmp_path / "ex", tmp_path / "sim"
    runs = [
        ("exercise", "make", CHICAGO, "--out", str(ex)),
        ("exercise", "grade", str(ex / "key.json"), str(ex / "answers-template.yaml")),
        ("exercise", "grade", str(ex / "key.json"), str(ex / "answers-template.yaml"), "--plain"),
        ("exercise", "handouts", "--out", str(tmp_path / "handouts")),
        ("simulate", "--size", "60", "--seed", "3", "--out", str(sim), "--format", "csv"),
        (
            "batch",
            str(sim / "people.csv"),
            "--convictions",
            str(sim / "convictions.csv"),
            "--charges",
            str(sim / "charges.csv"),
            "--out",
            str(tmp_path / "results.csv"),
        ),
        ("report", str(tmp_path / "results.csv"), "--out", str(tmp_path / "report")),
    ]
    for args in runs:
        status, out, err = invoke(capsys, *args)
        assert status in (0, 1), (args, err)
        assert out.strip() or err.strip(), args
        assert _too_wide(out) == [], (args, _too_wide(out))
        assert _too_wide(err) == [], (args, _too_wide(err))


def test_run_on_the_scenarios_folder_fits_a_screen_per_20_cases(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    """`run scenarios/` prints one line per case, or two for an id or outcome too long for 80 columns."""
    cases = sum(len(s.cases) for s in load_scenarios(root / "scenarios", load_rules()))
    status, out, _err = invoke(capsys, "run", "scenarios/")
    assert status == 0
    lines = out.splitlines()
    assert len(lines) <= 1.25 * cases + 4, len(lines)
    for s in load_scenarios(root / "scenarios", load_rules()):
        for case in s.cases:
            assert any(line[2:].startswith(case.id[:20]) for line in lines), case.id
    assert f"{cases} cases" in out


def test_run_detail_keeps_the_full_derivation(capsys: pytest.CaptureFixture[str]) -> None:
    """`run FOLDER --detail` prints every case's panel with the rules that fired, as before."""
    _status, summary, _err = invoke(capsys, "run", "scenarios/local/chicago-2012.yaml", "scenarios/common")
    _status, detail, _err = invoke(
        capsys, "run", "scenarios/local/chicago-2012.yaml", "scenarios/common", "--detail"
    )
    cases = int(re.search(r"(\d+) cases", summary).group(1))  # type: ignore[union-attr]
    assert cases > 5
    assert "Rules that fired" not in summary
    assert detail.count("Rules that fired") == cases
    assert len(detail.splitlines()) > 5 * len(summary.splitlines())


def test_fold_breaks_after_a_separator_and_keeps_every_character() -> None:
    """A folded value rejoins to itself, no line is wider than asked, and a break falls after a
    ``_`` or ``-`` in the line's second half rather than mid-word."""
    from detainer_model.report.table import fold

    assert fold("released_despite_request", 16) == "released_\ndespite_request"
    long_id = "santa-clara-conviction-10-years-to-the-day"
    assert fold(long_id, 36) == "santa-clara-conviction-10-years-to-\nthe-day"
    assert fold("abcdefghijkl", 5) == "abcde\nfghij\nkl"  # no separator: cut at the width
    # an id keeps its first 20 characters on its first line, however early a hyphen falls
    early = "sc2017-2017-01-25-misdemeanor-charge"
    assert fold(early, 28) == "sc2017-2017-01-25-\nmisdemeanor-charge"
    assert fold(early, 28, 20).split("\n")[0].startswith(early[:20])
    for text in ("a_b" * 20, "x" * 41, "no-record", "secure-communities @ cook-county-2011"):
        for width in (8, 13, 20, 36):
            lines = fold(text, width).split("\n")
            assert "".join(lines) == text and all(len(line) <= width for line in lines)


ROWS = [["a-rather-long-case-id-that-needs-room", "transfer", "no_request"]] * 5 + [
    ["short", "released_despite_request", "released_despite_request"]
]
HEADER = ["case", "secure-communities", "pep"]


def _lines(widths: list[int]) -> int:
    """The lines the rows above and their header take in columns of ``widths``."""
    from detainer_model.report.table import fold

    return sum(
        max(fold(t, w).count("\n") + 1 for t, w in zip(r, widths, strict=True)) for r in [HEADER, *ROWS]
    )


def test_fewest_lines_beats_the_widest_outcome_layout() -> None:
    """The chosen widths fill the room and take no more lines than outcome columns as wide as
    their widest value; a long id gains the room a rare long outcome gave up."""
    from detainer_model.report.table import fewest_lines

    widths = fewest_lines(HEADER, ROWS, 60)
    assert sum(widths) == 60
    assert _lines([60 - 48, 24, 24]) == 1 + 5 * 4 + 1  # every id folded into four lines
    # the ids whole; the header and the one long outcome row fold instead (2 + 5 + 3 lines)
    assert widths[0] >= len(ROWS[0][0]) and _lines(widths) == 10


def test_fewest_lines_with_many_columns_steps_one_column_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the exhaustive search, the widths still fill the room, keep the ids' twenty characters
    and take fewer lines than the widest outcomes would."""
    from detainer_model.report import table

    monkeypatch.setattr(table, "EXHAUSTIVE", 0)
    widths = table.fewest_lines(HEADER, ROWS, 60)
    assert sum(widths) == 60 and widths[0] >= 20
    assert _lines(widths) < _lines([12, 24, 24])


@pytest.mark.parametrize("width", [30, 52, 80, 131])
def test_plain_text_summary_is_the_terminal_table_without_colour(
    monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    """The summary laid out as plain text (output not a terminal) has the very lines rich lays out
    for the terminal's table at any width (never under 40), folded headers and ids included."""
    import io

    from detainer_model import run_scenarios
    from detainer_model.report.table import make_console, summary_table, summary_text

    monkeypatch.setenv("COLUMNS", str(width))
    lib = load_rules()
    result = run_scenarios(
        load_scenarios(["scenarios/local", "scenarios/federal"], lib),
        jurisdictions=["cook-county-2011", "chicago-2012"],
        rules=lib,
    )
    buf = io.StringIO()
    make_console(buf).print(summary_table(result))
    lines = summary_text(result).splitlines()
    assert lines == [line.rstrip() for line in buf.getvalue().splitlines()]
    assert len(lines) > len(result.cases) and all(len(line) <= max(width, 40) for line in lines)


def test_run_lists_the_formats_the_presenters_have() -> None:
    """`run --format` offers exactly the presenters' formats (written out so as not to import them)."""
    from detainer_model.cli.app import FORMAT_NAMES
    from detainer_model.report import FORMATS

    assert list(FORMATS) == FORMAT_NAMES
