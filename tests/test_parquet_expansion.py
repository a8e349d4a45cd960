"""A small Parquet file cannot expand past the limits in memory: its footer is read first (rows,
decompressed bytes, rows times column widths) and the table's size once read is checked before
anything works on it; each limit is tested on both sides, and a damaged footer is a located refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given

from detainer_model.safeio import limits
from detainer_model.safeio.parquetfooter import FooterError, read_footer

from builders import invoke
from strategies import parquet_tails

ROWS = 2_000


def _people(path: Path, rows: int = ROWS, person_id: str = "p") -> Path:
    """A people table of ``rows`` identical-looking people (ids made distinct by their row number)."""
    pl.select(
        (pl.lit(person_id) + pl.int_range(rows).cast(pl.String)).alias("person_id"),
        pl.lit("2015-01-01").alias("booking_date"),
        pl.lit("full-cooperation").alias("jurisdiction"),
        pl.lit("lpr").alias("status"),
        pl.lit(30, dtype=pl.Int64).alias("age"),
    ).write_parquet(path)
    return path


def _batch(capsys: pytest.CaptureFixture[str], people: Path, out: Path) -> tuple[int, str]:
    status, _out, err = invoke(capsys, "batch", str(people), "--out", str(out), "--quiet")
    return status, err


def _unread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make reading any Parquet table's data an error, to show a refusal came from the footer alone."""

    def refuse(*_args: Any, **_kwargs: Any) -> pl.DataFrame:
        raise AssertionError("the table was read")

    monkeypatch.setattr(pl, "read_parquet", refuse)


def test_the_footer_reader_agrees_with_polars(tmp_path: Path) -> None:
    """Rows and row groups as polars counts them; decompressed bytes at least the plain data's size."""
    path = tmp_path / "t.parquet"
    frame = pl.DataFrame({"n": list(range(5_000)), "s": [f"{i:06d}" * 10 for i in range(5_000)]})
    frame.write_parquet(path, row_group_size=1_000, compression="zstd")
    footer = read_footer(path)
    assert footer.rows == pl.scan_parquet(path).select(pl.len()).collect().item() == 5_000
    assert footer.row_groups == 5
    assert footer.uncompressed_bytes >= 5_000 * (8 + 60)
    assert footer.uncompressed_bytes > path.stat().st_size  # compressed on disk, larger decompressed


def test_a_table_at_the_row_limit_is_read_and_one_row_over_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ROWS people with a row limit of ROWS: evaluated; with ROWS - 1: exit 2 from the footer alone."""
    people = _people(tmp_path / "people.parquet")
    monkeypatch.setattr(limits, "MAX_TABLE_ROWS", ROWS)
    assert _batch(capsys, people, tmp_path / "a.csv")[0] == 0
    monkeypatch.setattr(limits, "MAX_TABLE_ROWS", ROWS - 1)
    _unread(monkeypatch)
    status, err = _batch(capsys, people, tmp_path / "b.csv")
    assert status == 2
    assert err.splitlines() == [
        f"error: {people}: holds {ROWS:,} rows (by its footer); the limit is {ROWS - 1:,} (run a larger "
        "population in parts, by booking month for instance)"
    ]
    assert not (tmp_path / "b.csv").exists()


def test_convictions_over_the_row_limit_are_refused_before_the_people_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every table's footer is read before any table's data: a convictions file over the limit is
    refused (exit 2, naming it) without reading the people, however many they are."""
    people = _people(tmp_path / "people.parquet", rows=10)
    convictions = tmp_path / "convictions.parquet"
    pl.select(
        (pl.lit("p") + (pl.int_range(ROWS) % 10).cast(pl.String)).alias("person_id"),
        pl.lit("Theft").alias("offense"),
        pl.lit("2014-01-01").alias("date"),
        pl.lit("misdemeanor").alias("level"),
    ).write_parquet(convictions)
    monkeypatch.setattr(limits, "MAX_TABLE_ROWS", ROWS - 1)
    _unread(monkeypatch)
    status, _out, err = invoke(
        capsys, "batch", str(people), "--convictions", str(convictions), "--out", str(tmp_path / "r.csv")
    )
    assert status == 2
    assert err.splitlines() == [
        f"error: {convictions}: holds {ROWS:,} rows (by its footer); the limit is {ROWS - 1:,} (run a "
        "larger population in parts, by booking month for instance)"
    ]
    assert not (tmp_path / "r.csv").exists()


def test_one_huge_repeated_text_is_refused_by_its_decompressed_size_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One 20 MB id (a few KB compressed) is refused by the footer's decompressed bytes, unread."""
    people = tmp_path / "people.parquet"
    pl.DataFrame(
        {
            "person_id": ["p" * 20_000_000],
            "booking_date": ["2015-01-01"],
            "jurisdiction": ["full-cooperation"],
        }
    ).write_parquet(people, compression="zstd")
    assert people.stat().st_size < 100_000
    declared = read_footer(people).uncompressed_bytes
    assert declared >= 20_000_000
    monkeypatch.setattr(limits, "MAX_TABLE_DECODED_BYTES", 10_000_000)
    _unread(monkeypatch)
    status, err = _batch(capsys, people, tmp_path / "r.csv")
    assert status == 2
    assert err.splitlines() == [
        f"error: {people}: would take {declared:,} bytes in memory once decompressed (by its footer); "
        "the limit is 10,000,000 (run a larger population in parts, by booking month for instance)"
    ]


def test_many_rows_of_wide_columns_are_refused_by_rows_times_widths_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows times the columns' widths (text 16 bytes, Int64 8) over the limit: refused from the footer."""
    people = _people(tmp_path / "people.parquet")
    width = 4 * 16 + 8
    assert read_footer(people).uncompressed_bytes < ROWS * width  # the footer's bytes alone pass
    monkeypatch.setattr(limits, "MAX_TABLE_DECODED_BYTES", ROWS * width - 1)
    _unread(monkeypatch)
    status, err = _batch(capsys, people, tmp_path / "r.csv")
    assert status == 2
    assert (
        f"would take {ROWS * width:,} bytes in memory (by its footer: its rows times its columns' widths)"
        in err
    )


def test_a_dictionary_of_one_long_value_is_refused_once_read_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ROWS copies of a 5,000-character note (stored once): at the limit evaluated, one byte under refused."""
    people = tmp_path / "people.parquet"
    pl.read_parquet(_people(people)).with_columns(pl.lit("n" * 5_000).alias("note.pad")).write_parquet(people)
    assert people.stat().st_size < 100_000
    size = int(pl.read_parquet(people).estimated_size())
    assert size > ROWS * 5_000
    monkeypatch.setattr(limits, "MAX_TABLE_DECODED_BYTES", size)
    assert _batch(capsys, people, tmp_path / "a.csv")[0] == 0
    monkeypatch.setattr(limits, "MAX_TABLE_DECODED_BYTES", size - 1)
    status, err = _batch(capsys, people, tmp_path / "b.csv")
    assert status == 2
    assert err.splitlines() == [
        f"error: {people}: would take {size:,} bytes in memory once read; the limit is {size - 1:,} "
        "(run a larger population in parts, by booking month for instance)"
    ]


def test_report_applies_the_same_limits_to_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results of 2 × ROWS rows are reported under a limit of that many, refused under one fewer."""
    people = _people(tmp_path / "people.parquet")
    results = tmp_path / "r.parquet"
    assert _batch(capsys, people, results)[0] == 0
    monkeypatch.setattr(limits, "MAX_TABLE_ROWS", 2 * ROWS)
    assert invoke(capsys, "report", str(results), "--out", str(tmp_path / "a"))[0] == 0
    monkeypatch.setattr(limits, "MAX_TABLE_ROWS", 2 * ROWS - 1)
    status, _out, err = invoke(capsys, "report", str(results), "--out", str(tmp_path / "b"))
    assert status == 2
    assert f"error: {results}: holds {2 * ROWS:,} rows (by its footer)" in err


def test_a_damaged_footer_is_a_located_refusal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A footer declaring 4 GB, or cut short: exit 2 naming the file, never an internal error."""
    people = _people(tmp_path / "people.parquet")
    data = people.read_bytes()
    huge = tmp_path / "huge.parquet"
    huge.write_bytes(data[:-8] + (2**32 - 1).to_bytes(4, "little") + b"PAR1")
    status, err = _batch(capsys, huge, tmp_path / "r.csv")
    assert status == 2
    assert f"error: {huge}: cannot be read as PARQUET: declares a footer of 4,294,967,295 bytes" in err
    length = int.from_bytes(data[-8:-4], "little")
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(
        data[: -8 - length]
        + data[-8 - length : -8 - length // 2]
        + (length // 2).to_bytes(4, "little")
        + b"PAR1"
    )
    status, err = _batch(capsys, cut, tmp_path / "r.csv")
    assert status == 2
    assert f"error: {cut}: cannot be read as PARQUET" in err
    assert "internal error" not in err


@given(parquet_tails())
def test_any_footer_is_read_or_refused_as_damaged(tail: bytes) -> None:
    """Whatever bytes a footer holds, the reader returns counts or raises FooterError, nothing else."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.parquet"
        path.write_bytes(tail)
        try:
            footer = read_footer(path)
        except FooterError:
            return
        assert footer.rows >= 0 and footer.uncompressed_bytes >= 0
