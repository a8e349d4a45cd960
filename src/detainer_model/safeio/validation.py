"""Turning pydantic's validation errors into one located, readable line each."""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import Problem, ProblemList, suggest
from .yamlsafe import LocatedDocument, format_path

M = TypeVar("M", bound=BaseModel)


def validate_document(
    model: type[M], doc: LocatedDocument, data: Any = None, *, context: Any = None
) -> tuple[M | None, list[Problem]]:
    """Validate ``doc.data`` (or ``data``) as ``model``; return the model or located problems."""
    try:
        value = model.model_validate(doc.data if data is None else data, context=context)
    except ValidationError as exc:
        return None, problems_from(exc, model, doc)
    return value, []


def problems_from(
    exc: ValidationError, model: type[BaseModel], doc: LocatedDocument, prefix: Sequence[str | int] = ()
) -> list[Problem]:
    """One Problem per pydantic error, located in ``doc`` (loc is relative to ``prefix``)."""
    problems = ProblemList()
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors(include_url=False):
        if problems.full:  # past the bound: counted, not described
            problems.count_more(doc.file)
            continue
        loc = tuple(p for p in err["loc"] if not _is_internal(p))
        full = (*prefix, *loc)
        message = _message(err, model, loc)
        key = (full, message)
        if key in seen:
            continue
        seen.add(key)
        problems.add(Problem(doc.file, doc.line_of(full), format_path(full), message))
    return list(problems.problems())


def _is_internal(part: Any) -> bool:
    # pydantic puts validator and union-member names into locations; they mean nothing to a user
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _message(err: Any, model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        allowed = allowed_keys(model, loc[:-1])
        return f"unknown key '{name}'{suggest(name, allowed)}"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        options = [o.strip().strip("'") for o in str(expected).replace(" or ", ", ").split(",")]
        return f"{_show(value)} is not one of {expected}{suggest(str(value), options)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {_show(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {_show(value)}"
    if kind in ("string_type",):
        return f"expected text, got {_show(value)}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {_show(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys to values, got {_show(value)}"
    if kind in ("date_type", "date_parsing", "date_from_datetime_inexact", "date_from_datetime_parsing"):
        return f"expected a date written YYYY-MM-DD, got {_show(value)}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}, got {_show(value)}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}, got {_show(value)}"
    if kind == "string_pattern_mismatch":
        return f"{_show(value)} does not match the pattern {ctx.get('pattern')}"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"])


def _show(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def allowed_keys(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The keys a mapping at ``loc`` inside ``model`` may have."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    models = list(_models_in(current))
    return sorted({k for m in models for k in _aliases(m)})


def _aliases(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _step(current: Any, part: Any) -> Any:
    for candidate in _unwrap(current):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel) and isinstance(part, str):
            for name, f in candidate.model_fields.items():
                if (f.alias or name) == part:
                    return f.annotation
        origin = typing.get_origin(candidate)
        args = typing.get_args(candidate)
        if origin in (list, tuple, Sequence) and isinstance(part, int) and args:
            return args[0]
        if origin is dict and len(args) == 2:
            return args[1]
    return None


def _unwrap(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [u for a in typing.get_args(tp) for u in _unwrap(a)]
    return [tp]


def _models_in(tp: Any) -> list[type[BaseModel]]:
    return [t for t in _unwrap(tp) if isinstance(t, type) and issubclass(t, BaseModel)]
