"""The rule files' expression language: a small, safe subset of Python syntax.

A ``when:`` or ``where:`` text is parsed with :mod:`ast` (never ``eval``), checked against the
names and types that the vocabulary and the rule set declare, and turned into a small typed tree.
That one tree is compiled three ways: into durable_rules conditions (``engine_condition``), into
a plain-Python predicate (``python_predicate``, the reference evaluator), and, for populations, into
column expressions. Allowed: names (``person.age``, ``request``), string, number, boolean and
``date("YYYY-MM-DD")`` literals, comparisons, ``in`` / ``not in``, ``and`` / ``or`` / ``not``,
``x if cond else y`` in definitions, and the functions ``has_any``, ``has_all``, ``within_years``
and ``date``.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import suggest
from ..safeio import limits

Kind = Literal["bool", "int", "date", "enum", "set", "text"]
ORDER_OPS = ("<", "<=", ">", ">=")
EQ_OPS = ("==", "!=")
_FLIP = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_AST_OPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}


@dataclass(frozen=True)
class FactType:
    """The type of a name an expression may read."""

    kind: Kind
    values: tuple[Any, ...] = ()
    nullable: bool = False

    def describe(self) -> str:
        if self.kind in ("enum", "set"):
            shown = ", ".join(repr(v) for v in self.values)
            return f"{'one of' if self.kind == 'enum' else 'a set of'} {shown}"
        return {"bool": "true or false", "int": "a whole number", "date": "a date", "text": "text"}[self.kind]


class ExpressionError(ValueError):
    """An expression that cannot be accepted; the message is one line."""


# ---------------------------------------------------------------------------------------------
# The typed tree


@dataclass(frozen=True)
class Ref:
    """A name the expression reads, with its type."""

    name: str
    type: FactType


@dataclass(frozen=True)
class Cmp:
    """``ref OP value``; a missing (null) ref never satisfies a comparison."""

    op: str
    ref: Ref
    value: Any


@dataclass(frozen=True)
class Has:
    """``value in ref`` for a set-valued ref."""

    ref: Ref
    value: Any


@dataclass(frozen=True)
class Given:
    """``ref is not None``."""

    ref: Ref


@dataclass(frozen=True)
class Within:
    """The date ``ref`` is no more than ``years`` whole years before the booking date."""

    ref: Ref
    years: int
    anchor: Ref


@dataclass(frozen=True)
class And:
    """True when every part is true."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """True when any part is true."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """True when the part is false."""

    part: Node


@dataclass(frozen=True)
class IfElse:
    """``then`` where ``cond`` holds, ``orelse`` elsewhere."""

    cond: Node
    then: Node
    orelse: Node


Node = Cmp | Has | Given | Within | And | Or | Not | IfElse


@dataclass(frozen=True)
class Scope:
    """The names an expression may read, with their types."""

    names: Mapping[str, FactType]
    allow_ifelse: bool = False
    booking_ref: str | None = None  # name of the booking date, for within_years


# ---------------------------------------------------------------------------------------------
# Parsing and checking


MAX_EXPRESSION_CHARS = limits.MAX_EXPRESSION_CHARS
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_DIGITS = re.compile(r"(?<![A-Za-z_0-9])[0-9][0-9_]*")  # a number, not the digits inside a name


def parse(text: str, scope: Scope) -> Node:
    """Parse and type-check an expression; raise ExpressionError with a one-line reason."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("an expression must be non-empty text")
    if len(text) > limits.MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            f"the expression is {len(text):,} characters long; the limit is {limits.MAX_EXPRESSION_CHARS:,}"
        )
    longest = max((len(m) for m in _DIGITS.findall(_QUOTED.sub("''", text))), default=0)
    if longest > limits.MAX_NUMBER_DIGITS:
        raise ExpressionError(
            f"a number of {longest:,} digits; the limit is {limits.MAX_NUMBER_DIGITS} (as in scenario files)"
        )
    try:
        tree = ast.parse("(" + text.strip() + ")", mode="eval")
        return _Checker(scope).condition(tree.body)
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in expression: {exc.msg}") from None
    except (RecursionError, MemoryError):
        # "not not not ..." thousands deep, or a name of thousands of dotted parts
        raise ExpressionError("the expression is nested too deeply to read") from None


class _Checker:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    # conditions -------------------------------------------------------------------------------
    def condition(self, node: ast.expr) -> Node:
        if isinstance(node, ast.BoolOp):
            parts = tuple(self.condition(v) for v in node.values)
            return And(parts) if isinstance(node.op, ast.And) else Or(parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Not(self.condition(node.operand))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Name | ast.Attribute):
            ref = self.ref(node)
            if ref.type.kind != "bool":
                raise ExpressionError(f"'{ref.name}' is {ref.type.describe()}, not true or false; compare it")
            return _guard(ref, Cmp("==", ref, True))
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.IfExp):
            if not self.scope.allow_ifelse:
                raise ExpressionError("'x if c else y' is allowed only in definitions")
            return IfElse(self.condition(node.test), self.condition(node.body), self.condition(node.orelse))
        if isinstance(node, ast.Constant):
            raise ExpressionError(f"a bare constant ({node.value!r}) is not a condition")
        raise ExpressionError(f"{_describe(node)} is not allowed in a rule expression")

    def compare(self, node: ast.Compare) -> Node:
        if len(node.ops) > 1:
            parts = []
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                parts.append(self.compare(ast.Compare(left=left, ops=[op], comparators=[right])))
                left = right
            return And(tuple(parts))
        op, left, right = node.ops[0], node.left, node.comparators[0]
        if isinstance(op, ast.In | ast.NotIn):
            result = self.membership(left, right)
            return Not(result) if isinstance(op, ast.NotIn) else result
        if isinstance(op, ast.Is | ast.IsNot):
            if not (isinstance(right, ast.Constant) and right.value is None):
                raise ExpressionError("'is' may only compare with None")
            ref = self.ref(left)
            given = Given(ref)
            return given if isinstance(op, ast.IsNot) else Not(given)
        for side in (left, right):
            if not _is_ref(side) and not isinstance(side, ast.Constant | ast.Call | ast.UnaryOp):
                raise ExpressionError(f"{_describe(side)} is not allowed in a rule expression")
        sym = _AST_OPS.get(type(op))
        if sym is None:  # pragma: no cover - every cmpop is handled above
            raise ExpressionError(f"operator {type(op).__name__} is not allowed")
        if _is_ref(left) and not _is_ref(right):
            ref, lit_node = self.ref(left), right
        elif _is_ref(right) and not _is_ref(left):
            ref, lit_node, sym = self.ref(right), left, _MIRROR[sym]
        elif _is_ref(left):
            raise ExpressionError("compare a name with a value, not with another name")
        else:
            raise ExpressionError("a comparison needs a name on one side")
        if isinstance(lit_node, ast.Constant) and lit_node.value is None:
            if sym not in EQ_OPS:
                raise ExpressionError("None can only be compared with == or !=")
            given = Given(ref)
            return Not(given) if sym == "==" else given
        value = self.literal(lit_node, ref)
        if ref.type.kind in ("bool", "enum", "text", "set") and sym not in EQ_OPS:
            raise ExpressionError(f"'{ref.name}' can only be compared with == or !=")
        if ref.type.kind == "set":
            raise ExpressionError(f"'{ref.name}' is a set; test membership with \"x\" in {ref.name}")
        return _guard(ref, Cmp(sym, ref, value))

    def membership(self, left: ast.expr, right: ast.expr) -> Node:
        if _is_ref(right):
            ref = self.ref(right)
            if ref.type.kind != "set":
                raise ExpressionError(f"'{ref.name}' is not a set; use == to compare it")
            return Has(ref, self.literal(left, ref))
        if isinstance(right, ast.List | ast.Tuple | ast.Set):
            ref = self.ref(left)
            if ref.type.kind == "set":
                raise ExpressionError(f"use has_any({ref.name}, [...]) to test a set against a list")
            if not right.elts:
                raise ExpressionError("an empty list matches nothing")
            options = tuple(Cmp("==", ref, self.literal(e, ref)) for e in right.elts)
            return _guard(ref, options[0] if len(options) == 1 else Or(options))
        raise ExpressionError("'in' needs a set-valued name or a list of values on its right")

    def call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise ExpressionError("only has_any(...), has_all(...) and within_years(...) are calls")
        fn = node.func.id
        if fn in ("has_any", "has_all"):
            if len(node.args) != 2 or not isinstance(node.args[1], ast.List | ast.Tuple):
                raise ExpressionError(f"{fn}(name, [values]) takes a set name and a list")
            ref = self.ref(node.args[0])
            if ref.type.kind != "set":
                raise ExpressionError(f"{fn} needs a set-valued name; '{ref.name}' is not one")
            if not node.args[1].elts:
                raise ExpressionError(f"{fn} needs at least one value")
            parts = tuple(Has(ref, self.literal(e, ref)) for e in node.args[1].elts)
            if len(parts) == 1:
                return parts[0]
            return Or(parts) if fn == "has_any" else And(parts)
        if fn == "within_years":
            if self.scope.booking_ref is None:
                raise ExpressionError("within_years(...) is only available where a booking date is")
            if len(node.args) != 2:
                raise ExpressionError("within_years(date_name, years) takes two arguments")
            ref = self.ref(node.args[0])
            if ref.type.kind != "date":
                raise ExpressionError(f"within_years needs a date; '{ref.name}' is not one")
            years = node.args[1]
            if not (isinstance(years, ast.Constant) and type(years.value) is int and years.value >= 0):
                raise ExpressionError("within_years needs a whole number of years")
            anchor = self.ref(ast.parse(self.scope.booking_ref, mode="eval").body)
            return Within(ref, years.value, anchor)
        known = ("has_any", "has_all", "within_years", "date")
        raise ExpressionError(f"unknown function '{fn}'{suggest(fn, known)}")

    # names and values -------------------------------------------------------------------------
    def ref(self, node: ast.expr) -> Ref:
        name = _dotted(node)
        if name is None:
            raise ExpressionError(f"{_describe(node)} is not a name")
        ftype = self.scope.names.get(name)
        if ftype is None:
            raise ExpressionError(f"unknown name '{name}'{suggest(name, self.scope.names)}")
        return Ref(name, ftype)

    def literal(self, node: ast.expr, ref: Ref) -> Any:
        t = ref.type
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id == "date"):
                raise ExpressionError('the only call allowed as a value is date("YYYY-MM-DD")')
            if (
                len(node.args) != 1
                or not isinstance(node.args[0], ast.Constant)
                or not isinstance(node.args[0].value, str)
            ):
                raise ExpressionError('date(...) takes one "YYYY-MM-DD" text')
            try:
                value: Any = dt.date.fromisoformat(node.args[0].value)
            except ValueError:
                raise ExpressionError(f"'{node.args[0].value}' is not a real date") from None
        elif isinstance(node, ast.Constant):
            value = node.value
        elif (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) is int
        ):
            value = -node.operand.value
        elif _is_ref(node):
            raise ExpressionError("compare a name with a value, not with another name")
        else:
            raise ExpressionError(f"{_describe(node)} is not a value")
        kind = t.kind
        ok = {
            "bool": type(value) is bool,
            "int": type(value) is int,
            "date": type(value) is dt.date,
            "enum": value in t.values and type(value) is type(t.values[0]),
            "set": value in t.values,
            "text": isinstance(value, str),
        }[kind]
        if not ok:
            hint = suggest(str(value), [str(v) for v in t.values]) if t.values else ""
            raise ExpressionError(f"'{ref.name}' is {t.describe()}; {value!r} is not allowed{hint}")
        return value


def _guard(ref: Ref, node: Node) -> Node:
    return And((Given(ref), node)) if ref.type.nullable else node


def _is_ref(node: ast.expr) -> bool:
    return _dotted(node) is not None


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _describe(node: ast.AST) -> str:
    return {
        "BinOp": "arithmetic",
        "Subscript": "indexing",
        "Lambda": "a lambda",
        "ListComp": "a comprehension",
        "GeneratorExp": "a comprehension",
        "Call": "a call",
    }.get(type(node).__name__, f"'{type(node).__name__}'")


# ---------------------------------------------------------------------------------------------
# Reading a tree


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, the root first."""
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, And | Or):
            stack.extend(reversed(n.parts))
        elif isinstance(n, Not):
            stack.append(n.part)
        elif isinstance(n, IfElse):
            stack.extend((n.orelse, n.then, n.cond))


def refs(node: Node) -> set[str]:
    """Every name the expression reads."""
    out: set[str] = set()
    for n in walk(node):
        if isinstance(n, Cmp | Has | Given):
            out.add(n.ref.name)
        elif isinstance(n, Within):
            out.update((n.ref.name, n.anchor.name))
    return out


def literals(node: Node) -> dict[str, set[Any]]:
    """For each name, the values it is compared with (used to find equivalence classes)."""
    out: dict[str, set[Any]] = {}
    for n in walk(node):
        if isinstance(n, Cmp | Has):
            out.setdefault(n.ref.name, set()).add(n.value)
    return out


def render(node: Node) -> str:
    """A readable text of the tree (for explanations)."""
    if isinstance(node, Cmp):
        return f"{node.ref.name} {node.op} {_show(node.value)}"
    if isinstance(node, Has):
        return f"{_show(node.value)} in {node.ref.name}"
    if isinstance(node, Given):
        return f"{node.ref.name} is given"
    if isinstance(node, Within):
        return f"{node.ref.name} within {node.years} years of {node.anchor.name}"
    if isinstance(node, And):
        return " and ".join(_paren(p) for p in node.parts if not isinstance(p, Given))
    if isinstance(node, Or):
        return " or ".join(_paren(p) for p in node.parts)
    if isinstance(node, Not):
        return f"not {_paren(node.part)}"
    return f"{render(node.then)} if {render(node.cond)} else {render(node.orelse)}"


def _paren(node: Node) -> str:
    text = render(node)
    return f"({text})" if isinstance(node, And | Or) and len(node.parts) > 1 else text


def _show(value: Any) -> str:
    if isinstance(value, dt.date):
        return f'date("{value.isoformat()}")'
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


# ---------------------------------------------------------------------------------------------
# The reference (plain-Python) semantics

Facts = Mapping[str, Any]


def python_predicate(node: Node) -> Callable[[Facts], bool]:
    """Compile the tree into a plain-Python predicate over a mapping of name -> value.

    Values are plain Python: bool, int, datetime.date, str, frozenset for sets, None when
    not given. A comparison with a value that is not given is false.
    """
    if isinstance(node, Cmp):
        name, value, op = node.ref.name, node.value, node.op
        return _CMP[op](name, value)
    if isinstance(node, Has):
        hname, hvalue = node.ref.name, node.value
        return lambda f: hvalue in f[hname]
    if isinstance(node, Given):
        gname = node.ref.name
        return lambda f: f[gname] is not None
    if isinstance(node, Within):
        wname, years, anchor = node.ref.name, node.years, node.anchor.name

        def within(f: Facts) -> bool:
            d = f[wname]
            return d is not None and d >= years_before(f[anchor], years)

        return within
    if isinstance(node, And | Or):
        if len(node.parts) >= 2 and all(isinstance(p, Cmp) for p in node.parts):
            return _cmps(node)
        parts = [python_predicate(p) for p in node.parts]
        # short-circuit as ``all``/``any`` do; one and two parts (most) without a generator
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            a, b = parts
            if isinstance(node, And):
                return lambda f: bool(a(f) and b(f))
            return lambda f: bool(a(f) or b(f))
        # loops, not all()/any() over a generator: no generator made per test (measured faster)
        if isinstance(node, And):

            def all_of(f: Facts) -> bool:
                for p in parts:  # noqa: SIM110
                    if not p(f):
                        return False
                return True

            return all_of

        def any_of(f: Facts) -> bool:
            for p in parts:  # noqa: SIM110
                if p(f):
                    return True
            return False

        return any_of
    if isinstance(node, Not):
        inner = python_predicate(node.part)
        return lambda f: not inner(f)
    cond, then, orelse = (python_predicate(n) for n in (node.cond, node.then, node.orelse))
    return lambda f: then(f) if cond(f) else orelse(f)


def _cmps(node: And | Or) -> Callable[[Facts], bool]:
    """An ``and``/``or`` of comparisons only, as one loop over (name, test, value): the truth
    value of each comparison as :func:`_cmp` gives it, short-circuited as ``all``/``any`` are."""
    tests = tuple((p.ref.name, _OPS[p.op], p.value) for p in node.parts if isinstance(p, Cmp))
    if isinstance(node, And):

        def all_cmp(f: Facts) -> bool:
            for name, test, value in tests:
                v = f[name]
                if v is None or not test(v, value):
                    return False
            return True

        return all_cmp

    def any_cmp(f: Facts) -> bool:
        for name, test, value in tests:
            v = f[name]
            if v is not None and test(v, value):
                return True
        return False

    return any_cmp


def _cmp(test: Callable[[Any, Any], bool]) -> Callable[[str, Any], Callable[[Facts], bool]]:
    def make(name: str, value: Any) -> Callable[[Facts], bool]:
        def pred(f: Facts) -> bool:
            v = f[name]
            return v is not None and test(v, value)

        return pred

    return make


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_CMP: dict[str, Callable[[str, Any], Callable[[Facts], bool]]] = {op: _cmp(test) for op, test in _OPS.items()}


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` years earlier (February 29 falls back to February 28)."""
    if day.year - years < dt.MINYEAR:
        return dt.date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# ---------------------------------------------------------------------------------------------
# The engine form (durable_rules JSON conditions over flat, encoded facts)


# Every engine key starts with "f" and escapes "." and "_" (and anything else not a letter or
# digit), so that distinct names can never share a key, and no name can take the adapter's own
# keys ("sid", "dm__always") or another name's "given"/"has" companion keys.
ENGINE_KEY_PREFIX = "f"
ADAPTER_KEYS = frozenset({"sid", "dm__always"})  # the keys core.engine adds to every fact


@functools.cache
def fact_key(name: str) -> str:
    """The flat key under which a name's value is asserted to the engine (one-to-one)."""
    out = [ENGINE_KEY_PREFIX]
    for ch in name:
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif ch == ".":
            out.append("_o")
        elif ch == "_":
            out.append("_u")
        else:
            out.append(f"_x{ord(ch):x}_")
    return "".join(out)


def given_key(name: str) -> str:
    return fact_key(name) + "_G"


def member_key(ref: Ref, value: Any) -> str:
    return f"{fact_key(ref.name)}_H{ref.type.values.index(value)}"


def engine_keys(name: str, ftype: FactType) -> tuple[str, ...]:
    """Every engine key that ``encode`` may write for this name."""
    if ftype.kind == "set":
        return tuple(member_key(Ref(name, ftype), v) for v in ftype.values)
    return (fact_key(name), given_key(name)) if ftype.nullable else (fact_key(name),)


def check_engine_keys(names: Mapping[str, FactType]) -> list[str]:
    """Problems, if any, with the engine keys of ``names``: each must be one name's alone."""
    owner: dict[str, str] = {}
    problems = []
    for name, ftype in names.items():
        for key in engine_keys(name, ftype):
            if key in ADAPTER_KEYS or not key.startswith(ENGINE_KEY_PREFIX):
                problems.append(f"'{name}' would be asserted under the engine's own key '{key}'")
            elif key in owner and owner[key] != name:
                problems.append(f"'{name}' and '{owner[key]}' would share the engine key '{key}'")
            owner[key] = name
    return problems


def encode_value(value: Any) -> Any:
    """Dates travel to the engine as day numbers; everything else as it is."""
    return value.toordinal() if isinstance(value, dt.date) else value


def encode(name: str, ftype: FactType, value: Any) -> dict[str, Any]:
    """The flat engine fields for one name: always complete, never missing (trap 6)."""
    key = fact_key(name)
    if ftype.kind == "set":
        members = value or frozenset()
        return {member_key(Ref(name, ftype), v): v in members for v in ftype.values}
    out: dict[str, Any] = {}
    if ftype.nullable:
        out[given_key(name)] = value is not None
    if value is None:
        placeholder: Any = {"bool": False, "int": 0, "date": 0, "enum": "", "text": ""}[ftype.kind]
        out[key] = placeholder
    else:
        out[key] = encode_value(value)
    return out


def engine_condition(node: Node, negate: bool = False) -> dict[str, Any]:
    """Compile the tree, in negation normal form, into a durable_rules condition."""
    if isinstance(node, Cmp):
        op = _FLIP[node.op] if negate else node.op
        key, value = fact_key(node.ref.name), encode_value(node.value)
        if op == "==":
            return {key: value}
        return {{"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}[op]: {key: value}}
    if isinstance(node, Has):
        return {member_key(node.ref, node.value): not negate}
    if isinstance(node, Given):
        return {given_key(node.ref.name): not negate}
    if isinstance(node, Not):
        return engine_condition(node.part, not negate)
    if isinstance(node, And | Or):
        conj = isinstance(node, And) != negate
        parts = [engine_condition(p, negate) for p in node.parts]
        if len(parts) == 1:
            return parts[0]
        return {"$and" if conj else "$or": parts}
    raise ExpressionError(f"{type(node).__name__} cannot be evaluated by the rule engine")
