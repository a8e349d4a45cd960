"""The reliability review's hostile inputs, each run through the real command line under a time
limit (SIGALRM in a child process, which has a time limit of its own): each gives exit 0 or exit 2
with one located message, and none hangs. The answers themselves are checked in the tests named
beside each case (test_hostile_inputs, test_engine_limits, test_stratification, test_input_limits,
test_parquet_expansion, test_empty_batches, test_outputs_and_results, test_bounded_messages)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CASE_LIMIT = 90  # seconds for one case
CASE = (
    "title: t\ncases:\n  - id: a\n    title: {title}\n    booking_date: {day}\n"
    "    jurisdiction: full-cooperation\n    person: {{status: unauthorized, age: {age}}}\n"
)
ODD = "  odd: {type: bool, default: false, summary: a test answer.}\n"

# Runs each case's command line in this one process, each under an alarm; prints one JSON line a case.
DRIVER = textwrap.dedent(
    """
    import contextlib, io, json, signal, sys
    from detainer_model.cli import main

    class Hang(Exception):
        pass

    def alarm(*_):
        raise Hang()

    signal.signal(signal.SIGALRM, alarm)
    for label, args in json.loads(sys.stdin.read()):
        out, err = io.StringIO(), io.StringIO()
        signal.alarm(int(sys.argv[1]))
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(args)
        except Hang:
            status = "hang"
        except BaseException as exc:
            status = f"raised {type(exc).__name__}: {exc}"
        finally:
            signal.alarm(0)
        print(json.dumps([label, status, out.getvalue()[-2000:], err.getvalue()[-4000:]]), flush=True)
    """
)


def _scenario(path: Path, day: str = "2015-01-01", title: str = "A case", age: str = "30") -> Path:
    path.write_text(CASE.format(day=day, title=title, age=age))
    return path


def _rules(tmp_path: Path, root: Path, name: str, rules: str, outputs: str = ODD) -> Path:
    """A copy of the shipped rules with ``rules`` (and ``outputs``) added to full-cooperation."""
    target = tmp_path / name
    shutil.copytree(root / "rules", target)
    path = target / "local" / "full-cooperation.yaml"
    text = path.read_text().replace("\nrules:\n", f"\noutputs:\n{outputs}\nrules:\n", 1)
    path.write_text(text + rules)
    return target


def _rule(when: str, rule_id: str = "full-cooperation.t") -> str:
    return f"  - {{id: {rule_id}, summary: t, source: contract-v1, when: '{when}', then: {{odd: true}}}}\n"


def _cases(tmp_path: Path, root: Path) -> list[tuple[str, list[str], int, str]]:
    """(label, command line, exit status, words its output must hold) for each hostile input."""
    adult = str(_scenario(tmp_path / "adult.yaml"))
    out: list[tuple[str, list[str], int, str]] = []
    for name, when, status, words in (
        ("or-600", " or ".join(f"person.age == {i}" for i in range(600)), 0, "legal advice"),
        ("in-600", "person.age in [" + ", ".join(map(str, range(600))) + "]", 0, "legal advice"),
        ("nest-190", "(" * 190 + "person.age > 1" + ")" * 190, 0, "legal advice"),
        ("or-20000", " or ".join(f"person.age == {i}" for i in range(20_000)), 2, "the limit is 50,000"),
        ("not-5000", "not " * 5000 + "person.age > 1", 2, "nested too deeply"),
        ("dotted-5000", ".".join(["a"] * 5000), 2, "nested too deeply"),
        ("digits-20000", "person.age > " + "9" * 20_000, 2, "a number of 20,000 digits"),
    ):
        out.append(
            (name, ["run", adult, "--rules", str(_rules(tmp_path, root, name, _rule(when)))], status, words)
        )
    many = "".join(_rule(f"person.age > {i % 5}", f"full-cooperation.m{i}") for i in range(80))
    out.append(
        ("80-rules-firing", ["run", adult, "--rules", str(_rules(tmp_path, root, "many", many))], 0, "legal")
    )
    stratum = "".join(_rule(f"person.age == {i}", f"full-cooperation.s{i}") for i in range(520))
    out.append(
        ("520-rules", ["run", adult, "--rules", str(_rules(tmp_path, root, "stratum", stratum))], 0, "legal")
    )
    chain_outputs = "".join(
        f"  a{i}: {{type: bool, default: false, summary: link {i}.}}\n" for i in range(600)
    )
    chain = "".join(
        f"  - {{id: full-cooperation.c{i}, summary: l, source: contract-v1, "
        f"when: {'person.age > 1' if i == 0 else f'a{i - 1}'}, then: {{a{i}: true}}}}\n"
        for i in range(600)
    )
    chained = _rules(tmp_path, root, "chain", chain, chain_outputs)
    out.append(("chain-600", ["run", adult, "--rules", str(chained)], 0, "legal advice"))
    year3 = str(_scenario(tmp_path / "y3.yaml", day="0003-01-01"))
    for command in (["run"], ["explain", "--case", "a"], ["whatif", "--case", "a"]):
        out.append((f"year-3-{command[0]}", [command[0], year3, *command[1:]], 2, "outside the dates"))
    sparse = tmp_path / "sparse"
    shutil.copytree(root / "rules", sparse)
    with (sparse / "local" / "huge.yaml").open("wb") as handle:
        handle.truncate(3_000_000_000)
    out.append(("sparse-rules", ["run", adult, "--rules", str(sparse)], 2, "the limit is 5,000,000"))
    flat = tmp_path / "flat.yaml"
    flat.write_text("title: t\ncases: [" + ",".join(["1"] * 2_400_000) + "]\n")
    out.append(("flat-5mb", ["run", str(flat)], 2, "200,000 values"))
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    out.append(("fifo", ["run", str(fifo)], 2, "named pipe"))
    loop = tmp_path / "loop.yaml"
    os.symlink(loop, loop)
    out.append(("symlink-loop", ["run", str(loop)], 2, "loop of symbolic links"))
    for name, age in (("hex", "0x2d"), ("sexagesimal", "1:30")):
        path = str(_scenario(tmp_path / f"{name}.yaml", age=age))
        out.append((f"yaml-1.1-{name}", ["run", path], 2, "number form YAML readers disagree on"))
    people = tmp_path / "people.csv"
    people.write_text(
        "person_id,booking_date,jurisdiction,status,age\n=1+1,2015-01-01,full-cooperation,lpr,30\n"
    )
    out.append(("out-is-input", ["batch", str(people), "--out", str(people)], 2, "is also an input"))
    header = tmp_path / "header.csv"
    header.write_text("person_id,booking_date,jurisdiction,status,age\n")
    out.append(("empty-batch", ["batch", str(header), "--out", str(tmp_path / "empty.csv")], 0, "0 results"))
    out.append(
        (
            "empty-report",
            ["report", str(tmp_path / "empty.csv"), "--out", str(tmp_path / "rep")],
            0,
            "No people",
        )
    )
    out.append(("unwritable-out", ["batch", str(people), "--out", "/proc/x/r.csv"], 2, "cannot be written"))
    return out


@pytest.mark.skipif(sys.platform != "linux", reason="FIFOs, /proc and SIGALRM as on Linux")
def test_every_hostile_input_ends_in_time_with_exit_0_or_one_located_refusal(
    tmp_path: Path, root: Path
) -> None:
    """Each hostile input, under a time limit: the expected exit, its words, no traceback, no hang."""
    cases = _cases(tmp_path, root)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(CASE_LIMIT)],
        input=json.dumps([[label, args] for label, args, _s, _w in cases]),
        capture_output=True,
        text=True,
        env=env,
        timeout=CASE_LIMIT * len(cases),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = {
        label: (status, out, err) for label, status, out, err in map(json.loads, done.stdout.splitlines())
    }
    failures = []
    for label, _args, status, words in cases:
        got, out, err = seen[label]
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        located = status == 0 or (len(errors) == len(err.splitlines()) >= 1 and len(errors) <= 50)
        if got != status or words not in out + err or "Traceback" in err or not located:
            failures.append(f"{label}: exit {got}, expected {status} with {words!r}: {err[:300]!r}")
    assert failures == []
