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
    """`run scenarios/` prints one line per case (or two for a long id): at most 25 lines per 20 cases."""
    cases = sum(len(s.cases) for s in load_scenarios(root / "scenarios", load_rules()))
    status, out, _err = invoke(capsys, "run", "scenarios/")
    assert status == 0
    lines = out.splitlines()
    assert len(lines) <= 25 * cases / 20, len(lines)
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
