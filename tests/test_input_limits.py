"""Input sizes are checked with stat before a byte is read: over a limit, exit 2 with one located
line; at the limit, the file is read. The limits live in one module, safeio.limits."""

from __future__ import annotations

import resource
import shutil
from pathlib import Path

import pytest

from detainer_model.safeio import limits

from builders import invoke

PEOPLE = (
    "person_id,booking_date,jurisdiction,status,age\n"
    "p1,2015-01-01,full-cooperation,unauthorized,30\n"
    "p2,2015-01-01,santa-clara-2011,lpr,40\n"
)
CONVICTIONS = "person_id,offense,date,level,kinds\np1,Theft,2012-01-01,felony,\n"
CHARGES = "person_id,offense,level,kinds\np2,Theft,misdemeanor,\n"
SCENARIO = """\
title: t
cases:
  - id: a
    title: A case
    booking_date: 2015-01-01
    jurisdiction: full-cooperation
    person: {status: unauthorized, age: 30}
"""


def _tables(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, text in (("people", PEOPLE), ("convictions", CONVICTIONS), ("charges", CHARGES)):
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(text)
    return paths


def _batch(capsys: pytest.CaptureFixture[str], t: dict[str, Path], out: Path) -> tuple[int, str]:
    status, _out, err = invoke(
        capsys,
        "batch",
        str(t["people"]),
        "--convictions",
        str(t["convictions"]),
        "--charges",
        str(t["charges"]),
        "--out",
        str(out),
        "--quiet",
    )
    return status, err


def test_every_limit_is_in_one_module() -> None:
    """The readers' limits are the ones safeio.limits names (a change there is a change everywhere)."""
    from detainer_model.errors import MAX_MESSAGE_LINES
    from detainer_model.safeio import yamlsafe

    assert yamlsafe.MAX_BYTES == limits.MAX_YAML_BYTES == 5_000_000
    assert yamlsafe.MAX_NODES == limits.MAX_YAML_NODES
    assert limits.MAX_TABLE_BYTES == 2_000_000_000
    assert limits.MAX_TABLE_ROWS == 100_000_000  # room for a 20-million-person run's 40 million results
    assert limits.MAX_TABLE_DECODED_BYTES == 16_000_000_000
    assert limits.MAX_MESSAGES == MAX_MESSAGE_LINES


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_huge_sparse_people_table_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """A 3 GB sparse people table is refused by its size, costing no memory, with one located line."""
    t = _tables(tmp_path)
    huge = tmp_path / f"huge.{fmt}"
    with huge.open("wb") as handle:
        handle.truncate(3_000_000_000)
    t["people"] = huge
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    status, err = _batch(capsys, t, tmp_path / "r.csv")
    assert status == 2
    assert err.splitlines() == [
        f"error: {huge}: file is 3,000,000,000 bytes; the limit is 2,000,000,000 (run a larger "
        "population in parts, by booking month for instance)"
    ]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000  # KiB: far below 3 GB
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize("role", ["people", "convictions", "charges"])
def test_each_batch_table_is_read_at_the_limit_and_refused_past_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    """A table exactly at the limit is read; one byte over, the batch stops naming that table."""
    t = _tables(tmp_path)
    lines = t[role].read_text().splitlines()
    # the largest table of the three, by an ignored note column
    t[role].write_text("\n".join([lines[0] + ",note.pad", *(f"{x},{'x' * 500}" for x in lines[1:])]) + "\n")
    size = t[role].stat().st_size
    monkeypatch.setattr(limits, "MAX_TABLE_BYTES", size)
    assert _batch(capsys, t, tmp_path / "r.csv")[0] == 0
    monkeypatch.setattr(limits, "MAX_TABLE_BYTES", size - 1)
    status, err = _batch(capsys, t, tmp_path / "r2.csv")
    assert status == 2
    assert f"error: {t[role]}: file is {size:,} bytes; the limit is {size - 1:,}" in err
    assert not (tmp_path / "r2.csv").exists()


def test_report_checks_the_results_and_manifest_sizes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """report reads results and a manifest at their limits and refuses each one byte over."""
    t = _tables(tmp_path)
    out = tmp_path / "r.csv"
    assert _batch(capsys, t, out)[0] == 0
    meta = tmp_path / "r.csv.meta.json"
    table_size, meta_size = out.stat().st_size, meta.stat().st_size
    monkeypatch.setattr(limits, "MAX_TABLE_BYTES", table_size)
    monkeypatch.setattr(limits, "MAX_MANIFEST_BYTES", meta_size)
    assert invoke(capsys, "report", str(out), "--out", str(tmp_path / "a"))[0] == 0
    monkeypatch.setattr(limits, "MAX_MANIFEST_BYTES", meta_size - 1)
    status, _out, err = invoke(capsys, "report", str(out), "--out", str(tmp_path / "b"))
    assert status == 2
    assert err.splitlines() == [f"error: {meta}: file is {meta_size:,} bytes; the limit is {meta_size - 1:,}"]
    monkeypatch.setattr(limits, "MAX_MANIFEST_BYTES", meta_size)
    monkeypatch.setattr(limits, "MAX_TABLE_BYTES", table_size - 1)
    status, _out, err = invoke(capsys, "report", str(out), "--out", str(tmp_path / "c"))
    assert status == 2
    assert f"error: {out}: file is {table_size:,} bytes" in err


def test_a_huge_manifest_beside_an_input_table_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 3 GB sparse people.csv.meta.json is refused by its size before the batch reads it."""
    t = _tables(tmp_path)
    meta = tmp_path / "people.csv.meta.json"
    with meta.open("wb") as handle:
        handle.truncate(3_000_000_000)
    status, err = _batch(capsys, t, tmp_path / "r.csv")
    assert status == 2
    assert err.splitlines() == [f"error: {meta}: file is 3,000,000,000 bytes; the limit is 1,000,000"]


def _grade_files(tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    sheets = tmp_path / "sheets"
    scenario = root / "scenarios" / "san-francisco-2015.yaml"
    assert invoke(capsys, "exercise", "make", str(scenario), "--out", str(sheets))[0] == 0
    return sheets / "key.json", sheets / "answers-template.yaml"


def _pad(path: Path, size: int = 100_000) -> None:
    """Make ``path`` larger than any shipped rule file (the rules load under the same limit),
    with trailing white space, which YAML and JSON readers skip."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + " " * (size - path.stat().st_size - 2) + "\n")


@pytest.mark.parametrize("which", ["key", "answers", "scenario", "profile", "rules"])
def test_each_yaml_input_is_read_at_the_limit_and_refused_past_it(
    tmp_path: Path,
    root: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    which: str,
) -> None:
    """Answer keys, answers, scenarios, profiles and rule files: read at the limit, refused one byte over."""
    if which in ("key", "answers"):
        key, answers = _grade_files(tmp_path, root, capsys)
        path = key if which == "key" else answers
        args = ["exercise", "grade", str(key), str(answers)]
    elif which == "scenario":
        path = tmp_path / "case.yaml"
        path.write_text(SCENARIO)
        args = ["run", str(path)]
    elif which == "profile":
        path = tmp_path / "profile.yaml"
        shutil.copy(root / "src" / "detainer_model" / "population" / "profiles" / "booking-cohort.yaml", path)
        args = ["simulate", "--size", "5", "--profile", str(path), "--out", str(tmp_path / "sim")]
    else:
        rules = tmp_path / "rules"
        shutil.copytree(root / "rules", rules)
        path = rules / "local" / "full-cooperation.yaml"
        scenario = tmp_path / "case.yaml"
        scenario.write_text(SCENARIO)
        args = ["run", str(scenario), "--rules", str(rules)]
    _pad(path)
    size = path.stat().st_size
    monkeypatch.setattr(limits, "MAX_YAML_BYTES", size)
    status, _out, err = invoke(capsys, *args)
    assert status in (0, 1), err  # grading the blank template: 1, predictions missing
    monkeypatch.setattr(limits, "MAX_YAML_BYTES", size - 1)
    status, _out, err = invoke(capsys, *args)
    assert status == 2
    shown = f"rules/{path.relative_to(rules)}" if which == "rules" else str(path)
    assert err.splitlines() == [f"error: {shown}: file is {size:,} bytes; the limit is {size - 1:,}"]


def test_docs_generate_checks_page_sizes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`docs generate --check` refuses a Markdown page over the limit instead of reading it."""
    docs = tmp_path / "docs"
    docs.mkdir()
    page = docs / "page.md"
    page.write_text("# A page\n")
    _pad(page)
    monkeypatch.setattr(limits, "MAX_YAML_BYTES", 100_000)
    status, _out, err = invoke(capsys, "docs", "generate", "--check", "--docs", str(docs))
    assert status == 0, err
    monkeypatch.setattr(limits, "MAX_YAML_BYTES", 99_999)
    status, _out, err = invoke(capsys, "docs", "generate", "--check", "--docs", str(docs))
    assert status == 2
    assert err.splitlines() == [f"error: {page}: file is 100,000 bytes; the limit is 99,999"]
