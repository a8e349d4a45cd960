"""A cache of parsed YAML files, as JSON, so that a file read again is not parsed again.

Parsing YAML safely (the checks of :mod:`.yamlsafe`, then building plain data with the line of
every value) costs about a millisecond per kilobyte; reading the same data back from JSON costs a
twentieth of that. The command line reads the same rule and scenario files run after run, so a
file parsed once is kept, as JSON, in the user's cache folder and reused while its text is
unchanged.

What keeps it safe:

- Only data is stored: JSON (mappings, lists, text, numbers, true/false/null), with dates listed
  apart by their place in the document. Nothing in it is ever executed or unpickled.
- An entry is found by a SHA-256 of the file's text together with everything that decides how
  it is parsed (this module's and the parser's source code, the input limits in force and
  PyYAML's version), and the entry holds that key again: a changed file, parser or limit finds
  no entry, and an entry copied to another name is refused.
- A file that fails to parse is never stored (it is parsed, and refused, every time).
- An entry is checked as it is read (its shape, every line number and every path); one that does
  not read back whole (truncated, corrupted, hand-edited into another shape) is ignored, and
  the file is parsed as if there were no cache.
- Entries are written to a temporary file and renamed, so a reader never sees half of one; a
  cache folder that cannot be made or written is simply not used. The cache never writes
  beside the files it reads.
- It holds at most :data:`MAX_ENTRIES` entries: when a write passes that, the least recently used
  quarter is removed.

``DETAINER_MODEL_CACHE_DIR`` names the folder (default: the platform's user cache folder, such
as ``~/.cache/detainer-model``); set it to ``off`` (or an empty value) to parse every time.

The same folder holds *marks*: empty files that record that something was done for a key, such
as a rule library whose every composition was checked (see
:func:`detainer_model.rulebook.library.load_rules`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import itertools
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

FORMAT = "detainer-model parsed-yaml 3"
ENV = "DETAINER_MODEL_CACHE_DIR"
OFF = ("", "off", "0", "no", "false", "none")
MAX_ENTRIES = 4000
# An entry is JSON for at most MAX_YAML_BYTES of text and its line numbers; anything far larger
# is not an entry this module wrote.
MAX_ENTRY_BYTES = 200_000_000

# The lines kept: of the values at most this deep (a rule, a case: all that loading a file asks
# for). A deeper line, wanted only for a message about a value, comes from parsing the text.
DEPTH = 2

PathKey = tuple[str | int, ...]
Parsed = tuple[Any, dict[PathKey, int]]


def cache_root() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in OFF else Path(chosen)
    return _default_root()


def cache_dir() -> Path | None:
    """The folder of parsed files, or None when the cache is turned off."""
    root = cache_root()
    return None if root is None else root / "yaml"


@functools.cache
def _default_root() -> Path:
    import platformdirs  # only when no folder is named

    return Path(platformdirs.user_cache_dir("detainer-model", appauthor=False))


def has_mark(kind: str, key: str) -> bool:
    """Whether a mark ``key`` of ``kind`` was set (see :func:`set_mark`); False with the cache off."""
    root = cache_root()
    return root is not None and (root / kind / key).is_file()


def set_mark(kind: str, key: str) -> None:
    """Note, as an empty file named ``key``, that something keyed ``key`` was done (such as a
    rule library checked whole); nothing when the cache is off or cannot be written."""
    root = cache_root()
    if root is None:
        return
    try:
        (root / kind).mkdir(parents=True, exist_ok=True)
        (root / kind / key).touch()
        _trim(root / kind, suffix="")
    except OSError:
        pass


@functools.cache
def _code_fingerprint() -> str:
    """A digest of the source of the modules that decide what a parse returns."""
    from . import limits, yamlsafe

    h = hashlib.sha256(FORMAT.encode())
    for module in (yamlsafe, limits):
        source = getattr(module, "__file__", None)
        h.update(Path(source).read_bytes() if source else b"?")
        if module is yamlsafe and source:  # and the parser proper, found beside it, not imported
            parser = Path(source).with_name("yamlparse.py")
            h.update(parser.read_bytes() if parser.is_file() else b"?")
    return h.hexdigest()


def entry_key(text: str, settings: tuple[Any, ...]) -> str:
    """The key of ``text`` parsed under ``settings`` (the limits and parser version in force)."""
    h = hashlib.sha256(_code_fingerprint().encode())
    h.update(repr(settings).encode())
    h.update(b"\0")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def get(text: str, settings: tuple[Any, ...]) -> Parsed | None:
    """The data and the lines (to :data:`DEPTH`) stored for ``text``, or None (no cache, no entry,
    a bad entry)."""
    folder = cache_dir()
    if folder is None:
        return None
    key = entry_key(text, settings)
    path = folder / f"{key}.json"
    try:
        found_stat = path.stat()
        # a regular file of a sane size only: never a device, a pipe or a link to one (which
        # could be endless, or block)
        if not stat.S_ISREG(found_stat.st_mode) or found_stat.st_size > MAX_ENTRY_BYTES:
            return None
        with path.open("rb") as handle:
            entry = json.loads(handle.read(MAX_ENTRY_BYTES + 1))
        found = _decode(entry, key)
    except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError):
        return None
    if found is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept when the cache is trimmed
    return found


def put(text: str, settings: tuple[Any, ...], data: Any, lines: dict[PathKey, int]) -> None:
    """Store the parse of ``text`` (its data, and its lines to :data:`DEPTH`), if the cache is on
    and writable, and the data reads back whole."""
    folder = cache_dir()
    if folder is None:
        return
    key = entry_key(text, settings)
    dates: list[list[Any]] = []
    lines = {p: line for p, line in lines.items() if len(p) <= DEPTH}
    try:
        entry = {
            "format": FORMAT,
            "key": key,
            "data": _encode(data, [], dates),
            "dates": dates,
            "paths": list(lines),
            "lines": list(lines.values()),
        }
        blob = json.dumps(entry, ensure_ascii=True, allow_nan=True, separators=(",", ":"))
        if _decode(json.loads(blob), key) != (data, lines):
            return  # something that JSON cannot carry exactly: parse it every time instead
    except (ValueError, TypeError, RecursionError):
        return
    try:
        from .atomicwrite import write_text_atomic  # a write is rare: only after a parse

        write_text_atomic(folder / f"{key}.json", blob)
        _trim(folder)
    except OSError:
        pass  # an unwritable cache is no cache


def _encode(value: Any, path: list[str | int], dates: list[list[Any]]) -> Any:
    """``value`` as JSON data; each date or datetime is written as text and its path noted."""
    if isinstance(value, dict):
        return {k: _encode(v, [*path, k], dates) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v, [*path, i], dates) for i, v in enumerate(value)]
    if isinstance(value, dt.datetime):
        dates.append(["datetime", *path])
        return value.isoformat()
    if isinstance(value, dt.date):
        dates.append(["date", *path])
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"not plain data: {type(value).__name__}")


_READERS: dict[str, Callable[[str], Any]] = {
    "date": dt.date.fromisoformat,
    "datetime": dt.datetime.fromisoformat,
}


def _decode(entry: Any, key: str) -> Parsed | None:
    """The data and lines of an entry, or None unless it is a whole entry for ``key``."""
    if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
        return None
    data = entry["data"]
    for kind, *where in entry["dates"]:
        if not where:
            data = _READERS[kind](data)
            continue
        holder = data
        for part in where[:-1]:
            holder = holder[part]
        holder[where[-1]] = _READERS[kind](holder[where[-1]])
    paths, numbers = entry["paths"], entry["lines"]
    # checked in bulk: every line a whole number, every path a list of names and indexes
    if (
        len(paths) != len(numbers)
        or not set(map(type, numbers)) <= {int}
        or not set(map(type, paths)) <= {list}
    ):
        return None
    if not set(map(type, itertools.chain.from_iterable(paths))) <= {str, int}:
        return None
    return data, dict(zip(map(tuple, paths), numbers, strict=True))


def _trim(folder: Path, suffix: str = ".json") -> None:
    """Keep the cache under MAX_ENTRIES entries: past it, remove the least recently used quarter."""
    entries = list(_entries(folder, suffix))
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort()
    for _when, path in entries[: len(entries) - MAX_ENTRIES * 3 // 4]:
        with contextlib.suppress(OSError):
            path.unlink()


def _entries(folder: Path, suffix: str) -> Iterator[tuple[float, Path]]:
    with os.scandir(folder) as found:
        for e in found:
            if e.name.endswith(suffix) and not e.name.startswith("."):
                try:
                    yield e.stat().st_mtime, Path(e.path)
                except OSError:
                    continue
