"""What a Parquet file says it holds, read from its footer alone: rows, and bytes once decompressed.

A Parquet file can be small on disk and enormous in memory (one value repeated fifty million times
compresses to almost nothing), so its size on disk says little. Its footer records the row count
and, for every row group, the size of its pages once decompressed, which is what a reader must
allocate. polars reads the footer but does not expose those sizes; pyarrow, the reference
implementation of the format, does (``pyarrow.parquet.read_metadata``). The footer's own length is
read from the file's last eight bytes and bounded before pyarrow parses it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MAGIC = b"PAR1"
MAX_FOOTER_BYTES = 8_000_000  # a footer of a few thousand row groups; polars writes kilobytes


class FooterError(ValueError):
    """The file is not a Parquet file whose footer can be read (damaged, absent or too large)."""


@dataclass(frozen=True)
class ParquetFooter:
    """What the footer declares: rows, row groups and the bytes its pages take once decompressed."""

    rows: int
    row_groups: int
    uncompressed_bytes: int
    footer_bytes: int


def read_footer(path: Path) -> ParquetFooter:
    """The footer of the Parquet file at ``path`` (FooterError when it has none or it is damaged)."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < 12:
            raise FooterError("too short to be a Parquet file")
        handle.seek(size - 8)
        tail = handle.read(8)
    if tail[4:] != MAGIC:
        raise FooterError("no Parquet footer (an encrypted footer, or not a Parquet file)")
    length = int.from_bytes(tail[:4], "little")
    if length > min(MAX_FOOTER_BYTES, size - 12):
        raise FooterError(f"declares a footer of {length:,} bytes (the limit is {MAX_FOOTER_BYTES:,})")
    try:
        meta = pq.read_metadata(path)
        groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
        declared = sum(g.total_byte_size for g in groups)
    except (pa.ArrowException, OSError) as exc:
        raise FooterError(f"its footer cannot be read ({' '.join(str(exc).split())[:200]})") from None
    if meta.num_rows < 0 or declared < 0 or any(g.num_rows < 0 for g in groups):
        raise FooterError("its footer declares a negative size")
    return ParquetFooter(meta.num_rows, meta.num_row_groups, declared, length)
