"""Outputs that fail to be written, whatever the permission bits said, are exit 2 with the path:
refused before the work when the folder cannot be made, and located when the disk fills mid-write."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from builders import invoke

PEOPLE = (
    "person_id,booking_date,jurisdiction,status,age\n"
    "p1,2015-01-01,full-cooperation,unauthorized,30\n"
    "p2,2015-01-01,santa-clara-2011,lpr,40\n"
)
# /proc takes no new folders, even from root, for whom os.access says every folder is writable
BLOCKED = Path("/proc/detainer-model-no-such-folder")


@pytest.fixture
def people(tmp_path: Path) -> Path:
    """A small people table."""
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    return path


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize(
    "command",
    [
        ["batch", "{people}", "--out", "{out}/r.csv", "--quiet"],
        ["simulate", "--size", "5", "--out", "{out}/sim"],
        ["report", "{results}", "--out", "{out}/rep"],
    ],
)
def test_a_folder_that_cannot_be_made_is_refused_before_the_work(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """An --out whose folder cannot be created is exit 2 naming it (a real probe, not the mode bits)."""
    results = tmp_path / "results.csv"
    assert invoke(capsys, "batch", str(people), "--out", str(results), "--quiet")[0] == 0
    args = [a.format(people=people, out=BLOCKED, results=results) for a in command]
    status, _out, err = invoke(capsys, *args)
    assert status == 2, err
    out = args[args.index("--out") + 1]
    assert err.splitlines() == [f"error: {out}: cannot be written: cannot create folders in /proc"]


def test_a_disk_that_fills_while_writing_is_a_located_refusal(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError mid-write is exit 2 naming the file; the old pair stays, no temporaries left."""
    out = tmp_path / "r.csv"
    assert invoke(capsys, "batch", str(people), "--out", str(out), "--quiet")[0] == 0
    before = out.read_text()

    def full(self: pl.DataFrame, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_csv", full)
    status, _out, err = invoke(capsys, "batch", str(people), "--out", str(out), "--quiet", "--fired")
    assert status == 2
    assert err.splitlines() == [f"error: {out}: cannot be written: No space left on device"]
    assert out.read_text() == before
    hidden = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert len(hidden) == 2 and hidden[0] == ".r.csv.current"  # the pointer and the one generation
