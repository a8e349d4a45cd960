"""What a path is, in words, before anything is read from it.

Reading a named pipe (FIFO) blocks until something writes to it, and a character device may
never end, so input files are checked to be regular files first. A symbolic link loop or a
permission problem is named as such, not reported as a missing file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def not_a_regular_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as an input file (None when it is a readable regular file)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return _os_reason(exc)
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file; save the data to a file first"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    return "is not a regular file"  # pragma: no cover - every kind of file is named above


def input_file_problem(path: Path, max_bytes: int) -> str | None:
    """Why ``path`` cannot be read whole (not a regular file, or over ``max_bytes`` by ``stat``)."""
    problem = not_a_regular_file(path)
    if problem is not None:
        return problem
    try:
        size = os.stat(path).st_size
    except OSError as exc:  # pragma: no cover - it was there a moment ago
        return _os_reason(exc)
    if size > max_bytes:
        return f"file is {size:,} bytes; the limit is {max_bytes:,}"
    return None


def missing_reason(path: Path) -> str:
    """Words for a path that is neither a folder nor a regular file."""
    return not_a_regular_file(path) or "no such file or folder"


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "is a loop of symbolic links"
    if exc.errno == errno.ENOENT:
        return "no such file or folder"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    return f"cannot be read: {exc.strerror or exc}"
