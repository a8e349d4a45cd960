"""Writing output files whole or not at all.

A file is written to a temporary file in the same folder and then renamed over the target, so a
reader never sees half of it, and an interrupted run leaves the old file (or none) in place.
Several files are rendered completely in memory before the first is written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import InputError, Problem


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` by way of a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; give it the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` by way of a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_files(folder: Path, files: Mapping[str, str]) -> list[Path]:
    """Write every ``name: text`` into ``folder`` (created if needed); return the paths written."""
    if folder.exists() and not folder.is_dir():
        raise InputError([Problem(str(folder), None, "", "exists and is not a folder")])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in files.items():
            target = folder / name
            write_text_atomic(target, text)
            written.append(target)
    except OSError as exc:
        raise InputError([Problem(str(folder), None, "", f"cannot write: {exc.strerror or exc}")]) from None
    return written
