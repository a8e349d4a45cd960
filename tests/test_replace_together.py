"""A results table and its manifest are replaced as one unit: a killed write leaves the old pair or
the new pair, never a mix, and the next run removes what it left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from detainer_model.errors import InputError
from detainer_model.population.io import read_manifest, write_table
from detainer_model.safeio import swap

from builders import invoke

PEOPLE = (
    "person_id,booking_date,jurisdiction,status,age\n"
    "p1,2015-01-01,full-cooperation,unauthorized,30\n"
    "p2,2015-01-01,santa-clara-2011,lpr,40\n"
)

# Writes the table for ``label`` into OUT; KILL says where the writer dies (os._exit, as a kill
# would: no cleanup runs): before the Nth os.replace, in the digest between the table and its
# manifest, or while the previous generation is removed.
WRITER = textwrap.dedent(
    """
    import os, shutil, sys
    from pathlib import Path
    import polars as pl
    from detainer_model.population import io

    out, label, kill = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    real_replace, calls = os.replace, [0]

    def replace(a, b):
        calls[0] += 1
        if kill == f"replace{calls[0]}":
            os._exit(9)
        real_replace(a, b)

    def die(*args, **kwargs):
        os._exit(9)

    os.replace = replace
    if kill == "digest":
        io.file_digest = die
    if kill == "rmtree":
        shutil.rmtree = die
    df = pl.DataFrame({"person_id": [label, label + "x"], "n": [1, 2]})
    io.write_table(df, out, {"run": label})
    """
)


def _write(out: Path, label: str, kill: str = "none") -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(out), label, kill], env=env, capture_output=True, timeout=120
    )
    assert done.returncode in (0, 9), done.stderr.decode()
    return done.returncode


def _pair(out: Path) -> tuple[str, str]:
    """The run that wrote the visible table and the run its visible manifest names."""
    table = pl.read_csv(out)["person_id"][0]
    meta = json.loads((out.parent / (out.name + ".meta.json")).read_text())["run"]
    return table, meta


def _leftovers(folder: Path) -> list[str]:
    """Hidden entries other than the pointer and the generation it names."""
    current = os.readlink(folder / ".r.csv.current")
    kept = (".r.csv.current", current)
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name not in kept)


def _old_files(out: Path) -> None:
    """A pair as an older version (or a user copying files) left it: two regular files."""
    df = pl.DataFrame({"person_id": ["old", "oldx"], "n": [1, 2]})
    swap_free = out.parent / "plain"
    swap_free.mkdir()
    write_table(df, swap_free / out.name, {"run": "old"})
    out.write_bytes((swap_free / out.name).read_bytes())
    meta = out.parent / (out.name + ".meta.json")
    meta.write_bytes((swap_free / (out.name + ".meta.json")).read_bytes())
    import shutil

    shutil.rmtree(swap_free)


# From links a run renames once (the pointer); from regular files four times (the pointer to the
# adopted generation, each name, the pointer to the new one).
KILLS = [
    *(("links", k) for k in ("digest", "replace1", "rmtree")),
    *(("regular files", k) for k in ("digest", "replace1", "replace2", "replace3", "replace4", "rmtree")),
]


@pytest.mark.parametrize(("start", "kill"), KILLS)
def test_a_write_killed_anywhere_leaves_one_whole_pair(tmp_path: Path, start: str, kill: str) -> None:
    """Killed at any step, the visible table and manifest are both old or both new; the next run cleans up."""
    out = tmp_path / "r.csv"
    if start == "links":
        write_table(pl.DataFrame({"person_id": ["old", "oldx"], "n": [1, 2]}), out, {"run": "old"})
    else:
        _old_files(out)
    assert _pair(out) == ("old", "old")
    _write(out, "new", kill)
    assert _pair(out) in {("old", "old"), ("new", "new")}
    write_table(pl.DataFrame({"person_id": ["third"], "n": [1]}), out, {"run": "third"})
    assert _pair(out) == ("third", "third")
    assert _leftovers(tmp_path) == []
    assert read_manifest(out, strict=True)["run"] == "third"


def test_each_kill_point_is_reached(tmp_path: Path) -> None:
    """The kills above happen where they claim: a run from regular files renames four times."""
    out = tmp_path / "r.csv"
    _old_files(out)
    assert _write(out, "new", "replace4") == 9
    assert _pair(out) == ("old", "old")  # killed before the pointer moved to the new pair
    assert _write(out, "newer", "replace2") == 0  # links now: the pointer is the only rename
    assert _write(out, "newest", "replace1") == 9
    assert _pair(out) == ("newer", "newer")
    assert _leftovers(tmp_path)  # the killed run's new generation, until the next run
    assert _write(out, "last") == 0
    assert _leftovers(tmp_path) == []


def test_the_visible_names_are_links_through_one_pointer(tmp_path: Path) -> None:
    """After a write, both names are fixed links through the pointer, which names one generation."""
    out = tmp_path / "r.csv"
    write_table(pl.DataFrame({"person_id": ["a"]}), out, {"run": "a"})
    write_table(pl.DataFrame({"person_id": ["b"]}), out, {"run": "b"})
    assert os.readlink(out) == ".r.csv.current/r.csv"
    assert os.readlink(tmp_path / "r.csv.meta.json") == ".r.csv.current/r.csv.meta.json"
    generations = [p.name for p in tmp_path.iterdir() if p.name.startswith(".r.csv.gen.")]
    assert generations == [os.readlink(tmp_path / ".r.csv.current")]
    assert _pair(out) == ("b", "b")


def test_a_failed_write_changes_nothing_and_removes_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error before the pointer moves leaves the old pair and no new generation."""
    out = tmp_path / "r.csv"
    write_table(pl.DataFrame({"person_id": ["old"]}), out, {"run": "old"})

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(swap, "_point", fail)
    with pytest.raises(InputError, match=r"r\.csv: cannot be written: No space left on device"):
        write_table(pl.DataFrame({"person_id": ["new"]}), out, {"run": "new"})
    assert _pair(out) == ("old", "old")
    assert _leftovers(tmp_path) == []


def test_a_live_writers_generation_is_left_alone(tmp_path: Path) -> None:
    """A generation its writer still holds locked stays; an unlocked one and a dead writer's link go."""
    import fcntl

    out = tmp_path / "r.csv"
    write_table(pl.DataFrame({"person_id": ["a"]}), out, {"run": "a"})
    live = tmp_path / f".r.csv.gen.{os.getpid()}.abcd"
    dead = tmp_path / f".r.csv.gen.{os.getpid()}.ef01"
    dead_link = tmp_path / ".r.csv.current.999999999.abcd.tmp"
    for folder in (live, dead):
        folder.mkdir()
        (folder / "r.csv").write_text("x")
    dead_link.symlink_to("nowhere")
    other = tmp_path / ".r.csv.gen.csv.7.tmp"  # another file's temporary, not this unit's
    other.write_text("x")
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        write_table(pl.DataFrame({"person_id": ["b"]}), out, {"run": "b"})
    finally:
        os.close(fd)
    assert live.exists() and other.exists()
    assert not dead.exists() and not dead_link.is_symlink()


def test_a_table_the_user_replaced_by_a_file_still_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A link replaced by an edited copy is refused by report (digest), then rewritten by batch."""
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    out = tmp_path / "r.csv"
    assert invoke(capsys, "batch", str(people), "--out", str(out), "--quiet")[0] == 0
    text = out.read_text()
    out.unlink()
    out.write_text(text.replace("p2", "p3"))
    status, _out, err = invoke(capsys, "report", str(out), "--out", str(tmp_path / "rep"))
    assert status == 2
    assert "describes another version of r.csv" in err
    assert invoke(capsys, "batch", str(people), "--out", str(out), "--quiet")[0] == 0
    assert out.is_symlink() and "p2" in out.read_text()
    assert invoke(capsys, "report", str(out), "--out", str(tmp_path / "rep"))[0] == 0


COHORT_WRITER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from detainer_model import load_rules
    from detainer_model.population import io, simulate, write_cohort
    from detainer_model.population.profiles import load_profile

    out, seed, kill = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    real, calls = io.inert_text, [0]

    def inert(df):
        calls[0] += 1
        if kill == "second-table" and calls[0] == 2:
            os._exit(9)
        return real(df)

    io.inert_text = inert
    lib = load_rules()
    write_cohort(simulate(load_profile("booking-cohort", lib), lib, 20, seed), out, "csv")
    """
)


def test_a_cohort_killed_between_tables_stays_whole(tmp_path: Path) -> None:
    """simulate's tables and manifest.json are one unit: killed after one table, the old cohort stays."""
    out = tmp_path / "cohort"

    def run(seed: int, kill: str) -> int:
        done = subprocess.run(
            [sys.executable, "-c", COHORT_WRITER, str(out), str(seed), kill], capture_output=True, timeout=120
        )
        assert done.returncode in (0, 9), done.stderr.decode()
        return done.returncode

    assert run(1, "none") == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert run(2, "second-table") == 9
    after = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert after == before
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1
    assert run(3, "none") == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 3
    assert read_manifest(out / "people.csv", strict=True)["seed"] == 3
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    assert hidden == [".cohort-csv.current", os.readlink(out / ".cohort-csv.current")]


def test_a_file_system_without_links_gets_the_files_renamed_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where symbolic links are refused (FAT, some shares), the pair is renamed into place as regular
    files, the manifest's digest still guarding against a mix, and no temporaries stay."""
    import errno

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(swap.os, "symlink", refused)
    out = tmp_path / "r.csv"
    write_table(pl.DataFrame({"person_id": ["a"]}), out, {"run": "a"})
    write_table(pl.DataFrame({"person_id": ["b"]}), out, {"run": "b"})
    assert _pair(out) == ("b", "b")
    assert not out.is_symlink() and not (tmp_path / "r.csv.meta.json").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.csv.meta.json"]
    assert read_manifest(out, strict=True)["run"] == "b"
