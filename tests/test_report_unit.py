"""`report --out FOLDER` replaces report.html, tables/ and charts/ as one unit: killed at any step it
leaves the previous report whole (or none), never old files beside new; the next report cleans up."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from detainer_model import load_rules
from detainer_model.population.report import REPORT_PARTS, build_report, read_results_files, write_report

from builders import invoke

HEADER = "person_id,booking_date,jurisdiction,status,age\n"
PEOPLE = {
    "a": HEADER + "p1,2015-01-01,full-cooperation,unauthorized,30\n",
    "b": HEADER + "q1,2015-01-01,santa-clara-2011,lpr,40\nq2,2016-03-01,full-cooperation,unauthorized,25\n",
}

# Writes the pickled report into OUT; KILL names the call at which the writer dies (os._exit, as a
# kill would: no cleanup runs): the Nth os.replace, os.rename, shutil.rmtree, Path.write_bytes (a
# chart) or Path.write_text (a table's manifest, then the page). Prints the calls made.
WRITER = textwrap.dedent(
    """
    import json, os, pickle, shutil, sys
    from pathlib import Path
    from detainer_model.population.report import write_report

    report_file, out, kill = sys.argv[1:4]
    report = pickle.loads(Path(report_file).read_bytes())
    calls = {}

    def counted(kind, real):
        def call(*args, **kwargs):
            calls[kind] = calls.get(kind, 0) + 1
            if kill == f"{kind}{calls[kind]}":
                os._exit(9)
            return real(*args, **kwargs)
        return call

    os.replace = counted("replace", os.replace)
    os.rename = counted("rename", os.rename)
    shutil.rmtree = counted("rmtree", shutil.rmtree)
    Path.write_bytes = counted("write", Path.write_bytes)
    Path.write_text = counted("text", Path.write_text)
    write_report(report, Path(out))
    print(json.dumps(calls))
    """
)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two different reports (of one person and of two), pickled, and each written whole for reference."""
    folder = tmp_path_factory.mktemp("reports")
    lib = load_rules()
    out: dict[str, Path] = {}
    for name, text in PEOPLE.items():
        people = folder / f"people-{name}.csv"
        people.write_text(text)
        results = folder / f"results-{name}.csv"
        status = subprocess.run(
            [sys.executable, "-m", "detainer_model", "batch", str(people), "--out", str(results), "--quiet"],
            capture_output=True,
            timeout=300,
        )
        assert status.returncode == 0, status.stderr.decode()
        report = build_report(read_results_files([results]), lib)
        pickled = folder / f"report-{name}.pickle"
        pickled.write_bytes(pickle.dumps(report))
        write_report(report, folder / f"whole-{name}")
        out[name] = pickled
    return out


def _write(pickled: Path, out: Path, kill: str = "none") -> tuple[int, dict[str, int]]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(pickled), str(out), kill],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode in (0, 9), done.stderr.decode()
    return done.returncode, json.loads(done.stdout) if done.returncode == 0 else {}


def _visible(out: Path) -> dict[str, bytes]:
    """Every file the report's names show (through its links), by path inside ``out``."""
    files: dict[str, bytes] = {}
    for part in REPORT_PARTS:
        path = out / part
        if path.is_file():
            files[part] = path.read_bytes()
        elif path.is_dir():
            for inner in sorted(path.iterdir()):
                files[f"{part}/{inner.name}"] = inner.read_bytes()
    return files


def _whole(reports: dict[str, Path], name: str) -> dict[str, bytes]:
    return _visible(reports[name].parent / f"whole-{name}")


def _hidden(out: Path) -> list[str]:
    """Hidden entries other than the pointer and the generation it names."""
    current = os.readlink(out / ".report.current")
    return sorted(
        p.name for p in out.iterdir() if p.name.startswith(".") and p.name not in (".report.current", current)
    )


def _start(reports: dict[str, Path], out: Path, start: str) -> None:
    """The report folder before the killed run: none, report A as this version writes it, or report
    A as plain files and folders (as an older version, or a copy, left it); a file of the user's too."""
    if start != "none":
        write_report(pickle.loads(reports["a"].read_bytes()), out)
    if start == "plain":
        copy = out.parent / "copy"
        shutil.copytree(out, copy, symlinks=False, ignore=shutil.ignore_patterns(".report.*"))
        shutil.rmtree(out)
        copy.rename(out)
    out.mkdir(exist_ok=True)
    (out / "notes.txt").write_text("the user's own file\n")


# Calls a run makes (from a run of each start with no kill, see test_each_kill_point_is_reached):
# 10 tables (a manifest each, then the page: 11 write_text) and 12 charts (write_bytes); renames:
# fresh, 3 links and the pointer; from links, the pointer; from plain files, the pointer to the
# adopted generation, the page's link, then each folder moved in (os.rename) and linked, and the
# pointer to the new generation.
KILLS = {
    "none": ["text1", "text11", "write1", "write12", "replace1", "replace2", "replace4"],
    "links": ["text1", "write12", "replace1", "rmtree1"],
    "plain": ["replace1", "replace2", "rename1", "replace3", "rename2", "replace4", "replace5", "rmtree1"],
}


@pytest.mark.parametrize(("start", "kill"), [(s, k) for s, kills in KILLS.items() for k in kills])
def test_a_report_killed_anywhere_leaves_one_whole_report(
    tmp_path: Path, reports: dict[str, Path], start: str, kill: str
) -> None:
    """Killed at any step: all shown files are the old report's or all the new's; the next run cleans up."""
    out = tmp_path / "rep"
    _start(reports, out, start)
    old, new = _whole(reports, "a"), _whole(reports, "b")
    assert _write(reports["b"], out, kill)[0] == 9
    shown = _visible(out)
    if start == "plain" and shown != new:
        # while an old folder is moved into place its name is missing for a moment: what shows is old
        assert {k: v for k, v in old.items() if k in shown} == shown
        assert {k.split("/")[0] for k in old} - {k.split("/")[0] for k in shown} <= {"tables", "charts"}
    else:
        assert shown in ({}, old, new) if start == "none" else shown in (old, new)
    write_report(pickle.loads(reports["b"].read_bytes()), out)  # the next run, in this process
    assert _visible(out) == new
    assert _hidden(out) == []
    assert (out / "notes.txt").read_text() == "the user's own file\n"


def test_each_kill_point_is_reached(tmp_path: Path, reports: dict[str, Path]) -> None:
    """The calls the kills above name are made: each start's run counts them as KILLS assumes."""
    counts = {}
    for start in KILLS:
        out = tmp_path / start
        _start(reports, out, start)
        status, calls = _write(reports["b"], out)
        assert status == 0
        counts[start] = calls
    assert counts["none"] == {"text": 11, "write": 12, "replace": 4}
    assert counts["links"] == {"text": 11, "write": 12, "replace": 1, "rmtree": 1}
    assert counts["plain"] == {"text": 11, "write": 12, "replace": 5, "rename": 2, "rmtree": 1}


def test_old_tables_that_a_new_report_lacks_go_with_the_old_report(
    tmp_path: Path, reports: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A stale table left in an old tables/ folder does not survive beside the new report's tables."""
    out = tmp_path / "rep"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "transitions_outcome_old_to_older.csv").write_text("x\n1\n")
    results = reports["a"].parent / "results-b.csv"
    status, _out, err = invoke(capsys, "report", str(results), "--out", str(out))
    assert status == 0, err
    assert not (out / "tables" / "transitions_outcome_old_to_older.csv").exists()
    assert set(_visible(out)) == set(_whole(reports, "b"))


def test_an_input_reached_through_the_reports_links_is_refused(
    tmp_path: Path, reports: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """report reading a table of the report it would replace (through its links): exit 2, nothing replaced."""
    out = reports["a"].parent / "whole-b"
    before = _visible(out)
    status, _out, err = invoke(capsys, "report", str(out / "tables" / "by_regime.csv"), "--out", str(out))
    assert status == 2
    assert "overlap" in err
    assert _visible(out) == before
