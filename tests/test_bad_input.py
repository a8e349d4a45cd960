"""Every kind of bad scenario input is refused through the real CLI: exit 2, located lines, no output."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builders import invoke

GOOD_CASE = """\
  - id: ok
    title: A valid case
    booking_date: 2015-09-01
    jurisdiction: full-cooperation
    person:
      status: unauthorized
      age: 30
"""


def scenario(cases: str, title: str = "Bad input") -> str:
    return f"title: {title}\ncases:\n{cases}"


def person_case(person: str = "status: unauthorized\n      age: 30", extra: str = "") -> str:
    return (
        "  - id: bad\n    title: A bad case\n    booking_date: 2015-09-01\n"
        f"    jurisdiction: full-cooperation\n    person:\n      {person}\n{extra}"
    )


CASES: dict[str, tuple[str | bytes, str]] = {
    # name: (file content, a regex the error must match)
    "yaml syntax": ("title: x\ncases: [\n  - id: a\n", r":\d+: YAML syntax error"),
    "unknown key with suggestion": (
        scenario(person_case("status: unauthorized\n      agee: 30")),
        r":9: cases\[0\]\.person\.agee: unknown key 'agee' \(did you mean 'age'\?\)",
    ),
    "misplaced key": (
        scenario(person_case(extra="    age: 30\n")),
        r"cases\[0\]\.age: unknown key 'age'",
    ),
    "wrong type": (
        scenario(person_case("status: unauthorized\n      age: thirty")),
        r"cases\[0\]\.person\.age: expected a whole number, got 'thirty'",
    ),
    "negative age": (
        scenario(person_case("status: unauthorized\n      age: -3")),
        r"cases\[0\]\.person\.age: must be at least 0, got -3",
    ),
    "negative custody days": (
        scenario(
            person_case(
                extra="    convictions:\n      - {offense: x, date: 2010-01-01, level: felony,"
                " custody_days: -1}\n"
            )
        ),
        r"cases\[0\]\.convictions\[0\]\.custody_days: must be at least 0",
    ),
    "date that does not exist": (
        scenario(GOOD_CASE.replace("2015-09-01", "2015-02-30")),
        r":5: cases\[0\]\.booking_date: '2015-02-30' is not a real date",
    ),
    "conviction after booking": (
        scenario(
            person_case(extra="    convictions:\n      - {offense: x, date: 2016-01-01, level: felony}\n")
        ),
        r"cases\[0\]\.convictions\[0\]\.date: conviction dated 2016-01-01 is after the booking date",
    ),
    "duplicate case ids": (scenario(GOOD_CASE + GOOD_CASE), r"cases\[1\]\.id: duplicate case id 'ok'"),
    "unknown jurisdiction": (
        scenario(GOOD_CASE.replace("full-cooperation", "full-cooperaton")),
        r"cases\[0\]\.jurisdiction: unknown jurisdiction 'full-cooperaton' "
        r"\(did you mean 'full-cooperation'\?\)",
    ),
    "unknown kind": (
        scenario(
            person_case(
                extra="    convictions:\n      - {offense: x, date: 2010-01-01, level: felony,"
                " kinds: [drug_traficking]}\n"
            )
        ),
        r"kinds\[0\]: unknown offense kind 'drug_traficking' \(did you mean 'drug_trafficking'\?\)",
    ),
    "unknown status": (
        scenario(person_case("status: unauthorised\n      age: 30")),
        r"person\.status: 'unauthorised' is not one of .*\(did you mean 'unauthorized'\?\)",
    ),
    "unknown level": (
        scenario(
            person_case(extra="    convictions:\n      - {offense: x, date: 2010-01-01, level: felonny}\n")
        ),
        r"level: 'felonny' is not one of .*\(did you mean 'felony'\?\)",
    ),
    "unknown regime in expect": (
        scenario(GOOD_CASE + "    expect:\n      pepp: {request: none}\n"),
        r"cases\[0\]\.expect\.pepp: unknown regime 'pepp' \(did you mean 'pep'\?\)",
    ),
    "unknown expected value": (
        scenario(GOOD_CASE + "    expect:\n      pep: {request: detainr}\n"),
        r"expect\.pep\.request: 'detainr' is not one of .*\(did you mean 'detainer'\?\)",
    ),
    "citizen marked removable": (
        scenario(person_case("status: us_citizen\n      age: 30\n      removable: true")),
        r"cases\[0\]\.person\.removable: a us_citizen cannot be removable",
    ),
    "removal order date without an order": (
        scenario(person_case("status: lpr\n      age: 30\n      removal_order_date: 2014-02-01")),
        r"person\.removal_order_date: removal_order_date is given but removal_order is 'none'",
    ),
    "bad case id": (
        scenario(GOOD_CASE.replace("id: ok", "id: Bad Id")),
        r"cases\[0\]\.id: 'Bad Id' does not match",
    ),
    "unknown parameter": (
        scenario(
            GOOD_CASE.replace(
                "jurisdiction: full-cooperation",
                "jurisdiction: {id: full-cooperation, params: {reimbursement: true}}",
            )
        ),
        r"jurisdiction\.params\.reimbursement: 'full-cooperation' has no parameter 'reimbursement'",
    ),
    "no cases": ("title: Empty\ncases: []\n", r"cases: must not be empty"),
    "not a mapping": ("- just\n- a list\n", r"a scenario file must be a mapping"),
    "empty file": ("   \n", r": file is empty"),
    "binary file": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r": is a binary file, not UTF-8 text"),
    "python tag": (
        "title: !!python/object/apply:os.system ['echo pwned']\ncases: []\n",
        r":1: title: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
    ),
    "custom tag": ("title: !secret x\ncases: []\n", r"YAML tag '!secret' is not allowed"),
    "two documents": ("title: a\n---\ntitle: b\n", r"holds more than one YAML document"),
    "duplicate key": (
        scenario(
            GOOD_CASE.replace("    title: A valid case\n", "    title: A valid case\n    title: Again\n")
        ),
        r"cases\[0\]\.title: duplicate key 'title'",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_scenario_is_refused_with_a_located_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad input exits 2 with one located line per problem, nothing on stdout and no traceback."""
    content, pattern = CASES[name]
    path = tmp_path / "bad.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    status, out, err = invoke(capsys, "run", str(path), "--format", "json")
    assert status == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines and all(line.startswith(f"error: {path}") for line in lines), err
    assert any(re.search(pattern, line) for line in lines), err


def test_every_problem_in_every_file_is_reported_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Problems in several files are all listed, and a valid file beside them is not evaluated."""
    (tmp_path / "a.yaml").write_text(scenario(person_case("status: unauthorised\n      age: -1")))
    (tmp_path / "b.yaml").write_text(scenario(GOOD_CASE))
    (tmp_path / "c.yaml").write_text("title: [\n")
    status, out, err = invoke(capsys, "run", str(tmp_path))
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert {Path(line.split(":")[1].strip()).name for line in lines} == {"a.yaml", "c.yaml"}


def test_missing_path_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist is one clear line and exit 2."""
    status, _out, err = invoke(capsys, "run", str(tmp_path / "nope.yaml"))
    assert status == 2
    assert err.strip() == f"error: {tmp_path / 'nope.yaml'}: no such file or folder"


def test_unknown_regime_option_is_refused_with_a_suggestion(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    """--regime with a misspelt id exits 2 and suggests the right one."""
    status, out, err = invoke(capsys, "run", str(root / "scenarios"), "--regime", "secure-comunities")
    assert status == 2
    assert out == ""
    assert "unknown regime 'secure-comunities' (did you mean 'secure-communities'?)" in err


def _timed_refusal(
    tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, float]:
    path = tmp_path / "hostile.yaml"
    path.write_text(content)
    start = time.perf_counter()
    status, _out, err = invoke(capsys, "run", str(path))
    return status, err, time.perf_counter() - start


def test_alias_bomb_is_refused_without_expanding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 'billion laughs' document is refused as too large, not expanded."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    lines.append("title: *a9")
    status, err, _elapsed = _timed_refusal(tmp_path, "\n".join(lines) + "\n", capsys)
    assert status == 2
    assert "expands to more than" in err


def test_absurdly_deep_document_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A document nested 100,000 levels deep is refused, not a RecursionError."""
    status, err, _elapsed = _timed_refusal(tmp_path, "title: " + "[" * 100_000 + "]" * 100_000 + "\n", capsys)
    assert status == 2
    assert re.search(r"nested deeper than 64 levels|exceeded maximum nesting depth", err)


def test_oversized_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file over the size limit is refused before it is parsed."""
    status, err, _elapsed = _timed_refusal(tmp_path, "title: x\n# " + "x" * 6_000_000 + "\n", capsys)
    assert status == 2
    assert "the limit is 5,000,000" in err


def test_console_script_refuses_bad_input_in_a_fresh_process(tmp_path: Path) -> None:
    """The installed command exits 2 with one line on stderr, as a user sees it."""
    path = tmp_path / "bad.yaml"
    path.write_text(scenario(person_case("status: unauthorized\n      age: -3")))
    proc = subprocess.run(
        [sys.executable, "-m", "detainer_model", "run", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"error: {path}:9: cases[0].person.age: must be at least 0, got -3"
    ]
