"""Messages are bounded where the library makes them: at most MAX_MESSAGE_LINES problems, the last
one saying how many more there were, whether the refusal reaches a terminal or a Python caller."""

from __future__ import annotations

from pathlib import Path

import pytest

from detainer_model import load_scenarios
from detainer_model.errors import MAX_MESSAGE_LINES, InputError, Problem, ProblemList, bound_problems
from detainer_model.teaching.exercises import load_key, read_answers

from builders import invoke

FLOOD = 20_000
SHOWN = MAX_MESSAGE_LINES - 1


def _problems(n: int, file: str = "f.yaml") -> list[Problem]:
    return [Problem(file, i + 1, "x", f"fault {i}") for i in range(n)]


def test_a_short_list_is_kept_whole() -> None:
    """Up to the bound, every problem is kept and none summarised."""
    problems = _problems(MAX_MESSAGE_LINES)
    assert bound_problems(problems) == tuple(problems)
    collected = ProblemList()
    collected.extend(problems)
    assert collected.problems() == tuple(problems)


def test_a_long_list_ends_with_one_summary() -> None:
    """One over the bound: the first 49 problems, then a summary standing for the other two."""
    problems = _problems(MAX_MESSAGE_LINES + 1)
    for bounded in (bound_problems(problems), InputError(problems).problems):
        assert len(bounded) == MAX_MESSAGE_LINES
        assert bounded[:SHOWN] == tuple(problems[:SHOWN])
        assert str(bounded[-1]) == "f.yaml: … and 2 more problems"
        assert bounded[-1].hidden == 2
    collected = ProblemList()
    collected.extend(problems)
    assert collected.problems() == bound_problems(problems)


def test_summaries_count_what_they_stand_for_across_files() -> None:
    """Bounding bounded lists adds up the hidden counts and names the files they came from."""
    a = InputError(_problems(1000, "a.yaml")).problems
    b = InputError(_problems(3, "b.yaml")).problems
    both = InputError([*a, *b]).problems
    assert len(both) == MAX_MESSAGE_LINES
    assert both[-1].hidden == 1000 - SHOWN + 3
    assert str(both[-1]) == f"a.yaml: … and {1000 - SHOWN + 3:,} more problems (in this file and 1 other)"


def test_a_full_problem_list_only_counts() -> None:
    """Past the bound, count_more adds to the summary without building a problem."""
    collected = ProblemList()
    collected.extend(_problems(SHOWN))
    assert not collected.full
    collected.add(Problem("f.yaml", 50, "x", "fault 49"))
    assert collected.full
    for _ in range(10_000):
        collected.count_more("f.yaml")
    out = collected.problems()
    assert len(out) == MAX_MESSAGE_LINES
    assert out[-1].hidden == 10_001


@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory, root: Path) -> Path:
    """A worksheet's key and a flood of unknown case ids in one answers file."""
    from detainer_model.cli import main

    folder = tmp_path_factory.mktemp("sheets")
    scenario = root / "scenarios" / "san-francisco-2015.yaml"
    assert main(["exercise", "make", str(scenario), "--out", str(folder)]) == 0
    lines = ["answers:", *(f"  bogus-{i}: null" for i in range(FLOOD))]
    (folder / "flood.yaml").write_text("\n".join(lines) + "\n")
    return folder


def test_an_answers_file_full_of_unknown_cases_gives_a_short_refusal(sheets: Path) -> None:
    """20,000 unknown case ids: the library's refusal holds 50 problems, the last counting the rest."""
    with pytest.raises(InputError) as caught:
        read_answers(sheets / "flood.yaml", load_key(sheets / "key.json"))
    problems = caught.value.problems
    assert len(problems) == MAX_MESSAGE_LINES
    assert problems[0].message.startswith("unknown case 'bogus-0'")
    assert str(problems[-1]) == f"{sheets / 'flood.yaml'}: … and {FLOOD - SHOWN:,} more problems"
    assert len(str(caught.value)) < 10_000


def test_the_cli_prints_the_same_short_refusal(sheets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """exercise grade on the flood: exit 2, 50 lines of error, the last counting the rest."""
    key, flood = sheets / "key.json", sheets / "flood.yaml"
    status, _out, err = invoke(capsys, "exercise", "grade", str(key), str(flood))
    assert status == 2
    lines = err.splitlines()
    assert len(lines) == MAX_MESSAGE_LINES
    assert lines[-1] == f"error: {sheets / 'flood.yaml'}: … and {FLOOD - SHOWN:,} more problems"
    assert len(err) < 10_000


def test_validation_errors_are_bounded_in_the_library(tmp_path: Path) -> None:
    """3,000 invalid ages: load_scenarios refuses with 50 problems, the last counting the rest."""
    cases = "".join(
        f"  - {{id: c{i}, title: t, booking_date: 2015-01-01, jurisdiction: full-cooperation, "
        "person: {status: unauthorized, age: -1}}\n"
        for i in range(3000)
    )
    path = tmp_path / "ages.yaml"
    path.write_text(f"title: many\ncases:\n{cases}")
    with pytest.raises(InputError) as caught:
        load_scenarios(path)
    problems = caught.value.problems
    assert len(problems) == MAX_MESSAGE_LINES
    assert "cases[0].person.age" in str(problems[0])
    assert problems[-1].hidden == 3000 - SHOWN
    assert str(problems[-1]) == f"{path}: … and {3000 - SHOWN:,} more problems"
