"""Reading and writing the batch tables: CSV or Parquet, chosen by the file's extension.

Tables this package writes carry a small JSON *manifest* (who made them, from which rules, whether
the data are synthetic): inside a Parquet file as key-value metadata, beside a CSV file as
``NAME.csv.meta.json``. Every write goes to a temporary file in the same folder and is renamed
into place only when complete, so a failed or interrupted run never leaves a half-written table.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import polars as pl

from ..errors import InputError, Problem
from ..safeio import limits
from ..safeio.csvcells import FORMULA_PATTERN
from ..safeio.outputs import write_errors_refused
from ..safeio.parquetfooter import FooterError, read_footer
from ..safeio.paths import input_file_problem
from ..safeio.swap import clean_stale_temporaries, replace_together

Format = Literal["csv", "parquet"]
FORMATS: dict[str, Format] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
MANIFEST_KEY = "detainer_model"
SIDECAR_SUFFIX = ".meta.json"
TABLE_DIGEST = "table_sha256"


def table_format(path: Path, *, what: str = "table") -> Format:
    """The format of ``path`` by its extension, or InputError naming the ones understood."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(FORMATS)
        raise InputError([Problem(str(path), None, "", f"a {what} must be a {known} file")])
    return fmt


IN_PARTS = " (run a larger population in parts, by booking month for instance)"


def read_table(path: Path, *, checked: bool = False) -> pl.DataFrame:
    """Read a CSV (every column as text) or Parquet table; unreadable files are an InputError.

    Bounded before and after reading (see :mod:`..safeio.limits`): the file's size by ``stat``; a
    Parquet file's rows, decompressed bytes and width by its footer (``checked``: the caller has
    just done so with :func:`check_before_reading`); the table read, by its rows and its size in
    memory, before anything works on it."""
    fmt = table_format(path)
    if not checked:
        check_before_reading(path)
    try:
        if fmt == "csv":
            table = pl.read_csv(path, infer_schema=False, raise_if_empty=True)
        else:
            table = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    _check_rows(path, table.height, "")
    _check_bytes(path, int(table.estimated_size()), " once read")
    return table


def check_before_reading(path: Path) -> None:
    """Refuse (InputError) a table over the limits before its data is read: the file's size by
    ``stat``, and a Parquet file's rows, decompressed bytes and width by its footer."""
    problem = input_file_problem(path, limits.MAX_TABLE_BYTES)
    if problem is not None:
        if problem.startswith("file is "):
            problem += IN_PARTS
        raise InputError([Problem(str(path), None, "", problem)])
    if table_format(path) == "parquet":
        try:
            _check_parquet_footer(path)
        except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
            raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: Exception) -> InputError:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputError(
        [Problem(str(path), None, "", f"cannot be read as {table_format(path).upper()}: {reason}")]
    )


def _check_rows(path: Path, rows: int, how: str) -> None:
    if rows > limits.MAX_TABLE_ROWS:
        problem = f"holds {rows:,} rows{how}; the limit is {limits.MAX_TABLE_ROWS:,}{IN_PARTS}"
        raise InputError([Problem(str(path), None, "", problem)])


def _check_bytes(path: Path, size: int, how: str) -> None:
    if size > limits.MAX_TABLE_DECODED_BYTES:
        problem = (
            f"would take {size:,} bytes in memory{how}; the limit is "
            f"{limits.MAX_TABLE_DECODED_BYTES:,}{IN_PARTS}"
        )
        raise InputError([Problem(str(path), None, "", problem)])


_WIDTHS: dict[object, int] = {pl.Boolean: 1, pl.Int8: 1, pl.UInt8: 1, pl.Int16: 2, pl.UInt16: 2}
_WIDTHS |= {pl.Int32: 4, pl.UInt32: 4, pl.Float32: 4, pl.Date: 4, pl.Null: 0, pl.Enum: 4, pl.Categorical: 4}


def _check_parquet_footer(path: Path) -> None:
    """Refuse, from the footer alone, a Parquet file that would expand past the limits: by its rows,
    by its pages' decompressed bytes, or by its rows times its columns' widths (a text or list cell
    counted at 16 bytes, its smallest cost in memory; other cells at their width, 8 at most)."""
    try:
        footer = read_footer(path)
    except FooterError as exc:
        raise InputError([Problem(str(path), None, "", f"cannot be read as PARQUET: {exc}")]) from None
    _check_rows(path, footer.rows, " (by its footer)")
    _check_bytes(path, footer.uncompressed_bytes, " once decompressed (by its footer)")
    schema = pl.read_parquet_schema(path)
    width = sum(_width(t) for t in schema.values())
    _check_bytes(path, footer.rows * width, " (by its footer: its rows times its columns' widths)")


def _width(dtype: pl.DataType) -> int:
    fixed = _WIDTHS.get(dtype.base_type())
    if fixed is not None:
        return fixed
    return 8 if dtype.is_numeric() or dtype.is_temporal() else 16


def read_manifest(path: Path, *, strict: bool = False) -> dict[str, Any]:
    """The manifest a table carries (empty when it has none or it cannot be read).

    ``strict``: refuse a CSV's manifest that records another table
    digest (results a report reads must be the ones their manifest describes; an edited input
    table keeps its manifest). A manifest over the size limit is refused, never read.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        return {}
    side = sidecar(path)
    try:
        if fmt == "parquet":
            read_footer(path)  # its length bounded before polars reads it
            meta = pl.read_parquet_metadata(path)
            text = meta.get(MANIFEST_KEY)
        elif side.is_file():
            problem = input_file_problem(side, limits.MAX_MANIFEST_BYTES)
            if problem is not None:
                raise InputError([Problem(str(side), None, "", problem)])
            text = side.read_text(encoding="utf-8")
        else:
            text = None
        data = json.loads(text) if text else {}
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return {}
    if not isinstance(data, dict):
        return {}
    expected = data.get(TABLE_DIGEST)
    if strict and isinstance(expected, str) and expected != file_digest(path):
        raise InputError(
            [
                Problem(
                    str(sidecar(path)),
                    None,
                    "",
                    f"describes another version of {path.name} (a write was interrupted, or the table "
                    "was edited); run the batch again",
                )
            ]
        )
    return data


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only if the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes the file private; give it the usual mode
        os.replace(tmp_path, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with write_errors_refused(path), atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(path: Path, data: bytes) -> None:
    with write_errors_refused(path), atomic_path(path) as tmp:
        tmp.write_bytes(data)


def inert_text(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with every text cell a spreadsheet would run as a formula made inert (see csvcells)."""
    text = [c for c, t in df.schema.items() if t == pl.String]
    if not text:
        return df
    return df.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_PATTERN))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def write_table(df: pl.DataFrame, path: Path, manifest: Mapping[str, Any] | None = None) -> None:
    """Write ``df`` as CSV or Parquet (by extension) atomically, with its manifest.

    A Parquet file holds its manifest, so one rename replaces both. A CSV table and its
    ``.meta.json`` are replaced together as one unit (:mod:`..safeio.swap`).
    """
    fmt = table_format(path)
    with write_errors_refused(path):
        if fmt != "csv":
            with atomic_path(path) as tmp:
                render_table(df, tmp, manifest, fmt=fmt)
            return
        with replace_together(path.parent, path.name, [path.name, sidecar(path).name]) as stage:
            render_table(df, stage / path.name, manifest)


def render_table(
    df: pl.DataFrame, path: Path, manifest: Mapping[str, Any] | None, *, fmt: Format | None = None
) -> None:
    """Write ``df`` to ``path`` in place (the caller makes it atomic), a CSV's manifest beside it.

    A CSV's manifest also records the table's SHA-256: a reader checks it, a second line of defence
    against a table and manifest that do not belong together (an edited table, or a pair mixed by
    hand)."""
    fmt = fmt or table_format(path)
    if fmt != "csv":
        text = json.dumps(manifest, sort_keys=True, default=str) if manifest is not None else None
        df.write_parquet(path, metadata={MANIFEST_KEY: text} if text else None)
        return
    inert_text(df).write_csv(path, date_format="%Y-%m-%d")
    if manifest is not None:
        text = json.dumps({**manifest, TABLE_DIGEST: file_digest(path)}, sort_keys=True, default=str)
        sidecar(path).write_text(text + "\n", encoding="utf-8")


def file_digest(path: Path) -> str:
    """``sha256:...`` of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()
