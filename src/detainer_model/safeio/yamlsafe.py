"""Safe, bounded YAML loading that remembers the line of every value.

Scenario and rule files are untrusted text. This loader builds only plain data (mappings,
lists, strings, numbers, booleans, null and dates); YAML tags never construct objects, duplicate
keys are refused instead of silently overwritten, and documents that are too large, too deep or
that expand too far through aliases are refused before they are built.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError, Problem
from . import limits, parsecache
from .limits import MAX_NUMBER_DIGITS, MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES
from .paths import input_file_problem

# The limits themselves live in .limits; these names stay for code that imported them from here.
MAX_BYTES = MAX_YAML_BYTES
MAX_DEPTH = MAX_YAML_DEPTH
MAX_NODES = MAX_YAML_NODES

Path_ = tuple[str | int, ...]

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"

try:  # the C loader is faster; both refuse the same things here
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


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


class _Refusal(Exception):
    def __init__(self, line: int | None, path: Path_, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.path = path
        self.message = message


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
    try:
        expands = _check_shape(text)
        node = yaml.compose(text, Loader=_Loader)
    except _Refusal as exc:
        raise InputError([Problem(display, exc.line, format_path(exc.path), exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        raise InputError([Problem(display, line, "", f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(display, None, "", f"YAML error: {exc}")]) from None
    except RecursionError:
        raise InputError([Problem(display, None, "", "document is nested too deeply")]) from None
    if node is None:
        raise InputError([Problem(display, None, "", "file holds no YAML document")])
    lines: dict[Path_, int] = {}
    try:
        if expands:
            _check_expansion(node)
        data = _build(node, (), lines)
    except _Refusal as exc:
        raise InputError([Problem(display, exc.line, format_path(exc.path), exc.message)]) from None
    return LocatedDocument(display, data, lines)


def load_yaml_file(path: Path, display: str | None = None) -> LocatedDocument:
    """Read and parse a YAML file (see :func:`load_yaml_text`); a file parsed before, unchanged,
    is read back from the cache of parsed files."""
    shown = display if display is not None else str(path)
    return load_yaml_text(read_text(path, shown), shown, cache=True)


def _settings() -> tuple[Any, ...]:
    """What, besides the text and this code, decides what a parse returns (part of a cache key)."""
    return (MAX_DEPTH, MAX_NODES, MAX_DIGITS, yaml.__version__, _Loader.__name__)


def _check_shape(text: str) -> bool:
    """Refuse a document too deep, too long or holding several documents; whether it may expand
    past the size limit (it has aliases, or more values than the limit) and so needs
    :func:`_check_expansion`."""
    # Streaming events is iterative, so an absurdly deep document is refused here before the
    # recursive composer ever sees it.
    depth = 0
    documents = 0
    values = 0
    aliases = False
    for nodes, event in enumerate(yaml.parse(text, Loader=_Loader), start=1):
        if nodes > 2 * MAX_NODES:  # every value is one event (two for a collection)
            raise _Refusal(
                _line(event.start_mark),
                (),
                f"holds more than {MAX_NODES:,} values; the limit is {MAX_NODES:,}",
            )
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _Refusal(_line(event.start_mark), (), "holds more than one YAML document")
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refusal(_line(event.start_mark), (), f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases = True
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            values += 1
    return aliases or values > MAX_NODES


def _line(mark: Any) -> int | None:
    return None if mark is None else int(mark.line) + 1


def _check_expansion(root: yaml.Node) -> None:
    # Aliases share nodes; sizes are memoised per node so a "billion laughs" document is
    # measured in linear time and refused before anything is expanded.
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(c), 0) for c in children)
        if total > MAX_NODES:
            raise _Refusal(
                node.start_mark.line + 1,
                (),
                f"expands to more than {MAX_NODES:,} values (through aliases or sheer size)",
            )
        sizes[key] = total


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


_scalar_constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)
yaml.constructor.SafeConstructor.__init__(_scalar_constructor)


# YAML 1.1 (which PyYAML follows) reads 1:30 as 90, 0x2d as 45, 010 as 8 and 1_000 as 1000;
# YAML 1.2 and every reader of these files reads them as text or not at all. Numbers must be
# written plainly (decimal, an optional sign, a fraction and an exponent).
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(
    r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
# ... and these plain scalars, text to PyYAML, are numbers to a YAML 1.2 reader.
_NUMBER_IN_1_2 = re.compile(r"[-+]?0o[0-7]+|[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+")
MAX_DIGITS = MAX_NUMBER_DIGITS


def _scalar(node: yaml.ScalarNode, path: Path_) -> Any:
    line = node.start_mark.line + 1
    if node.tag not in _PLAIN_TAGS:
        raise _Refusal(line, path, f"YAML tag '{node.tag}' is not allowed here")
    if node.tag in (_INT_TAG, _FLOAT_TAG) or (not node.style and _NUMBER_IN_1_2.fullmatch(node.value)):
        pattern = {_INT_TAG: _PLAIN_INT, _FLOAT_TAG: _PLAIN_FLOAT}.get(node.tag)
        if pattern is None or not pattern.fullmatch(node.value):
            raise _Refusal(
                line,
                path,
                f"'{node.value}' is a number form YAML readers disagree on (sexagesimal like 1:30, hex,"
                " octal, binary, a leading zero, '_' separators, an exponent without a point); write"
                " the number in plain decimal, or quote it if it is text",
            )
        if len(node.value) > MAX_DIGITS:
            raise _Refusal(
                line, path, f"a number of {len(node.value):,} characters; the limit is {MAX_DIGITS}"
            )
    try:
        construct = _scalar_constructor.yaml_constructors[node.tag]
        return construct(_scalar_constructor, node)
    except (ValueError, OverflowError, yaml.constructor.ConstructorError):
        if node.tag == "tag:yaml.org,2002:timestamp":
            raise _Refusal(line, path, f"'{node.value}' is not a real date") from None
        raise _Refusal(line, path, f"cannot read value '{node.value}'") from None


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, path)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ_TAG:
            raise _Refusal(node.start_mark.line + 1, path, f"YAML tag '{node.tag}' is not allowed")
        return [_build(child, (*path, i), lines) for i, child in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP_TAG:
            raise _Refusal(node.start_mark.line + 1, path, f"YAML tag '{node.tag}' is not allowed")
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            kline = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refusal(kline, path, "keys must be plain names (no merge keys or complex keys)")
            key = _scalar(key_node, path)
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                raise _Refusal(kline, (*path, key), f"duplicate key '{key}'")
            lines[(*path, key)] = kline
            out[key] = _build(value_node, (*path, key), lines)
        return out
    raise _Refusal(node.start_mark.line + 1, path, "unsupported YAML node")  # pragma: no cover
