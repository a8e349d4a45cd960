"""Reading and writing the batch tables: CSV or Parquet, chosen by the file's extension.

Tables this package writes carry a small JSON *manifest* (who made them, from which rules, whether
the data are synthetic): inside a Parquet file as key-value metadata, beside a CSV file as
``NAME.csv.meta.json``. Every write goes to a temporary file in the same folder and is renamed
into place only when complete, so a failed or interrupted run never leaves a half-written table.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import polars as pl

from ..errors import InputError, Problem
from ..safeio.paths import not_a_regular_file

Format = Literal["csv", "parquet"]
FORMATS: dict[str, Format] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
MANIFEST_KEY = "detainer_model"
SIDECAR_SUFFIX = ".meta.json"


def table_format(path: Path, *, what: str = "table") -> Format:
    """The format of ``path`` by its extension, or InputError naming the ones understood."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(FORMATS)
        raise InputError([Problem(str(path), None, "", f"a {what} must be a {known} file")])
    return fmt


def read_table(path: Path) -> pl.DataFrame:
    """Read a CSV (every column as text) or Parquet table; unreadable files are an InputError."""
    fmt = table_format(path)
    problem = not_a_regular_file(path)
    if problem is not None:
        raise InputError([Problem(str(path), None, "", problem)])
    try:
        if fmt == "csv":
            return pl.read_csv(path, infer_schema=False, raise_if_empty=True)
        return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            [Problem(str(path), None, "", f"cannot be read as {fmt.upper()}: {reason}")]
        ) from None


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest a table carries (empty when it has none or it cannot be read)."""
    try:
        if table_format(path) == "parquet":
            meta = pl.read_parquet_metadata(path)
            text = meta.get(MANIFEST_KEY)
        else:
            side = sidecar(path)
            text = side.read_text(encoding="utf-8") if side.is_file() else None
        data = json.loads(text) if text else {}
    except (InputError, OSError, ValueError, pl.exceptions.PolarsError):
        return {}
    return data if isinstance(data, dict) else {}


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only if the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_table(df: pl.DataFrame, path: Path, manifest: Mapping[str, Any] | None = None) -> None:
    """Write ``df`` as CSV or Parquet (by extension) atomically, with its manifest."""
    fmt = table_format(path)
    text = json.dumps(manifest, sort_keys=True, default=str) if manifest is not None else None
    with atomic_path(path) as tmp:
        if fmt == "csv":
            df.write_csv(tmp, date_format="%Y-%m-%d")
        else:
            df.write_parquet(tmp, metadata={MANIFEST_KEY: text} if text else None)
    if fmt == "csv":
        side = sidecar(path)
        if text:
            write_text(side, text + "\n")
        else:
            with contextlib.suppress(FileNotFoundError):
                side.unlink()
