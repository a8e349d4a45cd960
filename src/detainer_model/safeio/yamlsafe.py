"""Safe, bounded YAML loading that remembers the line of every value.

Scenario and rule files are untrusted text. This loader builds only plain data (mappings,
lists, strings, numbers, booleans, null and dates); YAML tags never construct objects, duplicate
keys are refused instead of silently overwritten, and documents that are too large, too deep or
that expand too far through aliases are refused before they are built.

The parsing itself, the one part that needs PyYAML, is in :mod:`.yamlparse`, loaded when a text
is not found in the cache of parsed files (:mod:`.parsecache`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from . import limits, parsecache
from .limits import MAX_NUMBER_DIGITS, MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES
from .paths import input_file_problem

# The limits themselves live in .limits; these names stay for code that imported them from here.
MAX_BYTES = MAX_YAML_BYTES
MAX_DEPTH = MAX_YAML_DEPTH
MAX_NODES = MAX_YAML_NODES
MAX_DIGITS = MAX_NUMBER_DIGITS

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class LocatedDocument:
    """Plain data from one YAML file, with the 1-based line of every key and value.

    A document read back from the cache of parsed files holds the lines of its values down to
    ``depth`` only, and ``more_lines`` to find the others (by parsing the text) when asked.
    """

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    depth: int | None = field(default=None, compare=False)
    more_lines: Callable[[], dict[Path_, int]] | None = field(default=None, compare=False, repr=False)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of the deepest known node on ``path``."""
        p = tuple(path)
        lines = self.lines if self.depth is None or len(p) <= self.depth else self.all_lines
        while p:
            if p in lines:
                return lines[p]
            p = p[:-1]
        return lines.get((), None)

    @cached_property
    def all_lines(self) -> dict[Path_, int]:
        """The line of every value (for a document from the cache, found by parsing its text)."""
        if self.more_lines is None:
            return self.lines
        try:
            return self.more_lines()
        except InputError:  # pragma: no cover - the text parsed before, under the same limits
            return self.lines


def format_path(path: Sequence[str | int]) -> str:
    """``('cases', 0, 'person', 'age')`` -> ``cases[0].person.age``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def read_text(path: Path, display: str, *, max_bytes: int | None = None) -> str:
    """Read a file as UTF-8 text, refusing binary, oversized (by ``stat``, before reading) and empty
    files. ``max_bytes`` defaults to :data:`.limits.MAX_YAML_BYTES`."""
    problem = input_file_problem(path, limits.MAX_YAML_BYTES if max_bytes is None else max_bytes)
    if problem is not None:
        raise InputError([Problem(display, None, "", problem)])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(display, None, "", f"cannot read file: {exc.strerror}")]) from None
    if b"\x00" in raw:
        raise InputError([Problem(display, None, "", "is a binary file, not UTF-8 text")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError([Problem(display, line, "", "is not valid UTF-8 text")]) from None
    if not text.strip():
        raise InputError([Problem(display, None, "", "file is empty")])
    return text


def load_yaml_text(text: str, display: str, *, cache: bool = False) -> LocatedDocument:
    """Parse one YAML document into plain data with line numbers, or raise InputError.

    With ``cache``, a text parsed before is read back from the cache of parsed files (see
    :mod:`.parsecache`) instead of being parsed again, and a text parsed now is stored there.
    """
    if cache:
        settings = _settings()
        found = parsecache.get(text, settings)
        if found is not None:
            return LocatedDocument(
                display, *found, parsecache.DEPTH, lambda: load_yaml_text(text, display).lines
            )
        doc = load_yaml_text(text, display)
        parsecache.put(text, settings, doc.data, doc.lines)
        return doc
    from .yamlparse import parse  # PyYAML is loaded only when a text is parsed

    return parse(text, display)


def load_yaml_file(path: Path, display: str | None = None) -> LocatedDocument:
    """Read and parse a YAML file (see :func:`load_yaml_text`); a file parsed before, unchanged,
    is read back from the cache of parsed files."""
    shown = display if display is not None else str(path)
    return load_yaml_text(read_text(path, shown), shown, cache=True)


def _settings() -> tuple[Any, ...]:
    """What, besides the text and this code, decides what a parse returns (part of a cache key)."""
    return (MAX_DEPTH, MAX_NODES, MAX_DIGITS, _parser_identity())


@functools.cache
def _parser_identity() -> str:
    """PyYAML as installed, without importing it (a file read back from the cache needs no
    parser): a digest of its first module, which holds its version, and of the names of its
    files, among them libyaml's binding when it is there (then the faster C loader parses)."""
    spec = importlib.util.find_spec("yaml")
    origin = Path(spec.origin) if spec is not None and spec.origin else None
    if origin is None or not origin.is_file():  # pragma: no cover - PyYAML not installed as files
        import yaml

        return f"{yaml.__version__} {yaml.__with_libyaml__}"
    h = hashlib.sha256(origin.read_bytes())
    h.update("\0".join(sorted(p.name for p in origin.parent.iterdir())).encode())
    return h.hexdigest()
