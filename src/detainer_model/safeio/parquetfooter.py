"""What a Parquet file says it holds, read from its footer alone: rows, and bytes once decompressed.

A Parquet file can be small on disk and enormous in memory (one value repeated fifty million times
compresses to almost nothing), so its size on disk says little. Its footer, though, records the
row count and, for every column chunk, the size of its pages once decompressed, which is what a
reader must allocate. polars reads the footer but does not expose those sizes, and pyarrow is not
a dependency, so the few fields needed are read here: the footer is Thrift's compact protocol
(https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md), and only
``FileMetaData.num_rows``, ``RowGroup.total_byte_size``/``num_rows`` and
``ColumnMetaData.total_uncompressed_size`` are kept; every other field is skipped by its type.
The footer's own length is bounded before it is read, and so is the nesting it may declare.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAGIC = b"PAR1"
MAX_FOOTER_BYTES = 8_000_000  # a footer of a few thousand row groups; polars writes kilobytes
MAX_NESTING = 32

# compact protocol types
_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(13)


INTEGER = "integer"  # keep this field's integer value
Wanted = Callable[[int], dict[int, Any]] | str


class FooterError(ValueError):
    """The file is not a Parquet file this reader understands (its footer is damaged or absent)."""


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
        handle.seek(size - 8 - length)
        data = handle.read(length)
    reader = _Compact(data)
    try:
        return reader.file_metadata(length)
    except IndexError:
        raise FooterError("the footer ends early") from None


class _Compact:
    """A reader of the compact protocol over ``data``, keeping only the fields asked for."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise FooterError("a number in the footer is too long")

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def struct(self, depth: int, wanted: Mapping[int, Wanted]) -> dict[int, Any]:
        """Read a struct, keeping the fields whose ids ``wanted`` names: an integer as it is, a
        struct (or each struct of a list) as the reader given for it returns it; others skipped."""
        if depth > MAX_NESTING:
            raise FooterError(f"the footer nests deeper than {MAX_NESTING} levels")
        out: dict[int, Any] = {}
        last = 0
        while True:
            header = self.byte()
            kind = header & 0x0F
            if kind == _STOP:
                return out
            delta = header >> 4
            field = last + delta if delta else self.zigzag()
            last = field
            want = wanted.get(field)
            if want is None:
                self.skip(kind, depth + 1)
            elif want == INTEGER and kind in (_I16, _I32, _I64):
                out[field] = self.zigzag()
            elif not isinstance(want, str) and kind == _STRUCT:
                out[field] = want(depth + 1)
            elif not isinstance(want, str) and kind == _LIST:
                out[field] = self.list_of(want, depth + 1)
            else:
                self.skip(kind, depth + 1)

    def list_header(self) -> tuple[int, int]:
        header = self.byte()
        size = header >> 4
        if size == 15:
            size = self.varint()
        if size > len(self.data) - self.pos:  # every element takes at least a byte
            raise FooterError("a list in the footer is longer than the footer")
        return size, header & 0x0F

    def list_of(self, read: Callable[[int], dict[int, Any]], depth: int) -> list[dict[int, Any]]:
        size, kind = self.list_header()
        if kind != _STRUCT:
            for _ in range(size):
                self.skip(kind, depth + 1)
            return []
        return [read(depth + 1) for _ in range(size)]

    def skip(self, kind: int, depth: int) -> None:
        if depth > MAX_NESTING:
            raise FooterError(f"the footer nests deeper than {MAX_NESTING} levels")
        if kind in (_TRUE, _FALSE):
            return
        if kind == _BYTE:
            self.pos += 1
        elif kind in (_I16, _I32, _I64):
            self.varint()
        elif kind == _DOUBLE:
            self.pos += 8
        elif kind == _BINARY:
            length = self.varint()  # read before pos is taken (``pos += varint()`` would lose it)
            self.pos += length
        elif kind in (_LIST, _SET):
            size, element = self.list_header()
            for _ in range(size):
                if element in (_TRUE, _FALSE):
                    self.pos += 1  # in a list a boolean is a byte of its own
                else:
                    self.skip(element, depth + 1)
        elif kind == _MAP:
            size = self.varint()
            if size > len(self.data) - self.pos:
                raise FooterError("a map in the footer is longer than the footer")
            if size:
                types = self.byte()
                for _ in range(size):
                    self.skip(types >> 4, depth + 1)
                    self.skip(types & 0x0F, depth + 1)
        elif kind == _STRUCT:
            self.struct(depth, {})
        else:
            raise FooterError(f"unknown field type {kind} in the footer")
        if self.pos > len(self.data):
            raise FooterError("the footer ends early")

    # Parquet's structs, as far as they are needed

    def column_metadata(self, depth: int) -> dict[int, Any]:
        return self.struct(depth, {6: INTEGER})  # total_uncompressed_size

    def column_chunk(self, depth: int) -> dict[int, Any]:
        return self.struct(depth, {3: self.column_metadata})  # meta_data

    def row_group(self, depth: int) -> dict[int, Any]:
        # columns, total_byte_size, num_rows
        return self.struct(depth, {1: self.column_chunk, 2: INTEGER, 3: INTEGER})

    def file_metadata(self, length: int) -> ParquetFooter:
        meta = self.struct(0, {3: INTEGER, 4: self.row_group})  # num_rows, row_groups
        groups: list[dict[int, Any]] = meta.get(4) or []
        uncompressed = group_rows = 0
        for group in groups:
            chunks: list[dict[int, Any]] = group.get(1) or []
            pages = sum(_int(c.get(3, {}).get(6)) for c in chunks)
            uncompressed += max(pages, _int(group.get(2)))
            group_rows += _int(group.get(3))
        rows = max(_int(meta.get(3)), group_rows)
        return ParquetFooter(rows, len(groups), uncompressed, length)


def _int(value: object) -> int:
    """A size or count from the footer (a negative one, which no writer makes, counts as 0)."""
    return value if isinstance(value, int) and value > 0 else 0
