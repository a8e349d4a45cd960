"""Parsing YAML text safely into plain data with the line of every value (PyYAML's part).

:func:`detainer_model.safeio.yamlsafe.load_yaml_text` calls :func:`parse` when a text is not in
the cache of parsed files; this module alone imports PyYAML, so a command whose files all come
from the cache never loads it. The limits are :mod:`.yamlsafe`'s, read as each text is parsed.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..errors import InputError, Problem
from . import yamlsafe as _front
from .yamlsafe import LocatedDocument, Path_, format_path

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


class _Refusal(Exception):
    def __init__(self, line: int | None, path: Path_, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.path = path
        self.message = message


def parse(text: str, display: str) -> LocatedDocument:
    """Parse one YAML document into plain data with line numbers, or raise InputError."""
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
        if nodes > 2 * _front.MAX_NODES:  # every value is one event (two for a collection)
            raise _Refusal(
                _line(event.start_mark),
                (),
                f"holds more than {_front.MAX_NODES:,} values; the limit is {_front.MAX_NODES:,}",
            )
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _Refusal(_line(event.start_mark), (), "holds more than one YAML document")
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _front.MAX_DEPTH:
                raise _Refusal(_line(event.start_mark), (), f"nested deeper than {_front.MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases = True
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            values += 1
    return aliases or values > _front.MAX_NODES


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
        if total > _front.MAX_NODES:
            raise _Refusal(
                node.start_mark.line + 1,
                (),
                f"expands to more than {_front.MAX_NODES:,} values (through aliases or sheer size)",
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
        if len(node.value) > _front.MAX_DIGITS:
            raise _Refusal(
                line, path, f"a number of {len(node.value):,} characters; the limit is {_front.MAX_DIGITS}"
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
